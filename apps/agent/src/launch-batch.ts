import type { RunTask, RunTaskReply } from '@dcos/contracts';

/**
 * An `agentLaunch` request with `tasks` launches `task` and then each of them, one by one,
 * through `launchOne` (the single-task path, so checks stay in one place). A single-task
 * request keeps its old behaviour: a refusal is the error reply. In a batch, refusals are
 * listed in the reply by task and do not stop the others.
 */
export function launchBatch(m: RunTask, launchOne: (m: RunTask) => object): RunTaskReply {
  if (!m.tasks || m.tasks.length === 0) {
    launchOne(m);
    return {};
  }
  const refused: NonNullable<RunTaskReply['refused']> = [];
  for (const task of [m.task, ...m.tasks]) {
    try {
      launchOne({ framework_id: m.framework_id, framework: m.framework, task });
    } catch (e) {
      refused.push({
        task_id: task.task_id,
        // AgentRequestError's code (NOT_READY, DUPLICATE_TASK, …); anything else failed.
        code:
          typeof (e as { code?: unknown }).code === 'string'
            ? (e as { code: string }).code
            : 'LAUNCH_FAILED',
        message: (e as Error).message,
      });
    }
  }
  return refused.length > 0 ? { refused } : {};
}

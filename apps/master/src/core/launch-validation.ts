import {
  add,
  contains,
  EMPTY,
  formatRanges,
  formatResources,
  fromMesosResources,
  getRanges,
  isEmpty,
  rangesContains,
  subtract,
  type MesosResource,
  type Resources,
} from '@dcos/allocator';
import type { TaskInfo } from '@dcos/contracts';

/**
 * Validation of the LAUNCH operations of one ACCEPT (pure). Tasks are checked in order
 * against what is left of the offered resources, as Mesos does; an invalid task is
 * rejected with a reason and takes nothing, the valid ones launch.
 */
export interface LaunchRequest {
  offerAgentId: string;
  offered: Resources;
  /** Is this task id already used by a live task of the framework? */
  isTaskIdInUse: (taskId: string) => boolean;
  tasks: TaskInfo[];
}

export interface AcceptedTask {
  task: TaskInfo;
  resources: Resources;
}

export interface RejectedTask {
  task: TaskInfo;
  reason: 'REASON_TASK_INVALID';
  message: string;
}

export interface LaunchVerdict {
  accepted: AcceptedTask[];
  rejected: RejectedTask[];
  /** Sum of the accepted tasks' resources (what the allocator records as used). */
  used: Resources;
}

export function validateLaunch(req: LaunchRequest): LaunchVerdict {
  const accepted: AcceptedTask[] = [];
  const rejected: RejectedTask[] = [];
  const seen = new Set<string>();
  let left = req.offered;
  let used: Resources = EMPTY;
  for (const task of req.tasks) {
    const problem = check(task);
    if (typeof problem === 'string') {
      rejected.push({ task, reason: 'REASON_TASK_INVALID', message: problem });
      continue;
    }
    seen.add(task.task_id.value);
    left = subtract(left, problem);
    used = add(used, problem);
    accepted.push({ task, resources: problem });
  }
  return { accepted, rejected, used };

  /** The task's resources, or why it cannot launch. */
  function check(task: TaskInfo): Resources | string {
    const id = task.task_id.value;
    if (seen.has(id) || req.isTaskIdInUse(id)) return `Task has duplicate ID: ${id}`;
    if (task.agent_id.value !== req.offerAgentId) {
      return `Task uses agent ${task.agent_id.value} but the offers are for agent ${req.offerAgentId}`;
    }
    if (task.executor !== undefined) {
      return 'Task has an executor: only command tasks (TaskInfo.command) are supported';
    }
    if (task.command === undefined) return 'Task has no command (TaskInfo.command is required)';
    const shell = task.command.shell ?? true;
    if (shell && !task.command.value) return 'Task command.value is required when shell is true';
    if (!shell && !task.command.value && !(task.command.arguments ?? []).length) {
      return 'Task command needs value or arguments when shell is false';
    }
    let res: Resources;
    try {
      res = fromMesosResources(task.resources as unknown as MesosResource[]);
    } catch (e) {
      return `Task resources are invalid: ${(e as Error).message}`;
    }
    if (isEmpty(res)) return 'Task uses no resources';
    const ports = getRanges(res, 'ports');
    if (ports.length > 0 && !rangesContains(getRanges(left, 'ports'), ports)) {
      return `Task uses ports ${formatRanges(ports)} outside the offered ${formatRanges(getRanges(left, 'ports'))}`;
    }
    for (const r of res) {
      if (!r.disk?.indivisible) continue;
      const whole = left.find((l) => l.role === r.role && l.disk?.key === r.disk?.key);
      if (whole && whole.scalar !== r.scalar) {
        const src = r.disk.info['source'] as { type?: string; id?: string } | undefined;
        return `Task uses ${r.scalar} MB of ${src?.type ?? 'persistent'} disk ${src?.id ?? ''}: it is used whole (${whole.scalar} MB)`;
      }
    }
    if (!contains(left, res)) {
      return `Task uses more resources (${formatResources(res)}) than available in the offers (${formatResources(left)})`;
    }
    return res;
  }
}

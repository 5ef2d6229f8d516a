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
import { TaskInfoSchema, type TaskInfo } from '@dcos/contracts';

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
  /** The framework launching (an executor's `framework_id` must be it). */
  frameworkId?: string;
  /** The ExecutorInfo of an executor of the framework already running on the agent. */
  runningExecutor?: (executorId: string) => ExecutorInfo | undefined;
  /** LAUNCH_GROUP operations: each group runs under the default executor, all or nothing. */
  groups?: TaskGroupLaunch[];
}

/** The part of Mesos' `ExecutorInfo` the master checks. */
export interface ExecutorInfo {
  type?: string;
  executor_id?: { value?: string };
  framework_id?: { value?: string };
  command?: unknown;
  resources?: unknown[];
  [k: string]: unknown;
}

export interface TaskGroupLaunch {
  executor?: ExecutorInfo;
  tasks: TaskInfo[];
}

export interface AcceptedTask {
  /** As given; a task of a group gets the group's executor in `executor`. */
  task: TaskInfo;
  /** The task's resources, plus its executor's when the task starts that executor. */
  resources: Resources;
}

export interface RejectedTask {
  task: TaskInfo;
  reason: 'REASON_TASK_INVALID';
  message: string;
}

export interface LaunchVerdict {
  accepted: AcceptedTask[];
  /** Task ids of each accepted task group. */
  groups: string[][];
  rejected: RejectedTask[];
  /** Sum of the accepted tasks' resources (what the allocator records as used). */
  used: Resources;
}

export function validateLaunch(req: LaunchRequest): LaunchVerdict {
  const accepted: AcceptedTask[] = [];
  const rejected: RejectedTask[] = [];
  const groups: string[][] = [];
  const seen = new Set<string>();
  /** Executors this ACCEPT starts (their resources are charged once, to their first task). */
  const starting = new Map<string, ExecutorInfo>();
  let left = req.offered;
  let used: Resources = EMPTY;
  for (const task of req.tasks) {
    const executor = task.executor as ExecutorInfo | undefined;
    const problem = executor ? checkExecutor(executor, 'LAUNCH') : undefined;
    const res = problem ?? check(task, false);
    if (typeof res === 'string') {
      rejected.push({ task, reason: 'REASON_TASK_INVALID', message: res });
      continue;
    }
    const withExecutor = executor ? executorCharge(executor, res) : res;
    if (typeof withExecutor === 'string') {
      rejected.push({ task, reason: 'REASON_TASK_INVALID', message: withExecutor });
      continue;
    }
    take(task, withExecutor, executor);
  }
  for (const g of req.groups ?? []) launchGroup(g);
  return { accepted, rejected, groups, used };

  function take(task: TaskInfo, res: Resources, executor?: ExecutorInfo): void {
    seen.add(task.task_id.value);
    left = subtract(left, res);
    used = add(used, res);
    if (executor?.executor_id?.value && !starting.has(executor.executor_id.value))
      starting.set(executor.executor_id.value, executor);
    accepted.push({ task, resources: res });
  }

  /** A task group: every task valid and all of them (and a new executor) fit, or none launches. */
  function launchGroup(g: TaskGroupLaunch): void {
    const leftBefore = left;
    const fail = (message: string) => {
      left = leftBefore; // a refused group takes nothing
      for (const task of g.tasks) rejected.push({ task, reason: 'REASON_TASK_INVALID', message });
    };
    if (g.tasks.length === 0) return;
    if (!g.executor) return fail("Task group has no executor ('LaunchGroup.executor' is required)");
    const executor = g.executor;
    const bad = checkExecutor(executor, 'LAUNCH_GROUP');
    if (bad) return fail(bad);
    const ids = new Set<string>();
    let total: Resources = EMPTY;
    const each: Resources[] = [];
    for (const task of g.tasks) {
      if (ids.has(task.task_id.value)) return fail(`Task has duplicate ID: ${task.task_id.value}`);
      ids.add(task.task_id.value);
      if (task.executor !== undefined)
        return fail(`Task ${task.task_id.value} of a task group must not have 'TaskInfo.executor'`);
      const res = check(task, true);
      if (typeof res === 'string') return fail(`Task ${task.task_id.value}: ${res}`);
      each.push(res);
      total = add(total, res);
      left = subtract(left, res); // the next task of the group must fit in what is left
    }
    left = leftBefore;
    const charged = executorCharge(executor, total);
    if (typeof charged === 'string') return fail(charged);
    const extra = subtract(charged, total);
    g.tasks.forEach((task, i) =>
      take(
        { ...task, executor },
        i === 0 ? add(each[i] as Resources, extra) : (each[i] as Resources),
      ),
    );
    if (executor.executor_id?.value) starting.set(executor.executor_id.value, executor);
    groups.push(g.tasks.map((t) => t.task_id.value));
  }

  /** What's wrong with an ExecutorInfo (Mesos' executor validation), if anything. */
  function checkExecutor(e: ExecutorInfo, op: 'LAUNCH' | 'LAUNCH_GROUP'): string | undefined {
    const id = e.executor_id?.value;
    if (typeof id !== 'string' || id === '') return "'ExecutorInfo.executor_id' is required";
    if (!/^[A-Za-z0-9_.\-:@]+$/.test(id) || id === '.' || id === '..')
      return `'ExecutorInfo.executor_id' "${id}" may only use letters, digits, _ . - : @`;
    const fw = e.framework_id?.value;
    if (fw !== undefined && req.frameworkId !== undefined && fw !== req.frameworkId)
      return `ExecutorInfo has an invalid FrameworkID (Actual: ${fw} vs Expected: ${req.frameworkId})`;
    const type = e.type ?? (op === 'LAUNCH' ? 'CUSTOM' : undefined);
    if (op === 'LAUNCH_GROUP' && type !== 'DEFAULT')
      return `The executor of a task group must be of type DEFAULT (got ${String(e.type ?? 'none')})`;
    if (op === 'LAUNCH' && type !== 'CUSTOM')
      return `A LAUNCH executor must be of type CUSTOM (got ${String(type)}); DEFAULT executors run task groups (LAUNCH_GROUP)`;
    if (type === 'CUSTOM' && !e.command)
      return "'ExecutorInfo.command' must be set for a CUSTOM executor";
    if (type === 'DEFAULT' && e.command !== undefined)
      return "'ExecutorInfo.command' must not be set for a DEFAULT executor";
    const known = req.runningExecutor?.(id) ?? starting.get(id);
    if (known && !sameExecutor(known, e))
      return `ExecutorInfo is not compatible with that of the running executor ${id}`;
    return undefined;
  }

  /** The resources `res` plus the executor's when this launch starts it; or why they do not fit. */
  function executorCharge(e: ExecutorInfo, res: Resources): Resources | string {
    const id = e.executor_id?.value ?? '';
    if (req.runningExecutor?.(id) || starting.has(id)) return res;
    let own: Resources;
    try {
      own = fromMesosResources((e.resources ?? []) as MesosResource[]);
    } catch (err) {
      return `Executor resources are invalid: ${(err as Error).message}`;
    }
    const all = add(res, own);
    if (!contains(left, all)) {
      return `Task and its executor use more resources (${formatResources(all)}) than available in the offers (${formatResources(left)})`;
    }
    return all;
  }

  /** The task's resources, or why it cannot launch. */
  function check(task: TaskInfo, inGroup: boolean): Resources | string {
    const id = task.task_id.value;
    if (seen.has(id) || req.isTaskIdInUse(id)) return `Task has duplicate ID: ${id}`;
    if (task.agent_id.value !== req.offerAgentId) {
      return `Task uses agent ${task.agent_id.value} but the offers are for agent ${req.offerAgentId}`;
    }
    if (task.executor !== undefined) {
      if (task.command !== undefined)
        return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
      return taskResources(task);
    }
    if (task.command === undefined)
      return inGroup
        ? 'Task has no command (TaskInfo.command is required for tasks of the default executor)'
        : 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
    const shell = task.command.shell ?? true;
    if (shell && !task.command.value) return 'Task command.value is required when shell is true';
    if (!shell && !task.command.value && !(task.command.arguments ?? []).length) {
      return 'Task command needs value or arguments when shell is false';
    }
    return taskResources(task);
  }

  function taskResources(task: TaskInfo): Resources | string {
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

/** Same executor as far as Mesos' compatibility check goes: type, command, resources. */
function sameExecutor(a: ExecutorInfo, b: ExecutorInfo): boolean {
  const norm = (e: ExecutorInfo) =>
    JSON.stringify([e.type ?? 'CUSTOM', e.command ?? null, e.resources ?? []]);
  return norm(a) === norm(b);
}

/** A LAUNCH_GROUP offer operation's `launch_group` is malformed (a 400 naming the field). */
export class LaunchGroupError extends Error {}

/** `operations[i].launch_group` ({executor, task_group: {tasks}}) as a TaskGroupLaunch. */
export function parseLaunchGroup(raw: unknown, i: number): TaskGroupLaunch {
  const at = `accept.operations[${i}].launch_group`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new LaunchGroupError(`${at}: required for LAUNCH_GROUP`);
  const lg = raw as { executor?: unknown; task_group?: { tasks?: unknown } };
  if (lg.executor !== undefined && (typeof lg.executor !== 'object' || lg.executor === null))
    throw new LaunchGroupError(`${at}.executor: must be an ExecutorInfo object`);
  const tasks = lg.task_group?.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0)
    throw new LaunchGroupError(`${at}.task_group.tasks: a non-empty array of TaskInfo is required`);
  return {
    executor: lg.executor as ExecutorInfo | undefined,
    tasks: tasks.map((t, j) => {
      const r = TaskInfoSchema.safeParse(t);
      if (!r.success) {
        const issue = r.error.issues[0];
        throw new LaunchGroupError(
          `${at}.task_group.tasks[${j}].${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        );
      }
      return r.data;
    }),
  };
}

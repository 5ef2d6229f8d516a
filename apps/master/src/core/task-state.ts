import { isTerminalTaskState, type TaskState } from '@dcos/contracts';

/**
 * The master's task state machine (pure). A task's state follows the updates its agent
 * sends; terminal states are final, except those the master itself inferred from losing
 * the agent (TASK_LOST / TASK_UNREACHABLE): when the agent comes back, its word wins.
 */
export interface TaskStateView {
  state: TaskState;
  /** The current state was set by the master because the agent went away. */
  inferred: boolean;
}

export type TransitionVerdict = 'apply' | 'repeat' | 'ignore';

export function judgeTransition(task: TaskStateView, next: TaskState): TransitionVerdict {
  if (task.inferred) return next === task.state ? 'repeat' : 'apply';
  if (isTerminalTaskState(task.state)) return 'ignore';
  if (next === task.state) return 'repeat';
  return 'apply';
}

/** What a task becomes when its agent is lost: Mesos' PARTITION_AWARE rule. */
export function stateForAgentLoss(partitionAware: boolean): TaskState {
  return partitionAware ? 'TASK_UNREACHABLE' : 'TASK_LOST';
}

/** The answer to reconciling a task the master does not know. */
export function stateForUnknownTask(partitionAware: boolean): TaskState {
  return partitionAware ? 'TASK_UNKNOWN' : 'TASK_LOST';
}

/** A launched task the agent does not know about after re-registering. */
export function stateForDroppedTask(partitionAware: boolean): TaskState {
  return partitionAware ? 'TASK_DROPPED' : 'TASK_LOST';
}

/** Which `/master/state` list a task belongs to. */
export function taskBucket(state: TaskState): 'tasks' | 'unreachable_tasks' | 'completed_tasks' {
  if (state === 'TASK_UNREACHABLE') return 'unreachable_tasks';
  return isTerminalTaskState(state) ? 'completed_tasks' : 'tasks';
}

/** Does a task in this state still hold its resources on the agent? */
export function holdsResources(state: TaskState): boolean {
  return !isTerminalTaskState(state) && state !== 'TASK_UNREACHABLE';
}

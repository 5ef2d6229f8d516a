import { judgeTransition, stateForAgentLoss, stateForUnknownTask, taskBucket } from './task-state';

describe('task state machine', () => {
  it('follows the agent until a terminal state, then ignores it', () => {
    expect(judgeTransition({ state: 'TASK_STAGING', inferred: false }, 'TASK_RUNNING')).toBe(
      'apply',
    );
    expect(judgeTransition({ state: 'TASK_RUNNING', inferred: false }, 'TASK_RUNNING')).toBe(
      'repeat',
    );
    expect(judgeTransition({ state: 'TASK_FINISHED', inferred: false }, 'TASK_RUNNING')).toBe(
      'ignore',
    );
    expect(judgeTransition({ state: 'TASK_KILLED', inferred: false }, 'TASK_FAILED')).toBe(
      'ignore',
    );
  });

  it('lets the agent overrule what the master inferred from losing it', () => {
    expect(judgeTransition({ state: 'TASK_LOST', inferred: true }, 'TASK_RUNNING')).toBe('apply');
    expect(judgeTransition({ state: 'TASK_UNREACHABLE', inferred: true }, 'TASK_FINISHED')).toBe(
      'apply',
    );
    expect(judgeTransition({ state: 'TASK_UNREACHABLE', inferred: false }, 'TASK_RUNNING')).toBe(
      'apply',
    );
  });

  it('uses PARTITION_AWARE states when the framework can take them', () => {
    expect(stateForAgentLoss(true)).toBe('TASK_UNREACHABLE');
    expect(stateForAgentLoss(false)).toBe('TASK_LOST');
    expect(stateForUnknownTask(true)).toBe('TASK_UNKNOWN');
    expect(stateForUnknownTask(false)).toBe('TASK_LOST');
  });

  it('buckets tasks as /master/state lists them', () => {
    expect(taskBucket('TASK_RUNNING')).toBe('tasks');
    expect(taskBucket('TASK_STAGING')).toBe('tasks');
    expect(taskBucket('TASK_UNREACHABLE')).toBe('unreachable_tasks');
    expect(taskBucket('TASK_LOST')).toBe('completed_tasks');
  });
});

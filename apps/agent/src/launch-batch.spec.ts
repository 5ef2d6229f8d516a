import type { RunTask } from '@dcos/contracts';
import { AgentRequestError } from './agent';
import { launchBatch } from './launch-batch';

const task = (id: string) =>
  ({
    name: id,
    task_id: { value: id },
    agent_id: { value: 'a1' },
    resources: [],
    command: { value: 'true' },
  }) as unknown as RunTask['task'];

const base = { framework_id: { value: 'f1' }, framework: { name: 'f', user: 'u' } } as Omit<
  RunTask,
  'task'
>;

describe('launchBatch', () => {
  it('launches a single task as before: a refusal is the error reply', () => {
    const seen: string[] = [];
    expect(
      launchBatch({ ...base, task: task('t1') }, (m) => (seen.push(m.task.task_id.value), {})),
    ).toEqual({});
    expect(seen).toEqual(['t1']);
    expect(() =>
      launchBatch({ ...base, task: task('t1') }, () => {
        throw new AgentRequestError('dup', 'DUPLICATE_TASK');
      }),
    ).toThrow('dup');
  });

  it('launches task then tasks in order and lists refusals by task without stopping', () => {
    const seen: string[] = [];
    const reply = launchBatch(
      { ...base, task: task('t1'), tasks: [task('t2'), task('t3')] },
      (m) => {
        const id = m.task.task_id.value;
        seen.push(id);
        if (id === 't2') throw new AgentRequestError('t2 already runs here', 'DUPLICATE_TASK');
        if (id === 't3') throw new Error('disk full');
        expect(m.framework_id.value).toBe('f1');
        expect(m.tasks).toBeUndefined();
        return {};
      },
    );
    expect(seen).toEqual(['t1', 't2', 't3']);
    expect(reply).toEqual({
      refused: [
        { task_id: { value: 't2' }, code: 'DUPLICATE_TASK', message: 't2 already runs here' },
        { task_id: { value: 't3' }, code: 'LAUNCH_FAILED', message: 'disk full' },
      ],
    });
  });
});

import { parseResources } from '@dcos/allocator';
import type { TaskInfo } from '@dcos/contracts';
import { validateLaunch } from './launch-validation';

const task = (id: string, res: string, extra: Partial<TaskInfo> = {}): TaskInfo => {
  const resources = res.split(';').map((part) => {
    const [name, v] = part.split(':');
    if (v.startsWith('[')) {
      const [b, e] = v.slice(1, -1).split('-').map(Number);
      return { name, type: 'RANGES' as const, ranges: { range: [{ begin: b, end: e }] } };
    }
    return { name, type: 'SCALAR' as const, scalar: { value: Number(v) } };
  });
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: 'a1' },
    resources,
    command: { value: 'true' },
    ...extra,
  } as TaskInfo;
};

const offered = parseResources('cpus:2;mem:256;ports:[31000-31005]');

describe('validateLaunch', () => {
  it('accepts tasks that fit and sums what they use', () => {
    const v = validateLaunch({
      offerAgentId: 'a1',
      offered,
      isTaskIdInUse: () => false,
      tasks: [task('t1', 'cpus:1;mem:128;ports:[31000-31000]'), task('t2', 'cpus:1;mem:128')],
    });
    expect(v.rejected).toEqual([]);
    expect(v.accepted.map((a) => a.task.task_id.value)).toEqual(['t1', 't2']);
  });

  it('rejects, in order, tasks that do not fit what is left, with a reason', () => {
    const v = validateLaunch({
      offerAgentId: 'a1',
      offered,
      isTaskIdInUse: (id) => id === 'running',
      tasks: [
        task('t1', 'cpus:1.5;mem:64'),
        task('t2', 'cpus:1;mem:64'),
        task('t3', 'cpus:0.1;mem:32;ports:[40000-40000]'),
        task('running', 'cpus:0.1;mem:32'),
        task('t1', 'cpus:0.1;mem:32'),
        task('wrong-agent', 'cpus:0.1;mem:32', { agent_id: { value: 'a2' } }),
        task('no-cmd', 'cpus:0.1;mem:32', { command: undefined }),
        task('exec', 'cpus:0.1;mem:32', { executor: { executor_id: { value: 'e' } } }),
        task('none', 'cpus:0'),
      ],
    });
    expect(v.accepted.map((a) => a.task.task_id.value)).toEqual(['t1']);
    const why = Object.fromEntries(
      v.rejected.map((r, i) => [`${i}:${r.task.task_id.value}`, r.message]),
    );
    expect(why['0:t2']).toMatch(/more resources/);
    expect(why['1:t3']).toMatch(/ports \[40000-40000\] outside the offered \[31000-31005\]/);
    expect(why['2:running']).toMatch(/duplicate ID: running/);
    expect(why['3:t1']).toMatch(/duplicate ID: t1/);
    expect(why['4:wrong-agent']).toMatch(/agent a2/);
    expect(why['5:no-cmd']).toMatch(/no command/);
    expect(why['6:exec']).toMatch(/executor/);
    expect(why['7:none']).toMatch(/no resources/);
    expect(v.rejected.every((r) => r.reason === 'REASON_TASK_INVALID')).toBe(true);
  });
});

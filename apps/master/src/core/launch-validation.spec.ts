import { parseResources } from '@dcos/allocator';
import type { TaskInfo } from '@dcos/contracts';
import { parseLaunchGroup, validateLaunch, type ExecutorInfo } from './launch-validation';

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
    expect(why['5:no-cmd']).toMatch(/CommandInfo or ExecutorInfo/);
    expect(why['6:exec']).toMatch(/executor/);
    expect(why['7:none']).toMatch(/no resources/);
    expect(v.rejected.every((r) => r.reason === 'REASON_TASK_INVALID')).toBe(true);
  });

  describe('executors', () => {
    const res = (r: string) =>
      r.split(';').map((part) => {
        const [name, v] = part.split(':');
        return { name, type: 'SCALAR' as const, scalar: { value: Number(v) } };
      });
    const custom = (id: string, extra: Partial<ExecutorInfo> = {}): ExecutorInfo => ({
      executor_id: { value: id },
      type: 'CUSTOM',
      command: { value: 'node executor.js' },
      resources: res('cpus:0.5;mem:64'),
      ...extra,
    });
    const onExecutor = (id: string, e: ExecutorInfo) =>
      task(id, 'cpus:0.25;mem:32', { command: undefined, executor: e });

    it('charges a new executor once, to its first task; a running one not at all', () => {
      const v = validateLaunch({
        offerAgentId: 'a1',
        offered,
        frameworkId: 'fw',
        isTaskIdInUse: () => false,
        runningExecutor: (id) => (id === 'old' ? custom('old') : undefined),
        tasks: [
          onExecutor('t1', custom('new')),
          onExecutor('t2', custom('new')),
          onExecutor('t3', custom('old')),
        ],
      });
      expect(v.rejected).toEqual([]);
      const cpus = v.accepted.map((a) => a.resources.find((r) => r.name === 'cpus')?.scalar);
      expect(cpus).toEqual([0.75, 0.25, 0.25]);
    });

    it('refuses what Mesos refuses, naming the field', () => {
      const v = validateLaunch({
        offerAgentId: 'a1',
        offered,
        frameworkId: 'fw',
        isTaskIdInUse: () => false,
        runningExecutor: (id) => (id === 'old' ? custom('old') : undefined),
        tasks: [
          onExecutor('no-cmd', custom('e1', { command: undefined })),
          onExecutor('other-fw', custom('e2', { framework_id: { value: 'other' } })),
          onExecutor('default', custom('e3', { type: 'DEFAULT', command: undefined })),
          onExecutor('changed', custom('old', { command: { value: 'other' } })),
          task('both', 'cpus:0.1;mem:32', { executor: custom('e4') }),
          onExecutor('too-big', custom('e5', { resources: res('cpus:5;mem:64') })),
          onExecutor('no-id', { type: 'CUSTOM', command: { value: 'x' } }),
        ],
      });
      expect(v.accepted).toEqual([]);
      const why = Object.fromEntries(v.rejected.map((r) => [r.task.task_id.value, r.message]));
      expect(why['no-cmd']).toMatch(/'ExecutorInfo.command' must be set/);
      expect(why['other-fw']).toMatch(/invalid FrameworkID/);
      expect(why['default']).toMatch(/CUSTOM/);
      expect(why['changed']).toMatch(/not compatible/);
      expect(why['both']).toMatch(/not both/);
      expect(why['too-big']).toMatch(/Task and its executor use more resources/);
      expect(why['no-id']).toMatch(/executor_id/);
    });

    const group = (
      ids: string[],
      executor: ExecutorInfo | undefined,
      each = 'cpus:0.5;mem:32',
    ) => ({
      executor,
      tasks: ids.map((id) => task(id, each)),
    });
    const defaultExecutor: ExecutorInfo = {
      executor_id: { value: 'g' },
      type: 'DEFAULT',
      resources: res('cpus:0.1;mem:32'),
    };

    it('LAUNCH_GROUP: the group launches with its executor in each task, charged once', () => {
      const v = validateLaunch({
        offerAgentId: 'a1',
        offered,
        frameworkId: 'fw',
        isTaskIdInUse: () => false,
        tasks: [],
        groups: [group(['g1', 'g2'], defaultExecutor)],
      });
      expect(v.rejected).toEqual([]);
      expect(v.groups).toEqual([['g1', 'g2']]);
      expect(v.accepted.map((a) => a.task.executor)).toEqual([defaultExecutor, defaultExecutor]);
      expect(v.used.find((r) => r.name === 'cpus')?.scalar).toBeCloseTo(1.1);
    });

    it('LAUNCH_GROUP: all or nothing', () => {
      const v = validateLaunch({
        offerAgentId: 'a1',
        offered,
        frameworkId: 'fw',
        isTaskIdInUse: (id) => id === 'taken',
        tasks: [],
        groups: [
          group(['a1', 'a2'], { ...defaultExecutor, type: 'CUSTOM', command: { value: 'x' } }),
          group(
            ['b1', 'b2'],
            { ...defaultExecutor, executor_id: { value: 'b' } },
            'cpus:1.5;mem:32',
          ),
          group(['c1', 'taken'], { ...defaultExecutor, executor_id: { value: 'c' } }),
          group(['d1'], undefined),
          group(['e1'], { ...defaultExecutor, command: { value: 'x' } }),
        ],
      });
      expect(v.accepted).toEqual([]);
      expect(v.groups).toEqual([]);
      const why = Object.fromEntries(v.rejected.map((r) => [r.task.task_id.value, r.message]));
      expect(why['a1']).toMatch(/DEFAULT/);
      expect(why['a2']).toBe(why['a1']);
      expect(why['b1']).toMatch(/more resources/);
      expect(why['b2']).toBe(why['b1']);
      expect(why['c1']).toMatch(/duplicate ID: taken/);
      expect(why['d1']).toMatch(/LaunchGroup.executor/);
      expect(why['e1']).toMatch(/must not be set for a DEFAULT executor/);
    });

    it('LAUNCH_GROUP: a refused group leaves the offer whole for the next one', () => {
      const v = validateLaunch({
        offerAgentId: 'a1',
        offered,
        frameworkId: 'fw',
        isTaskIdInUse: () => false,
        tasks: [],
        groups: [
          // Its first task fits, the second does not.
          {
            executor: defaultExecutor,
            tasks: [task('x1', 'cpus:1.5;mem:32'), task('x2', 'cpus:1;mem:32')],
          },
          group(
            ['y1', 'y2'],
            { ...defaultExecutor, executor_id: { value: 'y' } },
            'cpus:0.9;mem:32',
          ),
        ],
      });
      expect(v.rejected.map((r) => r.task.task_id.value)).toEqual(['x1', 'x2']);
      expect(v.groups).toEqual([['y1', 'y2']]);
    });

    it('parseLaunchGroup names the field of a malformed launch_group', () => {
      expect(() => parseLaunchGroup(undefined, 0)).toThrow(
        /operations\[0\].launch_group: required/,
      );
      expect(() => parseLaunchGroup({ task_group: { tasks: [] } }, 1)).toThrow(
        /operations\[1\].launch_group.task_group.tasks/,
      );
      expect(() =>
        parseLaunchGroup({ task_group: { tasks: [{ name: 'x', agent_id: { value: 'a' } }] } }, 2),
      ).toThrow(/tasks\[0\].task_id/);
      const g = parseLaunchGroup(
        { executor: defaultExecutor, task_group: { tasks: [task('t', 'cpus:1')] } },
        0,
      );
      expect(g.tasks.map((t) => t.task_id.value)).toEqual(['t']);
    });
  });
});

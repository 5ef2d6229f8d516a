import { RunTaskContract } from './kernel';
import { SchedulerCallRequestContract } from './scheduler';
import type { Contract } from './validation';
import { mutations } from './fast-checks.mutations';
import {
  RunTaskFastContract,
  wellFormedAccept,
  wellFormedRunTask,
  wellFormedTaskInfo,
} from './launch-fast';

/** A TaskInfo with every field the fast check handles (what the bench and Marathon send). */
const task = (i = 0) => ({
  name: `t${i}`,
  task_id: { value: `t${i}` },
  agent_id: { value: 'a1', extra: 'kept' },
  resources: [
    {
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 0.1 },
      role: '*',
      allocation_info: { role: '*' },
    },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] } },
    { name: 'set', type: 'SET', set: { item: ['a'] } },
  ],
  command: {
    value: 'sleep 1000',
    shell: true,
    arguments: ['x'],
    user: 'root',
    environment: { variables: [{ name: 'A', value: 'b', type: 'VALUE' }, { name: 'C' }] },
    uris: [{ value: 'http://x', extract: true }],
  },
  data: 'ZA==',
  kill_policy: { grace_period: { nanoseconds: 3_000_000_000 } },
  discovery: {
    visibility: 'FRAMEWORK',
    name: 'app',
    environment: 'e',
    location: 'l',
    version: 'v',
    ports: {
      ports: [
        {
          number: 31000,
          name: 'http',
          protocol: 'tcp',
          visibility: 'CLUSTER',
          labels: { labels: [] },
        },
        { number: 31001 },
      ],
    },
    labels: { labels: [{ key: 'k' }] },
  },
  labels: { labels: [{ key: 'k', value: 'v' }] },
  unknown_field: 1,
});

const accept = () => ({
  stream_id: 's1',
  call: {
    type: 'ACCEPT',
    framework_id: { value: 'f1' },
    accept: {
      offer_ids: [{ value: 'o1' }],
      operations: [{ type: 'LAUNCH', id: { value: 'op' }, launch: { task_infos: [task(0)] } }],
      filters: { refuse_seconds: 5 },
    },
  },
});

const runTask = () => ({
  framework_id: { value: 'f1' },
  framework: {
    user: 'root',
    name: 'fw',
    id: { value: 'f1' },
    failover_timeout: 10,
    checkpoint: true,
    role: '*',
    roles: ['*'],
    hostname: 'h',
    principal: 'p',
    webui_url: 'http://u',
    capabilities: [{ type: 'MULTI_ROLE' }],
    labels: { labels: [] },
  },
  task: task(0),
  tasks: [task(1)],
});

/** The fast check agrees with the schema: accepted ⇒ the schema accepts it, unchanged. */
function agrees<T>(
  label: string,
  payload: unknown,
  fast: (x: unknown) => T | undefined,
  schema: Contract<T>,
): { schemaOk: boolean; fastOk: boolean } {
  const before = JSON.stringify(payload);
  const f = fast(payload);
  const s = schema.safeParse(payload);
  if (f !== undefined) {
    expect({ label, schemaOk: s.ok }).toEqual({ label, schemaOk: true });
    if (s.ok) expect(f).toStrictEqual(s.value);
  }
  expect(JSON.stringify(payload)).toBe(before);
  return { schemaOk: s.ok, fastOk: f !== undefined };
}

describe('launch fast checks', () => {
  it('take an ACCEPT of LAUNCHes and an agentLaunch request as the schema gives them', () => {
    expect(wellFormedAccept(accept())).toStrictEqual(SchedulerCallRequestContract.parse(accept()));
    expect(wellFormedRunTask(runTask())).toStrictEqual(RunTaskContract.parse(runTask()));
    expect(wellFormedTaskInfo(task())).toBe(true);
  });

  it.each([
    ['ACCEPT', accept, wellFormedAccept, SchedulerCallRequestContract],
    ['RunTask', runTask, wellFormedRunTask, RunTaskContract],
  ] as const)(
    '%s: every mutation the schema rejects or changes is left to the schema',
    (_name, make, fast, schema) => {
      let rejected = 0;
      let taken = 0;
      for (const { label, payload } of mutations(make)) {
        const r = agrees(
          label,
          payload,
          fast as (x: unknown) => unknown,
          schema as Contract<unknown>,
        );
        if (!r.schemaOk) rejected++;
        if (r.fastOk) taken++;
      }
      expect(rejected).toBeGreaterThan(300);
      // And the check is not trivially "leave everything to the schema".
      expect(taken).toBeGreaterThan(50);
    },
  );

  it('leaves what it does not know to the schema (executors, reservations, other calls)', () => {
    const withExecutor = runTask();
    (withExecutor.task as Record<string, unknown>)['executor'] = { executor_id: { value: 'e' } };
    expect(wellFormedRunTask(withExecutor)).toBeUndefined();
    expect(RunTaskFastContract.parse(withExecutor)).toStrictEqual(
      RunTaskContract.parse(withExecutor),
    );
    const noResources = runTask() as Record<string, unknown>;
    delete (noResources['task'] as Record<string, unknown>)['resources'];
    expect(wellFormedRunTask(noResources)).toBeUndefined();
    expect(RunTaskFastContract.parse(noResources)).toStrictEqual(
      RunTaskContract.parse(noResources),
    );
    const reserve = accept();
    (reserve.call.accept.operations[0] as Record<string, unknown>)['type'] = 'RESERVE';
    expect(wellFormedAccept(reserve)).toBeUndefined();
    const decline = { stream_id: 's', call: { type: 'DECLINE', decline: { offer_ids: [] } } };
    expect(wellFormedAccept(decline)).toBeUndefined();
    const bad = runTask();
    (bad.task.resources[0] as Record<string, unknown>)['scalar'] = { value: -1 };
    expect(() => RunTaskFastContract.parse(bad)).toThrow(/task\.resources\.0\.scalar\.value/);
    const r = RunTaskFastContract.safeParse(bad);
    expect(r.ok).toBe(false);
  });
});

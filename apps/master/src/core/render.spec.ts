import { parseResources } from '@dcos/allocator';
import type { AgentRec, FrameworkRec, TaskRec } from './model';
import {
  frameworkEventJson,
  frameworkJson,
  ipToUint32,
  stateJson,
  stateJsonText,
  stateSummaryJson,
  v1GetState,
  v1Offer,
  type RenderContext,
} from './render';

/** Contract tests: the Mesos field names and value shapes clients (Mesos-DNS, the CLI, the UI) read. */
function fixture(): RenderContext {
  const agent: AgentRec = {
    id: 'S0',
    hostname: 'node-1',
    port: 5051,
    info: {
      hostname: 'node-1',
      port: 5051,
      resources: [],
      attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
    },
    httpUrl: 'http://10.0.0.2:5051',
    ip: '10.0.0.2',
    version: '1.11.0',
    total: parseResources('cpus:4;mem:1024;disk:100;ports:[31000-32000]'),
    state: 'active',
    registeredTime: 100.5,
    lastSeen: 0,
    tasks: new Set(['F0\u0000web.1']),
    pendingKills: [],
  };
  const task: TaskRec = {
    frameworkId: 'F0',
    id: 'web.1',
    agentId: 'S0',
    info: {
      name: 'web',
      task_id: { value: 'web.1' },
      agent_id: { value: 'S0' },
      resources: [],
      discovery: { visibility: 'FRAMEWORK', name: 'web' },
      labels: { labels: [{ key: 'k', value: 'v' }] },
    },
    state: 'TASK_RUNNING',
    resources: parseResources('cpus:0.5;mem:64;ports:[31000-31000,31005-31006]'),
    role: '*',
    statuses: [
      {
        task_id: { value: 'web.1' },
        state: 'TASK_RUNNING',
        timestamp: 101.25,
        uuid: 'AAAA',
        container_status: {
          network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.0.2' }] }],
        },
      },
    ],
    pending: [],
    lastSentAt: 0,
    inferred: false,
    launchedAt: 0,
    seenUuids: [],
  };
  const fw: FrameworkRec = {
    id: 'F0',
    info: { name: 'marathon', user: 'root', id: { value: 'F0' }, webui_url: 'http://m:8080' },
    roles: ['*'],
    state: 'connected',
    recovered: false,
    registeredTime: 99,
    lastKeepalive: 0,
    tasks: new Map([['web.1', task]]),
    completedOrder: [],
    pendingTasks: new Set(),
    orphanPending: [],
    orphanLastSentAt: 0,
  };
  return {
    masterId: 'M',
    hostname: 'master-1',
    ip: '10.0.0.1',
    port: 5050,
    version: '1.11.0',
    buildDate: 'd',
    buildTime: 1,
    buildUser: 'u',
    startTime: 10,
    electedTime: 10,
    flags: {},
    agents: [agent],
    frameworks: [fw],
    offers: [
      {
        id: 'O1',
        frameworkId: 'F0',
        agentId: 'S0',
        role: '*',
        resources: parseResources('cpus:1;mem:128'),
      },
    ],
  };
}

describe('/master/state JSON shape', () => {
  const s = stateJson(fixture()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('has the Mesos top-level fields in writer order', () => {
    expect(Object.keys(s)).toEqual([
      'version',
      'build_date',
      'build_time',
      'build_user',
      'start_time',
      'elected_time',
      'id',
      'pid',
      'hostname',
      'capabilities',
      'activated_slaves',
      'deactivated_slaves',
      'unreachable_slaves',
      'leader',
      'leader_info',
      'flags',
      'slaves',
      'recovered_slaves',
      'frameworks',
      'completed_frameworks',
      'orphan_tasks',
      'unregistered_frameworks',
    ]);
    expect(s.leader).toBe('master@10.0.0.1:5050');
    expect(s.pid).toBe('master@10.0.0.1:5050');
    expect(s.leader_info).toMatchObject({
      id: 'M',
      hostname: 'master-1',
      port: 5050,
      ip: ipToUint32('10.0.0.1'),
    });
    expect(ipToUint32('127.0.0.1')).toBe(16777343);
  });

  it('renders agents with slave(1) pids, flattened resources and attributes', () => {
    expect(s.slaves[0]).toMatchObject({
      id: 'S0',
      hostname: 'node-1',
      port: 5051,
      pid: 'slave(1)@10.0.0.2:5051',
      registered_time: 100.5,
      attributes: { rack: 'r1' },
      resources: { cpus: 4, gpus: 0, mem: 1024, disk: 100, ports: '[31000-32000]' },
      used_resources: { cpus: 0.5, gpus: 0, mem: 64, disk: 0, ports: '[31000-31000, 31005-31006]' },
      offered_resources: { cpus: 1, gpus: 0, mem: 128, disk: 0 },
      active: true,
    });
  });

  it('renders frameworks and tasks as Mesos-DNS reads them', () => {
    const f = s.frameworks[0];
    expect(f).toMatchObject({
      id: 'F0',
      name: 'marathon',
      webui_url: 'http://m:8080',
      active: true,
      role: '*',
    });
    for (const k of [
      'tasks',
      'unreachable_tasks',
      'completed_tasks',
      'offers',
      'executors',
      'used_resources',
      'registered_time',
    ]) {
      expect(f).toHaveProperty(k);
    }
    const t = f.tasks[0];
    expect(t).toMatchObject({
      id: 'web.1',
      name: 'web',
      framework_id: 'F0',
      executor_id: '',
      slave_id: 'S0',
      state: 'TASK_RUNNING',
      resources: { ports: '[31000-31000, 31005-31006]', cpus: 0.5, mem: 64 },
      discovery: { visibility: 'FRAMEWORK', name: 'web' },
      labels: [{ key: 'k', value: 'v' }],
    });
    expect(t.statuses).toEqual([
      {
        state: 'TASK_RUNNING',
        timestamp: 101.25,
        container_status: {
          network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.0.2' }] }],
        },
      },
    ]);
    expect(f.offers[0]).toMatchObject({
      id: 'O1',
      framework_id: 'F0',
      allocation_info: { role: '*' },
      slave_id: 'S0',
      resources: { cpus: 1, mem: 128 },
    });
  });

  it('renders the summary and the v1 GET_STATE shapes', () => {
    const sum = stateSummaryJson(fixture()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(sum.frameworks[0]).toMatchObject({
      id: 'F0',
      webui_url: 'http://m:8080',
      TASK_RUNNING: 1,
      slave_ids: ['S0'],
    });
    expect(sum.slaves[0]).toMatchObject({ id: 'S0', TASK_RUNNING: 1, framework_ids: ['F0'] });
    // The agent fields Mesos writes in /master/state too.
    const full = s.slaves[0];
    for (const k of ['hostname', 'port', 'attributes', 'pid', 'active', 'deactivated'])
      expect(sum.slaves[0][k]).toEqual(full[k]);
    expect(sum.slaves[0].capabilities).toEqual(full.capabilities);
    expect(sum.slaves[0].capabilities).toContain('MULTI_ROLE');
    const v1 = v1GetState(fixture()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(v1)).toEqual(['get_tasks', 'get_executors', 'get_frameworks', 'get_agents']);
    expect(v1.get_tasks.tasks[0]).toMatchObject({
      task_id: { value: 'web.1' },
      framework_id: { value: 'F0' },
      agent_id: { value: 'S0' },
      state: 'TASK_RUNNING',
    });
    expect(v1.get_agents.agents[0]).toMatchObject({
      agent_info: { id: { value: 'S0' }, hostname: 'node-1' },
      pid: 'slave(1)@10.0.0.2:5051',
      registered_time: { nanoseconds: 100_500_000_000 },
    });
    expect(v1.get_frameworks.frameworks[0].framework_info.id).toEqual({ value: 'F0' });
  });
});

describe('cluster name and framework hosts', () => {
  it('carries the cluster name in /master/state (after leader_info, as Mesos) and state-summary', () => {
    const ctx = { ...fixture(), cluster: 'prod-east' };
    const s = stateJson(ctx);
    const keys = Object.keys(s);
    expect(s.cluster).toBe('prod-east');
    expect(keys.indexOf('cluster')).toBe(keys.indexOf('leader_info') + 1);
    expect(keys.indexOf('flags')).toBe(keys.indexOf('cluster') + 1);
    const sum = stateSummaryJson(ctx);
    expect(Object.keys(sum).slice(0, 2)).toEqual(['hostname', 'cluster']);
    expect(sum.cluster).toBe('prod-east');
  });

  it("shows a framework that gives no hostname on the master's host; its own host otherwise; no pid", () => {
    const ctx = fixture();
    const [fw] = ctx.frameworks;
    expect(fw.info.hostname).toBeUndefined();
    const s = stateJson(ctx) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(s.frameworks[0].hostname).toBe('master-1');
    // Mesos omits `pid` for HTTP frameworks (all of ours are).
    expect(s.frameworks[0]).not.toHaveProperty('pid');
    expect((stateSummaryJson(ctx) as Record<string, any>).frameworks[0].hostname).toBe('master-1'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(frameworkEventJson(fw, ctx).hostname).toBe('master-1');
    const v1 = v1GetState(ctx) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(v1.get_frameworks.frameworks[0].framework_info.hostname).toBe('master-1');
    // The stored FrameworkInfo is left as the framework gave it.
    expect(fw.info.hostname).toBeUndefined();

    fw.info = { ...fw.info, hostname: '' };
    expect((stateJson(ctx) as Record<string, any>).frameworks[0].hostname).toBe('master-1'); // eslint-disable-line @typescript-eslint/no-explicit-any
    fw.info = { ...fw.info, hostname: 'sched-host' };
    expect((stateJson(ctx) as Record<string, any>).frameworks[0].hostname).toBe('sched-host'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(
      (v1GetState(ctx) as Record<string, any>).get_frameworks.frameworks[0].framework_info.hostname, // eslint-disable-line @typescript-eslint/no-explicit-any
    ).toBe('sched-host');
  });

  it('v1Offer: allocation_info only for MULTI_ROLE frameworks', () => {
    const ctx = fixture();
    const [offer] = ctx.offers;
    const multi = v1Offer(offer, ctx.agents[0]) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(multi.allocation_info).toEqual({ role: '*' });
    expect(multi.resources.every((r: { allocation_info?: unknown }) => r.allocation_info)).toBe(
      true,
    );
    const plain = v1Offer(offer, ctx.agents[0], false);
    expect(JSON.stringify(plain)).not.toContain('allocation_info');
    expect(plain).toMatchObject({ id: { value: 'O1' }, hostname: 'node-1' });
  });
});

describe('/master/state text (cached task JSON)', () => {
  it('is exactly JSON.stringify(stateJson), also after a task changes', () => {
    const ctx = fixture();
    expect(JSON.parse(stateJsonText(ctx))).toEqual(JSON.parse(JSON.stringify(stateJson(ctx))));
    expect(stateJsonText(ctx)).toBe(JSON.stringify(stateJson(ctx)));
    const t = ctx.frameworks[0].tasks.get('web.1') as TaskRec;
    t.state = 'TASK_KILLED';
    t.statuses.push({ task_id: { value: 'web.1' }, state: 'TASK_KILLED', timestamp: 201 });
    const after = JSON.parse(stateJsonText(ctx));
    expect(after.frameworks[0].tasks).toEqual([]);
    expect(after.frameworks[0].completed_tasks[0].state).toBe('TASK_KILLED');
    expect(stateJsonText(ctx)).toBe(JSON.stringify(stateJson(ctx)));
  });

  it('cannot be fooled by a name that looks like its placeholder', () => {
    const ctx = fixture();
    ctx.frameworks[0].info = { ...ctx.frameworks[0].info, name: '\u0001tasks-0:0' };
    expect(stateJsonText(ctx)).toBe(JSON.stringify(stateJson(ctx)));
  });
});

describe('framework events', () => {
  it('carry the framework of /master/state without its task lists', () => {
    const ctx = fixture();
    const e = frameworkEventJson(ctx.frameworks[0], ctx);
    expect(e).toMatchObject({ id: 'F0', active: expect.any(Boolean) });
    expect(e).not.toHaveProperty('tasks');
    expect(e).not.toHaveProperty('completed_tasks');
    expect(e).not.toHaveProperty('unreachable_tasks');
    const full = frameworkJson(ctx.frameworks[0], ctx);
    expect(Object.keys(full)).toEqual(expect.arrayContaining(Object.keys(e)));
    expect((full.tasks as unknown[]).length).toBe(1);
  });
});

describe('executors the frameworks supplied', () => {
  it('show in /master/state (framework executors, task executor_id) and v1 GET_EXECUTORS', () => {
    const ctx = fixture();
    const fw = ctx.frameworks[0] as FrameworkRec;
    const t = fw.tasks.get('web.1') as TaskRec;
    const executor = {
      executor_id: { value: 'ex-1' },
      type: 'CUSTOM',
      name: 'my executor',
      command: { value: 'node executor.js' },
      resources: [
        { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.25 } },
        { name: 'mem', type: 'SCALAR' as const, scalar: { value: 64 } },
      ],
    };
    t.info = { ...t.info, executor };
    // A second task on the same executor: still one executor.
    fw.tasks.set('web.2', { ...t, id: 'web.2', info: { ...t.info, task_id: { value: 'web.2' } } });
    const f = (stateJson(ctx) as Record<string, any>).frameworks[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(f.executors).toEqual([
      {
        executor_id: 'ex-1',
        name: 'my executor',
        framework_id: 'F0',
        command: { value: 'node executor.js' },
        resources: expect.objectContaining({ cpus: 0.25, mem: 64 }),
        slave_id: 'S0',
        type: 'CUSTOM',
      },
    ]);
    expect(f.tasks.map((x: { executor_id: string }) => x.executor_id)).toEqual(['ex-1', 'ex-1']);
    const v1 = v1GetState(ctx) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(v1.get_executors.executors).toEqual([
      { agent_id: { value: 'S0' }, executor_info: { ...executor, framework_id: { value: 'F0' } } },
    ]);
    expect(v1.get_tasks.tasks[0].executor_id).toEqual({ value: 'ex-1' });
  });

  it('a command task has none', () => {
    const f = (stateJson(fixture()) as Record<string, any>).frameworks[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(f.executors).toEqual([]);
    expect(f.tasks[0].executor_id).toBe('');
    expect((v1GetState(fixture()) as Record<string, any>).get_executors.executors).toEqual([]); // eslint-disable-line @typescript-eslint/no-explicit-any
  });
});

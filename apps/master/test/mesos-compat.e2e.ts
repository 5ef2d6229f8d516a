/**
 * What strict Mesos clients notice, against the built master as a real process (real NATS
 * and Postgres, a fake agent at the NATS edge, frameworks on the v1 scheduler HTTP API):
 * allocation_info only for MULTI_ROLE frameworks, no TASK_STAGING updates to schedulers,
 * framework hosts and pids in /master/state, the cluster name.
 */
import {
  createTestDatabase,
  freePort,
  httpJson,
  startService,
  stopAllServices,
  TEST_NATS_URL,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';
import { FakeAgent, HttpScheduler, launchCall, post, type Json } from './harness';

jest.setTimeout(120_000);

const CLUSTER = 'e2e compat cluster';

describe('master: Mesos compatibility details (real process)', () => {
  let db: TestDatabase;
  let master: TestService;
  let agent: FakeAgent;
  const frameworks: HttpScheduler[] = [];
  const used = new Set<string>();

  const get = async (path: string): Promise<Json> => {
    const r = await httpJson(`${master.url}${path}`);
    expect(r.status).toBe(200);
    return r.body as Json;
  };

  beforeAll(async () => {
    db = await createTestDatabase('master_compat');
    const prefix = uniquePrefix('mcompat');
    master = await startService('master', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MASTER_PORT: String(await freePort()),
      MASTER_ALLOCATION_INTERVAL_MS: '200',
      MASTER_STATUS_UPDATE_RETRY_MS: '500',
      MASTER_CLUSTER: CLUSTER,
      LOG_LEVEL: process.env.MASTER_LOG_LEVEL ?? 'warn',
    });
    agent = new FakeAgent(prefix, TEST_NATS_URL, 'agent-c', await freePort(), '2,512,31000,31003');
    await agent.start();
  });

  afterAll(async () => {
    for (const f of frameworks) f.close();
    await agent?.stop();
    await stopAllServices();
    await db?.drop();
  });

  it('carries the cluster name in /master/state and /master/state-summary', async () => {
    const s = await get('/master/state');
    expect(s.cluster).toBe(CLUSTER);
    expect(s.flags.cluster).toBe(CLUSTER);
    const sum = await get('/master/state-summary');
    expect(sum.cluster).toBe(CLUSTER);
  });

  it('a MULTI_ROLE framework sees allocation_info on offers and their resources', async () => {
    const multi = new HttpScheduler(master.url, {
      name: 'multi',
      user: 'root',
      hostname: 'sched-host',
      roles: ['*'],
      capabilities: [{ type: 'MULTI_ROLE' }],
    });
    frameworks.push(multi);
    await multi.subscribe();
    const offer = await multi.takeOffer(agent.agentId!, used);
    expect(offer.allocation_info).toEqual({ role: '*' });
    expect(offer.resources.length).toBeGreaterThan(0);
    for (const r of offer.resources) expect(r.allocation_info).toEqual({ role: '*' });

    // Its own hostname is kept; /master/state shows no pid for it (an HTTP framework).
    const s = await get('/master/state');
    const f = s.frameworks.find((x: Json) => x.id === multi.frameworkId);
    expect(f.hostname).toBe('sched-host');
    expect(f).not.toHaveProperty('pid');
    // Leave the agent's resources to the next framework.
    expect((await multi.call({ type: 'TEARDOWN' })).status).toBe(202);
  });

  it('a framework without MULTI_ROLE gets offers with no allocation_info and launches the offered resources exactly; it never gets TASK_STAGING', async () => {
    const plain = new HttpScheduler(master.url, { name: 'plain', user: 'root' });
    frameworks.push(plain);
    await plain.subscribe();
    const offer = await plain.takeOffer(agent.agentId!, used);
    expect(JSON.stringify(offer)).not.toContain('allocation_info');
    const names = offer.resources.map((r: Json) => r.name).sort();
    expect(names).toEqual(['cpus', 'disk', 'mem', 'ports']);

    const task = {
      name: 'exact',
      task_id: { value: 'exact' },
      agent_id: offer.agent_id,
      resources: offer.resources,
      command: { value: 'sleep 1000', shell: true },
    };
    expect((await plain.call(launchCall(offer, [task]))).status).toBe(202);
    const launch = await waitFor('the launch on the agent', () =>
      agent.launches.find((l) => l.task.task_id.value === 'exact'),
    );
    expect(launch.task.resources).toEqual(offer.resources);

    // Explicit reconciliation of a staging task answers TASK_STAGING (Mesos: latest state).
    const mark = plain.events.length;
    await plain.call({
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 'exact' }, agent_id: offer.agent_id }] },
    });
    const rec = await waitFor('the reconciliation answer', () =>
      plain.events.slice(mark).find((e) => e.update?.status.task_id.value === 'exact'),
    );
    expect(rec.update.status).toMatchObject({
      state: 'TASK_STAGING',
      reason: 'REASON_RECONCILIATION',
    });
    expect(rec.update.status.uuid).toBeUndefined();

    // The agent reports staging, then starting and running: the scheduler's first update
    // is TASK_STARTING.
    await agent.update(plain.frameworkId, 'exact', 'TASK_STAGING');
    await agent.update(plain.frameworkId, 'exact', 'TASK_STARTING');
    await agent.update(plain.frameworkId, 'exact', 'TASK_RUNNING');
    await plain.waitUpdate('exact', 'TASK_RUNNING');
    const states = plain
      .updates('exact')
      .filter((u) => u.reason !== 'REASON_RECONCILIATION')
      .map((u) => u.state);
    expect(states).toEqual(['TASK_STARTING', 'TASK_RUNNING']);

    const s = await get('/master/state');
    const f = s.frameworks.find((x: Json) => x.id === plain.frameworkId);
    // No hostname given: shown on the master's host; no pid (an HTTP framework).
    expect(f.hostname).toBe(s.hostname);
    expect(f.hostname).not.toBe('');
    expect(f).not.toHaveProperty('pid');
    expect(f.tasks.map((t: Json) => [t.id, t.state])).toEqual([['exact', 'TASK_RUNNING']]);
    expect(f.tasks[0].statuses.map((x: Json) => x.state)).toEqual([
      'TASK_STARTING',
      'TASK_RUNNING',
    ]);
    const sum = await get('/master/state-summary');
    expect(sum.frameworks.find((x: Json) => x.id === plain.frameworkId).hostname).toBe(s.hostname);
    const v1 = await post(`${master.url}/api/v1`, { type: 'GET_FRAMEWORKS' });
    const info = v1
      .json!.get_frameworks.frameworks.map((x: Json) => x.framework_info)
      .find((x: Json) => x.id.value === plain.frameworkId);
    expect(info.hostname).toBe(s.hostname);
  });
});

/**
 * Hollow agents against the REAL master (built, real NATS and Postgres): they register,
 * stay alive on batched heartbeats, take batched launches (one `agentLaunch` per ACCEPT)
 * and their tasks go STAGING → STARTING → RUNNING → KILLED through the master to a v1
 * HTTP framework, with every update acknowledged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpScheduler,
  createTestDatabase,
  httpJson,
  launchCall,
  startService,
  stopAllServices,
  taskInfo,
  uniquePrefix,
  waitFor,
  type Json,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

jest.setTimeout(60_000);

const NODES = 6;

describe('hollow agents + the real master', () => {
  let db: TestDatabase;
  let dir: string;
  let master: TestService;
  let fw: HttpScheduler;
  const prefix = uniquePrefix('hollowm');

  const metrics = async () =>
    (await httpJson(`${master.url}/metrics/snapshot`)).body as Record<string, number>;
  const state = async () => (await httpJson(`${master.url}/master/state`)).body as Json;

  beforeAll(async () => {
    db = await createTestDatabase('hollowm');
    dir = mkdtempSync(join(tmpdir(), 'hollow-master-'));
    master = await startService('master', {
      DATABASE_URL: db.url,
      NATS_PREFIX: prefix,
      // Short: a node whose heartbeats were not counted would be unreachable within 0.6 s.
      MASTER_AGENT_PING_TIMEOUT_MS: '200',
      MASTER_MAX_AGENT_PING_TIMEOUTS: '3',
    });
    await startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_HOLLOW: 'true',
      AGENT_HOLLOW_NODES: String(NODES),
      AGENT_NODE_NAME: 'hm',
      AGENT_RESOURCES: 'cpus:4;mem:4096;disk:1000;ports:[31000-31009]',
      AGENT_WORK_DIR: join(dir, 'agent'),
    });
  });

  afterAll(async () => {
    fw?.close();
    await stopAllServices();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers every node with its name and resources, kept alive by batched heartbeats', async () => {
    await waitFor(`${NODES} hollow agents active`, async () => {
      return (await metrics())['master/slaves_active'] === NODES;
    });
    const s = await state();
    const names = (s.slaves as Json[]).map((a) => a.hostname).sort();
    expect(names).toEqual(Array.from({ length: NODES }, (_, i) => `hm-${i + 1}`).sort());
    expect(s.slaves[0].resources).toMatchObject({ cpus: 4, mem: 4096 });
    // Five ping timeouts later every node is still active: the batches were counted per node.
    await new Promise((r) => setTimeout(r, 1_000));
    const m = await metrics();
    expect(m['master/slaves_active']).toBe(NODES);
    expect(m['master/slaves_unreachable']).toBe(0);
  });

  it('runs a batch of tasks to RUNNING and kills one, through the master', async () => {
    fw = new HttpScheduler(master.url, {
      name: 'hollow-e2e',
      user: 'root',
      roles: ['*'],
      capabilities: [{ type: 'MULTI_ROLE' }],
    });
    await fw.subscribe();
    const offer = await waitFor('an offer', () => fw.offers()[0]);
    const agentId = offer.agent_id.value as string;
    const ids = ['b-1', 'b-2', 'b-3'];
    const r = await fw.call(
      launchCall(
        offer,
        ids.map((id) => taskInfo(id, agentId)),
      ),
    );
    expect(r.status).toBe(202);
    for (const id of ids) {
      await fw.waitUpdate(id, 'TASK_RUNNING');
      // The agent reports staging to the master; schedulers get no TASK_STAGING (as Mesos).
      expect(fw.updates(id).map((u) => u.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    }
    const running = (await state()).frameworks[0].tasks as Json[];
    expect(running.map((t) => [t.id, t.state, t.slave_id]).sort()).toEqual(
      ids.map((id) => [id, 'TASK_RUNNING', agentId]),
    );
    const hollow = (await metrics())['master/tasks_running'];
    expect(hollow).toBe(3);

    const k = await fw.call({ type: 'KILL', kill: { task_id: { value: 'b-2' } } });
    expect(k.status).toBe(202);
    const killed = await fw.waitUpdate('b-2', 'TASK_KILLED');
    expect(killed.agent_id.value).toBe(agentId);
    await waitFor('b-2 killed on the master', async () => {
      const f = (await state()).frameworks[0];
      return f.completed_tasks.some((t: Json) => t.id === 'b-2' && t.state === 'TASK_KILLED');
    });
    expect((await metrics())['master/tasks_running']).toBe(2);
  });
});

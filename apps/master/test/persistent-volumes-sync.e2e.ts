/**
 * A persistent volume destroyed while its agent was down: the built master and a REAL agent
 * against real NATS and Postgres, a framework on the Mesos v1 scheduler HTTP API. When the
 * agent comes back, the master sends it the full set of its persistent volumes (Mesos'
 * checkpointed resources) and the agent removes the directory of the destroyed one; the other
 * volume and its data stay. The same after a master restart.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createTestDatabase,
  freePort,
  httpJson,
  killAgentTaskLeftovers,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';
import { HttpScheduler, type Json } from './harness';

jest.setTimeout(120_000);

describe('persistent volumes destroyed while the agent was down', () => {
  let db: TestDatabase;
  let masterEnv: Record<string, string>;
  let master: TestService;
  let agentEnv: Record<string, string>;
  let agent: TestService;
  let workDir = '';
  let agentId = '';
  const schedulers: HttpScheduler[] = [];
  let fw: HttpScheduler;
  const used = new Set<string>();

  const reservation = { type: 'DYNAMIC', role: 'pv', principal: 'pv-e2e' };
  const disk = (mb: number, id?: string): Json => ({
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: mb },
    reservations: [reservation],
    ...(id
      ? { disk: { persistence: { id }, volume: { container_path: 'data', mode: 'RW' } } }
      : {}),
  });
  const dirOf = (id: string) => path.join(workDir, 'volumes', 'roles', 'pv', id);
  const slave = async (): Promise<Json> =>
    ((await httpJson(`${master.url}/master/state`)).body as Json).slaves.find(
      (s: Json) => s.id === agentId,
    );
  const volumeIds = async (): Promise<string[]> =>
    (((await slave())?.reserved_resources_full?.pv ?? []) as Json[])
      .map((r) => r.disk?.persistence?.id as string)
      .filter(Boolean)
      .sort();
  const accept = async (offer: Json, operations: Json[]) => {
    const r = await fw.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } },
    });
    expect(r.status).toBe(202);
  };
  /** A fresh offer that holds the volume `id`. */
  const offerWith = (id: string) =>
    waitFor(`an offer with volume ${id}`, () =>
      fw
        .offers(agentId)
        .find(
          (o) =>
            !used.has(o.id.value) &&
            (o.resources as Json[]).some((r) => r.disk?.persistence?.id === id),
        ),
    );
  const restartAgent = async () => {
    const before = (await slave())?.reregistered_time;
    agent = await startService('agent', agentEnv);
    await waitFor('the agent re-registered', async () => {
      const t = (await slave())?.reregistered_time;
      return t !== undefined && t !== before;
    });
  };

  beforeAll(async () => {
    db = await createTestDatabase('pvsync');
    masterEnv = {
      NATS_PREFIX: uniquePrefix('pvsync'),
      DATABASE_URL: db.url,
      MASTER_PORT: String(await freePort()),
      // The agent stays registered while it is down for a moment: its offer can be accepted.
      MASTER_AGENT_PING_TIMEOUT_MS: '2000',
      MASTER_MAX_AGENT_PING_TIMEOUTS: '10',
      MASTER_ALLOCATION_INTERVAL_MS: '200',
      MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
    };
    master = await startService('master', masterEnv);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvsync-agent-'));
    agentEnv = {
      NATS_PREFIX: masterEnv.NATS_PREFIX,
      AGENT_PORT: String(await freePort()),
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: 'pv-node',
      AGENT_RESOURCES: 'cpus:2;mem:1024;disk:1024;ports:[33000-33010]',
      AGENT_KILL_GRACE_MS: '300',
    };
    agent = await startService('agent', agentEnv);
    fw = new HttpScheduler(master.url, {
      name: 'pvsync-e2e',
      user: 'root',
      role: 'pv',
      principal: 'pv-e2e',
      failover_timeout: 3600,
    });
    schedulers.push(fw);
    await fw.subscribe();
  });

  afterAll(async () => {
    for (const s of schedulers) s.close();
    await stopAllServices();
    if (workDir) killAgentTaskLeftovers(workDir);
    await db?.drop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('RESERVE + CREATE make the volume directories on the agent', async () => {
    const offer = await waitFor('an offer', () => fw.offers()[0]);
    agentId = offer.agent_id.value;
    used.add(offer.id.value);
    await accept(offer, [
      { type: 'RESERVE', reserve: { resources: [disk(96)] } },
      {
        type: 'CREATE',
        create: { volumes: [disk(32, 'gone'), disk(32, 'kept'), disk(32, 'late')] },
      },
    ]);
    await waitFor('the volume directories', () =>
      ['gone', 'kept', 'late'].every((id) => fs.existsSync(dirOf(id))),
    );
    fs.writeFileSync(path.join(dirOf('kept'), 'file'), 'data');
    fs.writeFileSync(path.join(dirOf('gone'), 'file'), 'data');
    expect(await volumeIds()).toEqual(['gone', 'kept', 'late']);
  });

  it('DESTROY while the agent is down: the directory is removed when the agent comes back', async () => {
    const offer = await offerWith('gone');
    used.add(offer.id.value);
    await agent.stop();
    await accept(offer, [{ type: 'DESTROY', destroy: { volumes: [disk(32, 'gone')] } }]);
    await waitFor('the master destroyed it', async () => !(await volumeIds()).includes('gone'));
    // Nobody was there to remove it.
    expect(fs.existsSync(path.join(dirOf('gone'), 'file'))).toBe(true);

    await restartAgent();
    await waitFor('the destroyed volume removed', () => !fs.existsSync(dirOf('gone')));
    expect(fs.readFileSync(path.join(dirOf('kept'), 'file'), 'utf8')).toBe('data');
    expect(fs.existsSync(dirOf('late'))).toBe(true);
    expect(await volumeIds()).toEqual(['kept', 'late']);
  });

  it('also after a master restart, when the agent re-registers', async () => {
    const offer = await offerWith('late');
    used.add(offer.id.value);
    await agent.stop();
    await accept(offer, [{ type: 'DESTROY', destroy: { volumes: [disk(32, 'late')] } }]);
    await waitFor('the master destroyed it', async () => !(await volumeIds()).includes('late'));
    await master.stop();
    master = await startService('master', masterEnv);
    expect(fs.existsSync(dirOf('late'))).toBe(true);

    await restartAgent();
    await waitFor('the destroyed volume removed', () => !fs.existsSync(dirOf('late')));
    expect(fs.readFileSync(path.join(dirOf('kept'), 'file'), 'utf8')).toBe('data');
    expect(await volumeIds()).toEqual(['kept']);
  });
});

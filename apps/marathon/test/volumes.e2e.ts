/**
 * Volumes with Marathon on the real kernel (root: loop devices, ext4, mounts): the built master,
 * two real agents sharing one external-volume pool directory, the built Marathon and DSS.
 * External (DVDI) volumes follow their task between agents; local persistent volumes keep an
 * instance on its agent and disk across restarts until wiped.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createTestDatabase,
  freePort,
  httpJson,
  HttpScheduler,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';
import { StorageEngine, listLoops, listMounts } from '@dcos/volume-providers';
import { Client } from 'pg';

jest.setTimeout(180_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let db: TestDatabase;
let prefix: string;
let master: TestService;
let masterEnv: Record<string, string>;
let marathon: TestService;
let marathonEnv: Record<string, string>;
let scratch: string;
let pool: string;
const hosts = { a: '127.0.0.1', b: 'localhost' } as const;
const agents: Partial<Record<'a' | 'b', TestService>> = {};
const agentEnv: Partial<Record<'a' | 'b', Record<string, string>>> = {};
const workDir = (w: 'a' | 'b') => path.join(scratch, `agent-${w}`);

const api = (p: string, init: RequestInit = {}) =>
  httpJson(`${marathon.url}${p}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
const appOf = async (id: string): Promise<Json> =>
  ((await api(`/v2/apps${id}?embed=app.tasks&embed=app.lastTaskFailure`)).body as Json).app;
const runningOn = (id: string, host: string) =>
  waitFor(
    `${id} running on ${host}`,
    async () => {
      const a = await appOf(id);
      const t = (a.tasks as Json[]).find((x) => x.state === 'TASK_RUNNING');
      return a.deployments.length === 0 && t?.host === host && t;
    },
    { timeoutMs: 60_000 },
  );
/** A file the task wrote into its own sandbox, found under the agent's work dir. */
const sandboxFile = (w: 'a' | 'b', taskId: string, name: string): string | undefined => {
  const hits = (fs.readdirSync(workDir(w), { recursive: true }) as string[]).filter(
    (f) => f.endsWith(`/${name}`) && f.includes(taskId),
  );
  return hits.length ? fs.readFileSync(path.join(workDir(w), hits[0]), 'utf8') : undefined;
};
const leftovers = async () => [
  ...(await listLoops()).filter((l) => l.backingFile.startsWith(scratch)).map((l) => l.device),
  ...(await listMounts()).filter((m) => m.target.startsWith(scratch)).map((m) => m.target),
];

async function startAgent(w: 'a' | 'b', ports: string, extra: Record<string, string> = {}) {
  fs.mkdirSync(workDir(w), { recursive: true });
  agentEnv[w] = {
    NATS_PREFIX: prefix,
    AGENT_PORT: String(await freePort()),
    AGENT_WORK_DIR: workDir(w),
    AGENT_NODE_NAME: hosts[w],
    AGENT_RESOURCES: `cpus:2;mem:1024;disk:1024;ports:${ports}`,
    AGENT_KILL_GRACE_MS: '300',
    AGENT_EXTERNAL_VOLUMES_DIR: pool,
    LOG_LEVEL: process.env.MT_LOG ?? 'warn',
    ...extra,
  };
  agents[w] = await startService('agent', agentEnv[w]);
}

beforeAll(async () => {
  db = await createTestDatabase('mtvolumes');
  prefix = uniquePrefix('mtvol');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-volumes-'));
  pool = path.join(scratch, 'external-pool');
  masterEnv = {
    NATS_PREFIX: prefix,
    DATABASE_URL: db.url,
    MASTER_AGENT_PING_TIMEOUT_MS: '500',
    MASTER_ALLOCATION_INTERVAL_MS: '200',
    MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
    MASTER_STATUS_UPDATE_RETRY_MS: '1000',
    LOG_LEVEL: process.env.MT_LOG ?? 'warn',
  };
  master = await startService('master', masterEnv);
  const base = 34000 + Math.floor(Math.random() * 60) * 100;
  await startAgent('a', `[${base}-${base + 49}]`, { AGENT_DISKS: '2x256M' });
  await startAgent('b', `[${base + 50}-${base + 99}]`);
  await waitFor('2 agents', async () => {
    const s = (await httpJson(`${master.url}/master/state`)).body as Json;
    return s.slaves.length === 2;
  });
  marathonEnv = {
    NATS_PREFIX: prefix,
    DATABASE_URL: db.url,
    MARATHON_RECONCILE_INTERVAL_MS: '100',
    MARATHON_DECLINE_OFFER_DURATION_SECONDS: '1',
    // Persistent volumes are reserved to Marathon's role (`*` cannot hold reservations).
    MARATHON_MESOS_ROLE: 'marathon',
    LOG_LEVEL: process.env.MT_LOG ?? 'warn',
  };
  marathon = await startService('marathon', marathonEnv);
  await waitFor(
    'marathon registered',
    async () => ((await api('/v2/info')).body as Json).frameworkId,
  );
});

afterAll(async () => {
  await stopAllServices();
  // Agents keep storage across restarts by design; this run's is removed for good.
  for (const w of ['a', 'b'] as const) {
    const engine = new StorageEngine({
      workDir: workDir(w),
      externalPoolDir: pool,
      nodeId: hosts[w],
    });
    await engine.open({ keepAttachment: () => false });
    await engine.purge();
  }
  const left = await leftovers();
  fs.rmSync(scratch, { recursive: true, force: true });
  await db?.drop();
  expect(left).toEqual([]);
});

describe('external (dvdi) volumes', () => {
  const name = `ext-${Date.now().toString(36)}`;
  const volume = {
    containerPath: 'data',
    mode: 'RW',
    external: { name, provider: 'dvdi', options: { 'dvdi/driver': 'rexray', size: '32M' } },
  };
  // First run writes where it ran; a later run copies what it finds into its sandbox.
  const app = (host: string): Json => ({
    id: '/ext',
    cmd:
      'if [ -f data/first ]; then cp data/first found.txt; else echo "written on $HOST" > data/first; fi; ' +
      'grep -q " $MESOS_SANDBOX/data " /proc/mounts || exit 7; exec sleep 600',
    cpus: 0.1,
    mem: 32,
    instances: 1,
    constraints: [['hostname', 'CLUSTER', host]],
    container: { type: 'MESOS', volumes: [volume] },
  });

  it('writes on agent 1; moved by a constraint change, the task reads the same data on agent 2', async () => {
    const put = await api('/v2/apps', { method: 'POST', body: JSON.stringify(app(hosts.a)) });
    expect(put.status).toBe(201);
    expect((put.body as Json).container.volumes).toEqual([volume]);
    const first = await runningOn('/ext', hosts.a);
    // Leased by agent 1 in the shared pool, mounted in its sandbox.
    expect(JSON.parse(fs.readFileSync(path.join(pool, `${name}.lock`), 'utf8')).node).toBe(hosts.a);
    expect((await listMounts()).filter((m) => m.target.startsWith(workDir('a')))).toHaveLength(1);

    // Exclusive: the same volume for a task on agent 2 fails while agent 1 holds it.
    const other = { ...app(hosts.b), id: '/ext-intruder' };
    expect((await api('/v2/apps', { method: 'POST', body: JSON.stringify(other) })).status).toBe(
      201,
    );
    const failure = await waitFor(
      'the intruder failed',
      async () => (await appOf('/ext-intruder')).lastTaskFailure,
    );
    expect(failure.message).toMatch(
      new RegExp(`external volume "${name}" is attached on node ${hosts.a}`),
    );
    expect((await api('/v2/apps/ext-intruder?force=true', { method: 'DELETE' })).status).toBe(200);

    const moved = await api('/v2/apps/ext', { method: 'PUT', body: JSON.stringify(app(hosts.b)) });
    expect(moved.status).toBe(200);
    const second = await runningOn('/ext', hosts.b);
    expect(second.id).not.toBe(first.id);
    const found = await waitFor('the data read on agent 2', () =>
      sandboxFile('b', second.id, 'found.txt'),
    );
    expect(found).toBe(`written on ${hosts.a}\n`);
    expect(JSON.parse(fs.readFileSync(path.join(pool, `${name}.lock`), 'utf8')).node).toBe(hosts.b);
    expect((await listMounts()).filter((m) => m.target.startsWith(workDir('a')))).toEqual([]);
  });

  it('stays attached across an agent restart while the task runs; detached when the app goes', async () => {
    const mounted = async () =>
      (await listMounts()).filter((m) => m.target.startsWith(workDir('b')));
    expect(await mounted()).toHaveLength(1);
    await agents.b!.stop();
    agents.b = await startService('agent', agentEnv.b!);
    await waitFor('agent b re-registered', async () => {
      const s = (await httpJson(`${master.url}/master/state`)).body as Json;
      return s.slaves.find((x: Json) => x.hostname === hosts.b)?.reregistered_time;
    });
    expect(await mounted()).toHaveLength(1);
    expect((await appOf('/ext')).tasks[0].state).toBe('TASK_RUNNING');
    expect((await api('/v2/apps/ext', { method: 'DELETE' })).status).toBe(200);
    await waitFor(
      'the volume detached and its lease released',
      async () => (await mounted()).length === 0 && !fs.existsSync(path.join(pool, `${name}.lock`)),
    );
    expect(fs.existsSync(path.join(pool, `${name}.img`))).toBe(true);
  });

  it('refuses a bad external volume with 422 naming the field', async () => {
    const bad = app(hosts.a);
    bad.id = '/ext-bad';
    bad.container.volumes = [{ ...volume, external: { ...volume.external, provider: 'nfs' } }];
    const r = await api('/v2/apps', { method: 'POST', body: JSON.stringify(bad) });
    expect(r.status).toBe(422);
    expect((r.body as Json).details).toEqual([
      { path: '/container/volumes(0)/external/provider', errors: ['is unknown provider'] },
    ]);
    expect((await api('/v2/apps/ext-bad')).status).toBe(404);
  });
});

describe('local persistent volumes (a DSS volume of profile fast)', () => {
  let dss: TestService;
  let assetId = '';
  const dssApi = (p: string, init: RequestInit = {}) =>
    httpJson(`${dss.url}/v1${p}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
  const masterTask = async (taskId: string): Promise<Json> => {
    const s = (await httpJson(`${master.url}/master/state`)).body as Json;
    return s.frameworks.flatMap((f: Json) => f.tasks).find((t: Json) => t.id === taskId);
  };
  // Writes its task id the first time; later runs copy what the volume holds into their sandbox.
  const app = {
    id: '/db',
    cmd:
      'grep -q " $MESOS_SANDBOX/data " /proc/mounts || exit 7; ' +
      'if [ -f data/file ]; then cp data/file found.txt; else echo "$MESOS_TASK_ID" > data/file; fi; ' +
      'exec sleep 600',
    cpus: 0.1,
    mem: 32,
    instances: 1,
    container: {
      type: 'MESOS',
      volumes: [
        {
          containerPath: 'data',
          mode: 'RW',
          persistent: { type: 'mount', size: 100, profileName: 'fast' },
        },
      ],
    },
  };
  let firstTask = '';
  /** Marathon's stored claims (what pins the app to its volume across restarts). */
  const storedClaims = async (): Promise<Json[]> => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query('SELECT source_id, app_id FROM marathon.volume_claims')).rows;
    } finally {
      await c.end();
    }
  };
  const createVolume = async (name: string, mb: number): Promise<Json> => {
    const vol = await dssApi('/volumes', {
      method: 'POST',
      body: JSON.stringify({ name, 'capacity-mb': mb, profile: 'fast' }),
    });
    expect(vol.status).toBeLessThan(300);
    return waitFor(
      `${name} ONLINE`,
      async () => {
        const x = ((await dssApi('/volumes')).body as Json).volumes.find(
          (y: Json) => y.name === name,
        );
        if (x?.status.state === 'ERROR') throw new Error(`${name} failed: ${JSON.stringify(x)}`);
        return x?.status.state === 'ONLINE' && x;
      },
      { timeoutMs: 60_000 },
    );
  };

  beforeAll(async () => {
    dss = await startService('dss', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      DSS_OPERATION_TIMEOUT_MS: '20000',
      LOG_LEVEL: process.env.MT_LOG ?? 'warn',
    });
    const s = (await httpJson(`${master.url}/master/state`)).body as Json;
    const node = s.slaves.find((x: Json) => x.hostname === hosts.a).id;
    const provider = await dssApi('/providers', {
      method: 'POST',
      body: JSON.stringify({
        name: 'pool-1',
        spec: {
          plugin: { name: 'loop' },
          node,
          'plugin-configuration': { devices: ['disk0', 'disk1'] },
          labels: { tier: 'fast' },
        },
      }),
    });
    expect(provider.status).toBeLessThan(300);
    const profile = await dssApi('/profiles', {
      method: 'POST',
      body: JSON.stringify({
        name: 'fast',
        spec: {
          'provider-selector': { plugin: 'loop', matches: { labels: { tier: 'fast' } } },
          mount: { filesystem: 'ext4' },
        },
      }),
    });
    expect(profile.status).toBeLessThan(300);
    const v = await createVolume('vol-1', 128);
    assetId = v.status['asset-id'];
  });

  it('the app claims the MOUNT disk of profile fast and writes into it', async () => {
    const r = await api('/v2/apps', { method: 'POST', body: JSON.stringify(app) });
    expect(r.status).toBe(201);
    // Apps with volumes replace the old task first: one user per volume.
    expect((r.body as Json).upgradeStrategy).toEqual({
      minimumHealthCapacity: 0.5,
      maximumOverCapacity: 0,
    });
    const t = await runningOn('/db', hosts.a);
    firstTask = t.id;
    expect(t.localVolumes).toEqual([
      {
        runSpecId: '/db',
        containerPath: 'data',
        uuid: assetId,
        persistenceId: `db#data#${assetId}`,
      },
    ]);
    const mt = await masterTask(firstTask);
    expect(mt.resources.disk).toBe(128);
    const s = (await httpJson(`${master.url}/master/state`)).body as Json;
    const used = s.slaves
      .find((x: Json) => x.hostname === hosts.a)
      .used_resources_full.find((x: Json) => x.disk?.source?.type === 'MOUNT');
    expect(used.disk.source).toMatchObject({ id: assetId, profile: 'fast' });
    expect(await storedClaims()).toEqual([{ source_id: assetId, app_id: '/db' }]);
    // A smaller free volume of the same profile: a fresh pick would now prefer it.
    await createVolume('vol-2', 100);
  });

  it('a restart relaunches it on the same volume: the data is read back', async () => {
    expect((await api('/v2/apps/db/restart', { method: 'POST' })).status).toBe(200);
    const t = await waitFor(
      'a new task running',
      async () => {
        const a = await appOf('/db');
        const x = (a.tasks as Json[]).find((y) => y.state === 'TASK_RUNNING');
        return a.deployments.length === 0 && x && x.id !== firstTask && x;
      },
      { timeoutMs: 60_000 },
    );
    expect(t.host).toBe(hosts.a);
    const found = await waitFor('the data read back', () => sandboxFile('a', t.id, 'found.txt'));
    expect(found).toBe(`${firstTask}\n`);
  });

  it('the claim survives a Marathon restart: a killed task comes back on the same volume', async () => {
    await marathon.stop();
    marathon = await startService('marathon', marathonEnv);
    const before = (await appOf('/db')).tasks[0].id;
    const k = await api(`/v2/apps/db/tasks/${encodeURIComponent(before)}`, { method: 'DELETE' });
    expect(k.status).toBe(200);
    const t = await waitFor(
      'the replacement running',
      async () => {
        const x = ((await appOf('/db')).tasks as Json[]).find((y) => y.state === 'TASK_RUNNING');
        return x && x.id !== before && x;
      },
      { timeoutMs: 60_000 },
    );
    const found = await waitFor('the data read back', () => sandboxFile('a', t.id, 'found.txt'));
    expect(found).toBe(`${firstTask}\n`);
  });

  /** A second framework in role `*`: every disk it is offered (it declines them all). */
  let other: HttpScheduler | undefined;
  const offeredToOther = (): string[] =>
    (other?.offers() ?? []).flatMap((o: Json) =>
      (o.resources as Json[]).flatMap((r) => (r.disk?.source?.id ? [r.disk.source.id] : [])),
    );
  const declineAll = async () => {
    for (const o of other?.offers() ?? [])
      if (!declined.has(o.id.value)) {
        declined.add(o.id.value);
        await other!.call({
          type: 'DECLINE',
          decline: { offer_ids: [o.id], filters: { refuse_seconds: 0.2 } },
        });
      }
  };
  const declined = new Set<string>();
  afterAll(() => other?.close());

  it('scaled to 0, the disk stays reserved to Marathon: a `*` framework is never offered it', async () => {
    const scale = async (instances: number) =>
      expect(
        (await api('/v2/apps/db', { method: 'PUT', body: JSON.stringify({ instances }) })).status,
      ).toBe(200);
    await scale(0);
    await waitFor('the app has no task', async () => {
      const a = await appOf('/db');
      return a.tasks.length === 0 && a.deployments.length === 0;
    });
    const reservedOnA = async () => {
      const s = (await httpJson(`${master.url}/master/state`)).body as Json;
      return s.slaves.find((x: Json) => x.hostname === hosts.a)?.reserved_resources;
    };
    expect(await reservedOnA()).toEqual({ marathon: expect.objectContaining({ disk: 128 }) });
    // The reservation is the master's: it survives a master restart and the agent's
    // re-registration (which reports the disk unreserved, as always).
    await master.stop();
    master = await startService('master', masterEnv);
    await waitFor('agent a re-registered', async () => {
      const s = (await httpJson(`${master.url}/master/state`)).body as Json;
      return s.slaves.some((x: Json) => x.hostname === hosts.a && x.active);
    });
    expect(await reservedOnA()).toEqual({ marathon: expect.objectContaining({ disk: 128 }) });
    other = new HttpScheduler(master.url, { name: 'other', user: 'root', role: '*' });
    await other.subscribe();
    // It is offered agent a's disks (vol-2, unreserved), never the reserved vol-1.
    await waitFor('vol-2 offered to the other framework', async () => {
      await declineAll();
      return offeredToOther().some((id) => id !== assetId) && offeredToOther();
    });
    expect(offeredToOther()).not.toContain(assetId);
    // Back to 1: the instance is relaunched on its reserved disk and reads its data.
    await scale(1);
    const t = await runningOn('/db', hosts.a);
    const found = await waitFor('the data read back', () => sandboxFile('a', t.id, 'found.txt'));
    expect(found).toBe(`${firstTask}\n`);
    await declineAll();
    expect(offeredToOther()).not.toContain(assetId);
  });

  it('wipe=true releases the volume: DSS may then remove it', async () => {
    // In use: DSS refuses.
    expect((await dssApi('/volumes/vol-1', { method: 'DELETE' })).status).toBeGreaterThanOrEqual(
      400,
    );
    const w = await api('/v2/apps/db/tasks?wipe=true&scale=true', { method: 'DELETE' });
    expect(w.status).toBe(200);
    expect(await storedClaims()).toEqual([]);
    await waitFor('the app has no task', async () => {
      const a = await appOf('/db');
      return a.tasks.length === 0 && a.deployments.length === 0;
    });
    // Marathon UNRESERVEs the disk: the `*` framework is offered it now.
    await waitFor('vol-1 offered to the other framework', async () => {
      await declineAll();
      return offeredToOther().includes(assetId);
    });
    other?.close();
    other = undefined;
    const removed = await waitFor('DSS removes vol-1', async () => {
      const r = await dssApi('/volumes/vol-1', { method: 'DELETE' });
      return r.status < 300 && r;
    });
    expect(removed.status).toBeLessThan(300);
    await waitFor(
      'vol-1 gone',
      async () =>
        !((await dssApi('/volumes')).body as Json).volumes.some((y: Json) => y.name === 'vol-1'),
      { timeoutMs: 60_000 },
    );
  });

  it('refuses bad persistent volumes with 422 naming the field', async () => {
    const bad = {
      ...app,
      id: '/db-bad',
      container: {
        type: 'MESOS',
        volumes: [{ containerPath: 'a/b', persistent: { type: 'mount' } }],
      },
    };
    const r = await api('/v2/apps', { method: 'POST', body: JSON.stringify(bad) });
    expect(r.status).toBe(422);
    expect((r.body as Json).details).toEqual([
      {
        path: '/container/volumes(0)/containerPath',
        errors: ['value must not contain "/" and must not be empty'],
      },
      { path: '/container/volumes(0)/persistent/size', errors: ['error.path.missing'] },
    ]);
  });
});

/**
 * Local persistent volumes of type `root` and `block` with Marathon on the real kernel: the
 * built master, one real agent (with a loop-device disk for DSS), the built Marathon and DSS.
 * root: a slice of the agent's plain disk RESERVEd and made a persistent volume (CREATE), a
 * directory under the agent's work dir bind-mounted into the sandbox; block: a DSS BLOCK
 * volume whose device is linked into the sandbox. Both keep their data across task restarts
 * and are released (DESTROY / UNRESERVE) when the app goes.
 */
import { execFileSync } from 'node:child_process';
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
import { StorageEngine, listLoops, listMounts } from '@dcos/volume-providers';

jest.setTimeout(120_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let db: TestDatabase;
let prefix: string;
let master: TestService;
let marathon: TestService;
let marathonEnv: Record<string, string>;
let agent: TestService;
let agentEnv: Record<string, string>;
let dss: TestService | undefined;
let scratch: string;
let workDir: string;
const host = '127.0.0.1';

const api = (p: string, init: RequestInit = {}) =>
  httpJson(`${marathon.url}${p}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
const dssApi = (p: string, init: RequestInit = {}) =>
  httpJson(`${dss!.url}/v1${p}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
const appOf = async (id: string): Promise<Json> =>
  ((await api(`/v2/apps${id}?embed=app.tasks&embed=app.lastTaskFailure`)).body as Json).app;
const masterState = async (): Promise<Json> =>
  (await httpJson(`${master.url}/master/state`)).body as Json;
const agentState = async (): Promise<Json> => (await masterState()).slaves[0];
/** A running task of the app other than `not`, once its deployment is done. */
const running = (id: string, not?: string) =>
  waitFor(
    `${id} running${not ? ` (not ${not})` : ''}`,
    async () => {
      const a = await appOf(id);
      const t = (a.tasks as Json[]).find((x) => x.state === 'TASK_RUNNING' && x.id !== not);
      if (a.deployments.length === 0 && t) return t;
      // Said when it times out: what the app is doing instead.
      throw new Error(
        `tasks ${JSON.stringify(a.tasks.map((x: Json) => x.state))}, last failure ${JSON.stringify(a.lastTaskFailure?.message)}`,
      );
    },
    { timeoutMs: 60_000 },
  );
/** A file the task wrote into its own sandbox (not into a volume). */
const sandboxFile = (taskId: string, name: string): string | undefined => {
  const hits = (fs.readdirSync(workDir, { recursive: true }) as string[]).filter(
    (f) => f.endsWith(`/${name}`) && f.includes(taskId) && !f.startsWith('volumes/'),
  );
  return hits.length ? fs.readFileSync(path.join(workDir, hits[0]), 'utf8') : undefined;
};
const volumesDir = () => path.join(workDir, 'volumes', 'roles', 'marathon');
const mountsUnder = async (dir: string) =>
  (await listMounts()).filter((m) => m.target.startsWith(dir)).map((m) => m.target);

beforeAll(async () => {
  db = await createTestDatabase('mtpv');
  prefix = uniquePrefix('mtpv');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-pv-'));
  workDir = path.join(scratch, 'agent');
  fs.mkdirSync(workDir, { recursive: true });
  master = await startService('master', {
    NATS_PREFIX: prefix,
    DATABASE_URL: db.url,
    MASTER_AGENT_PING_TIMEOUT_MS: '500',
    MASTER_ALLOCATION_INTERVAL_MS: '200',
    MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
    LOG_LEVEL: process.env.MT_LOG ?? 'warn',
  });
  const base = 36000 + Math.floor(Math.random() * 60) * 100;
  agentEnv = {
    NATS_PREFIX: prefix,
    AGENT_PORT: String(await freePort()),
    AGENT_WORK_DIR: workDir,
    AGENT_NODE_NAME: host,
    AGENT_RESOURCES: `cpus:2;mem:1024;disk:1024;ports:[${base}-${base + 49}]`,
    AGENT_KILL_GRACE_MS: '300',
    AGENT_DISKS: '1x128M',
    LOG_LEVEL: process.env.MT_LOG ?? 'warn',
  };
  agent = await startService('agent', agentEnv);
  await waitFor('the agent', async () => (await masterState()).slaves.length === 1);
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
  if (workDir) killAgentTaskLeftovers(workDir);
  let left: string[] = [];
  try {
    // Bind mounts of volumes into sandboxes a failed test left behind.
    for (const m of (await mountsUnder(scratch)).reverse())
      try {
        execFileSync('umount', ['-l', m]);
      } catch {
        /* already gone */
      }
    const engine = new StorageEngine({ workDir, nodeId: host });
    await engine.open({ keepAttachment: () => false });
    // A volume's loop device whose pool is no longer mounted shows its file relative to the
    // pool's filesystem: detached here, or the pool's device stays busy.
    const files = Object.values(engine.journalState().volumes).map((v) => path.basename(v.file));
    for (const l of await listLoops())
      if (files.some((f) => l.backingFile.endsWith(`/volumes/${f}`)))
        execFileSync('losetup', ['-d', l.device]);
    await engine.purge();
    left = [
      ...(await listLoops()).filter((l) => l.backingFile.startsWith(scratch)).map((l) => l.device),
      ...(await mountsUnder(scratch)),
    ];
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    await db?.drop();
  }
  expect(left).toEqual([]);
});

describe('root persistent volumes', () => {
  // Two volumes: `data` keeps what the first task wrote, `more` a line per task run.
  const app = {
    id: '/pv',
    cmd:
      'grep -q " $MESOS_SANDBOX/data " /proc/mounts || exit 7; ' +
      'echo "$MESOS_TASK_ID" >> more/runs; ' +
      'if [ -f data/file ]; then cp data/file found.txt; else echo "$MESOS_TASK_ID" > data/file; fi; ' +
      'exec sleep 600',
    cpus: 0.1,
    mem: 32,
    disk: 8,
    instances: 1,
    container: {
      type: 'MESOS',
      volumes: [
        { containerPath: 'data', mode: 'RW', persistent: { size: 64 } },
        { containerPath: 'more', mode: 'RW', persistent: { type: 'root', size: 16 } },
      ],
    },
  };
  let first: Json;
  let ids: string[] = [];

  it('reserves and creates the volumes on the agent; the task writes into them', async () => {
    const r = await api('/v2/apps', { method: 'POST', body: JSON.stringify(app) });
    expect(r.status).toBe(201);
    first = await running('/pv');
    expect(first.host).toBe(host);
    expect(first.localVolumes).toHaveLength(2);
    ids = (first.localVolumes as Json[]).map((v) => v.persistenceId);
    expect(first.localVolumes).toEqual([
      {
        runSpecId: '/pv',
        containerPath: 'data',
        uuid: expect.any(String),
        persistenceId: expect.stringMatching(/^pv#data#[0-9a-f-]{36}$/),
      },
      {
        runSpecId: '/pv',
        containerPath: 'more',
        uuid: expect.any(String),
        persistenceId: expect.stringMatching(/^pv#more#[0-9a-f-]{36}$/),
      },
    ]);
    // The master shows the reservation and the volumes (role, persistence id, size).
    const a = await agentState();
    expect(a.reserved_resources.marathon.disk).toBe(80);
    // Held volumes cannot be changed (their claims name them by containerPath).
    const change = await api('/v2/apps/pv', {
      method: 'PUT',
      body: JSON.stringify({
        container: { ...app.container, volumes: [app.container.volumes[0]] },
      }),
    });
    expect(change.status).toBe(422);
    expect((change.body as Json).details).toEqual([
      { path: '/container/volumes', errors: [expect.stringMatching(/cannot be changed/)] },
    ]);
    const vols = (a.reserved_resources_full.marathon as Json[]).filter((x) => x.disk?.persistence);
    expect(vols.map((x) => [x.disk.persistence.id, x.scalar.value]).sort()).toEqual(
      [
        [ids[0], 64],
        [ids[1], 16],
      ].sort(),
    );
    expect(vols[0].reservations.at(-1)).toMatchObject({ type: 'DYNAMIC', role: 'marathon' });
    // The data is in the agent's volume directory.
    const file = path.join(volumesDir(), ids[0], 'file');
    await waitFor('the task wrote into its volume', () => fs.existsSync(file));
    expect(fs.readFileSync(file, 'utf8')).toBe(`${first.id}\n`);
  });

  it('a killed task is relaunched on the same agent and reads the data back', async () => {
    const k = await api(`/v2/apps/pv/tasks/${encodeURIComponent(first.id)}`, { method: 'DELETE' });
    expect(k.status).toBe(200);
    const t = await running('/pv', first.id);
    expect(t.host).toBe(host);
    expect((t.localVolumes as Json[]).map((v) => v.persistenceId)).toEqual(ids);
    const found = await waitFor('the data read back', () => sandboxFile(t.id, 'found.txt'));
    expect(found).toBe(`${first.id}\n`);
    await waitFor(
      'both runs recorded',
      () =>
        fs.readFileSync(path.join(volumesDir(), ids[1], 'runs'), 'utf8').split('\n').length === 3,
    );
    expect(fs.readFileSync(path.join(volumesDir(), ids[1], 'runs'), 'utf8')).toBe(
      `${first.id}\n${t.id}\n`,
    );
    // The first task's bind mounts are gone; the running task has its two.
    expect((await mountsUnder(workDir)).filter((m) => m.includes(first.id))).toEqual([]);
    expect((await mountsUnder(workDir)).filter((m) => m.includes(t.id))).toHaveLength(2);
  });

  it('stays mounted across an agent restart; the claim survives a Marathon restart', async () => {
    const t = await running('/pv');
    await agent.stop();
    agent = await startService('agent', agentEnv);
    await waitFor('the agent re-registered', async () => (await agentState())?.reregistered_time);
    expect((await mountsUnder(workDir)).filter((m) => m.includes(t.id))).toHaveLength(2);
    expect((await appOf('/pv')).tasks[0]).toMatchObject({ id: t.id, state: 'TASK_RUNNING' });
    await marathon.stop();
    marathon = await startService('marathon', marathonEnv);
    const k = await api(`/v2/apps/pv/tasks/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
    expect(k.status).toBe(200);
    const next = await running('/pv', t.id);
    expect((next.localVolumes as Json[]).map((v) => v.persistenceId)).toEqual(ids);
    const found = await waitFor('the data read back', () => sandboxFile(next.id, 'found.txt'));
    expect(found).toBe(`${first.id}\n`);
  });

  it("wipe=true releases the instance's volumes (DESTROY); its replacement starts afresh", async () => {
    const t = await running('/pv');
    const old = ids;
    const w = await api(`/v2/apps/pv/tasks/${encodeURIComponent(t.id)}?wipe=true`, {
      method: 'DELETE',
    });
    expect(w.status).toBe(200);
    const next = await running('/pv', t.id);
    ids = (next.localVolumes as Json[]).map((v) => v.persistenceId);
    expect(ids).toHaveLength(2);
    expect(ids.some((id) => old.includes(id))).toBe(false);
    await waitFor('the wiped volumes removed', () =>
      old.every((id) => !fs.existsSync(path.join(volumesDir(), id))),
    );
    await waitFor('the new volume written', () =>
      fs.existsSync(path.join(volumesDir(), ids[0], 'file')),
    );
    expect(fs.readFileSync(path.join(volumesDir(), ids[0], 'file'), 'utf8')).toBe(`${next.id}\n`);
    const a = await waitFor('only the new volumes reserved', async () => {
      const s = await agentState();
      return s.reserved_resources_full.marathon?.length === 2 && s;
    });
    expect(
      (a.reserved_resources_full.marathon as Json[]).map((x) => x.disk?.persistence?.id).sort(),
    ).toEqual([...ids].sort());
    expect(a.reserved_resources.marathon.disk).toBe(80);
  });

  it('deleting the app destroys the volumes and unreserves the disk', async () => {
    expect((await api('/v2/apps/pv', { method: 'DELETE' })).status).toBe(200);
    await waitFor('the volume directories removed', () =>
      ids.every((id) => !fs.existsSync(path.join(volumesDir(), id))),
    );
    const a = await waitFor('the disk unreserved', async () => {
      const s = await agentState();
      return !s.reserved_resources.marathon && s;
    });
    expect(a.reserved_resources_full).toEqual({});
    expect(a.unreserved_resources.disk).toBe(1024);
    expect(await mountsUnder(workDir)).toEqual([]);
  });

  it('refuses profileName on a root volume with 422 naming the field', async () => {
    const bad = {
      ...app,
      id: '/pv-bad',
      container: {
        type: 'MESOS',
        volumes: [{ containerPath: 'data', persistent: { size: 8, profileName: 'fast' } }],
      },
    };
    const r = await api('/v2/apps', { method: 'POST', body: JSON.stringify(bad) });
    expect(r.status).toBe(422);
    expect((r.body as Json).details).toEqual([
      {
        path: '/container/volumes(0)/persistent/profileName',
        errors: ['profileName is only allowed for mount and block volumes'],
      },
    ]);
    // Role `*` cannot hold the reservation a root volume is made of.
    const star = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify({ ...app, id: '/pv-star', role: '*' }),
    });
    expect(star.status).toBe(422);
    expect((star.body as Json).details).toEqual([
      {
        path: '/container/volumes(0)/persistent/type',
        errors: [expect.stringMatching(/role other than "\*"/)],
      },
      {
        path: '/container/volumes(1)/persistent/type',
        errors: [expect.stringMatching(/role other than "\*"/)],
      },
    ]);
    expect((await api('/v2/apps/pv-star')).status).toBe(404);
  });
});

describe('block persistent volumes (a DSS volume of a block profile)', () => {
  let assetId = '';
  // The task sees the raw device at $MESOS_SANDBOX/dev; the first run writes a marker into
  // it, later runs read it back into their sandbox.
  const app = {
    id: '/blk',
    cmd:
      'test -L dev && test -b "$(readlink -f dev)" || exit 7; ' +
      'if dd if=dev bs=5 count=1 2>/dev/null | grep -q "^PVTS:"; then ' +
      'dd if=dev bs=128 count=1 2>/dev/null | tr -d "\\000" > found.txt; ' +
      'else printf "PVTS:%s" "$MESOS_TASK_ID" | dd of=dev conv=notrunc,fsync 2>/dev/null; fi; ' +
      'echo done > ready.txt; exec sleep 600',
    cpus: 0.1,
    mem: 32,
    instances: 1,
    container: {
      type: 'MESOS',
      volumes: [
        {
          containerPath: 'dev',
          mode: 'RW',
          persistent: { type: 'block', size: 32, profileName: 'raw' },
        },
      ],
    },
  };
  let first: Json;

  beforeAll(async () => {
    dss = await startService('dss', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      DSS_OPERATION_TIMEOUT_MS: '20000',
      LOG_LEVEL: process.env.MT_LOG ?? 'warn',
    });
    const node = (await agentState()).id;
    const provider = await dssApi('/providers', {
      method: 'POST',
      body: JSON.stringify({
        name: 'pool-b',
        spec: {
          plugin: { name: 'loop' },
          node,
          'plugin-configuration': { devices: ['disk0'] },
          labels: { tier: 'raw' },
        },
      }),
    });
    expect(provider.status).toBeLessThan(300);
    const profile = await dssApi('/profiles', {
      method: 'POST',
      body: JSON.stringify({
        name: 'raw',
        spec: {
          'provider-selector': { plugin: 'loop', matches: { labels: { tier: 'raw' } } },
          block: {},
        },
      }),
    });
    expect(profile.status).toBeLessThan(300);
    expect(
      (
        await dssApi('/volumes', {
          method: 'POST',
          body: JSON.stringify({ name: 'blk-1', 'capacity-mb': 48, profile: 'raw' }),
        })
      ).status,
    ).toBeLessThan(300);
    const v = await waitFor(
      'blk-1 ONLINE',
      async () => {
        const x = ((await dssApi('/volumes')).body as Json).volumes.find(
          (y: Json) => y.name === 'blk-1',
        );
        if (x?.status.state === 'ERROR') throw new Error(`blk-1 failed: ${JSON.stringify(x)}`);
        return x?.status.state === 'ONLINE' && x;
      },
      { timeoutMs: 60_000 },
    );
    assetId = v.status['asset-id'];
  });

  it('the task sees the device and writes raw bytes; its successor reads them back', async () => {
    const r = await api('/v2/apps', { method: 'POST', body: JSON.stringify(app) });
    expect(r.status).toBe(201);
    first = await running('/blk');
    expect(first.localVolumes).toEqual([
      {
        runSpecId: '/blk',
        containerPath: 'dev',
        uuid: assetId,
        persistenceId: `blk#dev#${assetId}`,
      },
    ]);
    const used = (await agentState()).used_resources_full.find(
      (x: Json) => x.disk?.source?.type === 'BLOCK',
    );
    expect(used.disk.source).toMatchObject({ id: assetId, profile: 'raw' });
    // RUNNING comes when the process starts: kill it only once it has written its marker.
    await waitFor('the first task wrote its marker', () => sandboxFile(first.id, 'ready.txt'));
    const k = await api(`/v2/apps/blk/tasks/${encodeURIComponent(first.id)}`, {
      method: 'DELETE',
    });
    expect(k.status).toBe(200);
    const t = await running('/blk', first.id);
    const found = await waitFor('the bytes read back', () => sandboxFile(t.id, 'found.txt'));
    expect(found).toBe(`PVTS:${first.id}`);
  });

  it('deleting the app releases the volume: DSS may then remove it', async () => {
    expect((await api('/v2/apps/blk', { method: 'DELETE' })).status).toBe(200);
    const removed = await waitFor('DSS removes blk-1', async () => {
      const r = await dssApi('/volumes/blk-1', { method: 'DELETE' });
      return r.status < 300 && r;
    });
    expect(removed.status).toBeLessThan(300);
    expect((await agentState()).reserved_resources).toEqual({});
  });
});

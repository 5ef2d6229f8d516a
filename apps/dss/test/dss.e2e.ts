import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SchedulerCallRequestContract,
  SchedulerEventContract,
  subjectFor,
  type SchedulerCallRequest,
} from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import {
  createTestDatabase,
  httpJson,
  startService,
  stopAllServices,
  TEST_NATS_URL,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';
import { AgentStorage, StorageEngine, listLoops, listMounts } from '@dcos/volume-providers';

/**
 * The built DSS against real Postgres and NATS, with a real agent storage module (loop
 * devices, mkfs, mounts) on NATS. The master's CREATE_DISK support is not there yet, so the
 * test stands in for the master on the scheduler subjects: it forwards DSS's operations to the
 * agent module and reports their real outcome, as the master will.
 */
jest.setTimeout(90_000);

const AGENT = 'agent-1';
/** The framework id DSS chose and subscribed with (the master keeps a framework's chosen id). */
let FW = 'fw-storage-unset';
let db: TestDatabase;
let prefix: string;
let nats: NatsClient;
let base: string;
let engine: StorageEngine;
let agent: AgentStorage;
let dss: TestService;
const calls: SchedulerCallRequest['call'][] = [];
/** Resources tasks use, as /master/state would show them. */
let usedByTasks: unknown[] = [];
/** When set, applied operations get no status update and no new offers follow (lost messages). */
let dropStatusUpdates = false;
let offerSeq = 0;

const events = () => subjectFor(prefix, 'frameworkEvents', FW);
const publishEvent = (ev: unknown) => nats.publish(events(), SchedulerEventContract.parse(ev));

async function sendOffers(): Promise<void> {
  publishEvent({
    type: 'OFFERS',
    offers: {
      offers: [
        {
          id: { value: `offer-${++offerSeq}` },
          framework_id: { value: FW },
          agent_id: { value: AGENT },
          hostname: 'node-1',
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
            ...(await agent.resources()),
          ],
        },
      ],
    },
  });
}

function actAsMaster(): void {
  nats.serve<SchedulerCallRequest, unknown>(
    nats.subjects.masterSchedulerCall,
    async ({ call }) => {
      calls.push(call);
      if (call.type === 'SUBSCRIBE') {
        const chosen = (
          call.subscribe as { framework_info?: { id?: { value: string } } } | undefined
        )?.framework_info?.id?.value;
        if (!chosen) throw new Error('DSS must choose its framework id before SUBSCRIBE');
        FW = chosen;
        return {
          stream_id: `stream-${calls.length}`,
          subscribed: { framework_id: { value: FW }, heartbeat_interval_seconds: 15 },
        };
      }
      if (call.type === 'REVIVE') setTimeout(() => void sendOffers(), 20);
      if (call.type === 'ACCEPT') {
        for (const op of call.accept?.operations ?? []) {
          let status: Record<string, unknown>;
          try {
            const converted = await agent.applyOperation(op as never);
            status = { state: 'OPERATION_FINISHED', converted_resources: converted };
          } catch (e) {
            status = { state: 'OPERATION_FAILED', message: (e as Error).message };
          }
          if (!dropStatusUpdates)
            publishEvent({
              type: 'UPDATE_OPERATION_STATUS',
              update_operation_status: {
                status: {
                  operation_id: op.id,
                  agent_id: { value: AGENT },
                  uuid: { value: `u${calls.length}` },
                  ...status,
                },
              },
            });
        }
        if (!dropStatusUpdates) setTimeout(() => void sendOffers(), 20);
      }
      return {};
    },
    { input: SchedulerCallRequestContract },
  );
  nats.serve(nats.subjects.masterState, () => ({
    frameworks: [{ id: 'marathon', tasks: [{ id: 't1', resources: usedByTasks }] }],
  }));
}

const api = (path: string, init: RequestInit = {}) =>
  httpJson(`${dss.url}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
const post = (path: string, body: unknown) =>
  api(path, { method: 'POST', body: JSON.stringify(body) });

const provider = (over: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  name: 'pool-1',
  description: 'two file-backed disks',
  spec: {
    plugin: { name: 'loop', 'config-version': 'latest' },
    node: AGENT,
    'plugin-configuration': { devices: ['disk0', 'disk1'] },
    labels: { tier: 'fast' },
    ...spec,
  },
  ...over,
});

async function startDss(): Promise<void> {
  dss = await startService('dss', {
    NATS_PREFIX: prefix,
    DATABASE_URL: db.url,
    DSS_OPERATION_TIMEOUT_MS: '1500',
    LOG_LEVEL: process.env.DSS_LOG ?? 'warn',
  });
}

async function volume(
  name: string,
): Promise<{ status: { state: string; 'asset-id': string; node?: string } } | undefined> {
  const r = await api('/v1/volumes');
  return (
    r.body as { volumes: { name: string; status: { state: string; 'asset-id': string } }[] }
  ).volumes.find((v) => v.name === name);
}

beforeAll(async () => {
  db = await createTestDatabase('dss');
  prefix = uniquePrefix('dss');
  nats = new NatsClient({ url: TEST_NATS_URL, prefix, name: 'dss-e2e' });
  await nats.connect();
  base = await mkdtemp(join(tmpdir(), 'dss-e2e-'));
  engine = new StorageEngine({ workDir: base, fileDisks: [300, 300], nodeId: AGENT });
  await engine.open();
  agent = new AgentStorage(engine, nats, { hostname: 'node-1' });
  agent.serve(AGENT);
  actAsMaster();
  await startDss();
});

afterAll(async () => {
  await stopAllServices();
  await nats?.close();
  await engine?.purge();
  const loops = (await listLoops()).filter((l) => l.backingFile.startsWith(base));
  const mounts = (await listMounts()).filter((m) => m.target.startsWith(base));
  await rm(base, { recursive: true, force: true });
  await db?.drop();
  expect([...loops, ...mounts]).toEqual([]);
});

describe('devices and providers', () => {
  it('lists the agent devices', async () => {
    const r = await api('/v1/devices');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      devices: [
        {
          node: AGENT,
          name: 'disk0',
          status: 'ONLINE',
          rotational: expect.any(Boolean),
          type: 'loop',
          'size-mb': 300,
        },
        {
          node: AGENT,
          name: 'disk1',
          status: 'ONLINE',
          rotational: expect.any(Boolean),
          type: 'loop',
          'size-mb': 300,
        },
      ],
    });
  });

  it('rejects bad providers with a clear 4xx and creates nothing', async () => {
    const unknown = await post('/v1/providers', provider({}, { plugin: { name: 'zfs' } }));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      errors: [
        { field: 'spec.plugin.name', message: expect.stringMatching(/unknown plugin "zfs"/) },
      ],
    });
    const noNode = await post('/v1/providers', provider({}, { node: undefined }));
    expect(noNode.status).toBe(400);
    expect(noNode.body).toMatchObject({ errors: [{ field: 'spec.node' }] });
    const ghost = await post('/v1/providers', provider({}, { node: 'agent-x' }));
    expect(ghost.status).toBe(422);
    expect((ghost.body as { message: string }).message).toMatch(/no agent "agent-x" answers/);
    const badDevice = await post(
      '/v1/providers',
      provider({}, { 'plugin-configuration': { devices: ['vda'] } }),
    );
    expect(badDevice.status).toBe(422);
    expect((badDevice.body as { message: string }).message).toMatch(
      /device "vda" is not configured/,
    );
    const notJson = await api('/v1/providers', { method: 'POST', body: '{"name":' });
    expect(notJson.status).toBe(400);
    expect((await api('/v1/providers')).body).toEqual({ providers: [] });
    expect(await engine.listProviders()).toEqual([]);
  });

  it('creates a loop provider on the agent', async () => {
    const r = await post('/v1/providers', provider());
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: 'pool-1',
      spec: { plugin: { name: 'loop' }, node: AGENT },
      status: { state: 'ONLINE', node: AGENT },
    });
    expect((await engine.listProviders()).map((p) => p.name)).toEqual(['pool-1']);
    expect((await post('/v1/providers', provider())).status).toBe(409);
    const list = (await api('/v1/providers')).body as {
      providers: { status: { state: string; 'free-mb': number } }[];
    };
    expect(list.providers).toHaveLength(1);
    expect(list.providers[0].status.state).toBe('ONLINE');
    expect(list.providers[0].status['free-mb']).toBeGreaterThan(500);
    const devs = (await api('/v1/devices')).body as { devices: { provider?: string }[] };
    expect(devs.devices.map((d) => d.provider)).toEqual(['pool-1', 'pool-1']);
  });

  it('modifies only description and labels', async () => {
    const ok = await api('/v1/providers/pool-1', {
      method: 'PUT',
      body: JSON.stringify({ ...provider({ description: 'renamed' }) }),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ description: 'renamed' });
    const moved = await api('/v1/providers/pool-1', {
      method: 'PUT',
      body: JSON.stringify(provider({}, { node: 'agent-2' })),
    });
    expect(moved.status).toBe(400);
    expect(moved.body).toMatchObject({
      errors: [{ field: 'spec.node', message: 'cannot be changed' }],
    });
  });
});

describe('profiles', () => {
  it('creates immutable profiles with exactly one of mount or block', async () => {
    const both = await post('/v1/profiles', {
      name: 'bad',
      spec: { 'provider-selector': { plugin: 'loop' }, mount: {}, block: {} },
    });
    expect(both.status).toBe(400);
    expect((both.body as { message: string }).message).toMatch(/exactly one of "mount" or "block"/);
    const fast = await post('/v1/profiles', {
      name: 'fast',
      description: 'ext4 on the fast pool',
      spec: {
        'provider-selector': { plugin: 'loop', matches: { labels: { tier: 'fast' } } },
        mount: { filesystem: 'ext4' },
      },
    });
    expect(fast.status).toBe(201);
    expect(fast.body).toMatchObject({ name: 'fast', status: 'ACTIVE' });
    expect(
      (
        await post('/v1/profiles', {
          name: 'fast',
          spec: { 'provider-selector': { plugin: 'loop' }, block: {} },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await post('/v1/profiles', {
          name: 'slow',
          spec: {
            'provider-selector': { plugin: 'loop', matches: { labels: { tier: 'slow' } } },
            block: {},
          },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await post('/v1/profiles', {
          name: 'raw',
          spec: { 'provider-selector': { plugin: 'loop' }, block: {} },
        })
      ).status,
    ).toBe(201);
    const d = await post('/v1/profiles/slow/deactivate', {});
    expect(d.body).toMatchObject({ status: 'INACTIVE' });
    expect((await post('/v1/profiles/nope/deactivate', {})).status).toBe(404);
    const list = (await api('/v1/profiles')).body as {
      profiles: { name: string; status: string }[];
    };
    expect(list.profiles.map((p) => [p.name, p.status])).toEqual([
      ['fast', 'ACTIVE'],
      ['raw', 'ACTIVE'],
      ['slow', 'INACTIVE'],
    ]);
  });
});

describe('volumes', () => {
  it('rejects volumes that cannot be made, creating nothing', async () => {
    expect(
      (await post('/v1/volumes', { name: 'v', 'capacity-mb': 'x', profile: 'fast' })).status,
    ).toBe(400);
    const inactive = await post('/v1/volumes', { name: 'v', 'capacity-mb': 64, profile: 'slow' });
    expect(inactive.status).toBe(422);
    expect((inactive.body as { message: string }).message).toMatch(/deactivated/);
    await post('/v1/profiles/slow/reactivate', {});
    const none = await post('/v1/volumes', { name: 'v', 'capacity-mb': 64, profile: 'slow' });
    expect(none.status).toBe(422);
    expect((none.body as { message: string }).message).toMatch(
      /profile "slow" matches no volume provider/,
    );
    const big = await post('/v1/volumes', { name: 'v', 'capacity-mb': 100_000, profile: 'fast' });
    expect(big.status).toBe(422);
    expect((big.body as { message: string }).message).toMatch(/does not fit/);
    const wrongNode = await post('/v1/volumes', {
      name: 'v',
      'capacity-mb': 64,
      profile: 'fast',
      node: 'agent-9',
    });
    expect(wrongNode.status).toBe(422);
    expect((await api('/v1/volumes')).body).toEqual({ volumes: [] });
  });

  let assetId = '';
  it('creates a 256 MB volume through CREATE_DISK and reports it ONLINE', async () => {
    const r = await post('/v1/volumes', { name: 'vol-1', 'capacity-mb': 256, profile: 'fast' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: 'vol-1',
      'capacity-mb': 256,
      profile: 'fast',
      status: { state: 'PENDING' },
    });
    const online = await waitFor('vol-1 ONLINE', async () => {
      const v = await volume('vol-1');
      return v?.status.state === 'ONLINE' ? v : undefined;
    });
    assetId = online.status['asset-id'];
    expect(online.status).toMatchObject({
      node: AGENT,
      requires: [{ type: 'PROVIDER', name: 'pool-1', node: AGENT }],
    });
    const accept = calls.find((c) => c.type === 'ACCEPT');
    expect(accept?.accept?.operations[0]).toMatchObject({
      type: 'CREATE_DISK',
      id: { value: assetId },
      create_disk: {
        target_type: 'MOUNT',
        target_profile: 'fast',
        source: { scalar: { value: 256 }, disk: { source: { type: 'RAW' } } },
      },
    });
    const [made] = await engine.listVolumes();
    expect(made).toMatchObject({
      id: assetId,
      sizeMb: 256,
      type: 'MOUNT',
      profile: 'fast',
      filesystem: 'ext4',
    });
    expect(
      (await post('/v1/volumes', { name: 'vol-1', 'capacity-mb': 64, profile: 'fast' })).status,
    ).toBe(409);
    // the agent now offers it as a MOUNT disk with profile "fast"
    expect(await agent.resources()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          disk: {
            source: expect.objectContaining({ type: 'MOUNT', profile: 'fast', id: assetId }),
          },
        }),
      ]),
    );
  });

  it('refuses to remove a volume in use, removes it with DESTROY_DISK when free', async () => {
    const disk = (await agent.resources()).find((r) => r.disk.source.id === assetId);
    usedByTasks = [disk];
    const busy = await api('/v1/volumes/vol-1', { method: 'DELETE' });
    expect(busy.status).toBe(409);
    expect((busy.body as { message: string }).message).toMatch(/in use/);
    expect((await volume('vol-1'))?.status.state).toBe('ONLINE');
    usedByTasks = [];
    const r = await api('/v1/volumes/vol-1', { method: 'DELETE' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: { state: 'REMOVING' } });
    await waitFor('vol-1 gone', async () => (await volume('vol-1')) === undefined);
    expect(await engine.listVolumes()).toEqual([]);
    expect(
      calls.some((c) => c.type === 'ACCEPT' && c.accept?.operations[0]?.type === 'DESTROY_DISK'),
    ).toBe(true);
    expect((await api('/v1/volumes/vol-1', { method: 'DELETE' })).status).toBe(404);
  });

  it('survives a restart: state persists and a lost CREATE_DISK answer never makes a second disk', async () => {
    dropStatusUpdates = true;
    const r = await post('/v1/volumes', { name: 'vol-2', 'capacity-mb': 64, profile: 'raw' });
    expect(r.status).toBe(201);
    await waitFor('vol-2 made on the agent', async () => (await engine.listVolumes()).length === 1);
    expect((await volume('vol-2'))?.status.state).toBe('CREATING');
    await dss.stop();
    dropStatusUpdates = false;
    await startDss();
    const online = await waitFor('vol-2 ONLINE after restart', async () => {
      const v = await volume('vol-2');
      return v?.status.state === 'ONLINE' ? v : undefined;
    });
    const vols = await engine.listVolumes();
    expect(vols.map((v) => v.id)).toEqual([online.status['asset-id']]);
    expect(vols[0].type).toBe('BLOCK');
    expect((await api('/v1/providers')).body).toMatchObject({
      providers: [{ name: 'pool-1', description: 'renamed' }],
    });
    expect(((await api('/v1/profiles')).body as { profiles: unknown[] }).profiles).toHaveLength(3);
  });

  it('refuses to remove a provider with volumes, then removes it', async () => {
    const busy = await api('/v1/providers/pool-1', { method: 'DELETE' });
    expect(busy.status).toBe(409);
    expect((busy.body as { message: string }).message).toMatch(/has volumes: vol-2/);
    expect((await api('/v1/volumes/vol-2', { method: 'DELETE' })).status).toBe(200);
    await waitFor('vol-2 gone', async () => (await volume('vol-2')) === undefined);
    expect((await api('/v1/providers/pool-1', { method: 'DELETE' })).status).toBe(204);
    expect(await engine.listProviders()).toEqual([]);
    expect((await api('/v1/providers')).body).toEqual({ providers: [] });
  });
});

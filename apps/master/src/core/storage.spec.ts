import type { Resource } from '@dcos/contracts';

import {
  agentRegistration,
  liveOffers,
  recordingConnection,
  testMasterCore,
  type Ev,
} from '../../test/core-fixture';
import { CallError } from './master';

const raw = (mb: number): Resource => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: mb },
  provider_id: { value: 'rp-1' },
  disk: { source: { type: 'RAW', vendor: 'dcos-ts' } },
});
const mount = (id: string, mb: number): Resource => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: mb },
  provider_id: { value: 'rp-1' },
  disk: { source: { type: 'MOUNT', id, profile: 'fast', mount: { root: `/s/${id}` } } },
});

/** The master core with an agent that answers storage operations as told. */
function setup() {
  const { core, requests, agent, advance } = testMasterCore({ statusUpdateRetryMs: 1_000 });
  const reg = agentRegistration(
    'n1',
    [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 500 } },
      raw(1000),
    ],
    { resources_seq: 10 },
  );
  const agentId = core.registerAgent(reg).agent_id.value;
  const conn = recordingConnection('s1');
  const events = conn.events;
  const fwId = core.subscribe(
    // As the DSS framework: MULTI_ROLE, so offers carry `allocation_info`.
    { name: 'dss', user: 'root', capabilities: [{ type: 'MULTI_ROLE' }] },
    conn,
  ).frameworkId;
  const call = (c: Ev) => core.handleCall({ framework_id: { value: fwId }, ...c } as never, 's1');
  const offers = () => liveOffers(events);
  const statuses = () =>
    events
      .filter((e) => e.type === 'UPDATE_OPERATION_STATUS')
      .map((e) => e.update_operation_status.status);
  const disks = (rs: Ev[]) => rs.filter((r) => r.disk?.source);
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    core,
    agentId,
    fwId,
    events,
    call,
    offers,
    statuses,
    disks,
    settle,
    requests,
    answer: (fn: typeof agent.answer) => (agent.answer = fn),
    advance,
  };
}

function createDisk(offer: Ev, mb: number, id = 'dss-1'): Ev {
  const pool = offer.resources.find((r: Ev) => r.disk?.source?.type === 'RAW');
  return {
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [
        {
          type: 'CREATE_DISK',
          id: { value: id },
          create_disk: {
            source: { ...pool, scalar: { value: mb } },
            target_type: 'MOUNT',
            target_profile: 'fast',
          },
        },
      ],
      filters: { refuse_seconds: 0 },
    },
  };
}

describe('MasterCore storage', () => {
  it('offers the RAW pool with its disk.source and provider_id', () => {
    const t = setup();
    t.core.allocate();
    const [offer] = t.offers();
    expect(t.disks(offer.resources)).toEqual([
      { ...raw(1000), role: '*', allocation_info: { role: '*' } },
    ]);
    expect(offer.resources).toContainEqual(
      expect.objectContaining({ name: 'disk', scalar: { value: 500 } }),
    );
  });

  it('CREATE_DISK: forwards to the agent, converts RAW into MOUNT, sends a reliable UPDATE_OPERATION_STATUS', async () => {
    const t = setup();
    t.core.allocate();
    const [offer] = t.offers();
    t.answer(async () => ({
      status: 'OPERATION_FINISHED',
      resources: [mount('dss-1', 256)],
      storage_resources: [raw(744), mount('dss-1', 256)],
      seq: 11,
    }));
    t.call(createDisk(offer, 256));
    expect(t.requests.at(-1)).toMatchObject({
      agentId: t.agentId,
      key: 'agentApplyOperation',
      payload: {
        framework_id: { value: t.fwId },
        operation_id: { value: 'dss-1' },
        operation: { type: 'CREATE_DISK' },
      },
    });
    await t.settle();
    const [st] = t.statuses();
    expect(st).toMatchObject({
      operation_id: { value: 'dss-1' },
      state: 'OPERATION_FINISHED',
      agent_id: { value: t.agentId },
      resource_provider_id: { value: 'rp-1' },
      uuid: { value: expect.any(String) },
      converted_resources: [{ ...mount('dss-1', 256), allocation_info: { role: '*' } }],
    });
    // The agent's total now has the volume and the smaller pool (rendered in /master/state).
    const slave = (t.core.state().slaves as Ev[])[0];
    expect(t.disks(slave.unreserved_resources_full)).toEqual([
      { ...raw(744), role: '*' },
      { ...mount('dss-1', 256), role: '*' },
    ]);
    // Re-sent until acknowledged (either uuid form), then no more.
    t.advance(1_000);
    t.core.tick();
    expect(t.statuses()).toHaveLength(2);
    expect(() => t.call({ type: 'ACKNOWLEDGE_OPERATION_STATUS' })).toThrow(CallError);
    t.call({
      type: 'ACKNOWLEDGE_OPERATION_STATUS',
      acknowledge_operation_status: { agent_id: st.agent_id, uuid: st.uuid },
    });
    t.advance(1_000);
    t.core.tick();
    expect(t.statuses()).toHaveLength(2);
  });

  it('the new MOUNT disk is offered whole; a task takes it, and it comes back when the task ends', async () => {
    const t = setup();
    t.core.updateAgentResources({
      agent_id: { value: t.agentId },
      resources: [raw(744), mount('dss-1', 256)],
      seq: 11,
    });
    t.core.allocate();
    const [offer] = t.offers();
    const disk = offer.resources.find((r: Ev) => r.disk?.source?.type === 'MOUNT');
    expect(disk).toMatchObject({ scalar: { value: 256 }, disk: { source: { id: 'dss-1' } } });
    t.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH',
            launch: {
              task_infos: [
                {
                  name: 't1',
                  task_id: { value: 't1' },
                  agent_id: { value: t.agentId },
                  command: { value: 'true' },
                  resources: [
                    {
                      ...disk,
                      disk: { ...disk.disk, volume: { container_path: 'data', mode: 'RW' } },
                    },
                  ],
                },
              ],
            },
          },
        ],
        filters: { refuse_seconds: 0 },
      },
    });
    const launch = t.requests.find((r) => r.key === 'agentLaunch');
    expect(launch?.payload.task.resources[0].disk.volume).toEqual({
      container_path: 'data',
      mode: 'RW',
    });
    const used = (t.core.state().slaves as Ev[])[0].used_resources_full;
    expect(t.disks(used)).toHaveLength(1);
    t.core.applyAgentUpdate({
      agent_id: { value: t.agentId },
      framework_id: { value: t.fwId },
      status: { task_id: { value: 't1' }, state: 'TASK_FINISHED', uuid: 'u1' },
    });
    expect(t.disks((t.core.state().slaves as Ev[])[0].used_resources_full)).toEqual([]);
  });

  it('refuses malformed storage operations with 400 naming the field, applying nothing', () => {
    const t = setup();
    t.core.allocate();
    const [offer] = t.offers();
    const bad = createDisk(offer, 100);
    bad.accept.operations[0].create_disk.target_type = 'TAPE';
    expect(() => t.call(bad)).toThrow(/create_disk.target_type: must be MOUNT or BLOCK/);
    const noId = createDisk(offer, 100);
    delete noId.accept.operations[0].id;
    expect(() => t.call(noId)).toThrow(/operations\[0\].id/);
    const plain = createDisk(offer, 100);
    plain.accept.operations[0].create_disk.source = {
      name: 'disk',
      type: 'SCALAR',
      scalar: { value: 1 },
    };
    expect(() => t.call(plain)).toThrow(/provider_id/);
    expect(t.requests.filter((r) => r.key === 'agentApplyOperation')).toEqual([]);
    expect(t.core.allocator.getOffer(offer.id.value)).toBeDefined();
  });

  it('a source larger than the offer is OPERATION_ERROR; an agent refusal is OPERATION_FAILED and frees the pool', async () => {
    const t = setup();
    t.core.allocate();
    const [o1] = t.offers();
    t.call(createDisk(o1, 5_000, 'too-big'));
    expect(t.statuses()).toEqual([
      expect.objectContaining({
        operation_id: { value: 'too-big' },
        state: 'OPERATION_ERROR',
        message: expect.stringMatching(/not in the offers/),
      }),
    ]);
    t.core.allocate();
    const [o2] = t.offers().filter((o: Ev) => o.id.value !== o1.id.value);
    t.answer(async () => {
      throw Object.assign(new Error('mkfs failed'), { code: 'STORAGE_ERROR' });
    });
    t.call(createDisk(o2, 300, 'dss-2'));
    await t.settle();
    expect(t.statuses().at(-1)).toMatchObject({
      operation_id: { value: 'dss-2' },
      state: 'OPERATION_FAILED',
      message: 'mkfs failed',
    });
    t.core.allocate();
    const pool = t.disks(t.offers().at(-1).resources)[0];
    expect(pool.scalar.value).toBe(1000);
  });

  it('resource updates replace the storage disks, rescind offers, and older ones are ignored', () => {
    const t = setup();
    t.core.allocate();
    const [o1] = t.offers();
    expect(
      t.core.updateAgentResources({
        agent_id: { value: t.agentId },
        resources: [raw(600)],
        seq: 12,
      }),
    ).toBe(true);
    expect(t.events.at(-1)).toEqual({ type: 'RESCIND', rescind: { offer_id: o1.id } });
    t.core.updateAgentResources({ agent_id: { value: t.agentId }, resources: [raw(1)], seq: 11 });
    t.core.allocate();
    const [o2] = t.offers();
    expect(t.disks(o2.resources)[0].scalar.value).toBe(600);
    expect(o2.resources).toContainEqual(expect.objectContaining({ name: 'cpus' }));
    expect(() =>
      t.core.updateAgentResources({
        agent_id: { value: t.agentId },
        resources: [{ name: 'disk', type: 'SCALAR', scalar: { value: 5 } }],
        seq: 13,
      }),
    ).toThrow(/provider_id/);
    expect(
      t.core.updateAgentResources({ agent_id: { value: 'nobody' }, resources: [], seq: 1 }),
    ).toBe(false);
  });
});

import type { Resource } from '@dcos/contracts';
import { agentFromRow, agentToRow } from '../persistence/codec';

import {
  agentRegistration,
  liveOffers,
  recordingConnection,
  testMasterCore,
  type Ev,
} from '../../test/core-fixture';

const mount = (id: string, mb: number): Resource => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: mb },
  provider_id: { value: 'rp-1' },
  disk: { source: { type: 'MOUNT', id, profile: 'fast', mount: { root: `/s/${id}` } } },
});
const labels = {
  labels: [
    { key: 'marathon_framework_id', value: 'mf' },
    { key: 'marathon_task_id', value: 'app.t1' },
  ],
};
const reservation = { type: 'DYNAMIC', role: 'app', principal: 'marathon', labels };
const reservedForm = (r: Resource) => ({ ...r, reservations: [reservation] });
const cpus = (v: number): Resource => ({ name: 'cpus', type: 'SCALAR', scalar: { value: v } });
const mem = (v: number): Resource => ({ name: 'mem', type: 'SCALAR', scalar: { value: v } });

function setup() {
  const { core, requests, opts, ports } = testMasterCore();
  const reg = agentRegistration('n1', [cpus(2), mem(1024), mount('vol-1', 256)], {
    resources_seq: 1,
  });
  const agentId = core.registerAgent(reg).agent_id.value;
  const framework = (name: string, role: string) => {
    const conn = recordingConnection(name);
    const events = conn.events;
    const id = core.subscribe({ name, user: 'root', role }, conn).frameworkId;
    const call = (c: Ev) => core.handleCall({ framework_id: { value: id }, ...c } as never, name);
    const offers = () => liveOffers(events);
    return { id, call, offers, events };
  };
  const mounts = (o: Ev | undefined) =>
    (o?.resources ?? []).filter((r: Ev) => r.disk?.source?.type === 'MOUNT');
  return { core, reg, agentId, framework, requests, mounts, opts, ports };
}

describe('MasterCore dynamic reservations (RESERVE / UNRESERVE)', () => {
  it('RESERVE + LAUNCH in one ACCEPT; the reserved disk is offered only to its role until UNRESERVE', () => {
    const t = setup();
    const app = t.framework('app-fw', 'app');
    t.core.allocate();
    const offer = app.offers()[0];
    expect(t.mounts(offer)).toHaveLength(1);
    const reserved = [
      reservedForm(mount('vol-1', 256)),
      reservedForm(cpus(0.5)),
      reservedForm(mem(128)),
    ];
    app.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: 'RESERVE', reserve: { resources: reserved } },
          {
            type: 'LAUNCH',
            launch: {
              task_infos: [
                {
                  name: 't1',
                  task_id: { value: 't1' },
                  agent_id: { value: t.agentId },
                  command: { value: 'sleep 100' },
                  resources: reserved,
                },
              ],
            },
          },
        ],
        filters: { refuse_seconds: 0 },
      },
    });
    expect(t.requests.some((r) => r.key === 'agentLaunch')).toBe(true);
    const slave = () => (t.core.state().slaves as Ev[])[0];
    expect(slave().reserved_resources).toEqual({
      app: expect.objectContaining({ cpus: 0.5, mem: 128, disk: 256 }),
    });
    // The task's reserved resources are in use: not offered again while it runs.
    t.core.allocate();
    expect(
      app
        .offers()
        .slice(1)
        .flatMap((o: Ev) => t.mounts(o)),
    ).toEqual([]);

    // The task ends: the disk stays reserved; a `*` framework never sees it.
    t.core.applyAgentUpdate({
      agent_id: { value: t.agentId },
      framework_id: { value: app.id },
      status: { task_id: { value: 't1' }, state: 'TASK_FINISHED', uuid: 'u1' },
    });
    const other = t.framework('other', '*');
    app.call({ type: 'SUPPRESS' });
    for (const o of app.offers()) app.call({ type: 'DECLINE', decline: { offer_ids: [o.id] } });
    t.core.allocate();
    expect(other.offers().length).toBeGreaterThan(0);
    expect(other.offers().flatMap((o: Ev) => t.mounts(o))).toEqual([]);

    // Its role is offered the disk, with the reservation's labels.
    app.call({ type: 'REVIVE' });
    t.core.allocate();
    const again = app.offers().at(-1);
    const [disk] = t.mounts(again);
    expect(disk).toMatchObject({ role: 'app', reservations: [reservation] });

    // UNRESERVE: the disk is free again and goes to the `*` framework.
    app.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [again.id],
        operations: [{ type: 'UNRESERVE', unreserve: { resources: reserved } }],
        filters: { refuse_seconds: 1000 },
      },
    });
    expect(slave().reserved_resources).toEqual({});
    for (const o of other.offers()) other.call({ type: 'DECLINE', decline: { offer_ids: [o.id] } });
    app.call({ type: 'SUPPRESS' });
    other.call({ type: 'REVIVE' });
    t.core.allocate();
    expect(other.offers().flatMap((o: Ev) => t.mounts(o))).toEqual([
      expect.objectContaining({ role: '*', disk: mount('vol-1', 256).disk }),
    ]);
  });

  it('keeps reservations across agent re-registration and a master restart (persisted with the agent)', () => {
    const t = setup();
    const app = t.framework('app-fw', 'app');
    t.core.allocate();
    const offer = app.offers()[0];
    app.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: 'RESERVE', reserve: { resources: [reservedForm(mount('vol-1', 256))] } },
        ],
      },
    });
    // The agent re-registers, reporting its disk unreserved as always.
    t.core.registerAgent({ ...t.reg, agent_id: { value: t.agentId } });
    const slave = (t.core.state().slaves as Ev[])[0];
    expect(slave.reserved_resources).toEqual({ app: expect.objectContaining({ disk: 256 }) });

    const row = agentToRow(
      (t.core as unknown as { agents: Map<string, never> }).agents.get(t.agentId)!,
    );
    const back = agentFromRow(JSON.parse(JSON.stringify(row)));
    expect(back.reservations).toEqual([
      expect.objectContaining({ name: 'disk', reservations: [reservation] }),
    ]);
    expect(back.total.find((r) => r.name === 'disk' && r.disk)?.role).toBe('app');
  });

  it('refuses bad RESERVE / UNRESERVE with 4xx naming the field, changing nothing', () => {
    const t = setup();
    const app = t.framework('app-fw', 'app');
    t.core.allocate();
    const offer = app.offers()[0];
    const accept = (op: Ev) => () =>
      app.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [op] } });
    expect(accept({ type: 'RESERVE', reserve: { resources: [mount('vol-1', 256)] } })).toThrow(
      /accept.operations\[0\].reserve.resources\[0\].reservations/,
    );
    expect(
      accept({
        type: 'RESERVE',
        reserve: {
          resources: [{ ...mount('vol-1', 256), reservations: [{ ...reservation, role: 'x' }] }],
        },
      }),
    ).toThrow(/not the offer's role/);
    expect(
      accept({ type: 'UNRESERVE', unreserve: { resources: [reservedForm(mount('vol-1', 256))] } }),
    ).toThrow(/UNRESERVE: .* is not in the offers/);
    expect(accept({ type: 'RESERVE' })).toThrow(/reserve.resources: required/);
    // The offer is still valid and nothing is reserved.
    expect(t.core.allocator.getOffer(offer.id.value)).toBeDefined();
    expect((t.core.state().slaves as Ev[])[0].reserved_resources).toEqual({});
  });
});

import type { Resource } from '@dcos/contracts';
import { agentFromRow, agentToRow } from '../persistence/codec';

import {
  agentRegistration,
  liveOffers,
  recordingConnection,
  testMasterCore,
  type Ev,
} from '../../test/core-fixture';

const scalar = (name: string, v: number): Resource => ({
  name,
  type: 'SCALAR',
  scalar: { value: v },
});
const labels = { labels: [{ key: 'marathon_framework_id', value: 'mf' }] };
const reservation = { type: 'DYNAMIC' as const, role: 'app', principal: 'marathon', labels };
const reservedDisk = (mb: number): Resource => ({
  ...scalar('disk', mb),
  reservations: [reservation],
});
const volume = (id: string, mb: number): Resource => ({
  ...reservedDisk(mb),
  disk: { persistence: { id }, volume: { container_path: 'data', mode: 'RW' } },
});

function setup() {
  const { core, requests } = testMasterCore();
  const reg = agentRegistration('n1', [
    scalar('cpus', 2),
    scalar('mem', 1024),
    scalar('disk', 1000),
  ]);
  const agentId = core.registerAgent(reg).agent_id.value;
  const conn = recordingConnection('s');
  const events = conn.events;
  const fwId = core.subscribe({ name: 'app-fw', user: 'root', role: 'app' }, conn).frameworkId;
  const call = (c: Ev) => core.handleCall({ framework_id: { value: fwId }, ...c } as never, 's');
  const offers = () => liveOffers(events);
  const slave = () => (core.state().slaves as Ev[])[0];
  const accept = (offer: Ev, operations: Ev[]) =>
    call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } },
    });
  return { core, reg, agentId, requests, offers, slave, accept, call, fwId };
}

describe('MasterCore persistent volumes (CREATE / DESTROY)', () => {
  it('RESERVE + CREATE + LAUNCH in one ACCEPT; the volume is offered back to its role; DESTROY + UNRESERVE frees the disk', () => {
    const t = setup();
    t.core.allocate();
    const vol = volume('app#data#1', 64);
    t.accept(t.offers()[0], [
      { type: 'RESERVE', reserve: { resources: [reservedDisk(64)] } },
      { type: 'CREATE', create: { volumes: [vol] } },
      {
        type: 'LAUNCH',
        launch: {
          task_infos: [
            {
              name: 't1',
              task_id: { value: 't1' },
              agent_id: { value: t.agentId },
              command: { value: 'sleep 100' },
              resources: [{ ...scalar('cpus', 0.1) }, scalar('mem', 32), vol],
            },
          ],
        },
      },
    ]);
    // The agent is told to make the volume's directory, and to launch the task.
    expect(t.requests.map((r) => r.key)).toEqual(
      expect.arrayContaining(['agentPersistentVolumes', 'agentLaunch']),
    );
    expect(t.requests.find((r) => r.key === 'agentPersistentVolumes')?.payload).toEqual({
      create: [{ role: 'app', persistence_id: 'app#data#1' }],
      destroy: [],
    });
    const launched = t.requests.find((r) => r.key === 'agentLaunch')!.payload;
    expect(JSON.stringify(launched)).toContain('app#data#1');
    // /master/state: reserved to the role, as a volume with its persistence id and reservation.
    expect(t.slave().reserved_resources).toEqual({ app: expect.objectContaining({ disk: 64 }) });
    expect(t.slave().reserved_resources_full).toEqual({
      app: [
        expect.objectContaining({
          name: 'disk',
          scalar: { value: 64 },
          disk: expect.objectContaining({ persistence: { id: 'app#data#1' } }),
          reservations: [reservation],
        }),
      ],
    });
    expect(t.slave().unreserved_resources.disk).toBe(936);

    // The task ends: the volume is offered again to the role, as a volume.
    t.core.applyAgentUpdate({
      agent_id: { value: t.agentId },
      framework_id: { value: t.fwId },
      status: { task_id: { value: 't1' }, state: 'TASK_FINISHED', uuid: 'u1' },
    });
    t.core.allocate();
    const again = t.offers().at(-1);
    const offered = (again.resources as Ev[]).filter((r) => r.disk?.persistence);
    expect(offered).toEqual([
      expect.objectContaining({
        scalar: { value: 64 },
        disk: expect.objectContaining({ persistence: { id: 'app#data#1' } }),
        reservations: [reservation],
      }),
    ]);

    // Kept across the agent's re-registration and a master restart.
    t.core.registerAgent({ ...t.reg, agent_id: { value: t.agentId } });
    expect(t.slave().reserved_resources_full.app).toHaveLength(1);
    const row = agentToRow(
      (t.core as unknown as { agents: Map<string, never> }).agents.get(t.agentId)!,
    );
    const back = agentFromRow(JSON.parse(JSON.stringify(row)));
    expect(back.total.filter((r) => r.name === 'disk')).toEqual([
      expect.objectContaining({ role: '*', scalar: 936 }),
      expect.objectContaining({ role: 'app', scalar: 64 }),
    ]);
    expect(back.total.find((r) => r.role === 'app')?.disk?.info).toMatchObject({
      persistence: { id: 'app#data#1' },
    });

    // DESTROY + UNRESERVE: the disk is the agent's plain disk again.
    t.core.allocate();
    const last = t.offers().at(-1);
    t.accept(last, [
      { type: 'DESTROY', destroy: { volumes: [vol] } },
      { type: 'UNRESERVE', unreserve: { resources: [reservedDisk(64)] } },
    ]);
    expect(t.slave().reserved_resources).toEqual({});
    expect(t.slave().reserved_resources_full).toEqual({});
    expect(t.slave().unreserved_resources.disk).toBe(1000);
    expect(t.requests.filter((r) => r.key === 'agentPersistentVolumes').at(-1)?.payload).toEqual({
      create: [],
      destroy: [{ role: 'app', persistence_id: 'app#data#1' }],
    });
  });

  it('refuses bad CREATE / DESTROY with 4xx naming the field, changing nothing', () => {
    const t = setup();
    t.core.allocate();
    const offer = t.offers()[0];
    const bad = (op: Ev) => () => t.accept(offer, [op]);
    expect(
      bad({ type: 'CREATE', create: { volumes: [{ ...volume('v', 8), reservations: [] }] } }),
    ).toThrow(/accept.operations\[0\].create.volumes\[0\].reservations/);
    expect(bad({ type: 'CREATE', create: { volumes: [reservedDisk(8)] } })).toThrow(
      /accept.operations\[0\].create.volumes\[0\].disk.persistence.id/,
    );
    expect(bad({ type: 'CREATE', create: { volumes: [volume('a/../b', 8)] } })).toThrow(
      /disk.persistence.id/,
    );
    // The disk it is made of must be reserved (in the offers) first.
    expect(bad({ type: 'CREATE', create: { volumes: [volume('v', 8)] } })).toThrow(
      /CREATE: .* is not in the offers/,
    );
    expect(bad({ type: 'DESTROY', destroy: { volumes: [volume('v', 8)] } })).toThrow(
      /DESTROY: .* is not in the offers/,
    );
    expect(bad({ type: 'DESTROY' })).toThrow(/destroy.volumes: required/);
    expect(t.core.allocator.getOffer(offer.id.value)).toBeDefined();
    expect(t.slave().reserved_resources).toEqual({});
    expect(t.requests.filter((r) => r.key === 'agentPersistentVolumes')).toEqual([]);
  });
});

describe('MasterCore persistent volumes sync on agent (re-)registration', () => {
  const syncs = (t: ReturnType<typeof setup>) =>
    t.requests.filter((r) => r.key === 'agentPersistentVolumesSync');

  it('sends the full set on re-registration (also after a master restart), none to a new or unknown agent', () => {
    const t = setup();
    // A new agent holds nothing: no sync.
    expect(syncs(t)).toEqual([]);
    t.core.allocate();
    const a = volume('app#a#1', 64);
    const b = volume('app#b#1', 32);
    t.accept(t.offers()[0], [
      { type: 'RESERVE', reserve: { resources: [reservedDisk(96)] } },
      { type: 'CREATE', create: { volumes: [a, b] } },
    ]);
    t.core.registerAgent({ ...t.reg, agent_id: { value: t.agentId } });
    expect(syncs(t)).toEqual([
      {
        agentId: t.agentId,
        key: 'agentPersistentVolumesSync',
        payload: {
          volumes: expect.arrayContaining([
            { role: 'app', persistence_id: 'app#a#1' },
            { role: 'app', persistence_id: 'app#b#1' },
          ]),
        },
      },
    ]);
    expect(syncs(t)[0].payload.volumes).toHaveLength(2);

    // One destroyed (while the agent was away): the next re-registration carries only the other.
    t.core.allocate();
    t.accept(t.offers().at(-1), [{ type: 'DESTROY', destroy: { volumes: [a] } }]);
    t.core.registerAgent({ ...t.reg, agent_id: { value: t.agentId } });
    expect(syncs(t).at(-1)?.payload).toEqual({
      volumes: [{ role: 'app', persistence_id: 'app#b#1' }],
    });

    // A master restart: the agent record comes back from the registry, the agent re-registers.
    const row = agentToRow(
      (t.core as unknown as { agents: Map<string, never> }).agents.get(t.agentId)!,
    );
    const fresh = testMasterCore();
    fresh.core.restore([agentFromRow(JSON.parse(JSON.stringify(row)))], [], []);
    fresh.core.registerAgent({ ...t.reg, agent_id: { value: t.agentId } });
    expect(fresh.requests.filter((r) => r.key === 'agentPersistentVolumesSync')).toEqual([
      {
        agentId: t.agentId,
        key: 'agentPersistentVolumesSync',
        payload: { volumes: [{ role: 'app', persistence_id: 'app#b#1' }] },
      },
    ]);

    // All destroyed: the full set is empty (the agent removes every volume directory).
    t.core.allocate();
    t.accept(t.offers().at(-1), [{ type: 'DESTROY', destroy: { volumes: [b] } }]);
    t.core.registerAgent({ ...t.reg, agent_id: { value: t.agentId } });
    expect(syncs(t).at(-1)?.payload).toEqual({ volumes: [] });

    // An id the master does not know (its registry lost): the agent's volumes are left alone.
    const lost = testMasterCore();
    lost.core.registerAgent({ ...t.reg, agent_id: { value: 'gone-S9' } });
    expect(lost.requests.filter((r) => r.key === 'agentPersistentVolumesSync')).toEqual([]);
  });
});

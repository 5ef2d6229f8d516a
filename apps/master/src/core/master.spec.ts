import type { AgentRegister } from '@dcos/contracts';
import {
  agentRegistration,
  liveOffers,
  recordingConnection,
  testMasterCore,
  type Ev,
} from '../../test/core-fixture';
import { CallError } from './master';

function setup() {
  const { core, requests, advance } = testMasterCore({ agentReregisterTimeoutMs: 10_000 });
  const conn = recordingConnection;
  const agent = (name: string): AgentRegister =>
    agentRegistration(name, [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31005 }] } },
    ]);
  return { core, conn, agent, requests, advance };
}

const offersOf = (events: Ev[]) =>
  events.filter((e) => e.type === 'OFFERS').flatMap((e) => e.offers.offers);

const MULTI_ROLE = [{ type: 'MULTI_ROLE' }];

/** A framework subscribed on stream `s-<name>`, with its calls and what it received. */
function framework(core: ReturnType<typeof setup>['core'], name: string, info: Ev = {}) {
  const c = recordingConnection(`s-${name}`);
  const id = core.subscribe({ name, user: 'root', ...info }, c).frameworkId;
  const call = (x: Ev) =>
    core.handleCall({ framework_id: { value: id }, ...x } as never, `s-${name}`);
  const updates = () => c.events.filter((e) => e.type === 'UPDATE').map((e) => e.update.status);
  return { id, events: c.events, call, updates, offers: () => liveOffers(c.events) };
}

describe('MasterCore', () => {
  it('gives declined resources to another framework (DRF), with role allocation_info', () => {
    const { core, conn, agent } = setup();
    core.registerAgent(agent('a1'));
    const c1 = conn('s1');
    const f1 = core.subscribe(
      { name: 'f1', user: 'root', capabilities: MULTI_ROLE },
      c1,
    ).frameworkId;
    core.allocate();
    const [o1] = offersOf(c1.events);
    expect(o1.allocation_info).toEqual({ role: '*' });
    core.handleCall(
      {
        type: 'DECLINE',
        framework_id: { value: f1 },
        decline: { offer_ids: [o1.id], filters: { refuse_seconds: 60 } },
      },
      's1',
    );
    const c2 = conn('s2');
    core.subscribe({ name: 'f2', user: 'root', roles: ['other'], capabilities: MULTI_ROLE }, c2);
    core.allocate();
    expect(offersOf(c2.events)).toHaveLength(1);
    expect(offersOf(c2.events)[0].allocation_info).toEqual({ role: 'other' });
  });

  it("does not hold the master's own stall against agents' heartbeats", () => {
    const { core, agent, advance } = setup();
    const id = core.registerAgent(agent('a1')).agent_id.value;
    const state = () => core.renderContext().agents.find((a) => a.id === id)?.state;
    // Limit 1 s x 5. The master was blocked for 5.8 s of these 6 s: heartbeats are queued.
    advance(6_000);
    core.tick(5_800);
    expect(state()).toBe('active');
    // Silence the master did hear counts.
    advance(5_001);
    core.tick();
    expect(state()).toBe('unreachable');
  });

  it('marks an agent unreachable after ping timeouts when the master was not stalled', () => {
    const { core, agent, advance } = setup();
    const id = core.registerAgent(agent('a1')).agent_id.value;
    advance(6_000);
    core.tick();
    expect(core.renderContext().agents.find((a) => a.id === id)?.state).toBe('unreachable');
  });

  it('rejects calls from unsubscribed frameworks or wrong streams', () => {
    const { core, conn } = setup();
    const f = core.subscribe({ name: 'f', user: 'u' }, conn('s')).frameworkId;
    expect(() => core.handleCall({ type: 'REVIVE', framework_id: { value: 'x' } }, 's')).toThrow(
      CallError,
    );
    try {
      core.handleCall({ type: 'REVIVE', framework_id: { value: f } }, 'other');
    } catch (e) {
      expect((e as CallError).status).toBe(400);
    }
  });

  it('strips allocation_info from offers of frameworks without MULTI_ROLE; ACCEPT of the offered resources exactly launches', async () => {
    const { core, agent, requests } = setup();
    const agentId = core.registerAgent(agent('a1')).agent_id.value;
    const plain = framework(core, 'plain', { role: 'web' });
    core.allocate();
    const [offer] = plain.offers();
    expect(offer.resources.length).toBeGreaterThan(0);
    // Nowhere in the offer: neither on it nor on any resource.
    expect(JSON.stringify(offer)).not.toContain('allocation_info');
    expect(offer).toMatchObject({ agent_id: { value: agentId }, hostname: 'a1' });

    // A strict scheduler launches exactly what it was offered.
    plain.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH',
            launch: {
              task_infos: [
                {
                  name: 'all',
                  task_id: { value: 'all' },
                  agent_id: { value: agentId },
                  resources: offer.resources,
                  command: { value: 'sleep 100' },
                },
              ],
            },
          },
        ],
      },
    });
    expect(plain.updates().filter((u) => u.state === 'TASK_ERROR')).toEqual([]);
    await Promise.resolve();
    const launch = requests.find((r) => r.key === 'agentLaunch');
    expect(launch?.payload.task.resources).toEqual(offer.resources);
    const fw = (core.state().frameworks as Ev[]).find((f) => f.id === plain.id);
    // The task is allocated to the offer's role (what allocation_info would have said).
    expect(fw?.tasks.map((t: Ev) => [t.id, t.state, t.role])).toEqual([
      ['all', 'TASK_STAGING', 'web'],
    ]);
    expect(fw?.used_resources).toEqual(fw?.resources);
    expect(fw?.used_resources.cpus).toBe(2);
  });

  it('keeps allocation_info on offers and their resources for MULTI_ROLE frameworks', () => {
    const { core, agent } = setup();
    core.registerAgent(agent('a1'));
    const multi = framework(core, 'multi', { roles: ['web'], capabilities: MULTI_ROLE });
    core.allocate();
    const [offer] = multi.offers();
    expect(offer.allocation_info).toEqual({ role: 'web' });
    expect(offer.resources.length).toBeGreaterThan(0);
    for (const r of offer.resources) expect(r.allocation_info).toEqual({ role: 'web' });
  });

  it('never sends TASK_STAGING to the scheduler; reconciliation still answers a staging task with TASK_STAGING', () => {
    const { core, agent } = setup();
    const agentId = core.registerAgent(agent('a1')).agent_id.value;
    const f = framework(core, 'f', { capabilities: MULTI_ROLE });
    core.allocate();
    const [offer] = f.offers();
    f.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH',
            launch: {
              task_infos: [
                {
                  name: 't',
                  task_id: { value: 't' },
                  agent_id: { value: agentId },
                  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
                  command: { value: 'sleep 100' },
                },
              ],
            },
          },
        ],
      },
    });
    // The agent reports the launch as staging (our agents do): not forwarded, not a status.
    const update = (state: string, uuid: string) =>
      core.applyAgentUpdate({
        agent_id: { value: agentId },
        framework_id: { value: f.id },
        status: { task_id: { value: 't' }, state, uuid } as never,
      });
    update('TASK_STAGING', 'u-staging');
    expect(f.updates()).toEqual([]);
    const task = () =>
      ((core.state().frameworks as Ev[])[0].tasks as Ev[]).find((t) => t.id === 't');
    expect(task()).toMatchObject({ state: 'TASK_STAGING', statuses: [] });

    // Explicit and implicit reconciliation answer with the latest state: TASK_STAGING.
    f.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't' } }] } });
    f.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
    expect(f.updates().map((u) => [u.state, u.reason])).toEqual([
      ['TASK_STAGING', 'REASON_RECONCILIATION'],
      ['TASK_STAGING', 'REASON_RECONCILIATION'],
    ]);

    // The first real update the scheduler gets is TASK_STARTING / TASK_RUNNING.
    update('TASK_STARTING', 'u-starting');
    update('TASK_RUNNING', 'u-running');
    const sent = f.updates().filter((u) => u.reason !== 'REASON_RECONCILIATION');
    expect(sent.map((u) => u.state)).toEqual(['TASK_STARTING']);
    f.call({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: agentId }, task_id: { value: 't' }, uuid: sent[0].uuid },
    });
    expect(
      f
        .updates()
        .filter((u) => u.reason !== 'REASON_RECONCILIATION')
        .map((u) => u.state),
    ).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(f.updates().some((u) => u.state === 'TASK_STAGING' && u.uuid)).toBe(false);
  });
});

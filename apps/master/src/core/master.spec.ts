import type { AgentRegister } from '@dcos/contracts';
import {
  agentRegistration,
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

describe('MasterCore', () => {
  it('gives declined resources to another framework (DRF), with role allocation_info', () => {
    const { core, conn, agent } = setup();
    core.registerAgent(agent('a1'));
    const c1 = conn('s1');
    const f1 = core.subscribe({ name: 'f1', user: 'root' }, c1).frameworkId;
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
    core.subscribe({ name: 'f2', user: 'root', role: 'other' }, c2);
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
});

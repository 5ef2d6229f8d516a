import type { AgentRegister } from '@dcos/contracts';
import { CallError, MasterCore, type MasterPorts } from './master';
import type { FrameworkConnection } from './model';

type Ev = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function setup() {
  let now = 1_000_000;
  const requests: { agentId: string; key: string; payload: Ev }[] = [];
  const ports: MasterPorts = {
    now: () => now,
    agentRequest: async (agentId, key, payload) => {
      requests.push({ agentId, key, payload: payload as Ev });
      return {};
    },
    publishTaskEvent: () => undefined,
    publishAgentEvent: () => undefined,
    publishFrameworkEvent: () => undefined,
    dirty: {
      agent: () => undefined,
      framework: () => undefined,
      task: () => undefined,
      deleteTask: () => undefined,
      deleteFramework: () => undefined,
    },
    log: () => undefined,
  };
  const core = new MasterCore(
    {
      masterId: 'm1',
      hostname: 'h',
      ip: '10.0.0.1',
      port: 5050,
      version: '1.11.0',
      agentPingTimeoutMs: 1000,
      maxAgentPingTimeouts: 5,
      allocationIntervalMs: 1000,
      agentReregisterTimeoutMs: 10_000,
      heartbeatSeconds: 15,
      statusUpdateRetryMs: 10_000,
      maxCompletedTasksPerFramework: 1000,
      maxCompletedFrameworks: 50,
    },
    ports,
  );
  const conn = (id: string): FrameworkConnection & { events: Ev[] } => {
    const events: Ev[] = [];
    return {
      kind: 'http',
      streamId: id,
      events,
      send: (e) => void events.push(e),
      close: () => undefined,
    };
  };
  const agent = (name: string): AgentRegister => ({
    agent_info: {
      hostname: name,
      port: 5051,
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31005 }] } },
      ],
    },
    http_url: 'http://10.0.0.2:5051',
    ip: '10.0.0.2',
    version: '1.11.0',
    tasks: [],
    frameworks: [],
  });
  return { core, conn, agent, requests, advance: (ms: number) => (now += ms) };
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

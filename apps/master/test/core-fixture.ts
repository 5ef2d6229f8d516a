import type { AgentRegister, Resource } from '@dcos/contracts';
import { MasterCore, type MasterPorts } from '../src/core/master';
import type { FrameworkConnection } from '../src/core/model';

/** Loosely typed events and payloads, as the unit tests inspect them. */
export type Ev = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type MasterOptions = ConstructorParameters<typeof MasterCore>[0];

/** The master options the unit tests start from (ping timeouts 1 s × 5, allocation every 1 s). */
export function masterOptions(over: Partial<MasterOptions> = {}): MasterOptions {
  return {
    masterId: 'm1',
    hostname: 'h',
    ip: '10.0.0.1',
    port: 5050,
    version: '1.11.0',
    agentPingTimeoutMs: 1000,
    maxAgentPingTimeouts: 5,
    allocationIntervalMs: 1000,
    agentReregisterTimeoutMs: 60_000,
    heartbeatSeconds: 15,
    statusUpdateRetryMs: 10_000,
    maxCompletedTasksPerFramework: 1000,
    maxCompletedFrameworks: 50,
    ...over,
  };
}

/**
 * A MasterCore with recording ports and no I/O: `requests` holds every request to an agent,
 * `answer` (settable) answers `agentApplyOperation`, and `advance` moves the fake clock.
 */
export function testMasterCore(over: Partial<MasterOptions> = {}) {
  let now = 1_000_000;
  const requests: { agentId: string; key: string; payload: Ev }[] = [];
  const agent = { answer: async (_payload: Ev): Promise<unknown> => ({}) };
  const ports: MasterPorts = {
    now: () => now,
    agentRequest: async (agentId, key, payload) => {
      requests.push({ agentId, key, payload: payload as Ev });
      return key === 'agentApplyOperation' ? agent.answer(payload as Ev) : {};
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
  const opts = masterOptions(over);
  const core = new MasterCore(opts, ports);
  return { core, ports, opts, requests, agent, advance: (ms: number) => (now += ms) };
}

/** A framework connection that records what the master sends it. */
export function recordingConnection(streamId: string): FrameworkConnection & { events: Ev[] } {
  const events: Ev[] = [];
  return {
    kind: 'http',
    streamId,
    events,
    send: (e) => void events.push(e),
    close: () => undefined,
  };
}

/** The offers among `events` that were not rescinded since. */
export function liveOffers(events: Ev[]) {
  const rescinded = new Set(
    events.filter((e) => e.type === 'RESCIND').map((e) => e.rescind.offer_id.value),
  );
  return events
    .filter((e) => e.type === 'OFFERS')
    .flatMap((e) => e.offers.offers)
    .filter((o: Ev) => !rescinded.has(o.id.value));
}

/** An agent's registration at 10.0.0.2:5051 with these resources. */
export function agentRegistration(
  hostname: string,
  resources: Resource[],
  extra: Partial<AgentRegister> = {},
): AgentRegister {
  return {
    agent_info: { hostname, port: 5051, resources },
    http_url: 'http://10.0.0.2:5051',
    ip: '10.0.0.2',
    version: '1.11.0',
    tasks: [],
    frameworks: [],
    ...extra,
  };
}

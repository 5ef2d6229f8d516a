import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, JSONCodec, type ConsumerMessages } from 'nats';
import {
  AgentHeartbeatContract,
  AgentRegisterContract,
  StatusUpdateContract,
  statusStream,
  subjectFor,
  subjectPattern,
  type AgentRegister,
  type AgentRegistered,
  type StatusUpdate,
  type TaskInfo,
} from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import { TEST_NATS_URL, waitFor } from '@dcos/testing';

/**
 * The master's side of the agent protocol, played by the test over real NATS: answers
 * registrations and heartbeats, sends launch/kill requests, reads the status stream.
 */
export class FakeMaster {
  readonly nats: NatsClient;
  masterId = `master-${randomUUID().slice(0, 8)}`;
  readonly registrations: AgentRegister[] = [];
  readonly heartbeats = new Map<string, number>();
  readonly updates: StatusUpdate[] = [];
  readonly assigned = new Map<string, string>();
  /** Agents the master "forgot": their next heartbeat gets known:false. */
  readonly forgotten = new Set<string>();
  answering = true;
  private messages?: ConsumerMessages;

  constructor(readonly prefix: string) {
    this.nats = new NatsClient({ url: TEST_NATS_URL, prefix, name: 'fake-master' });
  }

  async start(): Promise<void> {
    await this.nats.connect();
    const n = this.nats;
    n.serve(
      n.subjects.masterAgentRegister,
      (m: AgentRegister): AgentRegistered => {
        if (!this.answering) throw new Error('not answering');
        this.registrations.push(m);
        const id = m.agent_id?.value ?? `${randomUUID()}-S${this.registrations.length}`;
        this.forgotten.delete(id);
        this.assigned.set(m.agent_info.hostname, id);
        return {
          agent_id: { value: id },
          master_id: this.masterId,
          heartbeat_interval_ms: 200,
          kill_tasks: [],
        };
      },
      { input: AgentRegisterContract },
    );
    n.serve(
      n.subjects.masterAgentHeartbeat,
      (m: { agent_id: { value: string }; agent_ids?: { value: string }[] }) => {
        // Hollow fleets beat for all their nodes at once (`agent_ids`).
        const ids = (m.agent_ids ?? [m.agent_id]).map((i) => i.value);
        for (const id of ids) this.heartbeats.set(id, (this.heartbeats.get(id) ?? 0) + 1);
        const unknown = ids.filter((id) => this.forgotten.has(id));
        return {
          known: unknown.length === 0,
          master_id: this.masterId,
          ...(m.agent_ids ? { unknown_agent_ids: unknown } : {}),
        };
      },
      { input: AgentHeartbeatContract },
    );
    await n.ensureStream({
      name: statusStream(this.prefix),
      subjects: [subjectPattern(this.prefix, 'agentStatusUpdate')],
    });
    const jsm = await n.jetstreamManager();
    await jsm.consumers.add(statusStream(this.prefix), {
      durable_name: 'fake-master',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    });
    const consumer = await n.jetstream().consumers.get(statusStream(this.prefix), 'fake-master');
    this.messages = await consumer.consume();
    const codec = JSONCodec<unknown>();
    void (async () => {
      for await (const m of this.messages as ConsumerMessages) {
        this.updates.push(StatusUpdateContract.parse(codec.decode(m.data)));
        m.ack();
      }
    })();
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    try {
      const jsm = await this.nats.jetstreamManager();
      await jsm.streams.delete(statusStream(this.prefix));
    } catch {
      /* already gone */
    }
    await this.nats.close();
  }

  lastRegistration(): AgentRegister | undefined {
    return this.registrations[this.registrations.length - 1];
  }

  /** Waits for a registration of `hostname` (after the first `after` ones); returns its id. */
  async waitForAgent(hostname: string, after = 0): Promise<string> {
    await waitFor(`registration of ${hostname}`, () =>
      this.registrations.slice(after).find((r) => r.agent_info.hostname === hostname),
    );
    return this.assigned.get(hostname) as string;
  }

  states(taskId: string): string[] {
    return this.updates.filter((u) => u.status.task_id.value === taskId).map((u) => u.status.state);
  }

  async waitForState(taskId: string, state: string, timeoutMs = 20_000): Promise<StatusUpdate> {
    return waitFor(
      `${taskId} to reach ${state} (seen: ${this.states(taskId).join(',')})`,
      () => this.updates.find((u) => u.status.task_id.value === taskId && u.status.state === state),
      { timeoutMs, intervalMs: 50 },
    );
  }

  async launch(
    agentId: string,
    task: Partial<TaskInfo> & { task_id: { value: string } },
    frameworkId = 'fw-1',
    framework: Record<string, unknown> = { name: 'test-framework', user: '' },
  ): Promise<unknown> {
    return this.nats.request(subjectFor(this.prefix, 'agentLaunch', agentId), {
      framework_id: { value: frameworkId },
      framework,
      task: {
        name: task.task_id.value,
        agent_id: { value: agentId },
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
        ],
        ...task,
      },
    });
  }

  async kill(
    agentId: string,
    taskId: string,
    frameworkId = 'fw-1',
    graceNs?: number,
  ): Promise<unknown> {
    return this.nats.request(subjectFor(this.prefix, 'agentKill', agentId), {
      framework_id: { value: frameworkId },
      task_id: { value: taskId },
      ...(graceNs !== undefined ? { grace_period_ns: graceNs } : {}),
    });
  }
}

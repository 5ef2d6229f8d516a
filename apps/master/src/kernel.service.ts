import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from 'nats';
import {
  AgentEventContract,
  AgentHeartbeatContract,
  AgentRegisterContract,
  AgentResourcesUpdateContract,
  FrameworkEventContract,
  LeaderEventContract,
  SchedulerCallRequestContract,
  SchedulerKeepaliveContract,
  parseStatusUpdate,
  statusStream,
  wellFormedAccept,
  subjectFor,
  subjectPattern,
  type AgentHeartbeatReply,
  type AgentRegistered,
  type SchedulerCallReply,
} from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import { COMPAT_VERSIONS } from '@dcos/service';
import { CallError, MasterCore, type MasterPorts } from './core/master';
import type { FrameworkConnection } from './core/model';
import { stripNulls } from './core/recordio';
import { wellFormedAcknowledge } from './scheduler-fast-path';
import { leaderInfo, masterPid } from './core/render';
import {
  agentFromRow,
  agentToRow,
  frameworkFromRow,
  frameworkToRow,
  taskFromRow,
  taskToRow,
} from './persistence/codec';
import { MasterStore } from './persistence/store';
import { WriteBehind } from './persistence/write-behind';
import type { MasterConfig } from './master-config';
import { clusterName } from './config';

export const MASTER_CONFIG = Symbol('MASTER_CONFIG');

const CALL_ERROR_CODES = {
  400: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
} as const;
const CONSUMER = 'master';

/**
 * The master process around the pure-ish core: loads the registry, drives timers, speaks
 * NATS (agents, internal frameworks, events, JetStream status updates) and persists
 * changes in batches.
 */
@Injectable()
export class KernelService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('master');
  core!: MasterCore;
  private persist!: WriteBehind;
  private timers: NodeJS.Timeout[] = [];
  private consumer?: ConsumerMessages;
  private stopped = false;
  readonly masterId = randomUUID();

  constructor(
    private readonly nats: NatsClient,
    private readonly store: MasterStore,
    @Inject(MASTER_CONFIG) private readonly config: MasterConfig,
  ) {}

  get httpUrl(): string {
    return `http://${this.config.ADVERTISE_HOST}:${this.config.MASTER_PORT}`;
  }

  async onModuleInit(): Promise<void> {
    const c = this.config;
    const ports: MasterPorts = {
      now: () => Date.now(),
      agentRequest: (agentId, key, payload, timeoutMs) =>
        this.nats.request(subjectFor(this.nats.prefix, key, agentId), payload, {
          timeoutMs: timeoutMs ?? 10_000,
        }),
      publishTaskEvent: (type, task, framework_name) =>
        this.safePublish(this.nats.subjects.masterTaskEvents, { type, task, framework_name }),
      publishAgentEvent: (type, agent) =>
        this.safePublish(
          this.nats.subjects.masterAgentEvents,
          AgentEventContract.parse({ type, agent }),
        ),
      publishFrameworkEvent: (type, framework) =>
        this.safePublish(
          this.nats.subjects.masterFrameworkEvents,
          FrameworkEventContract.parse({ type, framework }),
        ),
      dirty: {
        agent: (id) => this.persist.agent(id),
        framework: (id) => this.persist.framework(id),
        task: (f, t) => this.persist.task(f, t),
        deleteTask: (f, t) => this.persist.deleteTask(f, t),
        deleteFramework: (id) => this.persist.deleteFramework(id),
      },
      log: (level, msg) => {
        if (level === 'error') this.logger.error(msg);
        else if (level === 'warn') this.logger.warn(msg);
        else this.logger.log(msg);
      },
    };
    this.core = new MasterCore(
      {
        masterId: this.masterId,
        hostname: c.ADVERTISE_HOST,
        ip: c.ADVERTISE_HOST,
        port: c.MASTER_PORT,
        version: COMPAT_VERSIONS.mesos,
        agentPingTimeoutMs: c.MASTER_AGENT_PING_TIMEOUT_MS,
        maxAgentPingTimeouts: c.MASTER_MAX_AGENT_PING_TIMEOUTS,
        allocationIntervalMs: c.MASTER_ALLOCATION_INTERVAL_MS,
        agentReregisterTimeoutMs: c.MASTER_AGENT_REREGISTER_TIMEOUT_MS,
        heartbeatSeconds: c.MASTER_SCHEDULER_HEARTBEAT_SECONDS,
        statusUpdateRetryMs: c.MASTER_STATUS_UPDATE_RETRY_MS,
        maxCompletedTasksPerFramework: c.MASTER_MAX_COMPLETED_TASKS_PER_FRAMEWORK,
        maxCompletedFrameworks: c.MASTER_MAX_COMPLETED_FRAMEWORKS,
        cluster: clusterName(c),
      },
      ports,
    );
    this.persist = new WriteBehind(
      (dirty) => this.buildRows(dirty),
      (batch) => this.store.write(batch),
      c.MASTER_FLUSH_INTERVAL_MS,
      (e) => this.logger.error(`registry write failed (will retry): ${e.message}`),
    );
    const rows = await this.store.load();
    const restored = this.core.restore(
      rows.agents.map(agentFromRow),
      rows.frameworks.map(frameworkFromRow),
      rows.tasks.map(taskFromRow),
    );
    this.logger.log(
      `master ${this.masterId} recovered ${restored.agents} agent(s), ${restored.frameworks} framework(s), ${restored.tasks} task(s) from the registry`,
    );
  }

  private buildRows(dirty: { agents: string[]; frameworks: string[]; tasks: [string, string][] }) {
    const agents = dirty.agents.flatMap((id) => {
      const a = this.core.agents.get(id);
      return a ? [agentToRow(a)] : [];
    });
    const frameworks = dirty.frameworks.flatMap((id) => {
      const f = this.core.frameworks.get(id);
      return f ? [frameworkToRow(f)] : [];
    });
    const tasks = dirty.tasks.flatMap(([f, t]) => {
      const task = this.core.frameworks.get(f)?.tasks.get(t);
      return task ? [taskToRow(task)] : [];
    });
    return { agents, frameworks, tasks };
  }

  private safePublish(subject: string, payload: unknown): void {
    try {
      this.nats.publish(subject, payload);
    } catch (e) {
      this.logger.warn(`publish to ${subject} failed: ${(e as Error).message}`);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const s = this.nats.subjects;
    this.nats.serve<unknown, AgentRegistered>(
      s.masterAgentRegister,
      (raw) => this.guard(() => this.core.registerAgent(AgentRegisterContract.parse(raw))),
      { queue: 'master' },
    );
    this.nats.serve<unknown, AgentHeartbeatReply>(
      s.masterAgentHeartbeat,
      (raw) => {
        const hb = AgentHeartbeatContract.parse(raw);
        if (!hb.agent_ids) {
          return { known: this.core.heartbeat(hb.agent_id.value), master_id: this.masterId };
        }
        // A batch from one hollow-agent process: one request for all its nodes.
        const unknown = hb.agent_ids.map((id) => id.value).filter((id) => !this.core.heartbeat(id));
        if (!hb.agent_ids.some((id) => id.value === hb.agent_id.value)) {
          if (!this.core.heartbeat(hb.agent_id.value)) unknown.push(hb.agent_id.value);
        }
        return {
          known: unknown.length === 0,
          master_id: this.masterId,
          unknown_agent_ids: unknown,
        };
      },
      { queue: 'master' },
    );
    this.nats.serve<unknown, { known: boolean }>(
      s.masterAgentResourcesUpdate,
      (raw) =>
        this.guard(() => ({
          known: this.core.updateAgentResources(AgentResourcesUpdateContract.parse(raw)),
        })),
      { queue: 'master' },
    );
    this.nats.serve<unknown, SchedulerCallReply>(
      s.masterSchedulerCall,
      (raw) => this.guard(() => this.natsSchedulerCall(raw)),
      { queue: 'master' },
    );
    this.nats.serve<unknown, { known: boolean }>(
      s.masterSchedulerKeepalive,
      (raw) => {
        const k = SchedulerKeepaliveContract.parse(raw);
        return { known: this.core.keepalive(k.framework_id.value, k.stream_id) };
      },
      { queue: 'master' },
    );
    this.nats.serve(s.masterState, () => this.core.state(), { queue: 'master' });
    await this.startStatusConsumer();

    const tickMs = Math.max(50, Math.min(250, this.config.MASTER_AGENT_PING_TIMEOUT_MS / 2));
    let lastTick = Date.now();
    this.timers.push(
      setInterval(() => {
        const now = Date.now();
        // A timer this late means the master's event loop was blocked, not the agents silent.
        const late = now - lastTick - tickMs;
        lastTick = now;
        this.safely('tick', () => this.core.tick(late > tickMs ? late : 0));
      }, tickMs),
    );
    this.timers.push(
      setInterval(
        () => this.safely('allocation', () => this.core.allocate()),
        this.config.MASTER_ALLOCATION_INTERVAL_MS,
      ),
    );
    this.publishLeader();
    this.timers.push(setInterval(() => this.publishLeader(), 5_000));
  }

  private publishLeader(): void {
    const ctx = this.core.renderContext();
    this.safePublish(
      this.nats.subjects.masterLeaderEvents,
      LeaderEventContract.parse({
        leader: masterPid(ctx),
        // The event's leader_info carries the dotted IP (MasterInfo's is a uint32).
        leader_info: { ...leaderInfo(ctx), ip: ctx.ip },
        http_url: this.httpUrl,
      }),
    );
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logger.error(`${what} failed: ${(e as Error).stack ?? String(e)}`);
    }
  }

  /** CallError → an error envelope with a code naming the HTTP status it stands for. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof CallError) {
        throw Object.assign(new Error(e.message), { code: CALL_ERROR_CODES[e.status] });
      }
      throw e;
    }
  }

  private natsSchedulerCall(raw: unknown): SchedulerCallReply {
    // ACKNOWLEDGE and ACCEPT of LAUNCHes (most calls) by hand-written checks of their common
    // shape; anything else through the schema, with its errors naming the field.
    const req =
      wellFormedAcknowledge(raw) ??
      wellFormedAccept(raw) ??
      SchedulerCallRequestContract.parse(stripNulls(raw));
    const call = req.call;
    if (call.type !== 'SUBSCRIBE') {
      this.core.handleCall(call, req.stream_id);
      this.core.counters.valid_framework_calls++;
      return {};
    }
    if (!call.subscribe) throw new CallError(400, 'subscribe: required for SUBSCRIBE');
    if (req.stream_id) throw new CallError(400, 'stream_id: SUBSCRIBE must not carry a stream id');
    const conn = this.natsConnection(randomUUID());
    const { subscribed } = this.core.subscribe(
      call.subscribe.framework_info,
      conn,
      call.subscribe.suppressed_roles ?? [],
    );
    return { stream_id: conn.streamId, subscribed: subscribed as SchedulerCallReply['subscribed'] };
  }

  private natsConnection(streamId: string): FrameworkConnection {
    let subject: string | undefined;
    const nats = this.nats;
    return {
      kind: 'nats',
      streamId,
      send(event) {
        if (!subject) {
          const sub = event.subscribed as { framework_id?: { value: string } } | undefined;
          if (!sub?.framework_id) return;
          subject = subjectFor(nats.prefix, 'frameworkEvents', sub.framework_id.value);
        }
        try {
          nats.publish(subject, event);
        } catch {
          /* NATS down: updates are retried, offers re-made */
        }
      },
      close() {
        subject = undefined;
      },
    };
  }

  // ---------------------------------------------------------------- JetStream status updates

  private async startStatusConsumer(): Promise<void> {
    const prefix = this.nats.prefix;
    const stream = statusStream(prefix);
    await this.nats.ensureStream({
      name: stream,
      subjects: [subjectPattern(prefix, 'agentStatusUpdate')],
      // Same settings as the agents use when they create it first (apps/agent/src/jetstream.ts).
      max_age: 7 * 24 * 3600 * 1e9,
      duplicate_window: 120 * 1e9,
    });
    const jsm = await this.nats.jetstreamManager();
    try {
      await jsm.consumers.info(stream, CONSUMER);
    } catch {
      await jsm.consumers.add(stream, {
        durable_name: CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: 30_000_000_000,
        max_ack_pending: 20_000,
      });
    }
    const consumer = await this.nats.jetstream().consumers.get(stream, CONSUMER);
    // A callback, not the async iterator: the messages of one socket read are handled in one
    // synchronous pass, so the events and replies they cause go out in one socket write (the
    // iterator's microtask per message made that a write per update).
    const messages = await consumer.consume({
      max_messages: 1_000,
      callback: (m) => {
        try {
          this.onStatusMessage(m);
        } catch (e) {
          // A throw would stop the consumer; onStatusMessage handles its own failures.
          this.logger.error(`status update failed: ${(e as Error).stack ?? String(e)}`);
        }
      },
    });
    this.consumer = messages;
    void messages.closed().then((e) => {
      if (e && !this.stopped) this.logger.error(`status consumer stopped: ${e.message}`);
    });
  }

  private onStatusMessage(m: JsMsg): void {
    let payload: unknown;
    try {
      payload = m.json();
    } catch {
      this.logger.warn(`status update ${m.subject} is not JSON: dropped`);
      m.term();
      return;
    }
    // The hand-written check of the common shape, else the schema (errors name the field).
    const parsed = parseStatusUpdate(payload);
    if (!parsed.ok) {
      this.logger.warn(`invalid status update on ${m.subject}: ${parsed.error.message}`);
      m.term();
      return;
    }
    try {
      this.core.applyAgentUpdate(parsed.value);
    } catch (e) {
      this.logger.error(`status update failed: ${(e as Error).stack ?? String(e)}`);
      m.term();
      return;
    }
    // Acked only once the update is in Postgres: nothing is lost if the master dies now.
    this.persist.afterFlush(() => m.ack());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    try {
      await this.consumer?.close();
    } catch {
      /* closing anyway */
    }
    await this.persist?.stop();
  }
}

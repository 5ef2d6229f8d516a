import * as os from 'node:os';
import type { Subscription } from 'nats';
import {
  AgentHeartbeatReplyContract,
  DCOS_TS_VERSION,
  KillTaskContract,
  RunTaskFastContract,
  ShutdownFrameworkContract,
  isTerminalTaskState,
  subjectFor,
  type AgentRegister,
  type AgentRegistered,
  type Attribute,
  type FrameworkInfo,
  type KillTask,
  type Resource,
  type RunTask,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
} from '@dcos/contracts';
import { parseAttributes, resolveAgentResources } from '@dcos/containerizer';
import type { NatsClient } from '@dcos/nats';
import { AgentRequestError, type Log } from './agent';
import type { AgentConfig } from './config';
import { ensureStatusStream, statusPublisher } from './jetstream';
import { launchBatch } from './launch-batch';
import { MasterLink } from './master-link';
import { agentResourcesToMesos, makeStatus } from './mesos-json';
import { StatusUpdateQueue } from './status-queue';

interface HollowTask {
  frameworkId: string;
  framework: FrameworkInfo;
  task: TaskInfo;
  state: TaskState;
  last?: TaskStatus;
  timer?: NodeJS.Timeout;
}

/** One simulated node: registers, heartbeats and "runs" tasks without any process. */
export class HollowNode {
  agentId?: string;
  readonly tasks = new Map<string, HollowTask>();
  readonly link: MasterLink;
  private subs: Subscription[] = [];

  constructor(
    readonly fleet: HollowFleet,
    readonly hostname: string,
  ) {
    this.link = new MasterLink(fleet.nats, {
      registration: () => this.registration(),
      onRegistered: (r) => this.onRegistered(r),
      backoffMs: fleet.config.AGENT_REGISTRATION_BACKOFF_MS,
      // The fleet beats for all its nodes in one request (HollowFleet.beat).
      externalHeartbeats: true,
      log: (level, msg) => fleet.log(level, `${hostname}: ${msg}`),
    });
  }

  registration(): AgentRegister {
    const f = this.fleet;
    return {
      ...(this.agentId ? { agent_id: { value: this.agentId } } : {}),
      agent_info: {
        ...(this.agentId ? { id: { value: this.agentId } } : {}),
        hostname: this.hostname,
        port: f.config.AGENT_PORT,
        resources: f.resources,
        attributes: f.attributes,
      },
      http_url: f.httpUrl,
      ip: f.ip,
      version: DCOS_TS_VERSION,
      tasks: [...this.tasks.values()].map((t) => ({
        framework_id: { value: t.frameworkId },
        task: t.task,
        state: t.state,
        ...(t.last ? { status: t.last } : {}),
      })),
      frameworks: [],
    };
  }

  private onRegistered(r: AgentRegistered): void {
    const id = r.agent_id.value;
    if (this.agentId !== id) {
      // A hollow node has no processes to protect: adopt whatever id the master gives.
      for (const s of this.subs) s.unsubscribe();
      this.subs = [];
      for (const t of this.tasks.values()) if (t.timer) clearTimeout(t.timer);
      this.tasks.clear();
      this.agentId = id;
      this.serve(id);
    }
    for (const k of r.kill_tasks) this.kill({ framework_id: k.framework_id, task_id: k.task_id });
    this.fleet.queue.kick();
  }

  private serve(id: string): void {
    const { nats } = this.fleet;
    this.subs.push(
      nats.serve<RunTask, object>(
        subjectFor(nats.prefix, 'agentLaunch', id),
        (m) => launchBatch(m, (one) => this.launch(one)),
        { input: RunTaskFastContract },
      ),
      nats.serve<KillTask, object>(subjectFor(nats.prefix, 'agentKill', id), (m) => this.kill(m), {
        input: KillTaskContract,
      }),
      nats.serve<{ framework_id: { value: string } }, object>(
        subjectFor(nats.prefix, 'agentShutdownFramework', id),
        (m) => {
          for (const t of [...this.tasks.values()]) {
            if (t.frameworkId === m.framework_id.value) {
              this.kill({ framework_id: m.framework_id, task_id: t.task.task_id });
            }
          }
          return {};
        },
        { input: ShutdownFrameworkContract },
      ),
    );
  }

  launch(m: RunTask): object {
    const key = `${m.framework_id.value}/${m.task.task_id.value}`;
    if (m.task.agent_id.value !== this.agentId) {
      throw new AgentRequestError(
        `task.agent_id is ${m.task.agent_id.value}, this agent is ${this.agentId}`,
        'WRONG_AGENT',
      );
    }
    if (this.tasks.has(key)) {
      throw new AgentRequestError(
        `task ${m.task.task_id.value} already runs here`,
        'DUPLICATE_TASK',
      );
    }
    const t: HollowTask = {
      frameworkId: m.framework_id.value,
      framework: m.framework,
      task: m.task,
      state: 'TASK_STAGING',
    };
    this.tasks.set(key, t);
    this.fleet.launched++;
    this.update(t, 'TASK_STAGING', 'SOURCE_AGENT');
    this.update(t, 'TASK_STARTING', 'SOURCE_EXECUTOR');
    this.update(t, 'TASK_RUNNING', 'SOURCE_EXECUTOR');
    const ms = this.fleet.config.AGENT_HOLLOW_TASK_DURATION_MS;
    if (ms > 0) {
      t.timer = setTimeout(
        () => this.end(key, t, 'TASK_FINISHED', 'Command exited with status 0'),
        ms,
      );
    }
    return {};
  }

  kill(k: KillTask): object {
    const key = `${k.framework_id.value}/${k.task_id.value}`;
    const t = this.tasks.get(key);
    if (!t) {
      throw new AgentRequestError(
        `task ${k.task_id.value} of framework ${k.framework_id.value} is not running on this agent`,
        'UNKNOWN_TASK',
      );
    }
    this.end(key, t, 'TASK_KILLED', 'Command terminated with signal Terminated');
    return {};
  }

  private end(key: string, t: HollowTask, state: TaskState, message: string): void {
    if (isTerminalTaskState(t.state)) return;
    if (t.timer) clearTimeout(t.timer);
    this.update(t, state, 'SOURCE_EXECUTOR', message);
    this.tasks.delete(key);
  }

  private update(
    t: HollowTask,
    state: TaskState,
    source: 'SOURCE_AGENT' | 'SOURCE_EXECUTOR',
    message?: string,
  ): void {
    const agentId = this.agentId as string;
    const status = makeStatus({
      taskId: t.task.task_id.value,
      state,
      agentId,
      executorId: t.task.task_id.value,
      source,
      message,
      ip: this.fleet.ip,
      timestamp: Date.now() / 1000,
    });
    t.state = state;
    t.last = status;
    this.fleet.queue.enqueue({
      agent_id: { value: agentId },
      framework_id: { value: t.frameworkId },
      status,
    });
  }

  stop(): void {
    this.link.stop();
    for (const s of this.subs) s.unsubscribe();
    for (const t of this.tasks.values()) if (t.timer) clearTimeout(t.timer);
  }
}

/**
 * Hollow mode (benchmarks, after Kubernetes' kubemark): one process stands for N agents with
 * the configured resources, going through the master's real paths (registration,
 * heartbeats, launch/kill requests, JetStream status updates with acks) without processes.
 */
export class HollowFleet {
  readonly startedAt = Date.now();
  readonly nodes: HollowNode[] = [];
  readonly resources: Resource[];
  readonly attributes: Attribute[];
  readonly queue: StatusUpdateQueue;
  readonly ip: string;
  readonly httpUrl: string;
  launched = 0;
  private stopped = false;
  private beatTimer?: NodeJS.Timeout;

  constructor(
    readonly config: AgentConfig,
    readonly nats: NatsClient,
    readonly log: Log,
  ) {
    this.ip = config.AGENT_IP ?? config.ADVERTISE_HOST;
    this.httpUrl = `http://${config.ADVERTISE_HOST}:${config.AGENT_PORT}`;
    this.resources = agentResourcesToMesos(
      resolveAgentResources(config.AGENT_RESOURCES, { workDir: config.AGENT_WORK_DIR }),
    );
    this.attributes = config.AGENT_ATTRIBUTES
      ? (parseAttributes(config.AGENT_ATTRIBUTES) as Attribute[])
      : [];
    this.queue = new StatusUpdateQueue({
      publish: statusPublisher(nats),
      maxInFlight: 1_024,
      onError: (e) => {
        if (this.queue.stats.failures % 100 === 1) {
          this.log('warn', `hollow status updates not acknowledged yet: ${e.message}; retrying`);
        }
      },
    });
    const base = config.AGENT_NODE_NAME ?? `hollow-${os.hostname()}-${process.pid}`;
    for (let i = 1; i <= config.AGENT_HOLLOW_NODES; i++) {
      this.nodes.push(new HollowNode(this, `${base}-${i}`));
    }
  }

  start(): void {
    this.log(
      'info',
      `hollow mode: ${this.nodes.length} simulated agent(s) ${this.nodes[0]?.hostname}…, no processes are run` +
        (this.config.AGENT_HOLLOW_TASK_DURATION_MS > 0
          ? `; tasks finish after ${this.config.AGENT_HOLLOW_TASK_DURATION_MS} ms`
          : ''),
    );
    ensureStatusStream(this.nats).catch((e: Error) =>
      this.log('warn', `cannot create the status stream yet: ${e.message}`),
    );
    // Spread the first registrations so a thousand nodes do not hit the master at once.
    const spread = Math.min(2_000, this.nodes.length * 2);
    this.nodes.forEach((n, i) => n.link.start(Math.floor((i * spread) / this.nodes.length)));
    this.scheduleBeat();
  }

  private scheduleBeat(): void {
    if (this.stopped) return;
    const interval = this.nodes.find((n) => n.link.agentId)?.link.heartbeatIntervalMs ?? 1_000;
    this.beatTimer = setTimeout(() => void this.beat(interval), interval);
  }

  /**
   * One heartbeat request (`agent_ids`) for every registered node of this process, instead
   * of one request per node per interval; each node's link gets its own outcome.
   */
  private async beat(interval: number): Promise<void> {
    // The next beat does not wait for this one's answer: a slow master still sees one
    // batch per interval.
    this.scheduleBeat();
    const beating = this.nodes.filter(
      (n) => n.link.agentId && (n.link.state === 'registered' || n.link.state === 'disconnected'),
    );
    if (beating.length > 0) {
      const ids = beating.map((n) => ({ value: n.link.agentId as string }));
      try {
        const reply = await this.nats.request(
          this.nats.subjects.masterAgentHeartbeat,
          { agent_id: ids[0], agent_ids: ids },
          {
            // A batch stands for hundreds of nodes: a master busy for a second must not make
            // all of them re-register at once (it still marks silent ones unreachable).
            timeoutMs: Math.max(3 * interval, 3_000),
            answer: AgentHeartbeatReplyContract,
          },
        );
        const unknown = new Set(
          reply.unknown_agent_ids ?? (reply.known ? [] : ids.map((i) => i.value)),
        );
        for (const n of beating)
          n.link.beatAnswered(!unknown.has(n.link.agentId as string), reply.master_id);
      } catch (e) {
        for (const n of beating) n.link.beatFailed(e as Error);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.beatTimer) clearTimeout(this.beatTimer);
    for (const n of this.nodes) n.stop();
    this.queue.stop();
  }

  summary(): Record<string, unknown> {
    const registered = this.nodes.filter((n) => n.link.state === 'registered').length;
    let running = 0;
    for (const n of this.nodes) running += n.tasks.size;
    return {
      hollow: true,
      nodes: this.nodes.length,
      registered,
      tasks_launched: this.launched,
      tasks_active: running,
      status_updates: this.queue.stats,
      agents: this.nodes.map((n) => ({
        id: n.agentId ?? '',
        hostname: n.hostname,
        registered: n.link.state === 'registered',
        tasks: n.tasks.size,
      })),
    };
  }
}

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Subscription } from 'nats';
import {
  AgentPersistentVolumesContract,
  AgentPersistentVolumesSyncContract,
  DCOS_TS_VERSION,
  KillTaskContract,
  RunTaskContract,
  ShutdownFrameworkContract,
  isTerminalTaskState,
  subjectFor,
  type AgentPersistentVolumes,
  type AgentPersistentVolumesSync,
  type AgentPersistentVolumesSyncReply,
  type AgentRegister,
  type AgentRegistered,
  type Attribute,
  type FrameworkInfo,
  type KillTask,
  type Resource,
  type RunTask,
  type ShutdownFramework,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
} from '@dcos/contracts';
import {
  Containerizer,
  parseAttributes,
  resolveAgentResources,
  resolveUser,
  type AgentResources,
  type ContainerTermination,
} from '@dcos/containerizer';
import type { NatsClient } from '@dcos/nats';
import { AgentCheckpoint, isSafeId, type TaskRecord } from './checkpoint';
import type { AgentConfig } from './config';
import { FetchError, fetchIntoSandbox } from './fetcher';
import {
  Checker,
  HealthChecker,
  checkRunner,
  checkStatusRunner,
  emptyCheckStatus,
  parseCheck,
  parseHealthCheck,
  taskContext,
  type CheckStatus,
  type HealthReport,
  type TaskChecks,
} from './health-checks';
import {
  ExecutorCallError,
  executorEnvironment,
  executorOf,
  type ExecutorCall,
  type ExecutorInfo,
} from './executor-api';
import { executorKey, type ExecutorConnection, type ExecutorRecord } from './executors';
import { ensureStatusStream, statusPublisher } from './jetstream';
import { launchBatch } from './launch-batch';
import { MasterLink } from './master-link';
import { agentResourcesToMesos, makeStatus, taskResources } from './mesos-json';
import { StatusUpdateQueue } from './status-queue';
import { PersistentVolumes } from './persistent-volumes';
import { AgentStorageModule, taskVolumes, type TaskVolume } from './storage';

export type Log = (level: 'info' | 'warn' | 'error', msg: string) => void;

/** A request the agent refuses; `code` travels in the NATS error reply. */
export class AgentRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'AgentRequestError';
  }
}

const COMPLETED_KEEP = 1_000;
const STATUSES_KEEP = 20;

/**
 * One real agent: checkpointed identity, resources, a containerizer running tasks as
 * isolated processes, the session with the master and the status update outbox.
 */
export class Agent {
  readonly startedAt = Date.now();
  readonly hostname: string;
  readonly ip: string;
  readonly httpUrl: string;
  readonly resources: AgentResources;
  readonly mesosResources: Resource[];
  readonly attributes: Attribute[];
  readonly checkpoint: AgentCheckpoint;
  readonly queue: StatusUpdateQueue;
  readonly link: MasterLink;
  agentId?: string;
  containerizer?: Containerizer;
  /** Storage (devices, providers, volumes), when disks, devices or an external pool are configured. */
  readonly storage?: AgentStorageModule;
  /** Persistent volumes on the agent's plain disk (Mesos CREATE / DESTROY, `type: root`). */
  readonly persistent: PersistentVolumes;
  /** Non-terminal tasks by `<framework>/<task>`. */
  readonly tasks = new Map<string, TaskRecord>();
  /** Terminal tasks, newest last (bounded). */
  readonly completed: TaskRecord[] = [];
  readonly frameworks = new Map<string, FrameworkInfo>();
  /** Executors (custom processes, default executors of task groups) by `<framework>/<executor>`. */
  readonly executors = new Map<string, ExecutorRecord>();
  /** Ended executors, newest last (bounded), for `/state`. */
  readonly completedExecutors: ExecutorRecord[] = [];
  /** Custom executors by container id: their process' exit ends their tasks. */
  private readonly executorContainers = new Map<string, ExecutorRecord>();
  /** Task groups of the `agentLaunch` request being handled, by `<framework>/<task>`. */
  private groupOf = new Map<string, string[]>();
  private subs: Subscription[] = [];
  private stopped = false;
  /** health_check / check runners of running tasks and their last results, by `<framework>/<task>`. */
  private readonly checks = new Map<string, TaskChecks>();
  counters = { launched: 0, finished: 0, failed: 0, killed: 0, lost: 0, invalid: 0 };

  constructor(
    readonly config: AgentConfig,
    private readonly nats: NatsClient,
    private readonly log: Log,
  ) {
    this.hostname = config.AGENT_NODE_NAME ?? os.hostname();
    this.ip = config.AGENT_IP ?? config.ADVERTISE_HOST;
    this.httpUrl = `http://${config.ADVERTISE_HOST}:${config.AGENT_PORT}`;
    this.checkpoint = new AgentCheckpoint(config.AGENT_WORK_DIR);
    this.resources = resolveAgentResources(config.AGENT_RESOURCES, {
      workDir: config.AGENT_WORK_DIR,
    });
    this.mesosResources = agentResourcesToMesos(this.resources);
    this.attributes = config.AGENT_ATTRIBUTES
      ? (parseAttributes(config.AGENT_ATTRIBUTES) as Attribute[])
      : [];
    this.queue = new StatusUpdateQueue({
      dir: path.join(this.checkpoint.metaDir, 'status_updates'),
      publish: statusPublisher(nats),
      onAck: (u) => this.onStatusAcked(u),
      onError: (e, u) => {
        if (this.queue.stats.failures % 20 === 1) {
          this.log(
            'warn',
            `status update ${u?.status.state} of ${u?.status.task_id.value} not acknowledged yet (${e.message}); ${this.queue.pending} pending, retrying`,
          );
        }
      },
    });
    if (AgentStorageModule.enabled(config))
      this.storage = new AgentStorageModule(config, nats, this.hostname, log);
    this.persistent = new PersistentVolumes(config.AGENT_WORK_DIR, log);
    this.link = new MasterLink(nats, {
      registration: () => this.registration(),
      onRegistered: (r, re) => this.onRegistered(r, re),
      backoffMs: config.AGENT_REGISTRATION_BACKOFF_MS,
      log,
    });
  }

  async start(): Promise<void> {
    this.agentId = this.checkpoint.readAgentId();
    this.log(
      'info',
      `agent ${this.hostname} (${this.ip}) work dir ${this.checkpoint.workDir}; resources ${this.describeResources()}` +
        (this.agentId ? `; recovering agent id ${this.agentId}` : '; fresh work dir'),
    );
    ensureStatusStream(this.nats).catch((e: Error) =>
      this.log('warn', `cannot create the status stream yet: ${e.message}`),
    );
    if (this.storage) {
      // Volumes of tasks the agent still runs stay attached; the rest is undone.
      const keep = new Set(
        this.checkpoint.readTasks().flatMap((r) => (r.volumes ?? []).map((v) => v.target)),
      );
      await this.storage.open(keep);
    }
    if (this.agentId) await this.attach(this.agentId, true);
    else {
      // The containerizer needs the id the master assigns; say now which isolation it will use.
      const probe = this.newContainerizer('isolation-probe');
      this.log('info', `isolation: ${probe.isolation} (${probe.isolationDetail})`);
      probe.removeCgroupDirs();
      probe.close();
    }
    if (this.queue.pending > 0) {
      this.log('info', `${this.queue.pending} status update(s) from before the restart to resend`);
    }
    this.link.start();
  }

  stop(): void {
    this.stopped = true;
    this.link.stop();
    this.queue.stop();
    for (const s of this.subs) s.unsubscribe();
    this.storage?.stop();
    for (const c of this.checks.values()) stopChecks(c);
    for (const e of this.executors.values()) {
      if (e.shutdownTimer) clearTimeout(e.shutdownTimer);
      e.conn?.close();
    }
    // Tasks keep running: a restarted agent with the same work dir recovers them.
    this.containerizer?.close();
    if (this.tasks.size === 0) this.containerizer?.removeCgroupDirs();
  }

  describeResources(): string {
    const r = this.resources;
    const ports = r.ports.map((p) => `${p.begin}-${p.end}`).join(',');
    return `cpus:${r.cpus};mem:${r.mem};disk:${r.disk};ports:[${ports}]`;
  }

  /** Sets up the containerizer for this id, recovers tasks and serves the agent's subjects. */
  private async attach(agentId: string, recovering: boolean): Promise<void> {
    const ctz = this.newContainerizer(agentId);
    this.containerizer = ctz;
    if (recovering) this.log('info', `isolation: ${ctz.isolation} (${ctz.isolationDetail})`);
    ctz.on('exited', (t) => this.onExited(t));
    if (recovering) await this.recover(ctz);
    this.serve(agentId);
  }

  private newContainerizer(agentId: string): Containerizer {
    return new Containerizer({
      workDir: this.config.AGENT_WORK_DIR,
      agentId,
      hostname: this.ip,
      isolation: this.config.AGENT_ISOLATION as 'auto' | 'cgroups-v1' | 'rss-poll',
      defaultGracePeriodMs: this.config.AGENT_KILL_GRACE_MS,
    });
  }

  private async recover(ctz: Containerizer): Promise<void> {
    const records = this.checkpoint.readTasks();
    for (const r of records) {
      this.tasks.set(key(r.frameworkId, r.task.task_id.value), r);
      this.frameworks.set(r.frameworkId, r.framework);
      this.recoverExecutor(r, ctz);
    }
    const result = await ctz.recover();
    const known = new Set([
      ...result.running.map((c) => c.containerId),
      ...result.terminated.map((t) => t.containerId),
    ]);
    for (const r of records) {
      if (r.containerId && !known.has(r.containerId)) {
        // Ended and recorded, but the agent stopped before reporting it.
        const t = await ctz.wait(r.containerId).catch(() => undefined);
        if (t) {
          this.onExited(t);
          continue;
        }
      }
      if (!r.containerId || !known.has(r.containerId)) {
        // It never got a process (the agent stopped mid-launch) or its state is gone.
        this.terminate(r, 'TASK_FAILED', {
          source: 'SOURCE_AGENT',
          reason: 'REASON_EXECUTOR_TERMINATED',
          message: 'Abnormal executor termination: the agent restarted before the task started',
        });
      }
    }
    for (const r of this.tasks.values()) if (r.state === 'TASK_RUNNING') this.startChecks(r);
    this.log(
      'info',
      `recovered ${result.running.length} running task(s); ${result.terminated.length} ended while the agent was down`,
    );
  }

  /**
   * The executor of a recovered task, known again before the containers are: a custom
   * executor may re-SUBSCRIBE, and its process' end ends its tasks.
   */
  private recoverExecutor(r: TaskRecord, ctz: Containerizer): void {
    const info = executorOf(r.task);
    if (!info || !r.executorId || !r.executorContainerId) return;
    const ek = executorKey(r.frameworkId, r.executorId);
    const ex = this.executors.get(ek);
    if (ex) {
      if (ex.type === 'CUSTOM' && r.containerId) ex.launched.add(r.task.task_id.value);
      return;
    }
    const type = info.type === 'DEFAULT' ? 'DEFAULT' : 'CUSTOM';
    const rec: ExecutorRecord = {
      frameworkId: r.frameworkId,
      framework: r.framework,
      executorId: r.executorId,
      info,
      type,
      containerId: r.executorContainerId,
      sandbox: ctz.sandboxPath(r.frameworkId, r.executorId, r.executorContainerId),
      pid: type === 'CUSTOM' ? r.pid : undefined,
      starting: Promise.resolve(),
      queued: [],
      // A task with the executor's container was handed over (or about to be): the
      // executor reports it after re-subscribing.
      launched: new Set(type === 'CUSTOM' && r.containerId ? [r.task.task_id.value] : []),
      unacked: new Set(),
      startedAt: r.launchedAt,
    };
    this.executors.set(ek, rec);
    if (type === 'CUSTOM') this.executorContainers.set(rec.containerId, rec);
  }

  private serve(agentId: string): void {
    const prefix = this.nats.prefix;
    this.subs.push(
      this.nats.serve<RunTask, object>(
        subjectFor(prefix, 'agentLaunch', agentId),
        (m) => {
          this.groupOf = new Map();
          for (const g of m.task_groups ?? [])
            for (const id of g) this.groupOf.set(key(m.framework_id.value, id), g);
          try {
            return launchBatch(m, (one) => this.launch(one));
          } finally {
            this.groupOf = new Map();
          }
        },
        {
          input: RunTaskContract,
        },
      ),
      this.nats.serve<KillTask, object>(
        subjectFor(prefix, 'agentKill', agentId),
        (m) => this.kill(m),
        {
          input: KillTaskContract,
        },
      ),
      this.nats.serve<ShutdownFramework, object>(
        subjectFor(prefix, 'agentShutdownFramework', agentId),
        (m) => this.shutdownFramework(m),
        { input: ShutdownFrameworkContract },
      ),
      this.nats.serve<AgentPersistentVolumes, object>(
        subjectFor(prefix, 'agentPersistentVolumes', agentId),
        (m) => this.persistent.apply(m, (dir) => this.volumeInUse(dir)),
        { input: AgentPersistentVolumesContract },
      ),
      this.nats.serve<AgentPersistentVolumesSync, AgentPersistentVolumesSyncReply>(
        subjectFor(prefix, 'agentPersistentVolumesSync', agentId),
        (m) => this.persistent.sync(m, (dir) => this.volumeInUse(dir)),
        { input: AgentPersistentVolumesSyncContract },
      ),
    );
    this.storage?.serve(agentId);
  }

  /** A task the agent holds (running, or not yet reported ended) has this volume directory. */
  private volumeInUse(dir: string): boolean {
    for (const r of this.tasks.values())
      if (r.volumes?.some((v) => v.hostPath === dir)) return true;
    return false;
  }

  registration(): AgentRegister {
    const tasks = [...this.tasks.values()].map((r) => ({
      framework_id: { value: r.frameworkId },
      task: r.task,
      state: r.state,
      status: r.statuses[r.statuses.length - 1],
    }));
    const fwIds = new Set(tasks.map((t) => t.framework_id.value));
    return {
      ...(this.agentId ? { agent_id: { value: this.agentId } } : {}),
      agent_info: {
        ...(this.agentId ? { id: { value: this.agentId } } : {}),
        hostname: this.hostname,
        port: this.config.AGENT_PORT,
        resources: [...this.mesosResources, ...(this.storage?.resources ?? [])],
        attributes: this.attributes,
      },
      ...(this.storage ? { resources_seq: this.storage.seq } : {}),
      http_url: this.httpUrl,
      ip: this.ip,
      version: DCOS_TS_VERSION,
      tasks,
      frameworks: [...fwIds].map((id) => ({
        ...(this.frameworks.get(id) ?? { user: '', name: id }),
        id: { value: id },
      })),
    };
  }

  private async onRegistered(reply: AgentRegistered, reregistration: boolean): Promise<void> {
    const id = reply.agent_id.value;
    if (!this.agentId) {
      if (!isSafeId(id)) throw new Error(`the master assigned an unusable agent id "${id}"`);
      this.checkpoint.writeAgentId(id, this.hostname);
      this.agentId = id;
      await this.attach(id, false);
      this.log('info', `registered with master ${reply.master_id} as agent ${id}`);
    } else if (id !== this.agentId) {
      // The master refused our identity (e.g. it marked the agent gone). As Mesos, the agent
      // must not run tasks the master no longer accounts for: kill them and start afresh.
      this.log(
        'error',
        `the master answered with agent id ${id} instead of ${this.agentId}: killing tasks and exiting to start afresh`,
      );
      await Promise.all(
        [...this.tasks.values()].map((r) =>
          r.containerId ? this.containerizer?.kill(r.containerId, 0) : undefined,
        ),
      );
      await this.queue.drained();
      this.checkpoint.reset();
      process.exit(1);
    } else {
      this.log(
        'info',
        `${reregistration ? 're-registered' : 'registered'} with master ${reply.master_id} as agent ${id} (${this.tasks.size} task(s))`,
      );
    }
    for (const k of reply.kill_tasks) {
      void this.kill({ framework_id: k.framework_id, task_id: k.task_id }).catch(() => undefined);
    }
    this.queue.kick();
  }

  // --- task lifecycle -------------------------------------------------------------------

  launch(m: RunTask): object {
    const agentId = this.agentId;
    const ctz = this.containerizer;
    if (!agentId || !ctz || this.stopped) {
      throw new AgentRequestError('the agent is not registered yet', 'NOT_READY');
    }
    const taskId = m.task.task_id.value;
    const fwId = m.framework_id.value;
    if (m.task.agent_id.value !== agentId) {
      throw new AgentRequestError(
        `task.agent_id is ${m.task.agent_id.value}, this agent is ${agentId}`,
        'WRONG_AGENT',
      );
    }
    if (!isSafeId(taskId) || !isSafeId(fwId)) {
      throw new AgentRequestError(
        `task_id and framework_id may only use letters, digits, _ . - : @ (got "${taskId}", "${fwId}")`,
        'INVALID_ID',
      );
    }
    if (this.tasks.has(key(fwId, taskId))) {
      throw new AgentRequestError(
        `task ${taskId} of framework ${fwId} already runs here`,
        'DUPLICATE_TASK',
      );
    }
    const executor = executorOf(m.task);
    if (m.task.executor !== undefined && !executor) {
      throw new AgentRequestError('task.executor.executor_id is required', 'INVALID_PAYLOAD');
    }
    if (executor && !isSafeId(executor.executor_id.value)) {
      throw new AgentRequestError(
        `executor_id may only use letters, digits, _ . - : @ (got "${executor.executor_id.value}")`,
        'INVALID_ID',
      );
    }
    this.frameworks.set(fwId, { ...m.framework, id: { value: fwId } });
    const r: TaskRecord = {
      frameworkId: fwId,
      framework: m.framework,
      task: m.task,
      state: 'TASK_STAGING',
      statuses: [],
      launchedAt: Date.now(),
    };
    let ex: ExecutorRecord | undefined;
    if (executor) {
      ex = this.executorFor(r, executor, ctz);
      r.executorId = ex.executorId;
      r.executorContainerId = ex.containerId;
      const group = this.groupOf.get(key(fwId, taskId));
      if (group) r.group = group;
    }
    this.tasks.set(key(fwId, taskId), r);
    this.counters.launched++;
    this.update(r, 'TASK_STAGING', { source: 'SOURCE_AGENT' });
    if (ex?.type === 'CUSTOM') void this.runOnExecutor(r, ex);
    else void this.run(r, ctz, ex);
    return {};
  }

  // --- executors (Mesos v1 executor HTTP API) ----------------------------------------------

  /** The running executor of this id, or a new one (a CUSTOM one's process starts now). */
  private executorFor(r: TaskRecord, info: ExecutorInfo, ctz: Containerizer): ExecutorRecord {
    const executorId = info.executor_id.value;
    const ek = executorKey(r.frameworkId, executorId);
    const running = this.executors.get(ek);
    if (running && !running.ended) return running;
    const type = info.type === 'DEFAULT' ? 'DEFAULT' : 'CUSTOM';
    const containerId = randomUUID();
    const sandbox = ctz.sandboxPath(r.frameworkId, executorId, containerId);
    const ex: ExecutorRecord = {
      frameworkId: r.frameworkId,
      framework: r.framework,
      executorId,
      info,
      type,
      containerId,
      sandbox,
      starting: Promise.resolve(),
      queued: [],
      launched: new Set(),
      unacked: new Set(),
      startedAt: Date.now(),
    };
    this.executors.set(ek, ex);
    if (type === 'DEFAULT') {
      // The agent plays the default executor: its run directory holds the tasks' sandboxes.
      fs.mkdirSync(sandbox, { recursive: true });
      linkLatest(sandbox, containerId);
      return ex;
    }
    this.executorContainers.set(containerId, ex);
    ex.starting = this.startExecutor(ex, r, ctz);
    ex.starting.catch(() => this.executorGone(ex));
    return ex;
  }

  /** Starts a custom executor's process in its sandbox, with Mesos' executor environment. */
  private async startExecutor(ex: ExecutorRecord, r: TaskRecord, ctz: Containerizer) {
    const c = ex.info.command;
    if (!c || (typeof c.value !== 'string' && !(c.shell === false && c.arguments?.length))) {
      throw new Error('executor.command.value is required');
    }
    const env: Record<string, string> = {};
    for (const v of c.environment?.variables ?? []) {
      if (v.type === 'SECRET') continue;
      env[v.name] = v.value ?? '';
    }
    const graceNs = ex.info.shutdown_grace_period?.nanoseconds;
    Object.assign(
      env,
      executorEnvironment({
        frameworkId: ex.frameworkId,
        executorId: ex.executorId,
        agentId: this.agentId as string,
        sandbox: ex.sandbox,
        agentEndpoint: `${this.config.ADVERTISE_HOST}:${this.config.AGENT_PORT}`,
        checkpoint: r.framework.checkpoint ?? false,
        shutdownGraceMs:
          graceNs !== undefined ? Math.round(graceNs / 1e6) : this.config.AGENT_KILL_GRACE_MS,
      }),
    );
    const cp = await ctz.launch({
      taskId: ex.executorId,
      executorId: ex.executorId,
      containerId: ex.containerId,
      frameworkId: ex.frameworkId,
      command:
        c.shell === false
          ? { value: c.value ?? c.arguments?.[0] ?? '', shell: false, arguments: c.arguments }
          : { value: c.value ?? '' },
      env,
      // The container holds the executor and its first task (Mesos sums them).
      resources: taskResources([...(ex.info.resources ?? []), ...r.task.resources]),
      user: c.user || undefined,
      executor: true,
    });
    ex.pid = cp.pid;
    this.log(
      'info',
      `started executor ${ex.executorId} of framework ${ex.frameworkId} (pid ${cp.pid}) in ${ex.sandbox}`,
    );
  }

  /** A task for a custom executor: LAUNCH once the executor is subscribed. */
  private async runOnExecutor(r: TaskRecord, ex: ExecutorRecord): Promise<void> {
    try {
      await ex.starting;
    } catch (e) {
      this.terminate(r, 'TASK_FAILED', {
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: `Failed to launch executor ${ex.executorId}: ${(e as Error).message}`,
      });
      return;
    }
    if (isTerminalTaskState(r.state)) return;
    if (ex.ended) {
      this.terminate(r, 'TASK_FAILED', {
        source: 'SOURCE_AGENT',
        reason: 'REASON_EXECUTOR_TERMINATED',
        message: `Executor ${ex.executorId} terminated before the task was delivered`,
      });
      return;
    }
    r.containerId = ex.containerId;
    r.sandbox = ex.sandbox;
    r.pid = ex.pid;
    if (r.killRequested) {
      this.terminate(r, 'TASK_KILLED', {
        source: 'SOURCE_AGENT',
        message: 'Killed before delivery to the executor',
      });
      return;
    }
    this.save(r);
    if (ex.conn) this.sendLaunch(ex, r.task);
    else ex.queued.push(r.task);
  }

  private sendLaunch(ex: ExecutorRecord, task: TaskInfo): void {
    ex.launched.add(task.task_id.value);
    ex.conn?.send({ type: 'LAUNCH', launch: { task } });
  }

  /** SUBSCRIBE: the stream of the executor's events starts with SUBSCRIBED and its queued tasks. */
  executorSubscribe(call: ExecutorCall, conn: ExecutorConnection): ExecutorRecord {
    const ex = this.knownExecutor(call);
    if (ex.conn && ex.conn !== conn) ex.conn.close();
    ex.conn = conn;
    const agentId = this.agentId as string;
    conn.send({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: { ...ex.info, framework_id: { value: ex.frameworkId } },
        framework_info: { ...ex.framework, id: { value: ex.frameworkId } },
        agent_info: {
          id: { value: agentId },
          hostname: this.hostname,
          port: this.config.AGENT_PORT,
          resources: this.mesosResources,
          attributes: this.attributes,
        },
        container_id: { value: ex.containerId },
      },
    });
    for (const t of ex.queued.splice(0)) this.sendLaunch(ex, t);
    // Kills asked for while the executor was away.
    for (const r of this.tasks.values())
      if (
        r.frameworkId === ex.frameworkId &&
        r.executorId === ex.executorId &&
        r.killRequested &&
        ex.launched.has(r.task.task_id.value)
      )
        conn.send({ type: 'KILL', kill: { task_id: r.task.task_id } });
    this.log('info', `executor ${ex.executorId} of framework ${ex.frameworkId} subscribed`);
    return ex;
  }

  /** The SUBSCRIBE stream ended (the executor may subscribe again while its process lives). */
  executorDisconnected(ex: ExecutorRecord, conn: ExecutorConnection): void {
    if (ex.conn === conn) ex.conn = undefined;
  }

  /** UPDATE: the executor's TaskStatus goes the reliable way to the master and the framework. */
  executorUpdate(call: ExecutorCall): void {
    const ex = this.knownExecutor(call);
    const s = call.update?.status;
    if (!s) throw new ExecutorCallError(400, 'update: required for UPDATE', 'update');
    const taskId = s.task_id.value;
    const r = this.tasks.get(key(ex.frameworkId, taskId));
    const seen = (x: TaskRecord) => x.statuses.some((st) => st.uuid === s.uuid);
    if (!r || r.executorId !== ex.executorId || seen(r)) {
      const done =
        r ??
        this.completed.find(
          (c) => c.frameworkId === ex.frameworkId && c.task.task_id.value === taskId,
        );
      if (done && done.executorId === ex.executorId && seen(done)) {
        // A resend of an update the agent has: acknowledge it again once it is in the stream.
        const queued = this.queue.pendingUpdates().some((u) => u.status.uuid === s.uuid);
        if (queued) ex.unacked.add(s.uuid);
        else
          ex.conn?.send({
            type: 'ACKNOWLEDGED',
            acknowledged: { task_id: s.task_id, uuid: s.uuid },
          });
        return;
      }
      if (done && done.executorId === ex.executorId) return; // ended already: a late update
      throw new ExecutorCallError(
        400,
        `update.status.task_id: task ${taskId} is not a task of executor ${ex.executorId}`,
        'update.status.task_id',
      );
    }
    const status: TaskStatus & { uuid: string } = {
      ...(s as TaskStatus & { uuid: string }),
      source: 'SOURCE_EXECUTOR',
      agent_id: { value: this.agentId as string },
      executor_id: { value: ex.executorId },
      timestamp: s.timestamp ?? Date.now() / 1000,
      container_status: {
        container_id: { value: ex.containerId },
        network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: this.ip }] }],
        ...(ex.pid ? { executor_pid: ex.pid } : {}),
      },
    };
    ex.unacked.add(s.uuid);
    const extra = { source: 'SOURCE_EXECUTOR' as const };
    if (isTerminalTaskState(s.state)) this.terminate(r, s.state, extra, status);
    else this.update(r, s.state, extra, status);
  }

  /** MESSAGE: executor → framework messages have no path to schedulers here yet: logged and dropped. */
  executorMessage(call: ExecutorCall): void {
    const ex = this.knownExecutor(call);
    this.log(
      'info',
      `dropped a framework message (${Buffer.from(call.message?.data ?? '', 'base64').length} bytes) from executor ${ex.executorId} of framework ${ex.frameworkId}: the master does not relay executor messages`,
    );
  }

  private knownExecutor(call: ExecutorCall): ExecutorRecord {
    const ex = this.executors.get(executorKey(call.framework_id.value, call.executor_id.value));
    if (!ex || ex.type !== 'CUSTOM' || ex.ended) {
      throw new ExecutorCallError(
        400,
        `executor_id: no executor ${call.executor_id.value} of framework ${call.framework_id.value} runs on this agent`,
        'executor_id',
      );
    }
    return ex;
  }

  /** An update is in the status stream: the executor that sent it gets ACKNOWLEDGED. */
  private onStatusAcked(u: { framework_id: { value: string }; status: TaskStatus }): void {
    const eid = u.status.executor_id?.value;
    const uuid = u.status.uuid;
    if (!eid || !uuid || u.status.source !== 'SOURCE_EXECUTOR') return;
    const ex = this.executors.get(executorKey(u.framework_id.value, eid));
    if (!ex?.unacked.delete(uuid)) return;
    ex.conn?.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: u.status.task_id, uuid } });
  }

  /** SHUTDOWN to a custom executor; its container is destroyed after the grace period. */
  private shutdownExecutor(ex: ExecutorRecord): void {
    if (ex.ended || ex.shutdownTimer) return;
    const ns = ex.info.shutdown_grace_period?.nanoseconds;
    const grace = ns !== undefined ? Math.round(ns / 1e6) : this.config.AGENT_KILL_GRACE_MS;
    if (ex.conn) {
      ex.conn.send({ type: 'SHUTDOWN' });
      ex.shutdownTimer = setTimeout(() => void this.containerizer?.kill(ex.containerId, 0), grace);
      ex.shutdownTimer.unref();
    } else {
      void ex.starting
        .then(() => this.containerizer?.kill(ex.containerId, grace))
        .catch(() => undefined);
    }
  }

  /** A custom executor's process ended: its tasks that are not terminal end with it. */
  private executorExited(ex: ExecutorRecord, t: ContainerTermination): void {
    const memory = t.reason === 'REASON_CONTAINER_LIMITATION_MEMORY';
    for (const r of [...this.tasks.values()])
      if (r.frameworkId === ex.frameworkId && r.executorId === ex.executorId)
        this.terminate(r, r.killRequested && !memory ? 'TASK_KILLED' : 'TASK_FAILED', {
          source: 'SOURCE_AGENT',
          reason: memory ? t.reason : 'REASON_EXECUTOR_TERMINATED',
          message: `Executor terminated: ${t.message}`,
        });
    this.log(
      'info',
      `executor ${ex.executorId} of framework ${ex.frameworkId} ended: ${t.message}`,
    );
    this.executorGone(ex);
  }

  private executorGone(ex: ExecutorRecord): void {
    if (ex.ended) return;
    ex.ended = true;
    if (ex.shutdownTimer) clearTimeout(ex.shutdownTimer);
    ex.conn?.close();
    ex.conn = undefined;
    const ek = executorKey(ex.frameworkId, ex.executorId);
    if (this.executors.get(ek) === ex) this.executors.delete(ek);
    this.executorContainers.delete(ex.containerId);
    this.completedExecutors.push(ex);
    if (this.completedExecutors.length > COMPLETED_KEEP) this.completedExecutors.shift();
  }

  /** Runs a command task, or a task of a task group as the default executor (`ex`). */
  private async run(r: TaskRecord, ctz: Containerizer, ex?: ExecutorRecord): Promise<void> {
    const t = r.task;
    const taskId = t.task_id.value;
    // Under the default executor each task is a nested container: `<executor run>/tasks/<task>`.
    const sandboxOf = (containerId: string) =>
      ex
        ? path.join(ex.sandbox, 'tasks', taskId)
        : ctz.sandboxPath(r.frameworkId, taskId, containerId);
    let command: { value: string; shell?: boolean; arguments?: string[] };
    let env: Record<string, string>;
    try {
      const c = t.command;
      if (!c || (typeof c.value !== 'string' && !(c.shell === false && c.arguments?.length))) {
        throw new Error('task.command.value is required (command tasks only)');
      }
      command =
        c.shell === false
          ? { value: c.value ?? c.arguments?.[0] ?? '', shell: false, arguments: c.arguments }
          : { value: c.value ?? '' };
      env = {};
      for (const v of c.environment?.variables ?? []) {
        if (v.type === 'SECRET') continue;
        env[v.name] = v.value ?? '';
      }
      const resources = taskResources(t.resources);
      // A bad health_check or check fails the launch.
      if (t.health_check) parseHealthCheck(t.health_check);
      if (t.check) parseCheck(t.check);
      // The sandbox is known before the process exists: volumes are in place when it starts.
      const containerId = randomUUID();
      const volumes = taskVolumes(t, sandboxOf(containerId), (role, id) =>
        this.persistent.dir(role, id),
      );
      if (typeof volumes === 'string') throw new Error(volumes);
      if (volumes.length > 0) {
        if (!this.storage && volumes.some((v) => v.type !== 'PERSISTENT'))
          throw new Error('the task uses storage volumes; this agent has no storage');
        r.volumes = volumes;
        this.save(r);
        await this.attachVolumes(volumes, c.user ? resolveUser(c.user) : undefined);
      }
      if (c.uris?.length) {
        // As Mesos: the URIs are in the sandbox before the command starts.
        r.sandbox = sandboxOf(containerId);
        const owner = c.user ? resolveUser(c.user) : undefined;
        await fetchIntoSandbox(c.uris, { sandbox: r.sandbox, owner });
        if (r.killRequested) {
          this.terminate(r, 'TASK_KILLED', {
            source: 'SOURCE_AGENT',
            message: 'Killed while fetching',
          });
          return;
        }
      }
      const cp = await ctz.launch({
        taskId,
        containerId,
        frameworkId: r.frameworkId,
        command,
        env,
        resources,
        user: c.user || undefined,
        ...(ex ? { executorId: ex.executorId, sandbox: sandboxOf(containerId) } : {}),
      });
      r.containerId = cp.containerId;
      r.sandbox = cp.sandbox;
      r.pid = cp.pid;
    } catch (e) {
      const fetcher = e instanceof FetchError;
      this.terminate(r, 'TASK_FAILED', {
        source: 'SOURCE_AGENT',
        reason: fetcher ? 'REASON_FETCHER_FAILED' : 'REASON_CONTAINER_LAUNCH_FAILED',
        message: fetcher ? e.message : `Failed to launch container: ${(e as Error).message}`,
      });
      return;
    }
    if (isTerminalTaskState(r.state)) return; // exited before we got here
    this.update(r, 'TASK_STARTING', { source: 'SOURCE_EXECUTOR' });
    if (!r.killRequested) this.startChecks(r); // the RUNNING update carries the empty check status
    this.update(r, 'TASK_RUNNING', { source: 'SOURCE_EXECUTOR' });
    if (r.killRequested && r.containerId) void ctz.kill(r.containerId, this.graceMs(r));
  }

  /** Runs the task's health_check and check as the Mesos command executor does. */
  private startChecks(r: TaskRecord): void {
    const k = key(r.frameworkId, r.task.task_id.value);
    const t = r.task;
    if ((!t.health_check && !t.check) || this.checks.has(k)) return;
    const env: Record<string, string> = {};
    for (const v of t.command?.environment?.variables ?? []) env[v.name] = v.value ?? '';
    const ctx = () => taskContext(this.containerizer, r, env, t.command?.user || undefined);
    const tc: TaskChecks = {};
    this.checks.set(k, tc);
    if (t.health_check) {
      const spec = parseHealthCheck(t.health_check);
      tc.health = new HealthChecker(spec, checkRunner(spec, ctx), (h) => this.onHealth(r, h));
      tc.health.start();
    }
    if (t.check) {
      const spec = parseCheck(t.check);
      tc.checkStatus = emptyCheckStatus(spec.type);
      tc.check = new Checker(spec, checkStatusRunner(spec, ctx), (s) => this.onCheck(r, s));
      tc.check.start();
    }
  }

  /** A new check result: a TASK_RUNNING update with `check_status` (Mesos). */
  private onCheck(r: TaskRecord, s: CheckStatus): void {
    const tc = this.checks.get(key(r.frameworkId, r.task.task_id.value));
    if (!tc || r.state !== 'TASK_RUNNING' || r.killRequested) return;
    tc.checkStatus = s;
    this.update(r, 'TASK_RUNNING', {
      source: 'SOURCE_EXECUTOR',
      reason: 'REASON_TASK_CHECK_STATUS_UPDATED',
    });
  }

  /** A change of health: a TASK_RUNNING update with `healthy`; the kill once failures reach the limit. */
  private onHealth(r: TaskRecord, h: HealthReport): void {
    const tc = this.checks.get(key(r.frameworkId, r.task.task_id.value));
    if (!tc || r.state !== 'TASK_RUNNING' || r.killRequested) return;
    tc.healthy = h.healthy;
    this.update(r, 'TASK_RUNNING', {
      source: 'SOURCE_EXECUTOR',
      reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      message: h.message,
    });
    if (h.killTask) {
      this.log(
        'warn',
        `killing task ${r.task.task_id.value}: ${h.consecutiveFailures} consecutive failed health checks (${h.message})`,
      );
      void this.kill({ framework_id: { value: r.frameworkId }, task_id: r.task.task_id });
    }
  }

  async kill(k: KillTask): Promise<object> {
    const r = this.tasks.get(key(k.framework_id.value, k.task_id.value));
    if (!r) {
      throw new AgentRequestError(
        `task ${k.task_id.value} of framework ${k.framework_id.value} is not running on this agent`,
        'UNKNOWN_TASK',
      );
    }
    const ex = r.executorId
      ? this.executors.get(executorKey(r.frameworkId, r.executorId))
      : undefined;
    if (ex?.type === 'CUSTOM') return this.killOnExecutor(r, ex, k.grace_period_ns);
    const grace = this.graceMs(r, k.grace_period_ns);
    if (r.killRequested) {
      if (grace === 0 && r.containerId) void this.containerizer?.kill(r.containerId, 0);
      return {};
    }
    r.killRequested = true;
    const caps = r.framework.capabilities ?? [];
    if (caps.some((c) => c.type === 'TASK_KILLING_STATE') && r.containerId) {
      this.update(r, 'TASK_KILLING', { source: 'SOURCE_EXECUTOR' });
    } else {
      this.save(r);
    }
    if (r.containerId) void this.containerizer?.kill(r.containerId, grace);
    // Not started yet: run() sees killRequested once the process exists.
    return {};
  }

  /** KILL goes to the executor, which reports the end; a task it never got ends here. */
  private killOnExecutor(r: TaskRecord, ex: ExecutorRecord, graceNs?: number): object {
    if (r.killRequested) return {};
    r.killRequested = true;
    const taskId = r.task.task_id.value;
    if (ex.launched.has(taskId)) {
      this.save(r);
      // Disconnected: the KILL goes with its next SUBSCRIBE.
      ex.conn?.send({
        type: 'KILL',
        kill: {
          task_id: r.task.task_id,
          ...(graceNs !== undefined
            ? { kill_policy: { grace_period: { nanoseconds: graceNs } } }
            : {}),
        },
      });
    } else if (ex.queued.some((t) => t.task_id.value === taskId)) {
      ex.queued = ex.queued.filter((t) => t.task_id.value !== taskId);
      this.terminate(r, 'TASK_KILLED', {
        source: 'SOURCE_AGENT',
        message: 'Killed before delivery to the executor',
      });
    } else {
      this.save(r); // still starting: runOnExecutor sees killRequested
    }
    return {};
  }

  async shutdownFramework(s: ShutdownFramework): Promise<object> {
    const fwId = s.framework_id.value;
    const mine = [...this.tasks.values()].filter((r) => r.frameworkId === fwId);
    const custom = [...this.executors.values()].filter(
      (e) => e.frameworkId === fwId && e.type === 'CUSTOM',
    );
    // Tasks of custom executors end with their executor (SHUTDOWN, then the grace period).
    for (const r of mine)
      if (custom.some((e) => e.executorId === r.executorId)) {
        r.killRequested = true;
        this.save(r);
      }
    for (const e of custom) this.shutdownExecutor(e);
    await Promise.all(
      mine
        .filter((r) => !custom.some((e) => e.executorId === r.executorId))
        .map((r) => this.kill({ framework_id: s.framework_id, task_id: r.task.task_id })),
    );
    return {};
  }

  private graceMs(r: TaskRecord, overrideNs?: number): number {
    const ns = overrideNs ?? r.task.kill_policy?.grace_period?.nanoseconds;
    return ns !== undefined ? Math.round(ns / 1e6) : this.config.AGENT_KILL_GRACE_MS;
  }

  private onExited(t: ContainerTermination): void {
    const ex = this.executorContainers.get(t.containerId);
    if (ex) {
      this.executorExited(ex, t);
      try {
        this.containerizer?.gc(t.containerId);
      } catch {
        /* still running (cannot happen for an exited container) */
      }
      return;
    }
    const r = this.tasks.get(key(t.frameworkId, t.taskId));
    if (r && r.containerId === t.containerId && !isTerminalTaskState(r.state)) {
      // A memory limit hit is a failure even if a kill was on its way.
      const healthKilled = this.checks.get(key(t.frameworkId, t.taskId))?.health?.killedTask;
      const final: TaskState =
        t.reason === 'REASON_CONTAINER_LIMITATION_MEMORY'
          ? 'TASK_FAILED'
          : t.killed || r.killRequested
            ? 'TASK_KILLED'
            : t.state;
      const end = () =>
        this.terminate(r, final, {
          source: t.source,
          reason:
            final !== 'TASK_KILLED'
              ? t.reason
              : healthKilled
                ? 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'
                : undefined,
          message: t.message,
          ...(final === 'TASK_KILLED' && healthKilled ? { healthy: false } : {}),
        });
      // Volumes come off before the end is reported: the next user of the disk finds it free.
      if (r.volumes?.length) void this.detachVolumes(r.volumes).finally(end);
      else end();
    }
    // The update is checkpointed in the outbox now: the containerizer's record can go.
    try {
      this.containerizer?.gc(t.containerId);
    } catch {
      /* still running (cannot happen for an exited container) */
    }
  }

  /** Puts a task's volumes in its sandbox: persistent volumes, then storage volumes. */
  private async attachVolumes(
    volumes: TaskVolume[],
    owner?: { uid: number; gid: number },
  ): Promise<void> {
    const done: TaskVolume[] = [];
    try {
      for (const v of volumes)
        if (v.type === 'PERSISTENT' && v.hostPath) {
          await this.persistent.attach(v.hostPath, v.target, owner);
          done.push(v);
        }
      if (volumes.some((v) => v.type !== 'PERSISTENT')) await this.storage?.attach(volumes);
    } catch (e) {
      await this.detachVolumes(done);
      throw e;
    }
  }

  /** Undoes `attachVolumes` (task ended); idempotent, never throws. */
  private async detachVolumes(volumes: TaskVolume[]): Promise<void> {
    for (const v of volumes)
      if (v.type === 'PERSISTENT')
        await this.persistent
          .detach(v.target)
          .catch((e: Error) =>
            this.log('error', `cannot detach volume ${v.volumeId} from ${v.target}: ${e.message}`),
          );
    if (this.storage && volumes.some((v) => v.type !== 'PERSISTENT'))
      await this.storage.detach(volumes);
  }

  private terminate(
    r: TaskRecord,
    state: TaskState,
    extra: {
      source: 'SOURCE_EXECUTOR' | 'SOURCE_AGENT';
      reason?: string;
      message?: string;
      healthy?: boolean;
    },
    /** The status as an executor sent it (UPDATE), instead of one the agent makes. */
    sent?: TaskStatus & { uuid: string },
  ): void {
    if (isTerminalTaskState(r.state)) return;
    const k = key(r.frameworkId, r.task.task_id.value);
    const tc = this.checks.get(k);
    if (tc) stopChecks(tc);
    this.checks.delete(k);
    this.update(r, state, extra, sent);
    if (r.volumes?.length) void this.detachVolumes(r.volumes);
    this.tasks.delete(key(r.frameworkId, r.task.task_id.value));
    this.checkpoint.removeTask(r.frameworkId, r.task.task_id.value);
    this.completed.push(r);
    if (this.completed.length > COMPLETED_KEEP) this.completed.shift();
    if (state === 'TASK_FINISHED') this.counters.finished++;
    else if (state === 'TASK_KILLED') this.counters.killed++;
    else if (state === 'TASK_FAILED') this.counters.failed++;
    else this.counters.lost++;
    if (r.executorId) this.executorTaskEnded(r, state);
  }

  /**
   * As Mesos' default executor: a task of a group that fails or is killed takes the rest of
   * its group with it; the default executor ends with its last task.
   */
  private executorTaskEnded(r: TaskRecord, state: TaskState): void {
    const ex = this.executors.get(executorKey(r.frameworkId, r.executorId as string));
    if (!ex) return;
    ex.launched.delete(r.task.task_id.value);
    if (ex.type !== 'DEFAULT') return;
    if (state !== 'TASK_FINISHED')
      for (const id of r.group ?? []) {
        const other = this.tasks.get(key(r.frameworkId, id));
        if (other && !other.killRequested) {
          this.log(
            'info',
            `task ${r.task.task_id.value} of a task group ended ${state}: killing task ${id} of the group`,
          );
          void this.kill({ framework_id: { value: r.frameworkId }, task_id: { value: id } });
        }
      }
    const live = [...this.tasks.values()].some(
      (t) => t.frameworkId === ex.frameworkId && t.executorId === ex.executorId,
    );
    if (!live) this.executorGone(ex);
  }

  /** Records a state change, checkpoints the task and queues the status update. */
  private update(
    r: TaskRecord,
    state: TaskState,
    extra: {
      source: 'SOURCE_EXECUTOR' | 'SOURCE_AGENT';
      reason?: string;
      message?: string;
      healthy?: boolean;
    },
    sent?: TaskStatus & { uuid: string },
  ): void {
    const agentId = this.agentId as string;
    if (sent) {
      this.record(r, state, sent);
      return;
    }
    const status: TaskStatus & { uuid: string } = makeStatus({
      taskId: r.task.task_id.value,
      state,
      agentId,
      executorId: r.executorId ?? r.task.task_id.value,
      source: extra.source,
      reason: extra.reason,
      message: extra.message,
      containerId: r.containerId,
      executorPid: r.pid,
      ip: this.ip,
      timestamp: Date.now() / 1000,
    });
    // As the Mesos command executor: running updates carry the last health and check status.
    const tc = isTerminalTaskState(state)
      ? undefined
      : this.checks.get(key(r.frameworkId, r.task.task_id.value));
    const healthy = extra.healthy ?? tc?.healthy;
    if (healthy !== undefined) status.healthy = healthy;
    if (tc?.checkStatus) (status as Record<string, unknown>)['check_status'] = tc.checkStatus;
    // A task of the default executor: its container is nested in the executor's.
    if (r.executorContainerId && r.containerId && r.containerId !== r.executorContainerId)
      status.container_status = {
        ...status.container_status,
        container_id: { value: r.containerId, parent: { value: r.executorContainerId } },
      };
    this.record(r, state, status);
  }

  private record(r: TaskRecord, state: TaskState, status: TaskStatus & { uuid: string }): void {
    const agentId = this.agentId as string;
    r.state = state;
    r.statuses.push(status);
    if (r.statuses.length > STATUSES_KEEP) r.statuses.splice(0, r.statuses.length - STATUSES_KEEP);
    if (!isTerminalTaskState(state)) this.save(r);
    this.queue.enqueue({
      agent_id: { value: agentId },
      framework_id: { value: r.frameworkId },
      status,
    });
  }

  private save(r: TaskRecord): void {
    try {
      this.checkpoint.saveTask(r);
    } catch (e) {
      this.log('error', `cannot checkpoint task ${r.task.task_id.value}: ${(e as Error).message}`);
    }
  }

  /** Finds a task (running or completed) by id, for the HTTP API. */
  allTasks(): TaskRecord[] {
    return [...this.tasks.values(), ...this.completed];
  }
}

function stopChecks(tc: TaskChecks): void {
  tc.health?.stop();
  tc.check?.stop();
}

function key(frameworkId: string, taskId: string): string {
  return `${frameworkId}/${taskId}`;
}

/** `<run>/../latest` → the newest run of an executor, as Mesos links it. */
function linkLatest(sandbox: string, containerId: string): void {
  const latest = path.join(path.dirname(sandbox), 'latest');
  try {
    fs.rmSync(latest, { force: true });
    fs.symlinkSync(containerId, latest);
  } catch {
    /* cosmetic */
  }
}

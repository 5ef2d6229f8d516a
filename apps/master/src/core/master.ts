import { randomBytes } from 'node:crypto';
import {
  add,
  AllocatorError,
  contains,
  formatResources,
  subtract,
  DrfAllocator,
  EMPTY,
  fromMesosResources,
  intersect,
  isEmpty,
  type Allocation,
  type MesosResource,
  type Offer as AllocOffer,
  type Resources,
} from '@dcos/allocator';
import {
  AgentOperationResultContract,
  isTerminalTaskState,
  uuidToBase64,
  type AgentResourcesUpdate,
  type AgentRegister,
  type AgentRegistered,
  type RunTaskReply,
  type FrameworkInfo,
  type Resource,
  type SchedulerCall,
  type StatusUpdate,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
} from '@dcos/contracts';
import {
  LaunchGroupError,
  parseLaunchGroup,
  validateLaunch,
  type ExecutorInfo,
  type TaskGroupLaunch,
} from './launch-validation';
import {
  isStorageOperation,
  parseStorageOperation,
  StorageOperationError,
  type StorageOperation,
} from './storage-operations';
import {
  applyReservations,
  isReservationOperation,
  parseReservationOperation,
  ReservationOperationError,
  persistentVolumesOf,
  rootVolumes,
  updateReservations,
  type ReservationOperation,
} from './reservations';
import {
  frameworkRoles,
  hasCapability,
  taskKey,
  type AgentRec,
  type FrameworkConnection,
  type FrameworkRec,
  type OperationStatus,
  type TaskRec,
} from './model';
import {
  agentJson,
  frameworkEventJson,
  stateJson,
  stateJsonText,
  taskJson,
  v1Agent,
  v1Framework,
  v1FrameworkInfo,
  v1Offer,
  v1Task,
  type OfferView,
  type RenderContext,
} from './render';
import {
  holdsResources,
  judgeTransition,
  stateForAgentLoss,
  stateForDroppedTask,
  stateForUnknownTask,
} from './task-state';

/** A scheduler call the master refuses: the HTTP status and a message saying why. */
export class CallError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

export interface MasterOptions {
  masterId: string;
  hostname: string;
  ip: string;
  port: number;
  version: string;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  allocationIntervalMs: number;
  agentReregisterTimeoutMs: number;
  heartbeatSeconds: number;
  statusUpdateRetryMs: number;
  maxCompletedTasksPerFramework: number;
  maxCompletedFrameworks: number;
  cluster?: string;
}

export type AgentRequestKey =
  | 'agentLaunch'
  | 'agentKill'
  | 'agentShutdownFramework'
  | 'agentApplyOperation'
  | 'agentPersistentVolumes'
  | 'agentPersistentVolumesSync';

/** Everything the core does outside its memory goes through these ports. */
export interface MasterPorts {
  now(): number;
  /** A request to one agent; rejects when the agent answers with an error or nobody answers. */
  agentRequest(
    agentId: string,
    key: AgentRequestKey,
    payload: unknown,
    timeoutMs?: number,
  ): Promise<unknown>;
  publishTaskEvent(
    type: 'TASK_ADDED' | 'TASK_UPDATED',
    task: Record<string, unknown>,
    frameworkName: string,
  ): void;
  publishAgentEvent(
    type: 'AGENT_ADDED' | 'AGENT_REMOVED' | 'AGENT_UNREACHABLE' | 'AGENT_REACHABLE',
    agent: Record<string, unknown>,
  ): void;
  publishFrameworkEvent(
    type: 'FRAMEWORK_ADDED' | 'FRAMEWORK_UPDATED' | 'FRAMEWORK_REMOVED',
    framework: Record<string, unknown>,
  ): void;
  dirty: {
    agent(id: string): void;
    framework(id: string): void;
    task(frameworkId: string, taskId: string): void;
    deleteTask(frameworkId: string, taskId: string): void;
    deleteFramework(id: string): void;
  };
  log(level: 'info' | 'warn' | 'error', msg: string): void;
}

/** The allocator's roles may not be `*`; the default role gets an internal name. */
const STAR = '.default';
const toAllocRole = (r: string) => (r === '*' ? STAR : r);
const toMesosRole = (r: string) => (r === STAR ? '*' : r);

const MAX_STATUSES = 20;
const MAX_SEEN_UUIDS = 20;
/** A launch the agent has not recorded yet when it re-registers is not dropped before this. */
const LAUNCH_GRACE_MS = 10_000;
/** CREATE_DISK formats a filesystem: give the agent time before the outcome is unknown. */
const STORAGE_OPERATION_TIMEOUT_MS = 120_000;

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** Mesos JSON renders the 16 uuid bytes as Base64; accept the dashed form from agents too. */
export function wireUuid(u: string): string {
  return UUID_RE.test(u) ? uuidToBase64(u) : u;
}
const newUuid = () => randomBytes(16).toString('base64');

export type OperatorListener = (event: Record<string, unknown>) => void;

/**
 * The master's brain: agents, frameworks, tasks, the allocator and the scheduler calls, all
 * in memory. Single-threaded by construction (Node's event loop); every change marks the
 * touched records dirty for the write-behind store.
 */
export class MasterCore {
  readonly agents = new Map<string, AgentRec>();
  readonly frameworks = new Map<string, FrameworkRec>();
  readonly allocator: DrfAllocator;
  readonly startTime: number;
  private readonly operatorListeners = new Set<OperatorListener>();
  private fwSeq = 0;
  private agentSeq = 0;
  private allocationQueued = false;
  private lastHeartbeat = 0;
  private lastRetry = 0;
  readonly counters: Record<string, number> = {
    status_updates: 0,
    offers_sent: 0,
    offers_declined: 0,
    offers_rescinded: 0,
    tasks_launched: 0,
    tasks_error: 0,
    valid_framework_calls: 0,
    invalid_framework_calls: 0,
  };
  readonly terminalCounters: Record<string, number> = {};

  constructor(
    readonly opts: MasterOptions,
    private readonly io: MasterPorts,
  ) {
    this.allocator = new DrfAllocator({ offerIdPrefix: `${opts.masterId}-O` });
    this.startTime = io.now() / 1000;
  }

  private now(): number {
    return this.io.now();
  }

  private secs(): number {
    return this.io.now() / 1000;
  }

  // ======================================================================= rendering

  renderContext(): RenderContext {
    return {
      masterId: this.opts.masterId,
      hostname: this.opts.hostname,
      ip: this.opts.ip,
      port: this.opts.port,
      version: this.opts.version,
      buildDate: '2026-11-22 00:00:00',
      buildTime: 1_795_305_600,
      buildUser: 'dcos-ts',
      startTime: this.startTime,
      electedTime: this.startTime,
      cluster: this.opts.cluster,
      flags: this.flags(),
      agents: [...this.agents.values()],
      frameworks: [...this.frameworks.values()],
      offers: this.offerViews(),
    };
  }

  flags(): Record<string, string> {
    const o = this.opts;
    return {
      agent_ping_timeout: `${o.agentPingTimeoutMs / 1000}secs`,
      max_agent_ping_timeouts: String(o.maxAgentPingTimeouts),
      allocation_interval: `${o.allocationIntervalMs / 1000}secs`,
      agent_reregister_timeout: `${o.agentReregisterTimeoutMs / 1000}secs`,
      max_completed_tasks_per_framework: String(o.maxCompletedTasksPerFramework),
      max_completed_frameworks: String(o.maxCompletedFrameworks),
      hostname: o.hostname,
      port: String(o.port),
      ...(o.cluster ? { cluster: o.cluster } : {}),
      allocator: 'HierarchicalDRF',
      authenticate_frameworks: 'false',
      authenticate_agents: 'false',
    };
  }

  offerViews(): OfferView[] {
    return this.allocator.getOffers().map((o) => this.offerView(o));
  }

  private offerView(o: AllocOffer): OfferView {
    return {
      id: o.id,
      frameworkId: o.frameworkId,
      agentId: o.agentId,
      role: toMesosRole(o.role),
      resources: o.resources,
    };
  }

  state(): Record<string, unknown> {
    return stateJson(this.renderContext());
  }

  /** `JSON.stringify(state())`, with the tasks' JSON texts cached between calls. */
  stateText(): string {
    return stateJsonText(this.renderContext());
  }

  addOperatorListener(l: OperatorListener): () => void {
    this.operatorListeners.add(l);
    return () => this.operatorListeners.delete(l);
  }

  /** Built only when an operator stream listens (v1Task/v1Agent renders are not free). */
  private operatorEvent(event: Record<string, unknown> | (() => Record<string, unknown>)): void {
    if (this.operatorListeners.size === 0) return;
    const e = typeof event === 'function' ? event() : event;
    for (const l of this.operatorListeners) {
      try {
        l(e);
      } catch {
        /* a broken operator stream must not break the master */
      }
    }
  }

  // ======================================================================= recovery

  /** Rebuild memory from the registry rows (master start). Agents wait for re-registration. */
  restore(
    agents: AgentRec[],
    frameworks: FrameworkRec[],
    tasks: TaskRec[],
  ): { agents: number; frameworks: number; tasks: number } {
    const now = this.now();
    for (const a of agents) {
      if (a.state === 'active') a.state = 'recovered';
      a.lastSeen = now;
      a.tasks = new Set();
      this.agents.set(a.id, a);
    }
    for (const f of frameworks) {
      if (f.state !== 'completed') {
        f.state = 'disconnected';
        f.recovered = true;
      }
      f.conn = undefined;
      f.failoverDeadline = undefined;
      this.frameworks.set(f.id, f);
    }
    for (const t of tasks) {
      const fw = this.frameworks.get(t.frameworkId);
      if (!fw) continue;
      fw.tasks.set(t.id, t);
      if (isTerminalTaskState(t.state) && !t.inferred) fw.completedOrder.push(t.id);
      if (t.pending.length > 0) fw.pendingTasks.add(t.id);
      this.agents.get(t.agentId)?.tasks.add(taskKey(t.frameworkId, t.id));
    }
    for (const fw of this.frameworks.values()) {
      fw.completedOrder.sort(
        (a, b) => (fw.tasks.get(a)?.launchedAt ?? 0) - (fw.tasks.get(b)?.launchedAt ?? 0),
      );
    }
    return { agents: agents.length, frameworks: frameworks.length, tasks: tasks.length };
  }

  // ======================================================================= agents

  /** An agent (re-)registers; its running tasks are reconciled with what the master knows. */
  registerAgent(reg: AgentRegister): AgentRegistered {
    const now = this.now();
    const id = reg.agent_id?.value ?? `${this.opts.masterId}-S${this.agentSeq++}`;
    let total: Resources;
    try {
      total = fromMesosResources(reg.agent_info.resources as unknown as MesosResource[]);
    } catch (e) {
      throw new CallError(400, `agent_info.resources: ${(e as Error).message}`);
    }
    const port = reg.agent_info.port ?? portOf(reg.http_url) ?? 5051;
    const existing = this.agents.get(id);
    // Dynamic reservations live in the master, not in the agent's report.
    total = applyReservations(total, existing?.reservations ?? []);
    const wasUnreachable = existing?.state === 'unreachable';
    const agent: AgentRec = existing ?? {
      id,
      hostname: reg.agent_info.hostname,
      port,
      info: reg.agent_info,
      httpUrl: reg.http_url,
      ip: reg.ip,
      version: reg.version,
      total,
      state: 'active',
      registeredTime: now / 1000,
      lastSeen: now,
      tasks: new Set(),
      pendingKills: [],
    };
    if (existing) agent.reregisteredTime = now / 1000;
    agent.hostname = reg.agent_info.hostname;
    agent.port = port;
    agent.info = { ...reg.agent_info, id: { value: id } };
    agent.httpUrl = reg.http_url;
    agent.ip = reg.ip;
    agent.version = reg.version;
    agent.total = total;
    agent.storageSeq = reg.resources_seq;
    agent.state = 'active';
    agent.unreachableTime = undefined;
    agent.lastSeen = now;
    this.agents.set(id, agent);

    const killTasks: AgentRegistered['kill_tasks'] = [...agent.pendingKills];
    agent.pendingKills = [];

    // Frameworks the agent knows but the master does not (registry lost): recovered.
    for (const info of reg.frameworks) {
      const fid = info.id?.value;
      if (fid && !this.frameworks.has(fid)) this.recoverFramework(fid, info);
    }

    // Reconcile the tasks the agent reports.
    const reported = new Set<string>();
    for (const rt of reg.tasks) {
      const fid = rt.framework_id.value;
      const tid = rt.task.task_id.value;
      reported.add(taskKey(fid, tid));
      let fw = this.frameworks.get(fid);
      if (fw?.state === 'completed') {
        killTasks.push({ framework_id: { value: fid }, task_id: { value: tid } });
        continue;
      }
      if (!fw) fw = this.recoverFramework(fid, { name: fid, user: '', id: { value: fid } });
      const known = fw.tasks.get(tid);
      if (
        !known ||
        (isTerminalTaskState(known.state) && !known.inferred && !isTerminalTaskState(rt.state))
      ) {
        // A task the master lost track of (e.g. launched just before a crash): adopt it.
        const task = this.newTask(fw, rt.task, id, safeResources(rt.task), '*', rt.state, now);
        if (rt.status) task.statuses.push(this.normalizeStatus(rt.status, agent, undefined));
        this.io.dirty.task(fid, tid);
        this.emitTaskAdded(fw, task);
        continue;
      }
      if (known.agentId !== id) known.agentId = id;
      agent.tasks.add(taskKey(fid, tid));
      if (known.state !== rt.state && judgeTransition(known, rt.state) === 'apply') {
        const status = this.masterStatus(
          known,
          rt.state,
          'REASON_AGENT_REREGISTERED',
          `Agent ${id} re-registered; the task is ${rt.state}`,
        );
        if (rt.status?.container_status) status.container_status = rt.status.container_status;
        this.recordStatus(fw, known, status, { reliable: true });
      }
    }
    // Tasks the master placed on this agent that it no longer knows.
    for (const key of [...agent.tasks]) {
      if (reported.has(key)) continue;
      const [fid, tid] = splitKey(key);
      const fw = this.frameworks.get(fid);
      const t = fw?.tasks.get(tid);
      if (!fw || !t) {
        agent.tasks.delete(key);
        continue;
      }
      if (isTerminalTaskState(t.state) && !t.inferred) continue;
      if (t.state === 'TASK_STAGING' && now - t.launchedAt < LAUNCH_GRACE_MS) continue;
      const pa = hasCapability(fw.info, 'PARTITION_AWARE');
      this.recordStatus(
        fw,
        t,
        this.masterStatus(
          t,
          stateForDroppedTask(pa),
          'REASON_AGENT_REREGISTERED',
          `Task is unknown to agent ${id} after it re-registered`,
        ),
        { reliable: true },
      );
    }

    // Allocator: (re)add with the resources its live tasks hold.
    if (this.allocator.hasAgent(id)) this.sendRescinds(this.allocator.removeAgent(id));
    this.allocator.addAgent({
      id,
      hostname: agent.hostname,
      resources: total,
      attributes: {},
      used: this.agentAllocations(agent),
    });
    this.io.dirty.agent(id);
    const ctx = this.renderContext();
    this.io.publishAgentEvent(
      existing ? (wasUnreachable ? 'AGENT_REACHABLE' : 'AGENT_ADDED') : 'AGENT_ADDED',
      agentJson(agent, ctx),
    );
    this.operatorEvent(() => ({
      type: 'AGENT_ADDED',
      agent_added: { agent: v1Agent(agent, ctx) },
    }));
    this.io.log(
      'info',
      `agent ${id} (${agent.hostname}) ${existing ? 're-registered' : 'registered'} with ${reg.tasks.length} task(s)`,
    );
    if (existing) this.syncPersistentVolumes(agent);
    else if (reg.agent_id)
      this.io.log(
        'warn',
        `agent ${id} is not in the registry; its persistent volumes are left as they are`,
      );
    this.requestAllocation();
    return {
      agent_id: { value: id },
      master_id: this.opts.masterId,
      heartbeat_interval_ms: this.opts.agentPingTimeoutMs,
      kill_tasks: killTasks,
    };
  }

  /**
   * Mesos' checkpointed resources on (re-)registration: the agent gets the full set of
   * persistent volumes the master holds for it and removes the directories of the others (a
   * DESTROY it missed while down or unreachable), except those a running task uses. Sent to
   * agents the master knows (a re-registration, also after a master restart): a new agent has
   * none, and one with an id the master lost must not have its volumes wiped by an empty record.
   */
  private syncPersistentVolumes(agent: AgentRec): void {
    const volumes = persistentVolumesOf(agent.reservations ?? []);
    this.io
      .agentRequest(agent.id, 'agentPersistentVolumesSync', { volumes })
      .catch((e: Error) =>
        this.io.log(
          'warn',
          `persistent volumes sync with ${agent.id} (${volumes.length} volume(s)): ${e.message}`,
        ),
      );
  }

  /** Heartbeat: `false` makes the agent re-register (unknown, unreachable or recovered). */
  heartbeat(agentId: string): boolean {
    const a = this.agents.get(agentId);
    if (!a || a.state !== 'active') return false;
    a.lastSeen = this.now();
    return true;
  }

  private agentAllocations(agent: AgentRec): Allocation[] {
    const byFwRole = new Map<string, Allocation>();
    for (const key of agent.tasks) {
      const [fid, tid] = splitKey(key);
      const t = this.frameworks.get(fid)?.tasks.get(tid);
      if (!t || !holdsResources(t.state)) continue;
      const role = toAllocRole(t.role);
      const k = `${fid}\u0000${role}`;
      const cur = byFwRole.get(k);
      if (cur) cur.resources = add(cur.resources, t.resources);
      else byFwRole.set(k, { frameworkId: fid, role, resources: t.resources });
    }
    return [...byFwRole.values()];
  }

  private markAgentUnreachable(agent: AgentRec, why: string): void {
    const now = this.now();
    agent.state = 'unreachable';
    agent.unreachableTime = now / 1000;
    this.sendRescinds(this.allocator.removeAgent(agent.id));
    for (const key of agent.tasks) {
      const [fid, tid] = splitKey(key);
      const fw = this.frameworks.get(fid);
      const t = fw?.tasks.get(tid);
      if (!fw || !t || isTerminalTaskState(t.state) || t.state === 'TASK_UNREACHABLE') continue;
      const pa = hasCapability(fw.info, 'PARTITION_AWARE');
      const status = this.masterStatus(
        t,
        stateForAgentLoss(pa),
        'REASON_AGENT_REMOVED',
        `Agent ${agent.id} is unreachable: ${why}`,
      );
      status.unreachable_time = { nanoseconds: Math.round(now * 1e6) };
      this.recordStatus(fw, t, status, { reliable: true, inferred: true });
    }
    this.io.dirty.agent(agent.id);
    this.io.publishAgentEvent('AGENT_UNREACHABLE', agentJson(agent, this.renderContext()));
    this.operatorEvent({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agent.id } } });
    this.io.log('warn', `agent ${agent.id} (${agent.hostname}) is unreachable: ${why}`);
    this.requestAllocation();
  }

  // ======================================================================= status updates

  /** A status update from an agent (JetStream). Returns false if it was a duplicate. */
  applyAgentUpdate(u: StatusUpdate): boolean {
    this.counters.status_updates++;
    const fw = this.frameworks.get(u.framework_id.value);
    const tid = u.status.task_id.value;
    const task = fw?.tasks.get(tid);
    if (!fw || !task) {
      this.io.log(
        'warn',
        `status update ${u.status.state} for unknown task ${tid} of framework ${u.framework_id.value}: dropped`,
      );
      return false;
    }
    if (task.seenUuids.includes(u.status.uuid)) return false;
    task.seenUuids.push(u.status.uuid);
    if (task.seenUuids.length > MAX_SEEN_UUIDS) task.seenUuids.shift();
    const verdict = judgeTransition(task, u.status.state);
    // A task is TASK_STAGING in the master from its launch on; the agent's staging update
    // only confirms it (a Mesos agent sends none) and is neither recorded nor forwarded.
    const confirmsStaging = u.status.state === 'TASK_STAGING' && verdict === 'repeat';
    if (verdict === 'ignore' || confirmsStaging) {
      this.io.dirty.task(fw.id, tid);
      return false;
    }
    const agent = this.agents.get(u.agent_id.value) ?? this.agents.get(task.agentId);
    const status = this.normalizeStatus(u.status, agent, wireUuid(u.status.uuid));
    this.recordStatus(fw, task, status, { reliable: true });
    return true;
  }

  private normalizeStatus(
    s: TaskStatus,
    agent: AgentRec | undefined,
    uuid: string | undefined,
  ): TaskStatus {
    const out: TaskStatus = {
      ...s,
      agent_id: s.agent_id ?? (agent ? { value: agent.id } : undefined),
      source: s.source ?? 'SOURCE_EXECUTOR',
      timestamp: s.timestamp ?? this.secs(),
    };
    if (uuid) out.uuid = uuid;
    else delete out.uuid;
    if (agent && !out.container_status?.network_infos?.length) {
      out.container_status = {
        ...(out.container_status ?? {}),
        network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: agent.ip }] }],
      };
    }
    return out;
  }

  /** A status the master itself generates (always with a uuid: it must be acknowledged). */
  private masterStatus(t: TaskRec, state: TaskState, reason: string, message: string): TaskStatus {
    const agent = this.agents.get(t.agentId);
    return this.normalizeStatus(
      {
        task_id: { value: t.id },
        state,
        source: 'SOURCE_MASTER',
        reason,
        message,
        agent_id: { value: t.agentId },
      },
      agent,
      newUuid(),
    );
  }

  private recordStatus(
    fw: FrameworkRec,
    t: TaskRec,
    status: TaskStatus,
    opts: { reliable: boolean; inferred?: boolean },
  ): void {
    const held = holdsResources(t.state);
    const prev = t.state;
    t.state = status.state;
    t.inferred = opts.inferred ?? false;
    t.statuses.push(status);
    if (t.statuses.length > MAX_STATUSES) t.statuses.splice(0, t.statuses.length - MAX_STATUSES);
    if (held && !holdsResources(t.state)) {
      this.allocator.recoverResources(fw.id, t.agentId, t.resources, toAllocRole(t.role));
      this.requestAllocation();
    }
    if (isTerminalTaskState(t.state) && !isTerminalTaskState(prev)) {
      this.terminalCounters[t.state] = (this.terminalCounters[t.state] ?? 0) + 1;
      if (!t.inferred) this.noteCompleted(fw, t.id);
    }
    this.io.dirty.task(fw.id, t.id);
    if (status.state === 'TASK_STAGING') {
      // Mesos sends schedulers no TASK_STAGING: their first update is TASK_STARTING or
      // TASK_RUNNING (only reconciliation answers with a staging task's state).
    } else if (opts.reliable && status.uuid && fw.state !== 'completed') {
      t.pending.push(status);
      fw.pendingTasks.add(t.id);
      if (t.pending.length === 1) this.sendHead(fw, t);
    } else if (fw.conn) {
      fw.conn.send({ type: 'UPDATE', update: { status } });
    }
    this.io.publishTaskEvent('TASK_UPDATED', taskJson(t), fw.info.name);
    this.operatorEvent({
      type: 'TASK_UPDATED',
      task_updated: { framework_id: { value: fw.id }, status, state: t.state },
    });
  }

  private noteCompleted(fw: FrameworkRec, taskId: string): void {
    fw.completedOrder.push(taskId);
    while (fw.completedOrder.length > this.opts.maxCompletedTasksPerFramework) {
      const old = fw.completedOrder.shift() as string;
      const t = fw.tasks.get(old);
      // The id may have been reused by a live task since.
      if (!t || !isTerminalTaskState(t.state) || t.pending.length > 0) continue;
      fw.tasks.delete(old);
      fw.pendingTasks.delete(old);
      this.agents.get(t.agentId)?.tasks.delete(taskKey(fw.id, old));
      this.io.dirty.deleteTask(fw.id, old);
    }
  }

  private sendHead(fw: FrameworkRec, t: TaskRec): void {
    const head = t.pending[0];
    if (!head || !fw.conn) return;
    t.lastSentAt = this.now();
    fw.conn.send({ type: 'UPDATE', update: { status: head } });
  }

  // ======================================================================= frameworks

  private recoverFramework(id: string, info: FrameworkInfo): FrameworkRec {
    const fw = this.newFramework(id, info);
    fw.state = 'disconnected';
    fw.recovered = true;
    this.frameworks.set(id, fw);
    this.io.dirty.framework(id);
    return fw;
  }

  private newFramework(id: string, info: FrameworkInfo): FrameworkRec {
    return {
      id,
      info: { ...info, id: { value: id } },
      roles: frameworkRoles(info),
      state: 'disconnected',
      recovered: false,
      registeredTime: this.secs(),
      lastKeepalive: this.now(),
      tasks: new Map(),
      completedOrder: [],
      pendingTasks: new Set(),
      orphanPending: [],
      orphanLastSentAt: 0,
    };
  }

  /**
   * SUBSCRIBE (first or re-subscription/failover). Sends SUBSCRIBED on the connection,
   * then every unacknowledged update; returns the framework id.
   */
  subscribe(
    info: FrameworkInfo,
    conn: FrameworkConnection,
    suppressedRoles: string[] = [],
  ): { frameworkId: string; subscribed: Record<string, unknown> } {
    const roles = frameworkRoles(info);
    for (const r of roles) {
      if (r !== '*' && (!/^[^\s/*.][^\s,;()]*$/.test(r) || r.includes('..'))) {
        throw new CallError(400, `framework_info.roles: invalid role "${r}"`);
      }
    }
    if (hasCapability(info, 'MULTI_ROLE') && info.role && info.roles?.length) {
      throw new CallError(
        400,
        'framework_info: "role" and "roles" are mutually exclusive with MULTI_ROLE',
      );
    }
    const requested = info.id?.value;
    let fw = requested ? this.frameworks.get(requested) : undefined;
    if (fw?.state === 'completed') {
      throw new CallError(403, `Framework ${requested} has been removed (torn down)`);
    }
    const now = this.now();
    let added = false;
    if (!fw) {
      const id = requested ?? `${this.opts.masterId}-${String(this.fwSeq++).padStart(4, '0')}`;
      fw = this.newFramework(id, info);
      this.frameworks.set(id, fw);
      added = true;
    } else {
      if (fw.conn && fw.conn !== conn) {
        // Over NATS every stream of a framework shares one subject: an ERROR for the old
        // stream would reach the new subscriber too. Its calls are refused (stream id) instead.
        if (!(fw.conn.kind === 'nats' && conn.kind === 'nats')) {
          fw.conn.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
        }
        fw.conn.close();
      }
      fw.info = { ...info, id: { value: fw.id } };
      fw.roles = roles;
      fw.reregisteredTime = now / 1000;
    }
    fw.conn = conn;
    fw.state = 'connected';
    fw.recovered = false;
    fw.failoverDeadline = undefined;
    fw.lastKeepalive = now;
    fw.unregisteredTime = undefined;
    try {
      this.sendRescinds(
        this.allocator.addFramework({
          id: fw.id,
          roles: roles.map(toAllocRole),
          suppressedRoles: suppressedRoles.map(toAllocRole),
          capabilities: (info.capabilities ?? []).map((c) => c.type),
          active: true,
        }),
      );
    } catch (e) {
      if (e instanceof AllocatorError) throw new CallError(400, e.message);
      throw e;
    }
    this.io.dirty.framework(fw.id);
    const subscribed = {
      framework_id: { value: fw.id },
      heartbeat_interval_seconds: this.opts.heartbeatSeconds,
      master_info: this.masterInfo(),
    };
    conn.send({ type: 'SUBSCRIBED', subscribed });
    for (const s of fw.orphanPending) conn.send({ type: 'UPDATE', update: { status: s } });
    fw.orphanLastSentAt = now;
    for (const tid of fw.pendingTasks) {
      const t = fw.tasks.get(tid);
      if (t) this.sendHead(fw, t);
    }
    const ctx = this.renderContext();
    this.io.publishFrameworkEvent(
      added ? 'FRAMEWORK_ADDED' : 'FRAMEWORK_UPDATED',
      frameworkEventJson(fw, ctx),
    );
    this.operatorEvent(() =>
      added
        ? { type: 'FRAMEWORK_ADDED', framework_added: { framework: v1Framework(fw, ctx) } }
        : { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: v1Framework(fw, ctx) } },
    );
    this.io.log(
      'info',
      `framework ${fw.id} (${info.name}) ${added ? 'subscribed' : 're-subscribed'} over ${conn.kind}`,
    );
    this.requestAllocation();
    return { frameworkId: fw.id, subscribed };
  }

  masterInfo(): Record<string, unknown> {
    return {
      id: this.opts.masterId,
      ip: ipNum(this.opts.ip),
      port: this.opts.port,
      pid: `master@${this.opts.ip}:${this.opts.port}`,
      hostname: this.opts.hostname,
      version: this.opts.version,
      address: { hostname: this.opts.hostname, ip: this.opts.ip, port: this.opts.port },
    };
  }

  /** The subscription stream of a framework closed (HTTP connection gone, keepalives stopped). */
  disconnect(frameworkId: string, conn: FrameworkConnection, why: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw || fw.conn !== conn || fw.state !== 'connected') return;
    fw.conn = undefined;
    fw.state = 'disconnected';
    fw.unregisteredTime = this.secs();
    if (this.allocator.hasFramework(fw.id)) this.allocator.deactivateFramework(fw.id);
    fw.failoverDeadline = this.now() + (fw.info.failover_timeout ?? 0) * 1000;
    this.io.dirty.framework(fw.id);
    this.io.publishFrameworkEvent(
      'FRAMEWORK_UPDATED',
      frameworkEventJson(fw, this.renderContext()),
    );
    this.io.log(
      'info',
      `framework ${fw.id} disconnected (${why}); failover timeout ${fw.info.failover_timeout ?? 0}s`,
    );
    if ((fw.info.failover_timeout ?? 0) <= 0) this.teardown(fw, 'failover timeout 0 elapsed');
  }

  /** Keepalive of a NATS framework; false when the stream is not current (re-subscribe). */
  keepalive(frameworkId: string, streamId: string): boolean {
    const fw = this.frameworks.get(frameworkId);
    if (!fw || !fw.conn || fw.conn.streamId !== streamId) return false;
    fw.lastKeepalive = this.now();
    return true;
  }

  /** Validates that a non-SUBSCRIBE call comes from the subscribed stream of its framework. */
  authorizeCall(call: SchedulerCall, streamId: string | undefined): FrameworkRec {
    const fid = call.framework_id?.value;
    if (!fid) throw new CallError(400, 'framework_id: required on every call except SUBSCRIBE');
    const fw = this.frameworks.get(fid);
    if (!fw || fw.state === 'completed') {
      throw new CallError(403, `Framework ${fid} is not subscribed`);
    }
    if (!streamId)
      throw new CallError(400, 'Mesos-Stream-Id: header required on every call except SUBSCRIBE');
    if (!fw.conn || fw.state !== 'connected')
      throw new CallError(403, `Framework ${fid} is not subscribed`);
    if (fw.conn.streamId !== streamId) {
      throw new CallError(
        400,
        `Mesos-Stream-Id ${streamId} is not the current stream of framework ${fid}`,
      );
    }
    return fw;
  }

  /** Every call but SUBSCRIBE. Throws CallError (nothing applied) on bad input. */
  handleCall(call: SchedulerCall, streamId: string | undefined): void {
    if (call.type === 'SUBSCRIBE')
      throw new CallError(400, 'SUBSCRIBE opens a stream; it is not handled here');
    const fw = this.authorizeCall(call, streamId);
    switch (call.type) {
      case 'TEARDOWN':
        this.teardown(fw, 'TEARDOWN call');
        return;
      case 'ACCEPT':
        if (!call.accept) throw new CallError(400, 'accept: required for ACCEPT');
        this.accept(fw, call.accept);
        return;
      case 'DECLINE':
        if (!call.decline) throw new CallError(400, 'decline: required for DECLINE');
        for (const o of call.decline.offer_ids) {
          const offer = this.allocator.getOffer(o.value);
          if (!offer || offer.frameworkId !== fw.id) continue;
          this.allocator.decline(o.value, this.now(), call.decline.filters?.refuse_seconds);
          this.counters.offers_declined++;
        }
        this.requestAllocation();
        return;
      case 'REVIVE':
        this.allocator.revive(fw.id, call.revive?.roles?.map(toAllocRole));
        this.requestAllocation();
        return;
      case 'SUPPRESS':
        this.allocator.suppress(fw.id, call.suppress?.roles?.map(toAllocRole));
        return;
      case 'KILL':
        if (!call.kill) throw new CallError(400, 'kill: required for KILL');
        this.kill(
          fw,
          call.kill.task_id.value,
          call.kill.agent_id?.value,
          gracePeriodNs(call.kill.kill_policy),
        );
        return;
      case 'ACKNOWLEDGE':
        if (!call.acknowledge) throw new CallError(400, 'acknowledge: required for ACKNOWLEDGE');
        this.acknowledge(fw, call.acknowledge.task_id.value, call.acknowledge.uuid);
        return;
      case 'RECONCILE':
        if (!call.reconcile) throw new CallError(400, 'reconcile: required for RECONCILE');
        this.reconcile(fw, call.reconcile.tasks);
        return;
      case 'ACKNOWLEDGE_OPERATION_STATUS':
        this.acknowledgeOperation(fw, call);
        return;
      case 'ACCEPT_INVERSE_OFFERS':
      case 'DECLINE_INVERSE_OFFERS':
      case 'RECONCILE_OPERATIONS':
      case 'MESSAGE':
      case 'REQUEST':
      case 'SHUTDOWN':
        // Accepted and ignored: no inverse offers, operations with feedback or executors here.
        return;
      case 'UPDATE_FRAMEWORK':
        throw new CallError(
          400,
          'UPDATE_FRAMEWORK is not supported; re-SUBSCRIBE with the new FrameworkInfo',
        );
      default:
        throw new CallError(400, `type: unknown call type "${String(call.type)}"`);
    }
  }

  private accept(fw: FrameworkRec, accept: NonNullable<SchedulerCall['accept']>): void {
    const now = this.now();
    const storageOps: StorageOperation[] = [];
    const reservationOps: ReservationOperation[] = [];
    const groups: TaskGroupLaunch[] = [];
    for (const [i, op] of accept.operations.entries()) {
      if (op.type === 'LAUNCH_GROUP') {
        try {
          groups.push(parseLaunchGroup(op.launch_group, i));
        } catch (e) {
          if (e instanceof LaunchGroupError) throw new CallError(400, e.message);
          throw e;
        }
        continue;
      }
      if (isReservationOperation(op.type)) {
        try {
          reservationOps.push(parseReservationOperation(op, i));
        } catch (e) {
          if (e instanceof ReservationOperationError) throw new CallError(400, e.message);
          throw e;
        }
        continue;
      }
      if (isStorageOperation(op.type)) {
        try {
          storageOps.push(parseStorageOperation(op, i));
        } catch (e) {
          if (e instanceof StorageOperationError) throw new CallError(400, e.message);
          throw e;
        }
        continue;
      }
      if (op.type !== 'LAUNCH') {
        throw new CallError(
          400,
          `accept.operations: operation type ${op.type} is not supported (only LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE, CREATE, DESTROY, CREATE_DISK, DESTROY_DISK)`,
        );
      }
      if (!op.launch) throw new CallError(400, 'accept.operations: LAUNCH needs "launch"');
    }
    const taskInfos = [
      ...accept.operations.flatMap((op) => op.launch?.task_infos ?? []),
      ...groups.flatMap((g) => g.tasks),
    ];
    const ids = [...new Set(accept.offer_ids.map((o) => o.value))];
    const problems: string[] = [];
    const offers: AllocOffer[] = [];
    for (const id of ids) {
      const o = this.allocator.getOffer(id);
      if (!o) problems.push(`Offer ${id} is no longer valid`);
      else if (o.frameworkId !== fw.id) problems.push(`Offer ${id} is not for framework ${fw.id}`);
      else offers.push(o);
    }
    if (ids.length === 0) problems.push('No offer ids given');
    if (offers.length > 1 && offers.some((o) => o.agentId !== offers[0].agentId)) {
      problems.push('Offers of one ACCEPT must all be for the same agent');
    }
    const agent = offers[0] ? this.agents.get(offers[0].agentId) : undefined;
    if (offers.length > 0 && (!agent || agent.state !== 'active'))
      problems.push('The agent of the offers is gone');
    if (problems.length > 0) {
      // Mesos: the valid offers return to the pool; every task is dropped with REASON_INVALID_OFFERS.
      for (const o of offers) this.allocator.rescind(o.id);
      const pa = hasCapability(fw.info, 'PARTITION_AWARE');
      for (const ti of taskInfos) {
        this.orphanUpdate(
          fw,
          ti,
          pa ? 'TASK_DROPPED' : 'TASK_LOST',
          'REASON_INVALID_OFFERS',
          problems.join('; '),
        );
      }
      for (const so of storageOps)
        this.operationUpdate(fw, agent?.id, so, 'OPERATION_DROPPED', problems.join('; '));
      this.requestAllocation();
      return;
    }
    let offered: Resources = EMPTY;
    for (const o of offers) offered = add(offered, o.resources);
    const role = offers[0].role;
    // RESERVE / UNRESERVE first, in order: each turns offered resources into the other form.
    // `fromOffer` is what they take from the offers as offered; `made` what they create.
    let reservationsFromOffer: Resources = EMPTY;
    let made: Resources = EMPTY;
    const reservationsApplied: ReservationOperation[] = [];
    for (const ro of reservationOps) {
      if (ro.type === 'RESERVE' && ro.role !== toMesosRole(role)) {
        throw new CallError(
          400,
          `RESERVE: role "${ro.role}" is not the offer's role "${toMesosRole(role)}"`,
        );
      }
      // RESERVE / CREATE make `reserved` (a reservation, a volume) of `unreserved`; UNRESERVE /
      // DESTROY the other way round.
      const [from, to] =
        ro.type === 'RESERVE' || ro.type === 'CREATE'
          ? [ro.unreserved, ro.reserved]
          : [ro.reserved, ro.unreserved];
      if (!contains(offered, from)) {
        throw new CallError(
          409,
          `${ro.type}: ${formatResources(from)} is not in the offers (left: ${formatResources(offered)})`,
        );
      }
      offered = add(subtract(offered, from), to);
      const fromMade = intersect(made, from);
      made = add(subtract(made, fromMade), to);
      reservationsFromOffer = add(reservationsFromOffer, subtract(from, fromMade));
      reservationsApplied.push(ro);
    }
    // Storage operations first, in order: each consumes its source disk from the offers.
    const storageApplied: StorageOperation[] = [];
    let storageUsed: Resources = EMPTY;
    for (const so of storageOps) {
      if (!contains(offered, so.source)) {
        this.operationUpdate(
          fw,
          offers[0].agentId,
          so,
          'OPERATION_ERROR',
          `${so.type} source ${formatResources(so.source)} is not in the offers (left: ${formatResources(offered)})`,
        );
        continue;
      }
      offered = subtract(offered, so.source);
      storageUsed = add(storageUsed, so.source);
      storageApplied.push(so);
    }
    const verdict = validateLaunch({
      offerAgentId: offers[0].agentId,
      offered,
      isTaskIdInUse: (tid) => {
        const t = fw.tasks.get(tid);
        return t !== undefined && (!isTerminalTaskState(t.state) || t.inferred);
      },
      tasks: accept.operations.flatMap((op) => op.launch?.task_infos ?? []),
      groups,
      frameworkId: fw.id,
      runningExecutor: (executorId) => {
        for (const t of fw.tasks.values()) {
          const e = t.info.executor as ExecutorInfo | undefined;
          if (
            e?.executor_id?.value === executorId &&
            t.agentId === offers[0].agentId &&
            !isTerminalTaskState(t.state)
          )
            return e;
        }
        return undefined;
      },
    });
    // What the allocator sees taken from the offers: launches and storage on resources the
    // offers had, plus the sources of the reservation operations.
    const usedMade = intersect(add(verdict.used, storageUsed), made);
    try {
      this.allocator.accept(
        ids,
        add(subtract(add(verdict.used, storageUsed), usedMade), reservationsFromOffer),
        now,
        accept.filters?.refuse_seconds,
      );
    } catch (e) {
      if (e instanceof AllocatorError) throw new CallError(409, e.message);
      throw e;
    }
    if (reservationsApplied.length > 0)
      this.applyReservationOperations(
        fw,
        offers[0].agentId,
        reservationsApplied,
        reservationsFromOffer,
        usedMade,
        role,
      );
    for (const r of verdict.rejected) {
      this.counters.tasks_error++;
      this.orphanUpdate(fw, r.task, 'TASK_ERROR', r.reason, r.message);
    }
    const launched: TaskRec[] = [];
    for (const a of verdict.accepted) {
      const t = this.newTask(
        fw,
        a.task,
        offers[0].agentId,
        a.resources,
        toMesosRole(role),
        'TASK_STAGING',
        now,
      );
      this.counters.tasks_launched++;
      this.io.dirty.task(fw.id, t.id);
      this.emitTaskAdded(fw, t);
      launched.push(t);
    }
    if (launched.length > 0) this.launchOnAgent(fw, launched, verdict.groups);
    for (const so of storageApplied) this.applyStorageOperation(fw, offers[0].agentId, so, role);
    this.requestAllocation();
  }

  // ======================================================================= reservations

  /**
   * Books RESERVE / UNRESERVE: the agent's reservations change (persisted with the agent),
   * its total is rebuilt, and what the same ACCEPT launched on the new form stays allocated.
   */
  private applyReservationOperations(
    fw: FrameworkRec,
    agentId: string,
    ops: ReservationOperation[],
    fromOffer: Resources,
    usedMade: Resources,
    role: string,
  ): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    let reservations = agent.reservations ?? [];
    for (const ro of ops) reservations = updateReservations(reservations, ro);
    agent.reservations = reservations;
    this.allocator.recoverResources(fw.id, agentId, fromOffer, role);
    agent.total = applyReservations(
      fromMesosResources(agent.info.resources as unknown as MesosResource[]),
      reservations,
    );
    this.sendRescinds(this.allocator.updateAgent(agentId, agent.total));
    if (!isEmpty(usedMade)) this.allocator.recordUsage(fw.id, agentId, role, usedMade);
    this.io.dirty.agent(agentId);
    for (const ro of ops)
      this.io.log(
        'info',
        `${ro.type} ${formatResources(ro.reserved)} on ${agentId} by framework ${fw.id}`,
      );
    // Persistent volumes on the agent's plain disk: the agent makes / removes their directories
    // (made on first use too, so a lost request only delays a removal).
    const create = ops.filter((o) => o.type === 'CREATE').flatMap(rootVolumes);
    const destroy = ops.filter((o) => o.type === 'DESTROY').flatMap(rootVolumes);
    if (create.length + destroy.length > 0)
      this.io
        .agentRequest(agentId, 'agentPersistentVolumes', { create, destroy })
        .catch((e: Error) =>
          this.io.log(
            'warn',
            `persistent volumes on ${agentId} (create ${create.length}, destroy ${destroy.length}): ${e.message}`,
          ),
        );
  }

  // ======================================================================= storage

  /**
   * The agent's storage disks changed (AgentResourcesUpdate): they replace the ones in its
   * total, outstanding offers of the agent are rescinded. False when the agent is not known.
   */
  updateAgentResources(u: AgentResourcesUpdate): boolean {
    const agent = this.agents.get(u.agent_id.value);
    if (!agent || agent.state !== 'active') return false;
    if (u.seq <= (agent.storageSeq ?? -1)) return true; // an older update overtaken by a newer one
    this.setStorageResources(agent, u.resources, u.seq);
    return true;
  }

  private setStorageResources(agent: AgentRec, resources: Resource[], seq: number): void {
    let storage: Resources;
    try {
      storage = fromMesosResources(resources as unknown as MesosResource[]);
    } catch (e) {
      throw new CallError(400, `resources: ${(e as Error).message}`);
    }
    if (storage.some((r) => r.disk?.providerId === undefined))
      throw new CallError(400, 'resources: only disks of a resource provider (provider_id)');
    agent.storageSeq = seq;
    agent.info = {
      ...agent.info,
      resources: [...agent.info.resources.filter((r) => !r.provider_id), ...resources],
    };
    agent.total = applyReservations(
      fromMesosResources(agent.info.resources as unknown as MesosResource[]),
      agent.reservations ?? [],
    );
    if (this.allocator.hasAgent(agent.id))
      this.sendRescinds(this.allocator.updateAgent(agent.id, agent.total));
    this.io.dirty.agent(agent.id);
    this.io.log(
      'info',
      `agent ${agent.id} storage now ${formatResources(storage) || 'none'} (seq ${seq})`,
    );
    this.requestAllocation();
  }

  /** Forwards a CREATE_DISK / DESTROY_DISK to the agent; its outcome goes to the framework. */
  private applyStorageOperation(
    fw: FrameworkRec,
    agentId: string,
    so: StorageOperation,
    allocRole: string,
  ): void {
    const payload = {
      framework_id: { value: fw.id },
      operation_id: { value: so.id },
      operation: so.operation,
    };
    // The source stays allocated to the framework until the outcome is known.
    const release = () => {
      this.allocator.recoverResources(fw.id, agentId, so.source, allocRole);
      const agent = this.agents.get(agentId);
      if (agent && this.allocator.hasAgent(agentId))
        this.sendRescinds(this.allocator.updateAgent(agentId, agent.total));
    };
    this.io
      .agentRequest(agentId, 'agentApplyOperation', payload, STORAGE_OPERATION_TIMEOUT_MS)
      .then(
        (raw) => {
          const r = AgentOperationResultContract.parse(raw);
          this.allocator.recoverResources(fw.id, agentId, so.source, allocRole);
          const agent = this.agents.get(agentId);
          if (agent && agent.state === 'active' && r.seq > (agent.storageSeq ?? -1))
            this.setStorageResources(agent, r.storage_resources, r.seq);
          else release();
          const role = toMesosRole(allocRole);
          this.operationUpdate(fw, agentId, so, 'OPERATION_FINISHED', undefined, {
            converted_resources: r.resources.map((x) => ({ ...x, allocation_info: { role } })),
          });
          this.io.log('info', `${so.type} ${so.id} of framework ${fw.id} on ${agentId} finished`);
          this.requestAllocation();
        },
        (e: Error & { code?: string }) => {
          release();
          const timeout = e.code === 'TIMEOUT' || /timeout/i.test(e.message);
          const gone = e.code === '503' || /no responders/i.test(e.message);
          this.operationUpdate(
            fw,
            agentId,
            so,
            timeout ? 'OPERATION_UNREACHABLE' : gone ? 'OPERATION_DROPPED' : 'OPERATION_FAILED',
            e.message,
          );
          this.io.log('warn', `${so.type} ${so.id} on ${agentId} failed: ${e.message}`);
          this.requestAllocation();
        },
      )
      .catch((e: Error) => this.io.log('error', `storage operation ${so.id}: ${e.message}`));
  }

  /**
   * UPDATE_OPERATION_STATUS to the framework. With an agent it carries a uuid and is re-sent
   * until ACKNOWLEDGE_OPERATION_STATUS (as task updates are).
   */
  private operationUpdate(
    fw: FrameworkRec,
    agentId: string | undefined,
    so: StorageOperation,
    state: OperationStatus['state'],
    message?: string,
    extra: Partial<OperationStatus> = {},
  ): void {
    const live = this.frameworks.get(fw.id);
    if (!live || live.state === 'completed') return;
    const status = {
      operation_id: { value: so.id },
      state,
      ...(message ? { message } : {}),
      ...(agentId ? { agent_id: { value: agentId } } : {}),
      resource_provider_id: { value: so.providerId },
      ...extra,
    } as OperationStatus;
    if (agentId) {
      status.uuid = { value: newUuid() };
      (live.operationPending ??= []).push(status);
    }
    live.operationLastSentAt = this.now();
    live.conn?.send({ type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status } });
  }

  private acknowledgeOperation(fw: FrameworkRec, call: SchedulerCall): void {
    const ack = (call as { acknowledge_operation_status?: { uuid?: unknown } })
      .acknowledge_operation_status;
    if (!ack) throw new CallError(400, 'acknowledge_operation_status: required');
    // Mesos sends the uuid bytes as Base64; accept the `{value}` form of the status too.
    const u = ack.uuid;
    const uuid = typeof u === 'string' ? u : (u as { value?: unknown } | undefined)?.value;
    if (typeof uuid !== 'string' || uuid === '')
      throw new CallError(400, 'acknowledge_operation_status.uuid: required');
    const list = fw.operationPending ?? [];
    const i = list.findIndex((s) => s.uuid?.value === uuid);
    if (i >= 0) list.splice(i, 1);
  }

  private newTask(
    fw: FrameworkRec,
    info: TaskInfo,
    agentId: string,
    resources: Resources,
    role: string,
    state: TaskState,
    now: number,
  ): TaskRec {
    const t: TaskRec = {
      frameworkId: fw.id,
      id: info.task_id.value,
      agentId,
      info,
      state,
      resources,
      role,
      statuses: [],
      pending: [],
      lastSentAt: 0,
      inferred: false,
      launchedAt: now,
      seenUuids: [],
    };
    fw.tasks.set(t.id, t);
    this.agents.get(agentId)?.tasks.add(taskKey(fw.id, t.id));
    return t;
  }

  private emitTaskAdded(fw: FrameworkRec, t: TaskRec): void {
    this.io.publishTaskEvent('TASK_ADDED', taskJson(t), fw.info.name);
    this.operatorEvent(() => ({ type: 'TASK_ADDED', task_added: { task: v1Task(t) } }));
  }

  /**
   * One `agentLaunch` request per ACCEPT (all its tasks go to one agent): with 10 tasks per
   * offer that is a tenth of the requests, replies and timers of one request per task.
   */
  private launchOnAgent(fw: FrameworkRec, tasks: TaskRec[], groups: string[][] = []): void {
    const [first, ...more] = tasks;
    const payload = {
      framework_id: { value: fw.id },
      framework: fw.info,
      task: first.info,
      ...(more.length > 0 ? { tasks: more.map((t) => t.info) } : {}),
      // Task groups run under the default executor, which kills a group together.
      ...(groups.length > 0 ? { task_groups: groups } : {}),
    };
    this.io.agentRequest(first.agentId, 'agentLaunch', payload).then(
      (reply) => {
        const refused = (reply as RunTaskReply | undefined)?.refused ?? [];
        for (const r of refused) {
          const t = tasks.find((x) => x.id === r.task_id.value);
          if (t) this.launchFailed(fw, t, Object.assign(new Error(r.message), { code: r.code }));
        }
      },
      (e: Error & { code?: string }) => {
        for (const t of tasks) this.launchFailed(fw, t, e);
      },
    );
  }

  private launchFailed(fw: FrameworkRec, t: TaskRec, e: Error & { code?: string }): void {
    // Still staging: the agent never took it. A timeout may hide a launch, so only a
    // definite answer (no agent listening, or a refusal) fails the task here.
    if (t.state !== 'TASK_STAGING' || fw.tasks.get(t.id) !== t) return;
    if (e.code === 'TIMEOUT' || /timeout/i.test(e.message)) {
      this.io.log(
        'warn',
        `launch of ${t.id} on ${t.agentId} timed out; waiting for the agent's updates`,
      );
      return;
    }
    const noAgent = e.code === '503' || /no responders/i.test(e.message);
    const pa = hasCapability(fw.info, 'PARTITION_AWARE');
    this.recordStatus(
      fw,
      t,
      this.masterStatus(
        t,
        noAgent ? stateForDroppedTask(pa) : 'TASK_FAILED',
        noAgent ? 'REASON_AGENT_DISCONNECTED' : 'REASON_CONTAINER_LAUNCH_FAILED',
        noAgent
          ? `Agent ${t.agentId} is not reachable: ${e.message}`
          : `Agent refused the launch: ${e.message}`,
      ),
      { reliable: true },
    );
  }

  /** A reliable update about a launch that never became a task (invalid task or offers). */
  private orphanUpdate(
    fw: FrameworkRec,
    ti: TaskInfo,
    state: TaskState,
    reason: string,
    message: string,
  ): void {
    const status: TaskStatus = {
      task_id: ti.task_id,
      state,
      source: 'SOURCE_MASTER',
      reason,
      message,
      agent_id: ti.agent_id,
      timestamp: this.secs(),
      uuid: newUuid(),
    };
    fw.orphanPending.push(status);
    this.io.dirty.framework(fw.id);
    fw.conn?.send({ type: 'UPDATE', update: { status } });
  }

  private acknowledge(fw: FrameworkRec, taskId: string, uuid: string): void {
    if (!/^[A-Za-z0-9+/=_-]+$/.test(uuid))
      throw new CallError(400, 'acknowledge.uuid: must be Base64');
    const t = fw.tasks.get(taskId);
    if (t) {
      const i = t.pending.findIndex((s) => s.uuid === uuid);
      if (i >= 0) {
        t.pending.splice(i, 1);
        if (t.pending.length === 0) fw.pendingTasks.delete(t.id);
        else if (i === 0) this.sendHead(fw, t);
        this.io.dirty.task(fw.id, t.id);
        return;
      }
    }
    const j = fw.orphanPending.findIndex((s) => s.uuid === uuid);
    if (j >= 0) {
      fw.orphanPending.splice(j, 1);
      this.io.dirty.framework(fw.id);
    }
    // Unknown uuids are acknowledged twice or too late: harmless, as in Mesos.
  }

  private reconcile(
    fw: FrameworkRec,
    tasks: { task_id: { value: string }; agent_id?: { value: string } }[],
  ): void {
    const pa = hasCapability(fw.info, 'PARTITION_AWARE');
    const send = (status: TaskStatus) => fw.conn?.send({ type: 'UPDATE', update: { status } });
    const latest = (t: TaskRec): TaskStatus => {
      const last = t.statuses[t.statuses.length - 1];
      const s: TaskStatus = {
        ...(last ?? {}),
        task_id: { value: t.id },
        state: t.state,
        agent_id: { value: t.agentId },
        source: 'SOURCE_MASTER',
        reason: 'REASON_RECONCILIATION',
        message: 'Reconciliation: Latest task state',
        timestamp: last?.timestamp ?? t.launchedAt / 1000,
      };
      delete s.uuid;
      return s;
    };
    if (tasks.length === 0) {
      for (const t of fw.tasks.values()) {
        if (!isTerminalTaskState(t.state) || t.inferred) send(latest(t));
      }
      return;
    }
    for (const r of tasks) {
      const t = fw.tasks.get(r.task_id.value);
      if (t) {
        send(latest(t));
        continue;
      }
      send({
        task_id: r.task_id,
        state: stateForUnknownTask(pa),
        source: 'SOURCE_MASTER',
        reason: 'REASON_RECONCILIATION',
        message: 'Reconciliation: Task is unknown',
        ...(r.agent_id ? { agent_id: r.agent_id } : {}),
        timestamp: this.secs(),
      });
    }
  }

  /** KILL: forward to the agent, remember it if the agent is away, answer for unknown tasks. */
  kill(fw: FrameworkRec, taskId: string, agentId: string | undefined, graceNs?: number): void {
    const t = fw.tasks.get(taskId);
    if (!t || (isTerminalTaskState(t.state) && !t.inferred)) {
      if (t) return; // already terminal: nothing to kill
      const pa = hasCapability(fw.info, 'PARTITION_AWARE');
      fw.conn?.send({
        type: 'UPDATE',
        update: {
          status: {
            task_id: { value: taskId },
            state: stateForUnknownTask(pa),
            source: 'SOURCE_MASTER',
            reason: 'REASON_RECONCILIATION',
            message: 'Attempted to kill an unknown task',
            ...(agentId ? { agent_id: { value: agentId } } : {}),
            timestamp: this.secs(),
          },
        },
      });
      return;
    }
    const agent = this.agents.get(t.agentId);
    const payload = {
      framework_id: { value: fw.id },
      task_id: { value: t.id },
      ...(graceNs !== undefined ? { grace_period_ns: graceNs } : {}),
    };
    if (!agent || agent.state !== 'active') {
      agent?.pendingKills.push({ framework_id: { value: fw.id }, task_id: { value: t.id } });
      if (agent) this.io.dirty.agent(agent.id);
      return;
    }
    this.io.agentRequest(agent.id, 'agentKill', payload).catch((e: Error) => {
      this.io.log('warn', `kill of ${t.id} on ${agent.id} failed: ${e.message}`);
      if (t.state === 'TASK_STAGING' && fw.tasks.get(t.id) === t) {
        this.recordStatus(
          fw,
          t,
          this.masterStatus(
            t,
            'TASK_KILLED',
            'REASON_TASK_KILLED_DURING_LAUNCH',
            `Killed before the agent ran it: ${e.message}`,
          ),
          { reliable: true },
        );
      }
    });
  }

  /** Operator extension KILL_TASK: find the task (in any framework unless one is given). */
  killTaskByOperator(taskId: string, frameworkId?: string): boolean {
    for (const fw of this.frameworks.values()) {
      if (frameworkId && fw.id !== frameworkId) continue;
      if (fw.state === 'completed') continue;
      const t = fw.tasks.get(taskId);
      if (t && (!isTerminalTaskState(t.state) || t.inferred)) {
        this.kill(fw, taskId, t.agentId);
        return true;
      }
    }
    return false;
  }

  /** TEARDOWN or failover timeout: kill every task, rescind offers, keep it as completed. */
  teardown(fw: FrameworkRec, why: string): void {
    if (fw.state === 'completed') return;
    const byAgent = new Set<string>();
    for (const t of fw.tasks.values()) {
      if (isTerminalTaskState(t.state) && !t.inferred) continue;
      byAgent.add(t.agentId);
      const status = this.masterStatus(
        t,
        'TASK_KILLED',
        'REASON_FRAMEWORK_REMOVED',
        `Framework ${fw.id} removed: ${why}`,
      );
      delete status.uuid;
      this.recordStatus(fw, t, status, { reliable: false });
    }
    for (const agentId of byAgent) {
      const agent = this.agents.get(agentId);
      if (agent?.state === 'active') {
        this.io
          .agentRequest(agentId, 'agentShutdownFramework', { framework_id: { value: fw.id } })
          .catch((e: Error) =>
            this.io.log(
              'warn',
              `shutdown of framework ${fw.id} on ${agentId} failed: ${e.message}`,
            ),
          );
      } else if (agent) {
        for (const t of fw.tasks.values()) {
          if (t.agentId === agentId)
            agent.pendingKills.push({ framework_id: { value: fw.id }, task_id: { value: t.id } });
        }
        this.io.dirty.agent(agentId);
      }
    }
    this.sendRescinds(this.allocator.removeFramework(fw.id), fw.id);
    if (fw.conn) {
      fw.conn.send({ type: 'ERROR', error: { message: `Framework removed: ${why}` } });
      fw.conn.close();
    }
    fw.conn = undefined;
    fw.state = 'completed';
    fw.unregisteredTime = this.secs();
    fw.failoverDeadline = undefined;
    fw.pendingTasks.clear();
    fw.orphanPending = [];
    for (const t of fw.tasks.values()) t.pending = [];
    this.io.dirty.framework(fw.id);
    const done = [...this.frameworks.values()].filter((f) => f.state === 'completed');
    for (const old of done.slice(0, Math.max(0, done.length - this.opts.maxCompletedFrameworks))) {
      this.frameworks.delete(old.id);
      for (const t of old.tasks.values())
        this.agents.get(t.agentId)?.tasks.delete(taskKey(old.id, t.id));
      this.io.dirty.deleteFramework(old.id);
    }
    this.io.publishFrameworkEvent(
      'FRAMEWORK_REMOVED',
      frameworkEventJson(fw, this.renderContext()),
    );
    this.operatorEvent({
      type: 'FRAMEWORK_REMOVED',
      framework_removed: { framework_info: v1FrameworkInfo(fw, this.opts) },
    });
    this.io.log('info', `framework ${fw.id} torn down: ${why}`);
    this.requestAllocation();
  }

  // ======================================================================= allocation

  /** Run an allocation soon (coalesces bursts of events into one round). */
  requestAllocation(): void {
    if (this.allocationQueued) return;
    this.allocationQueued = true;
    setImmediate(() => {
      this.allocationQueued = false;
      this.allocate();
    });
  }

  allocate(): void {
    let offers: AllocOffer[];
    try {
      offers = this.allocator.allocate(this.now());
    } catch (e) {
      this.io.log('error', `allocation failed: ${(e as Error).message}`);
      return;
    }
    if (offers.length === 0) return;
    const byFw = new Map<string, AllocOffer[]>();
    for (const o of offers) {
      const list = byFw.get(o.frameworkId) ?? [];
      list.push(o);
      byFw.set(o.frameworkId, list);
    }
    for (const [fid, list] of byFw) {
      const fw = this.frameworks.get(fid);
      if (!fw?.conn) {
        for (const o of list) this.allocator.rescind(o.id);
        continue;
      }
      this.counters.offers_sent += list.length;
      const multiRole = hasCapability(fw.info, 'MULTI_ROLE');
      fw.conn.send({
        type: 'OFFERS',
        offers: {
          offers: list.map((o) =>
            v1Offer(this.offerView(o), this.agents.get(o.agentId), multiRole),
          ),
        },
      });
    }
  }

  private sendRescinds(offers: AllocOffer[], skipFramework?: string): void {
    for (const o of offers) {
      this.counters.offers_rescinded++;
      if (o.frameworkId === skipFramework) continue;
      this.frameworks
        .get(o.frameworkId)
        ?.conn?.send({ type: 'RESCIND', rescind: { offer_id: { value: o.id } } });
    }
  }

  // ======================================================================= timers

  /**
   * Periodic housekeeping: agent health, failover timeouts, keepalives, retries, heartbeats.
   * `masterStalledMs` is how long the master itself could not listen (its event loop was
   * blocked: GC, a cold start): agents' heartbeats of that time are still unread in the
   * socket, so that time is not held against them.
   */
  tick(masterStalledMs = 0): void {
    const now = this.now();
    const limit = this.opts.agentPingTimeoutMs * this.opts.maxAgentPingTimeouts;
    for (const a of this.agents.values()) {
      if (masterStalledMs > 0) a.lastSeen = Math.min(now, a.lastSeen + masterStalledMs);
      if (a.state === 'active' && now - a.lastSeen > limit) {
        this.markAgentUnreachable(a, `no heartbeat for ${now - a.lastSeen} ms`);
      } else if (a.state === 'recovered' && now - a.lastSeen > this.opts.agentReregisterTimeoutMs) {
        this.markAgentUnreachable(a, 'did not re-register after the master restarted');
      }
    }
    const keepaliveLimit = this.opts.heartbeatSeconds * 3_000;
    for (const fw of this.frameworks.values()) {
      if (
        fw.state === 'connected' &&
        fw.conn?.kind === 'nats' &&
        now - fw.lastKeepalive > keepaliveLimit
      ) {
        this.disconnect(fw.id, fw.conn, 'no keepalive');
      }
      if (
        fw.state === 'disconnected' &&
        fw.failoverDeadline !== undefined &&
        now >= fw.failoverDeadline
      ) {
        this.teardown(fw, 'failover timeout elapsed');
      }
    }
    if (now - this.lastRetry >= Math.min(this.opts.statusUpdateRetryMs, 1_000)) {
      this.lastRetry = now;
      this.retryUpdates(now);
    }
    if (now - this.lastHeartbeat >= this.opts.heartbeatSeconds * 1000) {
      this.lastHeartbeat = now;
      for (const fw of this.frameworks.values()) fw.conn?.send({ type: 'HEARTBEAT' });
    }
  }

  private retryUpdates(now: number): void {
    const every = this.opts.statusUpdateRetryMs;
    for (const fw of this.frameworks.values()) {
      if (!fw.conn) continue;
      for (const tid of fw.pendingTasks) {
        const t = fw.tasks.get(tid);
        if (!t || t.pending.length === 0) {
          fw.pendingTasks.delete(tid);
          continue;
        }
        if (now - t.lastSentAt >= every) this.sendHead(fw, t);
      }
      if (fw.operationPending?.length && now - (fw.operationLastSentAt ?? 0) >= every) {
        fw.operationLastSentAt = now;
        for (const status of fw.operationPending)
          fw.conn.send({ type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status } });
      }
      if (fw.orphanPending.length > 0 && now - fw.orphanLastSentAt >= every) {
        fw.orphanLastSentAt = now;
        for (const s of fw.orphanPending) fw.conn.send({ type: 'UPDATE', update: { status: s } });
      }
    }
  }

  // ======================================================================= metrics

  metrics(): Record<string, number> {
    const m: Record<string, number> = {};
    const agents = [...this.agents.values()];
    const fws = [...this.frameworks.values()];
    m['master/uptime_secs'] = this.secs() - this.startTime;
    m['master/elected'] = 1;
    m['master/slaves_active'] = agents.filter((a) => a.state === 'active').length;
    m['master/slaves_connected'] = m['master/slaves_active'];
    m['master/slaves_disconnected'] = agents.filter((a) => a.state !== 'active').length;
    m['master/slaves_inactive'] = 0;
    m['master/slaves_unreachable'] = agents.filter((a) => a.state === 'unreachable').length;
    m['master/frameworks_active'] = fws.filter((f) => f.state === 'connected').length;
    m['master/frameworks_connected'] = m['master/frameworks_active'];
    m['master/frameworks_disconnected'] = fws.filter((f) => f.state === 'disconnected').length;
    m['master/frameworks_inactive'] = m['master/frameworks_disconnected'];
    const live: Record<string, number> = {
      TASK_STAGING: 0,
      TASK_STARTING: 0,
      TASK_RUNNING: 0,
      TASK_KILLING: 0,
      TASK_UNREACHABLE: 0,
    };
    for (const f of fws) for (const t of f.tasks.values()) if (t.state in live) live[t.state]++;
    for (const [s, n] of Object.entries(live)) m[`master/tasks_${s.slice(5).toLowerCase()}`] = n;
    for (const s of [
      'TASK_FINISHED',
      'TASK_FAILED',
      'TASK_KILLED',
      'TASK_LOST',
      'TASK_ERROR',
      'TASK_DROPPED',
      'TASK_GONE',
    ]) {
      m[`master/tasks_${s.slice(5).toLowerCase()}`] = this.terminalCounters[s] ?? 0;
    }
    const totals: Record<string, number> = {};
    const used: Record<string, number> = {};
    for (const a of agents.filter((x) => x.state === 'active')) {
      const view = this.allocator.getAgent(a.id);
      for (const r of a.total)
        if (r.scalar !== undefined) totals[r.name] = (totals[r.name] ?? 0) + r.scalar;
      for (const r of view?.used ?? [])
        if (r.scalar !== undefined) used[r.name] = (used[r.name] ?? 0) + r.scalar;
    }
    for (const n of ['cpus', 'mem', 'disk', 'gpus']) {
      m[`master/${n}_total`] = totals[n] ?? 0;
      m[`master/${n}_used`] = used[n] ?? 0;
      m[`master/${n}_percent`] = totals[n] ? (used[n] ?? 0) / totals[n] : 0;
    }
    m['master/outstanding_offers'] = this.allocator.getOffers().length;
    m['master/messages_status_update'] = this.counters.status_updates;
    m['master/messages_launch_tasks'] = this.counters.tasks_launched;
    m['master/messages_decline_offers'] = this.counters.offers_declined;
    m['master/offers_sent'] = this.counters.offers_sent;
    m['master/offers_rescinded'] = this.counters.offers_rescinded;
    m['master/invalid_framework_to_executor_messages'] = 0;
    m['master/valid_framework_calls'] = this.counters.valid_framework_calls;
    m['master/invalid_framework_calls'] = this.counters.invalid_framework_calls;
    m['allocator/mesos/allocation_runs'] = this.allocator.stats().rounds;
    return m;
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1)];
}

function portOf(url: string): number | undefined {
  try {
    const p = Number(new URL(url).port);
    return p > 0 ? p : undefined;
  } catch {
    return undefined;
  }
}

function ipNum(ip: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return 0;
  return (+m[1] | (+m[2] << 8) | (+m[3] << 16) | (+m[4] << 24)) >>> 0;
}

function safeResources(task: TaskInfo): Resources {
  try {
    return fromMesosResources(task.resources as unknown as MesosResource[]);
  } catch {
    return EMPTY;
  }
}

function gracePeriodNs(policy: Record<string, unknown> | undefined): number | undefined {
  const gp = policy?.grace_period as { nanoseconds?: unknown } | undefined;
  const n = gp?.nanoseconds;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

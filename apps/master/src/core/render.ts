import { randomBytes } from 'node:crypto';
import {
  add,
  EMPTY,
  flatten,
  flattenReservations,
  fromMesosResources,
  normalize,
  reservationRoles,
  reserved,
  subtract,
  toMesosResources,
  unreserved,
  type FlatResources,
  type MesosResource,
  type Resource,
  type Resources,
} from '@dcos/allocator';
import { TASK_STATES, type Attribute, type TaskStatus } from '@dcos/contracts';
import type { AgentRec, FrameworkRec, TaskRec } from './model';
import { holdsResources, taskBucket } from './task-state';
import { reservationsOf } from './reservations';

/**
 * Pure renderers of the master's records into the Mesos JSON shapes: the legacy
 * `/master/state` family (flattened resources, float seconds) and the v1 operator API
 * (protobuf-shaped resources, `{value}` ids, `{nanoseconds}` times).
 */

export interface OfferView {
  id: string;
  frameworkId: string;
  agentId: string;
  /** Mesos role of the allocation (`*` for the default role). */
  role: string;
  resources: Resources;
}

export interface RenderContext {
  masterId: string;
  hostname: string;
  ip: string;
  port: number;
  version: string;
  buildDate: string;
  buildTime: number;
  buildUser: string;
  startTime: number;
  electedTime: number;
  cluster?: string;
  flags: Record<string, string>;
  agents: AgentRec[];
  frameworks: FrameworkRec[];
  /** Resources in outstanding offers, per agent and per framework. */
  offers: OfferView[];
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Mesos keeps IPv4 addresses as a uint32 in network byte order. */
export function ipToUint32(ip: string): number {
  const m = IPV4_RE.exec(ip);
  if (!m) return 0;
  return ((+m[1] | (+m[2] << 8) | (+m[3] << 16) | (+m[4] << 24)) >>> 0) as number;
}

export function masterPid(ctx: Pick<RenderContext, 'ip' | 'port'>): string {
  return `master@${ctx.ip}:${ctx.port}`;
}

/** `slave(1)@ip:port` from the agent's HTTP base URL. */
export function agentPid(agent: Pick<AgentRec, 'httpUrl' | 'ip' | 'port'>): string {
  try {
    const u = new URL(agent.httpUrl);
    return `slave(1)@${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
  } catch {
    return `slave(1)@${agent.ip}:${agent.port}`;
  }
}

export function leaderInfo(ctx: RenderContext): Record<string, unknown> {
  return {
    id: ctx.masterId,
    pid: masterPid(ctx),
    port: ctx.port,
    ip: ipToUint32(ctx.ip),
    hostname: ctx.hostname,
    version: ctx.version,
    address: { hostname: ctx.hostname, ip: ctx.ip, port: ctx.port },
  };
}

/** Attributes as Mesos' JSON model renders them: `{name: value}`. */
export function flattenAttributes(attrs: Attribute[] | undefined): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const a of attrs ?? []) {
    if (a.type === 'SCALAR') out[a.name] = a.scalar?.value ?? 0;
    else if (a.type === 'TEXT') out[a.name] = a.text?.value ?? '';
    else if (a.type === 'RANGES')
      out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else if (a.type === 'SET') out[a.name] = `{${(a.set?.item ?? []).join(',')}}`;
  }
  return out;
}

/** The status fields `/master/state` shows (Mesos' `json(TaskStatus)` in the legacy model). */
function stateStatus(s: TaskStatus): Record<string, unknown> {
  const out: Record<string, unknown> = { state: s.state, timestamp: s.timestamp ?? 0 };
  if (s.labels) out.labels = s.labels.labels;
  if (s.container_status) out.container_status = s.container_status;
  if (s.healthy !== undefined) out.healthy = s.healthy;
  return out;
}

interface TaskExecutor {
  type?: string;
  executor_id?: { value?: string };
  name?: string;
  command?: unknown;
  resources?: MesosResource[];
}

/** The executor a framework supplied with the task (custom, or a task group's default one). */
function executorOfTask(t: TaskRec): TaskExecutor | undefined {
  return t.info.executor as TaskExecutor | undefined;
}

/** A framework's executors on its agents, as Mesos' master `/state` lists them (one per agent and id). */
function executorsJson(fw: FrameworkRec, live: TaskRec[]): Record<string, unknown>[] {
  const out = new Map<string, Record<string, unknown>>();
  for (const t of live) {
    const e = executorOfTask(t);
    const id = e?.executor_id?.value;
    if (!e || !id || out.has(`${t.agentId}/${id}`)) continue;
    let resources: FlatResources = flatten(EMPTY);
    try {
      resources = flatten(fromMesosResources(e.resources ?? []));
    } catch {
      /* validated at launch */
    }
    out.set(`${t.agentId}/${id}`, {
      executor_id: id,
      name: e.name ?? '',
      framework_id: fw.id,
      ...(e.command !== undefined ? { command: e.command } : {}),
      resources,
      slave_id: t.agentId,
      type: e.type ?? 'CUSTOM',
    });
  }
  return [...out.values()];
}

export function taskJson(t: TaskRec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    name: t.info.name,
    framework_id: t.frameworkId,
    executor_id: executorOfTask(t)?.executor_id?.value ?? '',
    slave_id: t.agentId,
    state: t.state,
    resources: flatten(t.resources),
    role: t.role,
    statuses: t.statuses.map(stateStatus),
  };
  const user = t.info.command?.user;
  if (user) out.user = user;
  if (t.info.labels) out.labels = t.info.labels.labels;
  if (t.info.discovery) out.discovery = t.info.discovery;
  if (t.info.container) out.container = t.info.container;
  if (t.info.health_check) out.health_check = t.info.health_check;
  return out;
}

function sumOffers(offers: OfferView[], pick: (o: OfferView) => boolean): Resources {
  let r: Resources = EMPTY;
  for (const o of offers) if (pick(o)) r = add(r, o.resources);
  return r;
}

/** Sum of the resources of the agent's tasks that hold some (one merge, not one per task). */
export function agentUsed(agent: AgentRec, frameworks: Map<string, FrameworkRec>): Resources {
  const parts: Resource[] = [];
  for (const key of agent.tasks) {
    const cut = key.indexOf('\u0000');
    const t = frameworks.get(key.slice(0, cut))?.tasks.get(key.slice(cut + 1));
    if (t && holdsResources(t.state)) for (const r of t.resources) parts.push(r);
  }
  return normalize(parts);
}

export function frameworkUsed(fw: FrameworkRec): Resources {
  const parts: Resource[] = [];
  for (const t of fw.tasks.values())
    if (holdsResources(t.state)) for (const r of t.resources) parts.push(r);
  return normalize(parts);
}

function fwMap(ctx: RenderContext): Map<string, FrameworkRec> {
  return new Map(ctx.frameworks.map((f) => [f.id, f]));
}

/** Offers summed per agent in one pass (not one scan of every offer per agent). */
function offeredByAgent(offers: OfferView[]): Map<string, Resources> {
  const out = new Map<string, Resources>();
  for (const o of offers) out.set(o.agentId, add(out.get(o.agentId) ?? EMPTY, o.resources));
  return out;
}

/** What every agent here can do (Mesos SlaveInfo.Capability names). */
const AGENT_CAPABILITIES = ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'];

export function agentJson(
  a: AgentRec,
  ctx: RenderContext,
  fws = fwMap(ctx),
  offeredMap?: Map<string, Resources>,
): Record<string, unknown> {
  const used = agentUsed(a, fws);
  const offered = offeredMap
    ? (offeredMap.get(a.id) ?? EMPTY)
    : sumOffers(ctx.offers, (o) => o.agentId === a.id);
  const out: Record<string, unknown> = {
    id: a.id,
    hostname: a.hostname,
    port: a.port,
    attributes: flattenAttributes(a.info.attributes),
    pid: agentPid(a),
    registered_time: a.registeredTime,
    resources: flatten(a.total),
    used_resources: flatten(used),
    offered_resources: flatten(offered),
    reserved_resources: flattenReservations(a.total),
    unreserved_resources: flatten(unreserved(a.total)),
    active: a.state === 'active',
    deactivated: false,
    version: a.version,
    capabilities: AGENT_CAPABILITIES,
    // Per role, with how each is reserved (persistent volumes show their `disk.persistence`).
    reserved_resources_full: Object.fromEntries(
      reservationRoles(a.total).map((role) => [
        role,
        toMesosResources(reserved(a.total, role)).map((r) => ({
          ...r,
          reservations: reservationsOf(r, a.reservations ?? []),
        })),
      ]),
    ),
    unreserved_resources_full: toMesosResources(unreserved(a.total)),
    used_resources_full: toMesosResources(used),
    offered_resources_full: toMesosResources(offered),
  };
  if (a.reregisteredTime !== undefined) out.reregistered_time = a.reregisteredTime;
  if (a.info.domain) out.domain = a.info.domain;
  return out;
}

/** A recovered (not yet re-registered) agent: SlaveInfo only, as Mesos' `recovered_slaves`. */
export function recoveredAgentJson(a: AgentRec): Record<string, unknown> {
  return {
    id: a.id,
    hostname: a.hostname,
    port: a.port,
    attributes: flattenAttributes(a.info.attributes),
    resources: flatten(a.total),
  };
}

/** An offer as `/master/state` lists it (Mesos' `json(Offer)`: with its `allocation_info`). */
export function offerJson(o: OfferView, agent?: AgentRec): Record<string, unknown> {
  return {
    id: o.id,
    framework_id: o.frameworkId,
    allocation_info: { role: o.role },
    slave_id: o.agentId,
    resources: flatten(o.resources),
    ...(agent ? { url: offerUrl(agent) } : {}),
  };
}

function offerUrl(agent: AgentRec): Record<string, unknown> {
  let host = agent.ip;
  let port = agent.port;
  try {
    const u = new URL(agent.httpUrl);
    host = u.hostname;
    port = Number(u.port) || port;
  } catch {
    /* keep ip/port */
  }
  return {
    scheme: 'http',
    address: { hostname: agent.hostname, ip: host, port },
    path: '/slave(1)',
  };
}

/**
 * The host a framework runs on. Mesos' scheduler driver fills FrameworkInfo.hostname with
 * the scheduler's host; frameworks here (HTTP or NATS) that give none are shown on the
 * master's host, where the cluster's own frameworks run, rather than as `""`.
 */
export function frameworkHostname(fw: FrameworkRec, ctx: Pick<RenderContext, 'hostname'>): string {
  return fw.info.hostname || ctx.hostname;
}

/** FrameworkInfo as the v1 operator API shows it (`hostname` filled in as above). */
export function v1FrameworkInfo(
  fw: FrameworkRec,
  ctx: Pick<RenderContext, 'hostname'>,
): FrameworkRec['info'] {
  return { ...fw.info, hostname: frameworkHostname(fw, ctx) };
}

export function frameworkJson(
  fw: FrameworkRec,
  ctx: RenderContext,
  /** How a bucket of tasks is rendered (stateJsonText puts placeholders here). */
  renderTasks: (tasks: TaskRec[]) => unknown = (tasks) => tasks.map(taskJson),
  agents: Map<string, AgentRec> = new Map(ctx.agents.map((a) => [a.id, a])),
): Record<string, unknown> {
  const info = fw.info;
  const used = frameworkUsed(fw);
  const offers = ctx.offers.filter((o) => o.frameworkId === fw.id);
  const offered = sumOffers(offers, () => true);
  const byBucket = {
    tasks: [] as TaskRec[],
    unreachable_tasks: [] as TaskRec[],
    completed_tasks: [] as TaskRec[],
  };
  for (const t of fw.tasks.values()) byBucket[taskBucket(t.state)].push(t);
  const buckets = {
    tasks: renderTasks(byBucket.tasks),
    unreachable_tasks: renderTasks(byBucket.unreachable_tasks),
    completed_tasks: renderTasks(byBucket.completed_tasks),
  };
  const out: Record<string, unknown> = {
    id: fw.id,
    name: info.name,
    used_resources: flatten(used),
    offered_resources: flatten(offered),
    resources: flatten(add(used, offered)),
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    // No `pid`: Mesos omits it for HTTP frameworks (every framework here is one).
    hostname: frameworkHostname(fw, ctx),
    webui_url: info.webui_url ?? '',
    active: fw.state === 'connected',
    connected: fw.state === 'connected',
    recovered: fw.recovered,
    user: info.user ?? '',
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: fw.registeredTime,
    unregistered_time: fw.unregisteredTime ?? 0,
    ...buckets,
    offers: offers.map((o) => offerJson(o, agents.get(o.agentId))),
    executors: executorsJson(fw, byBucket.tasks),
  };
  if (info.principal) out.principal = info.principal;
  if (fw.reregisteredTime !== undefined) out.reregistered_time = fw.reregisteredTime;
  if ((info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE')) out.roles = fw.roles;
  else out.role = fw.roles[0] ?? '*';
  if (info.labels) out.labels = info.labels.labels;
  return out;
}

/**
 * A framework as `masterFrameworkEvents` carry it: `/master/state`'s framework without its
 * task lists (task events carry the tasks; with 10,000 tasks the lists alone are over
 * NATS' 1 MB message limit, and Mesos' v1 FRAMEWORK_* events carry no tasks either).
 */
export function frameworkEventJson(fw: FrameworkRec, ctx: RenderContext): Record<string, unknown> {
  const out = frameworkJson(fw, ctx, () => undefined);
  delete out.tasks;
  delete out.unreachable_tasks;
  delete out.completed_tasks;
  return out;
}

export function stateJson(
  ctx: RenderContext,
  renderTasks?: (tasks: TaskRec[]) => unknown,
): Record<string, unknown> {
  const fws = fwMap(ctx);
  const offered = offeredByAgent(ctx.offers);
  const agents = new Map(ctx.agents.map((a) => [a.id, a]));
  const active = ctx.agents.filter((a) => a.state === 'active');
  const out: Record<string, unknown> = {
    version: ctx.version,
    build_date: ctx.buildDate,
    build_time: ctx.buildTime,
    build_user: ctx.buildUser,
    start_time: ctx.startTime,
    elected_time: ctx.electedTime,
    id: ctx.masterId,
    pid: masterPid(ctx),
    hostname: ctx.hostname,
    capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'],
    activated_slaves: active.length,
    deactivated_slaves: 0,
    unreachable_slaves: ctx.agents.filter((a) => a.state === 'unreachable').length,
    leader: masterPid(ctx),
    leader_info: leaderInfo(ctx),
    ...(ctx.cluster ? { cluster: ctx.cluster } : {}),
    flags: ctx.flags,
    slaves: active.map((a) => agentJson(a, ctx, fws, offered)),
    recovered_slaves: ctx.agents.filter((a) => a.state === 'recovered').map(recoveredAgentJson),
    frameworks: ctx.frameworks
      .filter((f) => f.state !== 'completed')
      .map((f) => frameworkJson(f, ctx, renderTasks, agents)),
    completed_frameworks: ctx.frameworks
      .filter((f) => f.state === 'completed')
      .map((f) => frameworkJson(f, ctx, renderTasks, agents)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
  return out;
}

interface TaskText {
  state: string;
  statuses: number;
  last: TaskStatus | undefined;
  agentId: string;
  text: string;
}

/**
 * Each task's JSON text, kept until the task changes (state, a status, its agent): with
 * 10,000 tasks, serializing them again on every GET /master/state was most of its cost.
 */
const taskTexts = new WeakMap<TaskRec, TaskText>();

export function taskJsonText(t: TaskRec): string {
  const last = t.statuses[t.statuses.length - 1];
  const c = taskTexts.get(t);
  if (
    c &&
    c.state === t.state &&
    c.statuses === t.statuses.length &&
    c.last === last &&
    c.agentId === t.agentId
  ) {
    return c.text;
  }
  const text = JSON.stringify(taskJson(t));
  taskTexts.set(t, { state: t.state, statuses: t.statuses.length, last, agentId: t.agentId, text });
  return text;
}

const PLACEHOLDER = `\u0001tasks-${randomBytes(6).toString('hex')}:`;

/**
 * `JSON.stringify(stateJson(ctx))`, built faster: the task lists go in as placeholders,
 * the (much smaller) rest is stringified, then the placeholders are replaced by the
 * tasks' cached texts. The placeholder carries a per-process nonce, so no name can fake one.
 */
export function stateJsonText(ctx: RenderContext): string {
  const lists: string[] = [];
  const skeleton = JSON.stringify(
    stateJson(ctx, (tasks) => {
      lists.push(`[${tasks.map(taskJsonText).join(',')}]`);
      return `${PLACEHOLDER}${lists.length - 1}`;
    }),
  );
  const quoted = JSON.stringify(PLACEHOLDER).slice(0, -1); // `"\u0001tasks-…:` as it appears
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const at = skeleton.indexOf(quoted, from);
    if (at < 0) break;
    const end = skeleton.indexOf('"', at + quoted.length);
    parts.push(skeleton.slice(from, at), lists[Number(skeleton.slice(at + quoted.length, end))]);
    from = end + 1;
  }
  parts.push(skeleton.slice(from));
  return parts.join('');
}

function taskCounts(tasks: Iterable<TaskRec>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of TASK_STATES) counts[s] = 0;
  for (const t of tasks) counts[t.state]++;
  return counts;
}

export function stateSummaryJson(ctx: RenderContext): Record<string, unknown> {
  const fws = fwMap(ctx);
  const live = ctx.frameworks.filter((f) => f.state !== 'completed');
  return {
    hostname: ctx.hostname,
    cluster: ctx.cluster ?? '',
    slaves: ctx.agents
      .filter((a) => a.state === 'active')
      .map((a) => {
        const tasks = [...a.tasks]
          .map((k) => {
            const i = k.indexOf('\u0000');
            return fws.get(k.slice(0, i))?.tasks.get(k.slice(i + 1));
          })
          .filter((t): t is TaskRec => t !== undefined);
        // Mesos writes the same agent fields as /master/state, then the task counts.
        return {
          id: a.id,
          hostname: a.hostname,
          port: a.port,
          attributes: flattenAttributes(a.info.attributes),
          ...(a.info.domain ? { domain: a.info.domain } : {}),
          pid: agentPid(a),
          registered_time: a.registeredTime,
          ...(a.reregisteredTime !== undefined ? { reregistered_time: a.reregisteredTime } : {}),
          resources: flatten(a.total),
          used_resources: flatten(agentUsed(a, fws)),
          offered_resources: flatten(sumOffers(ctx.offers, (o) => o.agentId === a.id)),
          reserved_resources: flattenReservations(a.total),
          unreserved_resources: flatten(unreserved(a.total)),
          active: true,
          deactivated: false,
          version: a.version,
          capabilities: AGENT_CAPABILITIES,
          ...taskCounts(tasks),
          framework_ids: [...new Set(tasks.map((t) => t.frameworkId))],
        };
      }),
    frameworks: live.map((f) => {
      const used = frameworkUsed(f);
      const offered = sumOffers(ctx.offers, (o) => o.frameworkId === f.id);
      return {
        id: f.id,
        name: f.info.name,
        hostname: frameworkHostname(f, ctx),
        webui_url: f.info.webui_url ?? '',
        active: f.state === 'connected',
        connected: f.state === 'connected',
        recovered: f.recovered,
        capabilities: (f.info.capabilities ?? []).map((c) => c.type),
        used_resources: flatten(used),
        offered_resources: flatten(offered),
        ...taskCounts(f.tasks.values()),
        slave_ids: [
          ...new Set(
            [...f.tasks.values()].filter((t) => holdsResources(t.state)).map((t) => t.agentId),
          ),
        ],
      };
    }),
  };
}

// ------------------------------------------------------------------ v1 (operator API)

const ns = (secs: number) => ({ nanoseconds: Math.round(secs * 1e9) });

function withAllocation(res: Resources, role: string): Record<string, unknown>[] {
  return toMesosResources(res).map((r) => ({ ...r, allocation_info: { role } }));
}

export function v1Task(t: TaskRec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: t.info.name,
    task_id: { value: t.id },
    framework_id: { value: t.frameworkId },
    agent_id: { value: t.agentId },
    state: t.state,
    resources: withAllocation(t.resources, t.role),
    statuses: t.statuses,
  };
  const last = t.statuses[t.statuses.length - 1];
  if (last) {
    out.status_update_state = last.state;
    if (last.uuid) out.status_update_uuid = last.uuid;
  }
  if (t.info.labels) out.labels = t.info.labels;
  if (t.info.discovery) out.discovery = t.info.discovery;
  if (t.info.container) out.container = t.info.container;
  if (t.info.command?.user) out.user = t.info.command.user;
  const executorId = executorOfTask(t)?.executor_id?.value;
  if (executorId) out.executor_id = { value: executorId };
  return out;
}

export function v1Agent(
  a: AgentRec,
  ctx: RenderContext,
  fws = fwMap(ctx),
): Record<string, unknown> {
  const used = agentUsed(a, fws);
  const offered = sumOffers(ctx.offers, (o) => o.agentId === a.id);
  const out: Record<string, unknown> = {
    agent_info: {
      ...a.info,
      id: { value: a.id },
      hostname: a.hostname,
      port: a.port,
      resources: toMesosResources(a.total),
      attributes: a.info.attributes ?? [],
    },
    active: a.state === 'active',
    deactivated: false,
    version: a.version,
    pid: agentPid(a),
    registered_time: ns(a.registeredTime),
    total_resources: toMesosResources(a.total),
    allocated_resources: toMesosResources(used),
    offered_resources: toMesosResources(offered),
    capabilities: [
      { type: 'MULTI_ROLE' },
      { type: 'HIERARCHICAL_ROLE' },
      { type: 'RESERVATION_REFINEMENT' },
    ],
    resource_providers: [],
  };
  if (a.reregisteredTime !== undefined) out.reregistered_time = ns(a.reregisteredTime);
  return out;
}

/**
 * An offer in the v1 shape. `multiRole` false is how a framework without the MULTI_ROLE
 * capability gets it: no `allocation_info` on the offer nor on its resources (Mesos strips
 * them, MESOS-8237), so a scheduler comparing resources whole still sees they fit.
 */
export function v1Offer(
  o: OfferView,
  agent: AgentRec | undefined,
  multiRole = true,
): Record<string, unknown> {
  const resources = withAllocation(o.resources, o.role).map((r) =>
    r['role'] !== undefined && r['role'] !== '*'
      ? { ...r, reservations: reservationsOf(r as never, agent?.reservations ?? []) }
      : r,
  );
  if (!multiRole) for (const r of resources) delete r['allocation_info'];
  return {
    id: { value: o.id },
    framework_id: { value: o.frameworkId },
    agent_id: { value: o.agentId },
    hostname: agent?.hostname ?? '',
    ...(agent ? { url: offerUrl(agent) } : {}),
    // Reserved resources say how (Mesos `reservations`: DYNAMIC with principal and labels).
    resources,
    attributes: agent?.info.attributes ?? [],
    executor_ids: [],
    ...(multiRole ? { allocation_info: { role: o.role } } : {}),
    ...(agent?.info.domain ? { domain: agent.info.domain } : {}),
  };
}

export function v1Framework(fw: FrameworkRec, ctx: RenderContext): Record<string, unknown> {
  const agents = new Map(ctx.agents.map((a) => [a.id, a]));
  const offers = ctx.offers.filter((o) => o.frameworkId === fw.id);
  const used = frameworkUsed(fw);
  const out: Record<string, unknown> = {
    framework_info: v1FrameworkInfo(fw, ctx),
    active: fw.state === 'connected',
    connected: fw.state === 'connected',
    recovered: fw.recovered,
    registered_time: ns(fw.registeredTime),
    offers: offers.map((o) => v1Offer(o, agents.get(o.agentId))),
    inverse_offers: [],
    allocated_resources: toMesosResources(used),
    offered_resources: toMesosResources(sumOffers(offers, () => true)),
  };
  if (fw.reregisteredTime !== undefined) out.reregistered_time = ns(fw.reregisteredTime);
  if (fw.unregisteredTime !== undefined) out.unregistered_time = ns(fw.unregisteredTime);
  return out;
}

export function v1GetTasks(ctx: RenderContext): Record<string, unknown> {
  const b = {
    tasks: [] as unknown[],
    unreachable_tasks: [] as unknown[],
    completed_tasks: [] as unknown[],
  };
  for (const f of ctx.frameworks)
    for (const t of f.tasks.values()) b[taskBucket(t.state)].push(v1Task(t));
  return { pending_tasks: [], ...b, orphan_tasks: [] };
}

export function v1GetAgents(ctx: RenderContext): Record<string, unknown> {
  const fws = fwMap(ctx);
  return {
    agents: ctx.agents.filter((a) => a.state === 'active').map((a) => v1Agent(a, ctx, fws)),
    recovered_agents: ctx.agents
      .filter((a) => a.state === 'recovered')
      .map((a) => ({ ...a.info, id: { value: a.id }, resources: toMesosResources(a.total) })),
  };
}

export function v1GetFrameworks(ctx: RenderContext): Record<string, unknown> {
  return {
    frameworks: ctx.frameworks
      .filter((f) => f.state !== 'completed')
      .map((f) => v1Framework(f, ctx)),
    completed_frameworks: ctx.frameworks
      .filter((f) => f.state === 'completed')
      .map((f) => v1Framework(f, ctx)),
    recovered_frameworks: [],
  };
}

/** v1 GET_EXECUTORS: the executors frameworks supplied, one per agent and id, of live tasks. */
export function v1GetExecutors(ctx: RenderContext): Record<string, unknown> {
  const executors = new Map<string, Record<string, unknown>>();
  for (const fw of ctx.frameworks)
    for (const t of fw.tasks.values()) {
      const e = executorOfTask(t);
      const id = e?.executor_id?.value;
      if (!e || !id || taskBucket(t.state) !== 'tasks') continue;
      const k = `${fw.id}/${t.agentId}/${id}`;
      if (!executors.has(k))
        executors.set(k, {
          agent_id: { value: t.agentId },
          executor_info: { ...e, framework_id: { value: fw.id } },
        });
    }
  return { executors: [...executors.values()], orphan_executors: [] };
}

export function v1GetState(ctx: RenderContext): Record<string, unknown> {
  return {
    get_tasks: v1GetTasks(ctx),
    get_executors: v1GetExecutors(ctx),
    get_frameworks: v1GetFrameworks(ctx),
    get_agents: v1GetAgents(ctx),
  };
}

/** Available = total − used − offered (for the allocator-free views). */
export function available(a: AgentRec, ctx: RenderContext): FlatResources {
  const used = agentUsed(a, fwMap(ctx));
  return flatten(
    subtract(
      subtract(a.total, used),
      sumOffers(ctx.offers, (o) => o.agentId === a.id),
    ),
  );
}

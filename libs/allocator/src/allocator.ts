/**
 * Hierarchical DRF allocator (after Mesos' HierarchicalDRFAllocator + DRFSorter).
 *
 * One instance lives in the master's memory and is driven from its event loop. It is
 * pure: no I/O, no timers, no clock reads (`now`, in milliseconds, is always passed in),
 * no randomness except a seeded PRNG for the agent shuffle.
 *
 * Model:
 * - a framework subscribes to roles; allocations are tracked per (framework, role);
 * - a round walks the agents in a (seeded) shuffled order; for each agent the roles are
 *   taken in order of weighted dominant share, and within a role the frameworks in order
 *   of dominant share; the first eligible framework gets *everything* the role may use on
 *   that agent (unreserved + its reservations) in one offer, like Mesos' coarse offers;
 * - outstanding offers count as allocated (to the framework, for DRF and availability);
 * - a decline (or the unused part of an accept) installs a filter: those resources on that
 *   agent are not re-offered to that framework/role before `now + refuse_seconds`, unless
 *   more resources became available there or the framework revives.
 *
 * Sorting is incremental: each round builds one min-heap of roles and one heap of
 * frameworks per role (O(F)); each offer re-positions one framework and one role in
 * O(log n). A round costs O(A + F + offers * log F) rather than Mesos' O(A * F log F).
 */
import { IndexedHeap, HeapItem } from './heap';
import { shuffleInPlace } from './random';
import * as R from './resources';
import type { Resources, ScalarQuantities } from './resources';

export const DEFAULT_REFUSE_SECONDS = 5;
/** Mesos caps `Filters.refuse_seconds` at one year. */
export const MAX_REFUSE_SECONDS = 31_536_000;
/** Mesos' default `--min_allocatable_resources`: `cpus:0.01|mem:32`. */
export const DEFAULT_MIN_ALLOCATABLE: ReadonlyArray<Readonly<Record<string, number>>> = [
  { cpus: 0.01 },
  { mem: 32 },
];
const MAX_FILTERS_PER_AGENT = 16;

export interface AllocatorOptions {
  /** Used when a decline/accept carries no `refuse_seconds` (default 5). */
  defaultRefuseSeconds?: number;
  /** Offer only when the resources satisfy at least one of these quantity sets. */
  minAllocatable?: ReadonlyArray<Readonly<Record<string, number>>>;
  /** Resource names ignored when computing dominant shares (e.g. `gpus`). */
  fairnessExcludedResourceNames?: readonly string[];
  /** Prefix of generated offer ids (make it unique per master, e.g. its id). */
  offerIdPrefix?: string;
  /** Agents with GPUs are only offered to frameworks with GPU_RESOURCES (Mesos default: true). */
  filterGpuResources?: boolean;
}

/** Resources used by one framework in one role (e.g. its tasks on an agent). */
export interface Allocation {
  frameworkId: string;
  role: string;
  resources: Resources;
}

export interface AgentSpec {
  id: string;
  hostname?: string;
  resources: Resources;
  attributes?: Readonly<Record<string, string | number>>;
  /** Inactive agents (unreachable, draining) are never offered. Default true. */
  active?: boolean;
  /** Resources already in use by running tasks (re-registration, master recovery). */
  used?: readonly Allocation[];
}

export interface FrameworkSpec {
  id: string;
  roles: readonly string[];
  suppressedRoles?: readonly string[];
  /** Mesos capability names, e.g. `GPU_RESOURCES`, `MULTI_ROLE`. */
  capabilities?: readonly string[];
  /** Inactive (disconnected) frameworks get no offers. Default true. */
  active?: boolean;
}

export interface Offer {
  readonly id: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly hostname: string;
  /** The role the resources are allocated to (`allocation_info.role`). */
  readonly role: string;
  readonly resources: Resources;
}

export interface AllocateOptions {
  /** Seed of the agent shuffle (default: the round number, so runs are reproducible). */
  seed?: number;
  /** Allocate only these agents (event-driven allocation, e.g. an agent was added). */
  agentIds?: Iterable<string>;
  /** Consider only these frameworks (e.g. after a revive). */
  frameworkIds?: Iterable<string>;
}

export interface AgentView {
  id: string;
  hostname: string;
  attributes: Readonly<Record<string, string | number>>;
  active: boolean;
  total: Resources;
  /** Used by tasks (accepted offers), all frameworks. */
  used: Resources;
  /** In outstanding offers. */
  offered: Resources;
  /** Neither used nor offered. */
  available: Resources;
  offerIds: string[];
}

export interface FrameworkView {
  id: string;
  roles: string[];
  suppressedRoles: string[];
  capabilities: string[];
  active: boolean;
  /** False for a framework only known from agents' running tasks (not yet re-subscribed). */
  registered: boolean;
  used: Resources;
  offered: Resources;
  offerIds: string[];
  /** Dominant share (used + offered) per role. */
  shares: Record<string, number>;
}

export type AllocatorErrorCode =
  'UNKNOWN_OFFER' | 'UNKNOWN_AGENT' | 'UNKNOWN_FRAMEWORK' | 'DUPLICATE' | 'INVALID';

export class AllocatorError extends Error {
  constructor(
    readonly code: AllocatorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AllocatorError';
  }
}

interface AgentState {
  id: string;
  hostname: string;
  attributes: Readonly<Record<string, string | number>>;
  total: Resources;
  available: Resources;
  active: boolean;
  hasGpus: boolean;
  offers: Set<string>;
  /** frameworkId -> role -> resources used by tasks. */
  used: Map<string, Map<string, Resources>>;
}

interface Filter {
  role: string;
  resources: Resources;
  expires: number;
}

interface FrameworkState {
  id: string;
  roles: string[];
  suppressed: Set<string>;
  capabilities: Set<string>;
  active: boolean;
  registered: boolean;
  /** role -> scalar quantities used + offered (what DRF counts). */
  alloc: Map<string, ScalarQuantities>;
  offers: Set<string>;
  /** Agents where this framework has used resources. */
  agents: Set<string>;
  /** agentId -> filters. */
  filters: Map<string, Filter[]>;
}

interface Client extends HeapItem {
  fw: FrameworkState;
  role: string;
  share: number;
}

interface RoleEntry extends HeapItem {
  role: string;
  weight: number;
  share: number;
  clients: IndexedHeap<Client>;
}

const lessClient = (a: Client, b: Client): boolean =>
  a.share < b.share || (a.share === b.share && a.fw.id < b.fw.id);
const lessRole = (a: RoleEntry, b: RoleEntry): boolean =>
  a.share < b.share || (a.share === b.share && a.role < b.role);

function addQuantities(q: ScalarQuantities, res: Resources, sign: 1 | -1): void {
  for (const r of res) {
    if (r.scalar === undefined) continue;
    const v = R.fixed((q[r.name] ?? 0) + sign * r.scalar);
    if (v > 0) q[r.name] = v;
    else delete q[r.name];
  }
}

function validRole(role: string): boolean {
  return typeof role === 'string' && role !== '' && role !== R.UNRESERVED && !/[\s,;()]/.test(role);
}

export class DrfAllocator {
  private readonly agents = new Map<string, AgentState>();
  private readonly frameworks = new Map<string, FrameworkState>();
  private readonly offers = new Map<string, Offer>();
  private readonly roleAlloc = new Map<string, ScalarQuantities>();
  private readonly weightByRole = new Map<string, number>();
  private readonly clusterTotal: ScalarQuantities = {};
  private readonly minAllocatable: [string, number][][];
  private readonly excluded: Set<string>;
  private readonly defaultRefuseSeconds: number;
  private readonly offerIdPrefix: string;
  private readonly filterGpus: boolean;
  private agentList: AgentState[] | null = null;
  private fairNames: string[] = [];
  private fairTotals: number[] = [];
  private fairDirty = true;
  private offerSeq = 0;
  private rounds = 0;

  constructor(options: AllocatorOptions = {}) {
    this.defaultRefuseSeconds = options.defaultRefuseSeconds ?? DEFAULT_REFUSE_SECONDS;
    this.minAllocatable = (options.minAllocatable ?? DEFAULT_MIN_ALLOCATABLE).map((set) =>
      Object.entries(set),
    );
    this.excluded = new Set(options.fairnessExcludedResourceNames ?? []);
    this.offerIdPrefix = options.offerIdPrefix ?? 'offer-';
    this.filterGpus = options.filterGpuResources ?? true;
  }

  // ---------------------------------------------------------------- agents

  /** Adds an agent (with the resources its running tasks already use). */
  addAgent(spec: AgentSpec): void {
    if (this.agents.has(spec.id)) {
      throw new AllocatorError('DUPLICATE', `agent ${spec.id} is already known`);
    }
    const total = R.normalize(spec.resources);
    const agent: AgentState = {
      id: spec.id,
      hostname: spec.hostname ?? spec.id,
      attributes: spec.attributes ?? {},
      total,
      available: total,
      active: spec.active ?? true,
      hasGpus: R.getScalar(total, 'gpus') > 0,
      offers: new Set(),
      used: new Map(),
    };
    this.agents.set(agent.id, agent);
    this.agentList = null;
    addQuantities(this.clusterTotal, total, 1);
    this.fairDirty = true;
    for (const u of spec.used ?? []) this.addUsed(agent, u.frameworkId, u.role, u.resources);
  }

  /**
   * Changes an agent's total resources (re-registration with new resources). Its
   * outstanding offers are rescinded and returned.
   */
  updateAgent(agentId: string, resources: Resources): Offer[] {
    const agent = this.mustAgent(agentId);
    const rescinded = this.dropOffers(agent.offers);
    addQuantities(this.clusterTotal, agent.total, -1);
    agent.total = R.normalize(resources);
    agent.hasGpus = R.getScalar(agent.total, 'gpus') > 0;
    addQuantities(this.clusterTotal, agent.total, 1);
    this.fairDirty = true;
    let avail = agent.total;
    for (const byRole of agent.used.values()) {
      for (const res of byRole.values()) avail = R.subtract(avail, res);
    }
    agent.available = avail;
    return rescinded;
  }

  /**
   * Removes an agent: its resources leave the pool, the frameworks' allocations on it are
   * dropped, and its outstanding offers are returned so the master can rescind them.
   */
  removeAgent(agentId: string): Offer[] {
    const agent = this.agents.get(agentId);
    if (!agent) return [];
    const rescinded = this.dropOffers(agent.offers);
    for (const [fwId, byRole] of agent.used) {
      const fw = this.frameworks.get(fwId);
      for (const [role, res] of byRole) this.addAlloc(fw, role, res, -1);
      fw?.agents.delete(agentId);
    }
    for (const fw of this.frameworks.values()) fw.filters.delete(agentId);
    addQuantities(this.clusterTotal, agent.total, -1);
    this.fairDirty = true;
    this.agents.delete(agentId);
    this.agentList = null;
    return rescinded;
  }

  /** Agent is back (reachable, maintenance over): offer it again. */
  activateAgent(agentId: string): void {
    this.mustAgent(agentId).active = true;
  }

  /** Stops offering an agent (unreachable, draining); returns its rescinded offers. */
  deactivateAgent(agentId: string): Offer[] {
    const agent = this.mustAgent(agentId);
    agent.active = false;
    return this.dropOffers(agent.offers);
  }

  // ------------------------------------------------------------ frameworks

  /**
   * Adds a framework, or updates one that is already known (re-subscription, or a
   * framework only known from running tasks after a master failover).
   */
  addFramework(spec: FrameworkSpec): Offer[] {
    for (const role of spec.roles) {
      if (!validRole(role)) throw new AllocatorError('INVALID', `invalid role "${role}"`);
    }
    const fw = this.frameworks.get(spec.id) ?? this.newFramework(spec.id);
    fw.registered = true;
    fw.active = spec.active ?? true;
    return this.applyFrameworkSpec(fw, spec);
  }

  /**
   * Changes a framework's roles / suppressed roles / capabilities (UPDATE_FRAMEWORK).
   * Offers made to roles it left are rescinded and returned.
   */
  updateFramework(
    frameworkId: string,
    patch: Partial<Omit<FrameworkSpec, 'id' | 'active'>>,
  ): Offer[] {
    const fw = this.mustFramework(frameworkId);
    for (const role of patch.roles ?? []) {
      if (!validRole(role)) throw new AllocatorError('INVALID', `invalid role "${role}"`);
    }
    return this.applyFrameworkSpec(fw, patch);
  }

  /**
   * Removes a framework: its used resources return to the pool and its outstanding offers
   * are dropped (and returned).
   */
  removeFramework(frameworkId: string): Offer[] {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return [];
    const dropped = this.dropOffers(fw.offers);
    for (const agentId of fw.agents) {
      const agent = this.agents.get(agentId);
      const byRole = agent?.used.get(frameworkId);
      if (!agent || !byRole) continue;
      for (const [role, res] of byRole) {
        agent.available = R.add(agent.available, res);
        this.addAlloc(fw, role, res, -1);
      }
      agent.used.delete(frameworkId);
    }
    this.frameworks.delete(frameworkId);
    return dropped;
  }

  /** Framework (re)connected: offer to it again. */
  activateFramework(frameworkId: string): void {
    this.mustFramework(frameworkId).active = true;
  }

  /** Framework disconnected: no more offers; its outstanding offers are rescinded and returned. */
  deactivateFramework(frameworkId: string): Offer[] {
    const fw = this.mustFramework(frameworkId);
    fw.active = false;
    return this.dropOffers(fw.offers);
  }

  /** SUPPRESS: stop offering to these roles of the framework (all its roles if none given). */
  suppress(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.mustFramework(frameworkId);
    for (const role of roles && roles.length > 0 ? roles : fw.roles) fw.suppressed.add(role);
  }

  /** REVIVE: unsuppress these roles (all if none given) and clear their offer filters. */
  revive(frameworkId: string, roles?: readonly string[]): void {
    const fw = this.mustFramework(frameworkId);
    const all = !roles || roles.length === 0;
    for (const role of all ? fw.roles : roles) fw.suppressed.delete(role);
    if (all) {
      fw.filters.clear();
      return;
    }
    for (const [agentId, list] of fw.filters) {
      const kept = list.filter((f) => !roles.includes(f.role));
      if (kept.length === 0) fw.filters.delete(agentId);
      else fw.filters.set(agentId, kept);
    }
  }

  // ----------------------------------------------------------------- roles

  /** Sets a role's weight (> 0; default 1). */
  setWeight(role: string, weight: number): void {
    if (!validRole(role)) throw new AllocatorError('INVALID', `invalid role "${role}"`);
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new AllocatorError('INVALID', `weight of role "${role}" must be > 0 (got ${weight})`);
    }
    if (weight === 1) this.weightByRole.delete(role);
    else this.weightByRole.set(role, weight);
  }

  getWeight(role: string): number {
    return this.weightByRole.get(role) ?? 1;
  }

  /** Roles with a weight other than 1. */
  weights(): Record<string, number> {
    return Object.fromEntries(this.weightByRole);
  }

  // ---------------------------------------------------------------- offers

  /**
   * One allocation round at time `now` (ms): returns the new offers, which are recorded
   * as outstanding until accepted, declined or rescinded.
   */
  allocate(now: number, options: AllocateOptions = {}): Offer[] {
    this.rounds++;
    this.refreshFairness();
    const onlyFws = options.frameworkIds ? new Set(options.frameworkIds) : undefined;

    const byRole = new Map<string, Client[]>();
    for (const fw of this.frameworks.values()) {
      if (!fw.active || !fw.registered || (onlyFws && !onlyFws.has(fw.id))) continue;
      for (const role of fw.roles) {
        if (fw.suppressed.has(role)) continue;
        let list = byRole.get(role);
        if (!list) byRole.set(role, (list = []));
        list.push({ heapIndex: -1, fw, role, share: this.shareOf(fw.alloc.get(role)) });
      }
    }
    if (byRole.size === 0) return [];

    const roleEntries: RoleEntry[] = [];
    for (const [role, clients] of byRole) {
      const weight = this.getWeight(role);
      roleEntries.push({
        heapIndex: -1,
        role,
        weight,
        share: this.shareOf(this.roleAlloc.get(role)) / weight,
        clients: IndexedHeap.from(clients, lessClient),
      });
    }
    const roleHeap = IndexedHeap.from(roleEntries.slice(), lessRole);

    let agents: AgentState[];
    if (options.agentIds) {
      agents = [];
      for (const id of new Set(options.agentIds)) {
        const a = this.agents.get(id);
        if (a) agents.push(a);
      }
    } else {
      agents = this.allAgents().slice();
    }
    shuffleInPlace(agents, options.seed ?? this.rounds);

    const made: Offer[] = [];
    const popped: RoleEntry[] = [];
    for (const agent of agents) {
      if (!agent.active || !this.isAllocatable(agent.available)) continue;

      // Unreserved resources (plus the chosen role's reservations) go to the first role,
      // in weighted dominant-share order, that has an eligible framework.
      if (this.isAllocatable(R.unreserved(agent.available))) {
        popped.length = 0;
        let entry: RoleEntry | undefined;
        while ((entry = roleHeap.pop()) !== undefined) {
          popped.push(entry);
          const toOffer = R.allocatableTo(agent.available, entry.role);
          if (this.tryOffer(entry, agent, toOffer, now, made)) break;
        }
        for (const e of popped) roleHeap.push(e);
      }

      // Reservations left for other roles.
      if (
        agent.available.some((r) => r.role !== R.UNRESERVED) &&
        this.isAllocatable(agent.available)
      ) {
        const reservedRoles = R.reservationRoles(agent.available);
        const candidates = roleEntries
          .filter((e) => reservedRoles.some((rr) => R.isReservedFor(rr, e.role)))
          .sort((a, b) => (lessRole(a, b) ? -1 : 1));
        for (const entry of candidates) {
          const toOffer = R.allocatableTo(agent.available, entry.role);
          if (this.tryOffer(entry, agent, toOffer, now, made)) roleHeap.update(entry);
        }
      }
    }
    return made;
  }

  /**
   * ACCEPT: `used` (e.g. the launched tasks' resources) becomes allocated to the
   * framework; the rest of the offer(s) returns to the pool with a filter of
   * `refuseSeconds` (default 5). Several offers must belong to the same framework and
   * agent. Throws `AllocatorError` (and changes nothing) if an offer is unknown or
   * `used` does not fit.
   */
  accept(
    offerIds: string | readonly string[],
    used: Resources,
    now: number,
    refuseSeconds?: number,
  ): { used: Resources; unused: Resources } {
    const ids = typeof offerIds === 'string' ? [offerIds] : [...new Set(offerIds)];
    if (ids.length === 0) throw new AllocatorError('INVALID', 'no offer ids');
    const offers = ids.map((id) => {
      const o = this.offers.get(id);
      if (!o) throw new AllocatorError('UNKNOWN_OFFER', `offer ${id} is unknown or already used`);
      return o;
    });
    const first = offers[0];
    if (offers.some((o) => o.frameworkId !== first.frameworkId || o.agentId !== first.agentId)) {
      throw new AllocatorError('INVALID', 'offers of one accept must share framework and agent');
    }
    let total: Resources = R.EMPTY;
    for (const o of offers) total = R.add(total, o.resources);
    const wanted = R.normalize(used);
    if (!R.contains(total, wanted)) {
      throw new AllocatorError(
        'INVALID',
        `resources ${R.formatResources(wanted)} do not fit offered ${R.formatResources(total)}`,
      );
    }
    const agent = this.mustAgent(first.agentId);
    const fw = this.mustFramework(first.frameworkId);
    let remaining = wanted;
    let unusedAll: Resources = R.EMPTY;
    for (const o of offers) {
      const part = R.intersect(o.resources, remaining);
      remaining = R.subtract(remaining, part);
      const unused = R.subtract(o.resources, part);
      this.removeOffer(o);
      // The used part stays allocated (already counted in fw.alloc); record it as used.
      if (!R.isEmpty(part)) this.recordUsed(agent, fw, o.role, part);
      if (!R.isEmpty(unused)) {
        agent.available = R.add(agent.available, unused);
        this.addAlloc(fw, o.role, unused, -1);
        this.addFilter(fw, agent.id, o.role, unused, now, refuseSeconds);
        unusedAll = R.add(unusedAll, unused);
      }
    }
    return { used: wanted, unused: unusedAll };
  }

  /**
   * DECLINE: the offer's resources return to the pool; the framework will not be offered
   * them again on that agent for `refuseSeconds` (default 5). False if the offer is unknown.
   */
  decline(offerId: string, now: number, refuseSeconds?: number): boolean {
    const offer = this.offers.get(offerId);
    if (!offer) return false;
    this.dropOffer(offer);
    const fw = this.frameworks.get(offer.frameworkId);
    if (fw) this.addFilter(fw, offer.agentId, offer.role, offer.resources, now, refuseSeconds);
    return true;
  }

  /** Rescinds an offer (master-initiated): resources return, no filter. */
  rescind(offerId: string): Offer | undefined {
    const offer = this.offers.get(offerId);
    if (offer) this.dropOffer(offer);
    return offer;
  }

  /**
   * Books resources of an agent as used by a framework outside an offer (what a launch took
   * from resources that a RESERVE in the same ACCEPT created). Only what is available is
   * booked; returns it.
   */
  recordUsage(frameworkId: string, agentId: string, role: string, resources: Resources): Resources {
    const agent = this.mustAgent(agentId);
    const before = agent.available;
    this.addUsed(agent, frameworkId, role, resources);
    return R.subtract(before, agent.available);
  }

  /**
   * Frees resources a framework used on an agent (task finished, killed, lost). Only what
   * is actually recorded as used is freed (double recovery is harmless); returns it.
   * Without `role`, the framework's roles on that agent are searched in turn.
   */
  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: Resources,
    role?: string,
  ): Resources {
    const agent = this.agents.get(agentId);
    const byRole = agent?.used.get(frameworkId);
    if (!agent || !byRole) return R.EMPTY;
    const fw = this.frameworks.get(frameworkId);
    let remaining = R.normalize(resources);
    let freedAll: Resources = R.EMPTY;
    for (const r of role !== undefined ? [role] : [...byRole.keys()]) {
      const cur = byRole.get(r);
      if (!cur) continue;
      const freed = R.intersect(cur, remaining);
      if (R.isEmpty(freed)) continue;
      const left = R.subtract(cur, freed);
      if (R.isEmpty(left)) byRole.delete(r);
      else byRole.set(r, left);
      remaining = R.subtract(remaining, freed);
      agent.available = R.add(agent.available, freed);
      this.addAlloc(fw, r, freed, -1);
      freedAll = R.add(freedAll, freed);
      if (R.isEmpty(remaining)) break;
    }
    if (byRole.size === 0) {
      agent.used.delete(frameworkId);
      fw?.agents.delete(agentId);
    }
    return freedAll;
  }

  // ------------------------------------------------------------- inspection

  getOffer(offerId: string): Offer | undefined {
    return this.offers.get(offerId);
  }

  /** Outstanding offers (of one framework or agent if given). */
  getOffers(filter: { frameworkId?: string; agentId?: string } = {}): Offer[] {
    let ids: Iterable<string> = this.offers.keys();
    if (filter.frameworkId !== undefined)
      ids = this.frameworks.get(filter.frameworkId)?.offers ?? [];
    else if (filter.agentId !== undefined) ids = this.agents.get(filter.agentId)?.offers ?? [];
    const out: Offer[] = [];
    for (const id of ids) {
      const o = this.offers.get(id);
      if (!o) continue;
      if (filter.agentId === undefined || o.agentId === filter.agentId) out.push(o);
    }
    return out;
  }

  hasAgent(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  hasFramework(frameworkId: string): boolean {
    return this.frameworks.has(frameworkId);
  }

  agentIds(): string[] {
    return [...this.agents.keys()];
  }

  frameworkIds(): string[] {
    return [...this.frameworks.keys()];
  }

  getAgent(agentId: string): AgentView | undefined {
    const a = this.agents.get(agentId);
    if (!a) return undefined;
    let used: Resources = R.EMPTY;
    for (const byRole of a.used.values())
      for (const res of byRole.values()) used = R.add(used, res);
    let offered: Resources = R.EMPTY;
    for (const id of a.offers) offered = R.add(offered, this.offers.get(id)?.resources ?? R.EMPTY);
    return {
      id: a.id,
      hostname: a.hostname,
      attributes: a.attributes,
      active: a.active,
      total: a.total,
      used,
      offered,
      available: a.available,
      offerIds: [...a.offers],
    };
  }

  /** Resources a framework uses (on one agent, or everywhere), optionally in one role. */
  usedResources(frameworkId: string, agentId?: string, role?: string): Resources {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return R.EMPTY;
    let used: Resources = R.EMPTY;
    for (const aid of agentId !== undefined ? [agentId] : fw.agents) {
      const byRole = this.agents.get(aid)?.used.get(frameworkId);
      if (!byRole) continue;
      for (const [r, res] of byRole) if (role === undefined || r === role) used = R.add(used, res);
    }
    return used;
  }

  getFramework(frameworkId: string): FrameworkView | undefined {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return undefined;
    this.refreshFairness();
    let offered: Resources = R.EMPTY;
    for (const id of fw.offers) offered = R.add(offered, this.offers.get(id)?.resources ?? R.EMPTY);
    const shares: Record<string, number> = {};
    for (const [role, q] of fw.alloc) shares[role] = this.shareOf(q);
    return {
      id: fw.id,
      roles: [...fw.roles],
      suppressedRoles: [...fw.suppressed],
      capabilities: [...fw.capabilities],
      active: fw.active,
      registered: fw.registered,
      used: this.usedResources(frameworkId),
      offered,
      offerIds: [...fw.offers],
      shares,
    };
  }

  /** A framework's dominant share (used + offered) in `role`, or over all its roles. */
  dominantShare(frameworkId: string, role?: string): number {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return 0;
    this.refreshFairness();
    if (role !== undefined) return this.shareOf(fw.alloc.get(role));
    const sum: ScalarQuantities = {};
    for (const q of fw.alloc.values()) {
      for (const [n, v] of Object.entries(q)) sum[n] = (sum[n] ?? 0) + v;
    }
    return this.shareOf(sum);
  }

  /** A role's dominant share (all its frameworks) and the same divided by its weight. */
  roleShare(role: string): { share: number; weightedShare: number } {
    this.refreshFairness();
    const share = this.shareOf(this.roleAlloc.get(role));
    return { share, weightedShare: share / this.getWeight(role) };
  }

  /** Total scalar quantities of all agents. */
  clusterResources(): ScalarQuantities {
    return { ...this.clusterTotal };
  }

  stats(): { agents: number; frameworks: number; offers: number; rounds: number } {
    return {
      agents: this.agents.size,
      frameworks: this.frameworks.size,
      offers: this.offers.size,
      rounds: this.rounds,
    };
  }

  // --------------------------------------------------------------- private

  private mustAgent(id: string): AgentState {
    const a = this.agents.get(id);
    if (!a) throw new AllocatorError('UNKNOWN_AGENT', `agent ${id} is unknown`);
    return a;
  }

  private mustFramework(id: string): FrameworkState {
    const f = this.frameworks.get(id);
    if (!f) throw new AllocatorError('UNKNOWN_FRAMEWORK', `framework ${id} is unknown`);
    return f;
  }

  private newFramework(id: string): FrameworkState {
    const fw: FrameworkState = {
      id,
      roles: [],
      suppressed: new Set(),
      capabilities: new Set(),
      active: false,
      registered: false,
      alloc: new Map(),
      offers: new Set(),
      agents: new Set(),
      filters: new Map(),
    };
    this.frameworks.set(id, fw);
    return fw;
  }

  private applyFrameworkSpec(
    fw: FrameworkState,
    spec: Partial<Omit<FrameworkSpec, 'id' | 'active'>>,
  ): Offer[] {
    let rescinded: Offer[] = [];
    if (spec.roles) {
      const roles = [...new Set(spec.roles)];
      const gone = fw.roles.filter((r) => !roles.includes(r));
      fw.roles = roles;
      if (gone.length > 0) {
        const ids = [...fw.offers].filter((id) => gone.includes(this.offers.get(id)?.role ?? ''));
        rescinded = this.dropOffers(ids);
        for (const r of gone) fw.suppressed.delete(r);
      }
    }
    if (spec.suppressedRoles) fw.suppressed = new Set(spec.suppressedRoles);
    if (spec.capabilities) fw.capabilities = new Set(spec.capabilities);
    return rescinded;
  }

  private allAgents(): AgentState[] {
    if (!this.agentList) this.agentList = [...this.agents.values()];
    return this.agentList;
  }

  private refreshFairness(): void {
    if (!this.fairDirty) return;
    this.fairNames = [];
    this.fairTotals = [];
    for (const [name, v] of Object.entries(this.clusterTotal)) {
      if (v > 0 && !this.excluded.has(name)) {
        this.fairNames.push(name);
        this.fairTotals.push(v);
      }
    }
    this.fairDirty = false;
  }

  private shareOf(q: ScalarQuantities | undefined): number {
    if (!q) return 0;
    let s = 0;
    const names = this.fairNames;
    for (let i = 0; i < names.length; i++) {
      const v = q[names[i]];
      if (v !== undefined) {
        const x = v / this.fairTotals[i];
        if (x > s) s = x;
      }
    }
    return s;
  }

  private isAllocatable(res: Resources): boolean {
    if (res.length === 0) return false;
    if (this.minAllocatable.length === 0) return !R.isEmpty(res);
    outer: for (const set of this.minAllocatable) {
      for (const [name, min] of set) {
        let v = 0;
        for (const r of res) if (r.name === name && r.scalar !== undefined) v += r.scalar;
        if (v + 1e-9 < min) continue outer;
      }
      return true;
    }
    return false;
  }

  /** Offers `toOffer` to the first eligible framework of `entry`'s role; true if offered. */
  private tryOffer(
    entry: RoleEntry,
    agent: AgentState,
    toOffer: Resources,
    now: number,
    made: Offer[],
  ): boolean {
    if (!this.isAllocatable(toOffer)) return false;
    const heap = entry.clients;
    const skipped: Client[] = [];
    let client: Client | undefined;
    while ((client = heap.pop()) !== undefined) {
      if (this.eligible(client.fw, client.role, agent, toOffer, now)) break;
      skipped.push(client);
    }
    for (const c of skipped) heap.push(c);
    if (!client) return false;

    const fw = client.fw;
    const offer: Offer = {
      id: `${this.offerIdPrefix}${++this.offerSeq}`,
      frameworkId: fw.id,
      agentId: agent.id,
      hostname: agent.hostname,
      role: client.role,
      resources: toOffer,
    };
    // Usually the whole of what is available is offered: skip the arithmetic then.
    agent.available = toOffer === agent.available ? R.EMPTY : R.subtract(agent.available, toOffer);
    this.offers.set(offer.id, offer);
    agent.offers.add(offer.id);
    fw.offers.add(offer.id);
    this.addAlloc(fw, client.role, toOffer, 1);
    client.share = this.shareOf(fw.alloc.get(client.role));
    heap.push(client);
    entry.share = this.shareOf(this.roleAlloc.get(entry.role)) / entry.weight;
    made.push(offer);
    return true;
  }

  private eligible(
    fw: FrameworkState,
    role: string,
    agent: AgentState,
    toOffer: Resources,
    now: number,
  ): boolean {
    if (this.filterGpus && agent.hasGpus && !fw.capabilities.has('GPU_RESOURCES')) return false;
    if (fw.filters.size === 0) return true;
    const list = fw.filters.get(agent.id);
    if (!list) return true;
    let filtered = false;
    let expired = false;
    for (const f of list) {
      if (f.expires <= now) expired = true;
      else if (f.role === role && R.contains(f.resources, toOffer)) filtered = true;
    }
    if (expired) {
      const kept = list.filter((f) => f.expires > now);
      if (kept.length === 0) fw.filters.delete(agent.id);
      else fw.filters.set(agent.id, kept);
    }
    return !filtered;
  }

  private addFilter(
    fw: FrameworkState,
    agentId: string,
    role: string,
    resources: Resources,
    now: number,
    refuseSeconds: number | undefined,
  ): void {
    let secs = refuseSeconds ?? this.defaultRefuseSeconds;
    if (!Number.isFinite(secs) || secs <= 0) return;
    secs = Math.min(secs, MAX_REFUSE_SECONDS);
    const list = (fw.filters.get(agentId) ?? []).filter((f) => f.expires > now);
    list.push({ role, resources, expires: now + secs * 1000 });
    if (list.length > MAX_FILTERS_PER_AGENT) list.shift();
    fw.filters.set(agentId, list);
  }

  /** Adds/subtracts scalar quantities to a framework's and its role's allocation. */
  private addAlloc(
    fw: FrameworkState | undefined,
    role: string,
    res: Resources,
    sign: 1 | -1,
  ): void {
    if (fw) {
      let q = fw.alloc.get(role);
      if (!q) fw.alloc.set(role, (q = {}));
      addQuantities(q, res, sign);
      if (sign < 0 && Object.keys(q).length === 0) fw.alloc.delete(role);
    }
    let rq = this.roleAlloc.get(role);
    if (!rq) this.roleAlloc.set(role, (rq = {}));
    addQuantities(rq, res, sign);
    if (sign < 0 && Object.keys(rq).length === 0) this.roleAlloc.delete(role);
  }

  /** Records resources as used (not offered) by a framework on an agent; no alloc change. */
  private recordUsed(agent: AgentState, fw: FrameworkState, role: string, res: Resources): void {
    let byRole = agent.used.get(fw.id);
    if (!byRole) agent.used.set(fw.id, (byRole = new Map()));
    byRole.set(role, R.add(byRole.get(role) ?? R.EMPTY, res));
    fw.agents.add(agent.id);
  }

  /** Resources already used when an agent is added (tasks running on it). */
  private addUsed(
    agent: AgentState,
    frameworkId: string,
    role: string,
    resources: Resources,
  ): void {
    const res = R.intersect(agent.available, R.normalize(resources));
    if (R.isEmpty(res)) return;
    const fw = this.frameworks.get(frameworkId) ?? this.newFramework(frameworkId);
    agent.available = R.subtract(agent.available, res);
    this.recordUsed(agent, fw, role, res);
    this.addAlloc(fw, role, res, 1);
  }

  /** Removes an offer from the books without touching resources. */
  private removeOffer(offer: Offer): void {
    this.offers.delete(offer.id);
    this.agents.get(offer.agentId)?.offers.delete(offer.id);
    this.frameworks.get(offer.frameworkId)?.offers.delete(offer.id);
  }

  /** Removes an offer and returns all its resources to the pool. */
  private dropOffer(offer: Offer): void {
    this.removeOffer(offer);
    const agent = this.agents.get(offer.agentId);
    if (agent) agent.available = R.add(agent.available, offer.resources);
    this.addAlloc(this.frameworks.get(offer.frameworkId), offer.role, offer.resources, -1);
  }

  private dropOffers(ids: Iterable<string>): Offer[] {
    const out: Offer[] = [];
    for (const id of [...ids]) {
      const o = this.offers.get(id);
      if (o) {
        this.dropOffer(o);
        out.push(o);
      }
    }
    return out;
  }
}

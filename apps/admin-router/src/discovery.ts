import { Logger } from '@nestjs/common';
import {
  AgentEventContract,
  LeaderEventContract,
  type AgentEvent,
  type LeaderEvent,
  type Subjects,
} from '@dcos/contracts';
import type { NatsClient } from '@dcos/nats';
import { SharedCache } from './cache';
import {
  candidateNames,
  frameworksOf,
  indexMarathonApps,
  mesosDnsSrvName,
  resolveLocally,
  upstreamFromSrv,
  type MarathonService,
} from './service-resolution';

/** `slave(1)@10.0.0.1:5051` / `master@10.0.0.1:5050` → `http://10.0.0.1:5051`. */
export function urlFromPid(pid: string): string | undefined {
  const m = /^[^@]+@(.+):(\d+)$/.exec(pid);
  if (!m) return undefined;
  const host = m[1] as string;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${m[2]}`;
}

/** Agents of a `/master/state` document: id → HTTP URL. */
export function agentsOf(state: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const slaves = (state as { slaves?: unknown })?.slaves;
  if (!Array.isArray(slaves)) return out;
  for (const s of slaves as Record<string, unknown>[]) {
    if (typeof s?.id !== 'string' || typeof s.pid !== 'string') continue;
    const url = urlFromPid(s.pid);
    if (url) out.set(s.id, url);
  }
  return out;
}

/** The leader of a `/master/state` document, as a URL (`leader` pid, else `leader_info`). */
export function leaderOf(state: unknown): string | undefined {
  const s = state as {
    leader?: unknown;
    leader_info?: { hostname?: unknown; ip?: unknown; port?: unknown };
  };
  if (typeof s?.leader === 'string') {
    const u = urlFromPid(s.leader);
    if (u) return u;
  }
  const li = s?.leader_info;
  const host =
    typeof li?.ip === 'string' ? li.ip : typeof li?.hostname === 'string' ? li.hostname : undefined;
  if (host && typeof li?.port === 'number') return `http://${host}:${li.port}`;
  return undefined;
}

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/**
 * Subjects the master's NATS protocol adds (`masterLeaderEvents`, `masterAgentEvents`,
 * `masterState`). Looked up by name so the router uses them as soon as the master declares
 * them in libs/contracts, and falls back to HTTP polling of MASTER_URL until then.
 */
function optionalSubject(subjects: Subjects, key: string): string | undefined {
  const v = (subjects as unknown as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

export interface DiscoveryOptions {
  masterUrl: string;
  marathonUrl: string;
  mesosDnsUrl: string;
  ttlMs: number;
  /** Per-lookup timeout (ms). */
  timeoutMs?: number;
}

export type ServiceResolution =
  | {
      kind: 'upstream';
      name: string;
      nameSegments: number;
      url: string;
      rewrite: boolean;
      source: string;
    }
  | { kind: 'no-task'; name: string }
  | { kind: 'dns-failed'; name: string }
  | { kind: 'unknown' };

/**
 * Where things are: the leading master (NATS leader events, else MASTER_URL), agents and
 * frameworks (the leader's state, plus NATS agent events), Marathon apps labelled for
 * `/service`, and Mesos-DNS SRV answers. Every lookup goes through a short shared cache.
 */
export class Discovery {
  private readonly logger = new Logger('discovery');
  private leader: string;
  private leaderSource: 'config' | 'nats' | 'state' = 'config';
  /** Agent id → URL (undefined once removed) and when that became known (event or state load start). */
  private readonly agents = new Map<string, { url?: string; at: number }>();
  private readonly stateCache: SharedCache<unknown>;
  private readonly marathonCache: SharedCache<Map<string, MarathonService>>;
  private readonly dnsCache: SharedCache<string | undefined>;
  private readonly timeoutMs: number;
  private lastAgentRefresh = 0;

  constructor(
    private readonly o: DiscoveryOptions,
    private readonly nats?: Pick<NatsClient, 'subjects' | 'subscribe' | 'request'>,
  ) {
    this.leader = o.masterUrl;
    this.timeoutMs = o.timeoutMs ?? 3_000;
    this.stateCache = new SharedCache(o.ttlMs, 1);
    this.marathonCache = new SharedCache(o.ttlMs, 1);
    this.dnsCache = new SharedCache(o.ttlMs, 5_000);
  }

  get leaderUrl(): string {
    return this.leader;
  }

  get leaderKnownFrom(): string {
    return this.leaderSource;
  }

  /** Follow the master's NATS events when its contracts declare them. */
  watch(): void {
    if (!this.nats) return;
    const leaderSubject = optionalSubject(this.nats.subjects, 'masterLeaderEvents');
    if (leaderSubject) {
      this.nats.subscribe<LeaderEvent>(leaderSubject, (e) => this.onLeader(e), {
        input: LeaderEventContract,
        onInvalid: (err) => this.logger.warn(`bad leader event: ${err.message}`),
      });
    }
    const agentSubject = optionalSubject(this.nats.subjects, 'masterAgentEvents');
    if (agentSubject) {
      this.nats.subscribe<AgentEvent>(agentSubject, (e) => this.onAgent(e), {
        input: AgentEventContract,
        onInvalid: (err) => this.logger.warn(`bad agent event: ${err.message}`),
      });
    }
  }

  onLeader(e: LeaderEvent): void {
    const url = e.http_url.replace(/\/+$/, '');
    if (url !== this.leader) this.logger.log(`leading master is now ${url} (${e.leader})`);
    this.leader = url;
    this.leaderSource = 'nats';
    this.stateCache.invalidate();
  }

  onAgent(e: AgentEvent): void {
    const url = urlFromPid(e.agent.pid);
    if (e.type === 'AGENT_REMOVED') this.agents.set(e.agent.id, { url: undefined, at: Date.now() });
    else if (url) this.agents.set(e.agent.id, { url, at: Date.now() });
  }

  /**
   * The leader's `/master/state` (NATS `masterState` when declared, else HTTP), cached;
   * `fresh` loads it again now.
   */
  async masterState(fresh = false): Promise<unknown> {
    if (fresh) this.stateCache.invalidate();
    return this.stateCache.get('state', async () => {
      const startedAt = Date.now();
      const subject = this.nats && optionalSubject(this.nats.subjects, 'masterState');
      let state: unknown;
      if (subject && this.nats) {
        try {
          state = await this.nats.request(subject, {}, { timeoutMs: this.timeoutMs });
        } catch (e) {
          // No master answers on NATS (older master, NATS trouble): ask the leader over HTTP.
          this.logger.debug(`masterState over NATS failed: ${(e as Error).message}`);
        }
      }
      if (state === undefined) {
        const r = await getJson(`${this.leader}/master/state`, this.timeoutMs);
        // A master without /master/state yet has no agents or frameworks to offer.
        state = r.status === 200 ? r.body : {};
      }
      this.absorbState(state, startedAt);
      return state;
    });
  }

  /** Take in a state whose load started at `startedAt`: events newer than that win over it. */
  private absorbState(state: unknown, startedAt: number): void {
    const leader = leaderOf(state);
    if (leader && this.leaderSource !== 'nats' && leader !== this.leader) {
      this.logger.log(`leading master is now ${leader} (from state)`);
      this.leader = leader;
      this.leaderSource = 'state';
    }
    const agents = agentsOf(state);
    if ((state as { slaves?: unknown })?.slaves !== undefined) {
      for (const [id, known] of this.agents)
        if (!agents.has(id) && known.at < startedAt) this.agents.delete(id);
    }
    for (const [id, url] of agents) {
      const known = this.agents.get(id);
      if (!known || known.at < startedAt) this.agents.set(id, { url, at: startedAt });
    }
  }

  /** Something went wrong talking to the leader: look again (the next state load re-reads it). */
  leaderFailed(): void {
    this.stateCache.invalidate();
    void this.masterState().catch(() => undefined);
  }

  /** An agent's HTTP URL; unknown ids trigger at most one state reload per TTL. */
  async agentUrl(id: string): Promise<string | undefined> {
    const known = this.agents.get(id);
    if (known) return known.url;
    const now = Date.now();
    if (now - this.lastAgentRefresh >= Math.min(this.o.ttlMs, 1_000)) {
      this.lastAgentRefresh = now;
      this.stateCache.invalidate();
    }
    try {
      await this.masterState();
    } catch (e) {
      this.logger.warn(`cannot load the master state: ${(e as Error).message}`);
    }
    return this.agents.get(id)?.url;
  }

  async marathonServices(): Promise<Map<string, MarathonService>> {
    try {
      return await this.marathonCache.get('apps', async () => {
        const r = await getJson(
          `${this.o.marathonUrl}/v2/apps?embed=apps.tasks&label=DCOS_SERVICE_NAME`,
          this.timeoutMs,
        );
        if (r.status !== 200) throw new Error(`Marathon answered ${r.status}`);
        return indexMarathonApps(r.body);
      });
    } catch (e) {
      this.logger.debug(`Marathon apps unavailable: ${(e as Error).message}`);
      return new Map();
    }
  }

  /** Mesos-DNS SRV lookup → `http://ip:port` or undefined; throws when Mesos-DNS fails. */
  async srv(name: string): Promise<string | undefined> {
    const srv = mesosDnsSrvName(name);
    return this.dnsCache.get(srv, async () => {
      const r = await getJson(
        `${this.o.mesosDnsUrl}/v1/services/${encodeURIComponent(srv)}`,
        this.timeoutMs,
      );
      if (r.status !== 200) throw new Error(`Mesos-DNS answered ${r.status}`);
      return upstreamFromSrv(r.body);
    });
  }

  /**
   * Resolve `/service/<segments...>`: for each candidate name, shortest first, a labelled
   * Marathon app, a framework's webui_url, a built-in service, then Mesos-DNS.
   */
  async resolveService(
    segments: readonly string[],
    builtins: Record<string, string>,
  ): Promise<ServiceResolution> {
    const [marathon, state] = await Promise.all([
      this.marathonServices(),
      this.masterState().catch(() => ({})),
    ]);
    const frameworks = frameworksOf(state);
    const names = candidateNames(segments);
    for (const [i, name] of names.entries()) {
      const local = resolveLocally(name, marathon, frameworks, builtins);
      if (local.kind === 'upstream')
        return {
          kind: 'upstream',
          name,
          nameSegments: i + 1,
          url: local.url,
          rewrite: local.rewrite,
          source: local.source,
        };
      if (local.kind === 'no-task') return { kind: 'no-task', name };
      let url: string | undefined;
      try {
        url = await this.srv(name);
      } catch (e) {
        this.logger.warn(`Mesos-DNS lookup of ${name} failed: ${(e as Error).message}`);
        return { kind: 'dns-failed', name };
      }
      if (url)
        return {
          kind: 'upstream',
          name,
          nameSegments: i + 1,
          url,
          rewrite: true,
          source: 'mesos-dns',
        };
    }
    return { kind: 'unknown' };
  }
}

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ServiceName } from '@dcos/contracts';
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, DEFAULT_PORTS } from '@dcos/config';
import {
  SERVICE_LAUNCH,
  SupervisedChild,
  freePort,
  killAgentTaskLeftovers,
  serviceEntry,
} from '@dcos/supervisor';
import { ensureNats, ensurePostgres, type Infra } from './infra';

/** One running component of the local cluster. */
export interface Component {
  /** Unique label: `master`, `agent-1`, `iam`, … */
  name: string;
  service: ServiceName;
  url: string;
  port: number;
  env: Record<string, string>;
  child: SupervisedChild;
  /** Extra ports a component listens on (e.g. Mesos-DNS's DNS port). */
  extra?: Record<string, number>;
}

export interface ClusterOptions {
  /** Repository root (dist/ must be built). */
  root: string;
  agents?: number;
  natsUrl?: string;
  databaseUrl?: string;
  prefix?: string;
  /** `default`: the documented ports; `free`: OS-chosen free ports (tests). */
  ports?: 'default' | 'free';
  /**
   * The user's environment (`process.env` for `npm start`): a port variable set there
   * (`MARATHON_PORT`, `AGENT_PORT`, …) wins over both `ports` modes.
   */
  portEnv?: Record<string, string | undefined>;
  dataDir?: string;
  logLevel?: string;
  /** Services to start after the agents (default: all). */
  services?: ServiceName[];
  readyTimeoutMs?: number;
  /**
   * File-backed disks for every agent (`2x1G`, as the agent's `--disks`): turns storage on, with
   * one external-volume pool shared by all agents under the data dir.
   */
  disks?: string;
  /** Extra env per component name (`master`, `agent-1`, `iam`…). */
  env?: Record<string, Record<string, string>>;
  onLine?: (component: string, line: string, stream: 'stdout' | 'stderr') => void;
  log?: (message: string) => void;
}

/** DC/OS boot order: coordination store, masters, agents, then services (edge last). */
export const SERVICE_STAGES: ServiceName[][] = [
  ['marathon', 'mesos-dns', 'iam', 'dss'],
  ['admin-router'],
];

export class ClusterStartError extends Error {}

/** Key of Mesos-DNS's DNS (UDP/TCP) port in a port plan. */
export const MESOS_DNS_DNS = 'mesos-dns-dns';

/** Which variable sets which planned port: a component's HTTP port, or Mesos-DNS's DNS port. */
function portVariable(key: string): { variable: string; def: number; offset: number } {
  if (key === MESOS_DNS_DNS)
    return { variable: 'MESOS_DNS_PORT', def: DEFAULT_PORTS['mesos-dns-dns'], offset: 0 };
  const agent = /^agent-(\d+)$/.exec(key);
  // Agents count up from AGENT_PORT (5051, 5052…), as several agents on one host do.
  if (agent) {
    const l = SERVICE_LAUNCH.agent;
    return { variable: l.portVar, def: l.defaultPort, offset: Number(agent[1]) - 1 };
  }
  const l = SERVICE_LAUNCH[key as ServiceName];
  return { variable: l.portVar, def: l.defaultPort, offset: 0 };
}

/**
 * Every port of the local cluster, by component name (`master`, `agent-1`, …, `mesos-dns-dns`):
 * the port variable from `env` when set, else the default (or, with `ports: 'free'`, one the OS
 * picks). An invalid variable or two components on one port stop the launch, naming them.
 */
export async function planPorts(
  o: {
    agents: number;
    services: ServiceName[];
    ports: 'default' | 'free';
    env?: Record<string, string | undefined>;
  },
  pickFree: () => Promise<number> = freePort,
): Promise<Record<string, number>> {
  const keys = ['master'];
  for (let i = 1; i <= o.agents; i++) keys.push(`agent-${i}`);
  for (const s of SERVICE_STAGES.flat()) if (o.services.includes(s)) keys.push(s);
  if (o.services.includes('mesos-dns')) keys.push(MESOS_DNS_DNS);
  const plan: Record<string, number> = {};
  const taken = new Map<number, { key: string; source: string }>();
  const take = (key: string, port: number, source: string) => {
    const other = taken.get(port);
    if (other)
      throw new ClusterStartError(
        `${other.key} (${other.source}) and ${key} (${source}) would both listen on port ${port}: set one of them to another port`,
      );
    taken.set(port, { key, source });
    plan[key] = port;
  };
  // The user's variables first, so that a free port is never one the user asked for.
  for (const key of keys) {
    const { variable, offset } = portVariable(key);
    const given = o.env?.[variable];
    if (given === undefined || given === '') continue;
    if (!/^\d+$/.test(given) || Number(given) < 1 || Number(given) + offset > 65535)
      throw new ClusterStartError(
        `${variable} must be a port number between 1 and ${65535 - offset} (got "${given}")`,
      );
    take(key, Number(given) + offset, offset ? `${variable}+${offset}` : variable);
  }
  for (const key of keys) {
    if (plan[key] !== undefined) continue;
    const { variable, def, offset } = portVariable(key);
    if (o.ports === 'free') {
      // The OS may hand back a port picked a moment ago: ask again until it is a new one.
      let port: number;
      do port = await pickFree();
      while (taken.has(port));
      take(key, port, 'a free port');
    } else {
      take(key, def + offset, `the default of ${variable}`);
    }
  }
  const ordered: Record<string, number> = {};
  for (const key of keys) ordered[key] = plan[key];
  return ordered;
}

export class LocalCluster {
  readonly components: Component[] = [];
  readonly infra: Infra[] = [];
  private stopping = false;
  private ports: Record<string, number> = {};

  constructor(
    readonly options: Required<
      Omit<ClusterOptions, 'env' | 'onLine' | 'log' | 'disks' | 'portEnv'>
    > &
      ClusterOptions,
  ) {}

  get natsUrl(): string {
    return this.infraUrl('nats');
  }

  get databaseUrl(): string {
    return this.infraUrl('postgres');
  }

  private infraUrl(name: Infra['name']): string {
    const i = this.infra.find((x) => x.name === name);
    if (!i) throw new Error(`${name} is not set up yet`);
    return i.url;
  }

  component(name: string): Component {
    const c = this.components.find((x) => x.name === name);
    if (!c) throw new Error(`no component ${name}`);
    return c;
  }

  async start(): Promise<void> {
    const o = this.options;
    const log = o.log ?? (() => undefined);
    mkdirSync(o.dataDir, { recursive: true });
    // Before anything starts: a bad port variable costs nothing to report.
    this.ports = await planPorts({ ...o, env: o.portEnv });
    this.infra.push(await ensureNats(o.natsUrl, o.dataDir, log));
    this.infra.push(await ensurePostgres(o.databaseUrl, o.dataDir, log));

    await this.stage([await this.spec('master', 'master', 0)]);
    const agents = [];
    for (let i = 1; i <= o.agents; i++) agents.push(await this.spec('agent', `agent-${i}`, i - 1));
    await this.stage(agents);
    for (const group of SERVICE_STAGES) {
      const wanted = group.filter((s) => o.services.includes(s));
      const specs = [];
      for (const s of wanted) specs.push(await this.spec(s, s, 0));
      await this.stage(specs);
    }
  }

  private async spec(service: ServiceName, name: string, index: number) {
    const o = this.options;
    const launch = SERVICE_LAUNCH[service];
    const port = this.ports[name];
    const env: Record<string, string> = {
      NATS_URL: this.natsUrl,
      NATS_PREFIX: o.prefix,
      LOG_LEVEL: o.logLevel,
      BIND_HOST: '127.0.0.1',
      ADVERTISE_HOST: '127.0.0.1',
      [launch.portVar]: String(port),
    };
    if (launch.stateful) env.DATABASE_URL = this.databaseUrl;
    const extra: Record<string, number> = {};
    if (service === 'agent') {
      env.AGENT_WORK_DIR = join(o.dataDir, 'agents', name);
      // Each local agent's hostname is its own loopback address: it resolves (users and
      // Marathon reach tasks at host:port) and differs per agent (UNIQUE hostname works).
      env.AGENT_NODE_NAME = `127.0.0.${index + 1}`;
      mkdirSync(env.AGENT_WORK_DIR, { recursive: true });
      Object.assign(env, agentStorageEnv(o));
    }
    if (service === 'mesos-dns') {
      extra.dns = this.ports[MESOS_DNS_DNS];
      env.MESOS_DNS_PORT = String(extra.dns);
    }
    const master = this.components.find((c) => c.name === 'master');
    if (master) env.MASTER_URL = master.url;
    if (service === 'admin-router') {
      // The edge starts last: point it at every upstream that is already running.
      const upstreams: [ServiceName, string][] = [
        ['iam', 'IAM_URL'],
        ['marathon', 'MARATHON_URL'],
        ['mesos-dns', 'MESOS_DNS_URL'],
        ['dss', 'DSS_URL'],
      ];
      for (const [svc, variable] of upstreams) {
        const c = this.components.find((x) => x.service === svc);
        if (c) env[variable] = c.url;
      }
    }
    Object.assign(env, o.env?.[name]);
    return { service, name, port, env, extra };
  }

  /** Start a group of components together and wait until all are healthy. */
  private async stage(specs: Awaited<ReturnType<LocalCluster['spec']>>[]): Promise<void> {
    const started: Component[] = specs.map((s) => {
      const child = new SupervisedChild({
        name: s.name,
        command: process.execPath,
        args: ['--enable-source-maps', serviceEntry(this.options.root, s.service)],
        env: s.env,
        onLine: (line, stream) => this.options.onLine?.(s.name, line, stream),
      });
      const c: Component = {
        name: s.name,
        service: s.service,
        port: s.port,
        url: `http://127.0.0.1:${s.port}`,
        env: s.env,
        child,
        extra: s.extra,
      };
      this.components.push(c);
      return c;
    });
    await Promise.all(started.map((c) => this.waitHealthy(c)));
  }

  private async waitHealthy(c: Component): Promise<void> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!c.child.running) {
        const e = c.child.exitInfo;
        throw new ClusterStartError(
          `${c.name} exited (${e?.signal ?? `code ${e?.code}`}) before becoming healthy:\n${tail(c.child.output())}`,
        );
      }
      try {
        const res = await fetch(`${c.url}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        last = `HTTP ${res.status} ${await res.text()}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new ClusterStartError(
      `${c.name} not healthy after ${this.options.readyTimeoutMs} ms (${last}):\n${tail(c.child.output())}`,
    );
  }

  /** Current /health of every component. */
  async health(): Promise<{ name: string; url: string; status: number | 'down'; body: unknown }[]> {
    return Promise.all(
      this.components.map(async (c) => {
        try {
          const res = await fetch(`${c.url}/health`, { signal: AbortSignal.timeout(3_000) });
          const text = await res.text();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* keep text */
          }
          return { name: c.name, url: c.url, status: res.status, body };
        } catch (e) {
          return { name: c.name, url: c.url, status: 'down' as const, body: (e as Error).message };
        }
      }),
    );
  }

  /** Stop services in reverse boot order, then anything the launcher started itself. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const c of [...this.components].reverse().filter((x) => x.service === 'admin-router'))
      await c.child.stop();
    await Promise.all(
      this.components
        .filter((c) => c.service !== 'master' && c.service !== 'agent')
        .map((c) => c.child.stop()),
    );
    await Promise.all(
      this.components.filter((c) => c.service === 'agent').map((c) => c.child.stop()),
    );
    // Agents leave their tasks running (a restarted agent re-attaches them, as Mesos); the
    // local cluster is going away, so its tasks go too: nothing is left running.
    for (const c of this.components.filter((x) => x.service === 'agent')) {
      if (c.env.AGENT_WORK_DIR) killAgentTaskLeftovers(c.env.AGENT_WORK_DIR);
    }
    await Promise.all(
      this.components.filter((c) => c.service === 'master').map((c) => c.child.stop()),
    );
    for (const i of [...this.infra].reverse()) await i.stop?.();
  }
}

function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * Storage env for each local agent: `AGENT_DISKS` and the external (DVDI) volume pool that all
 * agents share (NFS in production, one directory here) — set only when disks are asked for.
 */
export function agentStorageEnv(o: { dataDir: string; disks?: string }): Record<string, string> {
  if (!o.disks) return {};
  const pool = join(o.dataDir, 'external-volumes');
  mkdirSync(pool, { recursive: true });
  return { AGENT_DISKS: o.disks, AGENT_EXTERNAL_VOLUMES_DIR: pool };
}

export function clusterOptions(o: ClusterOptions): LocalCluster['options'] {
  return {
    ...o,
    root: resolve(o.root),
    agents: o.agents ?? 2,
    natsUrl: o.natsUrl ?? DEFAULT_NATS_URL,
    databaseUrl: o.databaseUrl ?? DEFAULT_DATABASE_URL,
    prefix: o.prefix ?? 'dcos',
    ports: o.ports ?? 'default',
    dataDir: resolve(o.dataDir ?? join(o.root, '.data')),
    logLevel: o.logLevel ?? 'info',
    services: o.services ?? SERVICE_STAGES.flat(),
    readyTimeoutMs: o.readyTimeoutMs ?? 60_000,
  };
}

/** Bring the whole local cluster up; on failure, stops whatever did start and rethrows. */
export async function startCluster(o: ClusterOptions): Promise<LocalCluster> {
  const cluster = new LocalCluster(clusterOptions(o));
  try {
    await cluster.start();
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

import { rfc1123 } from '@dcos/mesos-dns-records';

/**
 * `/service/<name>` resolution (DC/OS lib/service.lua + lib/cache.lua) as pure functions over
 * snapshots of Marathon's apps and the master's frameworks. The I/O (fetching the snapshots,
 * asking Mesos-DNS) lives in discovery.ts.
 */

/** A Marathon app that asked to be reachable under `/service/<DCOS_SERVICE_NAME>`. */
export interface MarathonService {
  name: string;
  appId: string;
  /** `scheme://host:port` of a running task; undefined when none runs (→ 503). */
  url?: string;
  /** DCOS_SERVICE_REWRITE_REQUEST_URLS (default true): strip `/service/<name>` upstream. */
  rewrite: boolean;
}

export interface FrameworkEntry {
  id: string;
  name: string;
  webui_url?: string;
}

interface RawTask {
  host?: unknown;
  ports?: unknown;
  state?: unknown;
  ipAddresses?: unknown;
}
interface RawApp {
  id?: unknown;
  labels?: unknown;
  tasks?: unknown;
}

/**
 * Index Marathon's `GET /v2/apps?embed=apps.tasks&label=DCOS_SERVICE_NAME` answer by service
 * name. Apps without `DCOS_SERVICE_PORT_INDEX` (integer) or with a scheme other than http/https
 * are skipped, as DC/OS does. The first TASK_RUNNING task with a port at the index wins.
 */
export function indexMarathonApps(body: unknown): Map<string, MarathonService> {
  const out = new Map<string, MarathonService>();
  const apps = (body as { apps?: unknown })?.apps;
  if (!Array.isArray(apps)) return out;
  for (const app of apps as RawApp[]) {
    const labels = (app?.labels ?? {}) as Record<string, unknown>;
    const name = labels['DCOS_SERVICE_NAME'];
    if (typeof name !== 'string' || name === '' || typeof app.id !== 'string') continue;
    const indexLabel = labels['DCOS_SERVICE_PORT_INDEX'];
    const portIndex =
      typeof indexLabel === 'string' && /^\d+$/.test(indexLabel) ? Number(indexLabel) : NaN;
    if (!Number.isInteger(portIndex)) continue;
    const schemeLabel = labels['DCOS_SERVICE_SCHEME'];
    const scheme = typeof schemeLabel === 'string' && schemeLabel !== '' ? schemeLabel : 'http';
    if (scheme !== 'http' && scheme !== 'https') continue;
    const rewrite =
      String(labels['DCOS_SERVICE_REWRITE_REQUEST_URLS'] ?? 'true').toLowerCase() !== 'false';
    const tasks = Array.isArray(app.tasks) ? (app.tasks as RawTask[]) : [];
    let url: string | undefined;
    for (const t of tasks) {
      if (t?.state !== 'TASK_RUNNING' || typeof t.host !== 'string' || !Array.isArray(t.ports))
        continue;
      const port = (t.ports as unknown[])[portIndex];
      if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0) continue;
      url = `${scheme}://${hostForUrl(t.host)}:${port}`;
      break;
    }
    // Two apps claiming one name: keep the one with a running task.
    const prev = out.get(name);
    if (prev?.url && !url) continue;
    out.set(name, { name, appId: app.id, url, rewrite });
  }
  return out;
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Frameworks of `/master/state` (or state-summary). */
export function frameworksOf(state: unknown): FrameworkEntry[] {
  const fws = (state as { frameworks?: unknown })?.frameworks;
  if (!Array.isArray(fws)) return [];
  return (fws as Record<string, unknown>[])
    .filter((f) => typeof f?.id === 'string' && typeof f?.name === 'string')
    .map((f) => ({
      id: f.id as string,
      name: f.name as string,
      webui_url: typeof f.webui_url === 'string' ? f.webui_url : undefined,
    }));
}

/** The SRV name Mesos-DNS gives a Marathon app `/a/b` (task name `b.a`): `_b-a._tcp.marathon.mesos`. */
export function mesosDnsSrvName(serviceName: string): string {
  const label = rfc1123(serviceName.split('/').filter(Boolean).reverse().join('.'));
  return `_${label}._tcp.marathon.mesos`;
}

/** Candidate service names for the path segments, shortest first (nested group names). */
export function candidateNames(segments: readonly string[], max = 8): string[] {
  const out: string[] = [];
  for (let i = 1; i <= Math.min(segments.length, max); i++)
    out.push(segments.slice(0, i).join('/'));
  return out;
}

export type LocalResolution =
  | {
      kind: 'upstream';
      url: string;
      rewrite: boolean;
      source: 'marathon' | 'framework' | 'builtin';
    }
  | { kind: 'no-task'; source: 'marathon' }
  /** Nothing local: ask Mesos-DNS. */
  | { kind: 'unknown' };

/**
 * What the snapshots say about one candidate name: a labelled Marathon app first, then a
 * framework (by id or name) with a `webui_url`, then the built-in services (`marathon`).
 */
export function resolveLocally(
  name: string,
  marathon: ReadonlyMap<string, MarathonService>,
  frameworks: readonly FrameworkEntry[],
  builtins: Readonly<Record<string, string>> = {},
): LocalResolution {
  const app = marathon.get(name);
  if (app) {
    return app.url
      ? { kind: 'upstream', url: app.url, rewrite: app.rewrite, source: 'marathon' }
      : { kind: 'no-task', source: 'marathon' };
  }
  const fw = frameworks.find((f) => f.id === name) ?? frameworks.find((f) => f.name === name);
  if (fw?.webui_url) {
    const url = fw.webui_url.replace(/\/+$/, '');
    if (/^https?:\/\/[^/]+/.test(url))
      return { kind: 'upstream', url, rewrite: true, source: 'framework' };
  }
  const builtin = builtins[name];
  if (builtin) return { kind: 'upstream', url: builtin, rewrite: true, source: 'builtin' };
  return { kind: 'unknown' };
}

/** The first usable record of a Mesos-DNS `/v1/services/<srv>` answer → `http://ip:port`. */
export function upstreamFromSrv(body: unknown): string | undefined {
  if (!Array.isArray(body)) return undefined;
  for (const r of body as Record<string, unknown>[]) {
    const ip = typeof r?.ip === 'string' ? r.ip : '';
    const port = typeof r?.port === 'string' ? Number(r.port) : NaN;
    if (ip !== '' && Number.isInteger(port) && port > 0) return `http://${hostForUrl(ip)}:${port}`;
  }
  return undefined;
}

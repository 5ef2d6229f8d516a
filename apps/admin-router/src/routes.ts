/**
 * The Admin Router's location table (DC/OS nginx.master.conf + includes), as a pure function
 * from a request path to what to do with it. No I/O: the router acts on the decision.
 */

/** Who may pass: `open` (anyone), `authn` (any valid token), or a rid checked with action `full`. */
export type Access = { kind: 'open' } | { kind: 'authn' } | { kind: 'authz'; rid: string };

export type Upstream = 'iam' | 'leader' | 'marathon' | 'mesos-dns' | 'dss';

export type RouteDecision =
  /** Served by the Nest app itself (/health, /metrics, OpenAPI). */
  | { kind: 'local' }
  | { kind: 'redirect'; status: 301 | 307; location: string }
  /** A fixed upstream; `path` is what the upstream sees. */
  | {
      kind: 'proxy';
      upstream: Upstream;
      path: string;
      prefix: string;
      access: Access;
      stripAuthCookie?: boolean;
      /** The upstream needs no credentials: drop `Authorization` and the auth cookie. */
      stripCredentials?: boolean;
    }
  /** `/agent/<id>/...`: the agent is looked up at request time. */
  | { kind: 'agent'; agentId: string; path: string; prefix: string; access: Access }
  /** `/service/<segments...>`: resolved segment by segment (nested groups). */
  | { kind: 'service'; segments: string[]; access: Access }
  | { kind: 'version'; access: Access }
  /** The DC/OS UI's configuration (`/dcos-metadata/ui-config.json`, IAM's uiconfig in DC/OS). */
  | { kind: 'ui-config'; access: Access }
  | { kind: 'metadata'; access: Access }
  | { kind: 'buildinfo'; access: Access }
  | { kind: 'system-health'; path: string; access: Access }
  /** dcos-net's `/net/v1/nodes`, built from the master state (`force`: reload it first). */
  | { kind: 'net-nodes'; force: boolean; access: Access }
  | { kind: 'status-page'; access: Access }
  | { kind: 'not-found' };

export const RIDS = {
  acs: 'dcos:adminrouter:acs',
  mesos: 'dcos:adminrouter:ops:mesos',
  slave: 'dcos:adminrouter:ops:slave',
  mesosDns: 'dcos:adminrouter:ops:mesos-dns',
  systemHealth: 'dcos:adminrouter:ops:system-health',
  metadata: 'dcos:adminrouter:ops:metadata',
  networking: 'dcos:adminrouter:ops:networking',
  storage: 'dcos:adminrouter:storage',
  service: (name: string) => `dcos:adminrouter:service:${name}`,
} as const;

const OPEN: Access = { kind: 'open' };
const AUTHN: Access = { kind: 'authn' };
const authz = (rid: string): Access => ({ kind: 'authz', rid });

const LOCAL = new Set(['/health', '/metrics', '/openapi.json', '/openapi.yaml']);

/** `[path, '?query']` of a raw request URL. */
export function splitUrl(url: string): [string, string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q)];
}

/** Path below `prefix` (which has no trailing slash), always starting with `/`. */
function below(path: string, prefix: string): string {
  const rest = path.slice(prefix.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** Agent ids as Mesos makes them (`<uuid>-S<n>`); anything else is not an agent. */
const AGENT_ID_RE = /^[A-Za-z0-9._-]+$/;
/** One service path segment (Marathon id segments, framework names). */
const SERVICE_SEGMENT_RE = /^[A-Za-z0-9._~-]+$/;

/**
 * Decide what a request path means. `url` is the raw request URL (path + query): the
 * query is kept verbatim for the upstream, the path is matched undecoded like nginx's
 * normalised `$uri` would be for plain ASCII paths.
 */
export function route(url: string): RouteDecision {
  const [path, query] = splitUrl(url);
  if (LOCAL.has(path) || path === '/docs' || path.startsWith('/docs/')) return { kind: 'local' };
  if (path.split('/').some((s) => s === '..' || s === '.')) return { kind: 'not-found' };

  if (path === '/') return { kind: 'status-page', access: OPEN };

  if (path === '/acs/api/v1/auth' || path.startsWith('/acs/api/v1/auth/'))
    return {
      kind: 'proxy',
      upstream: 'iam',
      path: path + query,
      prefix: '',
      access: OPEN,
      stripAuthCookie: true,
    };
  if (path === '/acs/api/v1' || path.startsWith('/acs/api/v1/'))
    return {
      kind: 'proxy',
      upstream: 'iam',
      path: path + query,
      prefix: '',
      access: authz(RIDS.acs),
    };

  if (path === '/mesos' || path === '/mesos_dns' || path === '/storage')
    return { kind: 'redirect', status: 301, location: `${path}/${query}` };
  if (path.startsWith('/mesos/'))
    return {
      kind: 'proxy',
      upstream: 'leader',
      path: below(path, '/mesos') + query,
      prefix: '/mesos',
      access: authz(RIDS.mesos),
    };
  if (path.startsWith('/mesos_dns/'))
    return {
      kind: 'proxy',
      upstream: 'mesos-dns',
      path: below(path, '/mesos_dns') + query,
      prefix: '/mesos_dns',
      access: authz(RIDS.mesosDns),
      // As DC/OS (`proxy_set_header Authorization ""`): Mesos-DNS never sees the user's token.
      stripCredentials: true,
    };
  if (path.startsWith('/storage/'))
    return {
      kind: 'proxy',
      upstream: 'dss',
      path: below(path, '/storage') + query,
      prefix: '/storage',
      access: authz(RIDS.storage),
    };

  if (path === '/marathon')
    return { kind: 'redirect', status: 307, location: `/marathon/${query}` };
  if (path.startsWith('/marathon/'))
    return {
      kind: 'proxy',
      upstream: 'marathon',
      path: below(path, '/marathon') + query,
      prefix: '/marathon',
      access: authz(RIDS.service('marathon')),
    };

  const agent = /^\/(agent|slave)\/([^/]+)(\/.*)?$/.exec(path);
  if (agent) {
    const [, kind, id, rest] = agent as unknown as [string, string, string, string | undefined];
    if (!AGENT_ID_RE.test(id)) return { kind: 'not-found' };
    if (rest === undefined) return { kind: 'redirect', status: 301, location: `${path}/${query}` };
    return {
      kind: 'agent',
      agentId: id,
      path: rest + query,
      prefix: `/${kind}/${id}`,
      access: authz(RIDS.slave),
    };
  }

  if (path === '/service' || path === '/service/') return { kind: 'not-found' };
  if (path.startsWith('/service/')) {
    const tail = path.slice('/service/'.length);
    const parts = tail.split('/');
    // `/service/<name>` without the trailing slash: nginx answers 301 with it added.
    if (parts.length === 1) {
      if (!SERVICE_SEGMENT_RE.test(parts[0] as string)) return { kind: 'not-found' };
      return { kind: 'redirect', status: 301, location: `${path}/${query}` };
    }
    // All but the last element are candidate name segments; the last is the rest of the path.
    const segments: string[] = [];
    for (const p of parts) {
      if (p === '' || !SERVICE_SEGMENT_RE.test(p)) break;
      segments.push(p);
    }
    if (segments.length === 0) return { kind: 'not-found' };
    // The rid is decided once the service name is resolved; this is the first-segment default.
    return { kind: 'service', segments, access: authz(RIDS.service(segments[0] as string)) };
  }

  if (path === '/dcos-metadata/dcos-version.json') return { kind: 'version', access: OPEN };
  if (path === '/dcos-metadata/ui-config.json') return { kind: 'ui-config', access: OPEN };
  if (path === '/metadata') return { kind: 'metadata', access: authz(RIDS.metadata) };
  if (path === '/pkgpanda/active.buildinfo.full.json') return { kind: 'buildinfo', access: AUTHN };
  if (path === '/net/v1/nodes')
    return {
      kind: 'net-nodes',
      force: new URLSearchParams(query.slice(1)).has('force'),
      access: authz(RIDS.networking),
    };
  if (path === '/system/health/v1' || path.startsWith('/system/health/v1/'))
    return {
      kind: 'system-health',
      path: below(path, '/system/health/v1'),
      access: authz(RIDS.systemHealth),
    };

  return { kind: 'not-found' };
}

/** The path to forward once `/service/<name>` resolved to `nameSegments` segments of `url`'s path. */
export function serviceUpstreamPath(
  url: string,
  nameSegments: number,
  rewrite: boolean,
): { path: string; prefix: string } {
  const [path, query] = splitUrl(url);
  const parts = path.split('/'); // ['', 'service', ...segments, ...rest]
  const prefix = parts.slice(0, 2 + nameSegments).join('/');
  if (!rewrite) return { path: path + query, prefix: '' };
  return { path: below(path, prefix) + query, prefix };
}

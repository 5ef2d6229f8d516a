import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { Logger as PinoLogger } from 'pino';
import {
  DCOS_AUTH_CHALLENGE,
  DCOS_AUTH_COOKIE,
  type IamAuthorizer,
  type JwksCache,
} from '@dcos/auth';
import { COMPAT_VERSIONS, DCOS_TS_VERSION } from '@dcos/contracts';
import type { MetricsRegistry } from '@dcos/observability';
import { authenticate, VerifiedTokens, wantsHtml } from './auth';
import type { AdminRouterConfig } from './app.module';
import type { Discovery } from './discovery';
import type { ClusterHealth, ComponentHealth } from './health';
import { forbiddenHtml, statusPage, unauthorizedHtml } from './pages';
import { netNodes } from './net-nodes';
import type { Proxy, ProxyTarget } from './proxy';
import {
  RIDS,
  route,
  serviceUpstreamPath,
  type Access,
  type RouteDecision,
  type Upstream,
} from './routes';

type Next = (err?: unknown) => void;

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,200}$/;

interface Ctx {
  id: string;
  started: bigint;
  kind: string;
  uid?: string;
  upstream?: string;
}

export interface AdminRouterDeps {
  config: AdminRouterConfig;
  discovery: Discovery;
  proxy: Proxy;
  health: ClusterHealth;
  jwks: JwksCache;
  authorizer: IamAuthorizer;
  log: PinoLogger;
  metrics?: MetricsRegistry;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function html(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function errorBody(title: string, description: string, code: string) {
  return { title, description, code };
}

/** Drop the DC/OS auth cookie from a Cookie header (IAM's auth endpoints must not see it). */
export function withoutAuthCookie(cookie: string): string {
  return cookie
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '' && !c.startsWith(`${DCOS_AUTH_COOKIE}=`))
    .join('; ');
}

/**
 * The Admin Router: every request not served by the Nest app (/health, /metrics, OpenAPI)
 * is routed, authenticated, authorized and proxied here, before Express parses anything.
 */
export class AdminRouter {
  private readonly c: AdminRouterConfig;
  private readonly verified = new VerifiedTokens();

  constructor(private readonly d: AdminRouterDeps) {
    this.c = d.config;
  }

  /** Express middleware: `app.use(router.handle)`. */
  readonly handle = (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const decision = route(req.url ?? '/');
    if (decision.kind === 'local') return next();
    const ctx = this.begin(req, res, decision.kind);
    this.dispatch(req, res, decision, ctx).catch((e: unknown) => {
      this.d.log.error({ reqId: ctx.id, err: (e as Error).message }, 'request failed');
      if (!res.headersSent)
        json(res, 500, errorBody('Internal Server Error', (e as Error).message, 'ERR_INTERNAL'));
      else res.destroy();
    });
  };

  /** HTTP server `upgrade` listener (websockets). */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const decision = route(req.url ?? '/');
    const ctx: Ctx = {
      id: this.requestId(req),
      started: process.hrtime.bigint(),
      kind: decision.kind,
    };
    this.dispatchUpgrade(req, socket, head, decision, ctx).catch((e: unknown) => {
      this.d.log.error({ reqId: ctx.id, err: (e as Error).message }, 'upgrade failed');
      socket.destroy();
    });
  };

  private requestId(req: IncomingMessage): string {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = id;
    return id;
  }

  private begin(req: IncomingMessage, res: ServerResponse, kind: string): Ctx {
    const ctx: Ctx = { id: this.requestId(req), started: process.hrtime.bigint(), kind };
    res.setHeader('x-request-id', ctx.id);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const end = this.d.metrics?.httpDuration.startTimer();
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - ctx.started) / 1e6;
      const labels = { method, route: ctx.kind, status: String(res.statusCode) };
      end?.(labels);
      this.d.metrics?.httpRequests.inc(labels);
      this.d.log.info(
        {
          reqId: ctx.id,
          method,
          url: url.split('?')[0],
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          route: ctx.kind,
          upstream: ctx.upstream,
          uid: ctx.uid,
          aborted: !res.writableFinished || undefined,
        },
        'request',
      );
    });
    return ctx;
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    d: RouteDecision,
    ctx: Ctx,
  ): Promise<void> {
    switch (d.kind) {
      case 'local':
        return;
      case 'not-found':
        return json(
          res,
          404,
          errorBody('Not Found', `no route for ${(req.url ?? '/').split('?')[0]}`, 'ERR_NOT_FOUND'),
        );
      case 'redirect':
        res.writeHead(d.status, { location: d.location, 'content-length': '0' });
        res.end();
        return;
      default:
        break;
    }
    if (!(await this.authenticate(req, res, d.access, ctx))) return;

    switch (d.kind) {
      case 'version':
        return json(res, 200, {
          version: this.c.DCOS_VERSION,
          'dcos-variant': 'open',
          'dcos-image-commit': `dcos-ts-${DCOS_TS_VERSION}`,
          'bootstrap-id': `dcos-ts-${DCOS_TS_VERSION}`,
          'dcos-ts-version': DCOS_TS_VERSION,
        });
      case 'ui-config':
        return json(res, 200, uiConfig(this.c.CLUSTER_ID));
      case 'metadata':
        if (!(await this.authorize(req, res, d.access, ctx))) return;
        return json(res, 200, { PUBLIC_IPV4: this.c.PUBLIC_IPV4, CLUSTER_ID: this.c.CLUSTER_ID });
      case 'buildinfo':
        return json(res, 200, buildInfo());
      case 'status-page': {
        const comps = await this.d.health.components();
        // The page holds the login form: never inside another site's frame (DC/OS' UI root
        // sends X-Frame-Options DENY by default).
        if (wantsHtml(req.headers.accept) || !req.headers.accept?.includes('json'))
          return html(res, 200, statusPage(comps, DCOS_TS_VERSION), { 'x-frame-options': 'DENY' });
        return json(res, 200, { version: DCOS_TS_VERSION, components: comps });
      }
      case 'system-health':
        if (!(await this.authorize(req, res, d.access, ctx))) return;
        return this.systemHealth(res, d.path);
      case 'net-nodes':
        if (!(await this.authorize(req, res, d.access, ctx))) return;
        return this.netNodes(req, res, d.force);
      case 'proxy': {
        if (!(await this.authorize(req, res, d.access, ctx))) return;
        const url = this.upstreamUrl(d.upstream);
        if (!url)
          return json(
            res,
            503,
            errorBody(
              'Service Unavailable',
              `${d.upstream} is not configured`,
              'ERR_SERVICE_UNAVAILABLE',
            ),
          );
        if (d.stripCredentials) delete req.headers.authorization;
        if ((d.stripAuthCookie || d.stripCredentials) && typeof req.headers.cookie === 'string') {
          const rest = withoutAuthCookie(req.headers.cookie);
          if (rest) req.headers.cookie = rest;
          else delete req.headers.cookie;
        }
        return this.forward(req, res, ctx, {
          url,
          path: d.path,
          prefix: d.prefix,
          upstream: d.upstream,
        });
      }
      case 'agent': {
        if (!(await this.authorize(req, res, d.access, ctx))) return;
        const url = await this.d.discovery.agentUrl(d.agentId);
        if (!url)
          return json(
            res,
            404,
            errorBody(
              'Not Found',
              `agent ${d.agentId} is not known to the leading master`,
              'ERR_UNKNOWN_AGENT',
            ),
          );
        return this.forward(req, res, ctx, {
          url,
          path: d.path,
          prefix: d.prefix,
          upstream: `agent ${d.agentId}`,
        });
      }
      case 'service': {
        const t = await this.resolveService(req, res, d.segments, ctx);
        if (t) this.forward(req, res, ctx, t);
        return;
      }
    }
  }

  private async dispatchUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    d: RouteDecision,
    ctx: Ctx,
  ): Promise<void> {
    // Answers before the upgrade are plain HTTP written on the socket.
    const deny = (status: number, reason: string, extra = ''): void => {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\n${extra}connection: close\r\ncontent-length: 0\r\n\r\n`,
      );
    };
    if (d.kind !== 'proxy' && d.kind !== 'agent' && d.kind !== 'service')
      return deny(404, 'Not Found');
    if (this.c.ADMINROUTER_ACTIVATE_AUTH_MODULE && d.access.kind !== 'open') {
      const a = await authenticate(
        req.headers,
        this.d.jwks.resolver,
        this.c.IAM_TOKEN_ISSUER,
        this.verified,
      );
      if (!a.ok) return deny(401, 'Unauthorized', `www-authenticate: ${DCOS_AUTH_CHALLENGE}\r\n`);
      ctx.uid = a.uid;
      if (a.source === 'cookie') req.headers.authorization = `token=${a.token}`;
    }
    let target: ProxyTarget | undefined;
    let rid: string | undefined = d.access.kind === 'authz' ? d.access.rid : undefined;
    if (d.kind === 'proxy') {
      const url = this.upstreamUrl(d.upstream);
      if (url) target = { url, path: d.path, prefix: d.prefix, upstream: d.upstream };
    } else if (d.kind === 'agent') {
      const url = await this.d.discovery.agentUrl(d.agentId);
      if (url) target = { url, path: d.path, prefix: d.prefix, upstream: `agent ${d.agentId}` };
    } else {
      const r = await this.d.discovery.resolveService(d.segments, this.builtins());
      if (r.kind === 'upstream') {
        const p = serviceUpstreamPath(req.url ?? '/', r.nameSegments, r.rewrite);
        target = { url: r.url, path: p.path, prefix: p.prefix, upstream: `service ${r.name}` };
        rid = RIDS.service(r.name);
      }
    }
    if (!target) return deny(404, 'Not Found');
    if (this.c.ADMINROUTER_ACTIVATE_AUTH_MODULE && rid && ctx.uid) {
      let ok = false;
      try {
        ok = await this.d.authorizer.allowed(ctx.uid, rid, 'full');
      } catch {
        return deny(503, 'Service Unavailable');
      }
      if (!ok) return deny(403, 'Forbidden');
    }
    this.setForwardedHeaders(req);
    this.d.log.info(
      {
        reqId: ctx.id,
        url: (req.url ?? '').split('?')[0],
        upstream: target.upstream,
        uid: ctx.uid,
      },
      'websocket',
    );
    this.d.proxy.ws(req, socket, head, target);
  }

  private upstreamUrl(u: Upstream): string | undefined {
    switch (u) {
      case 'iam':
        return this.c.IAM_URL;
      case 'leader':
        return this.d.discovery.leaderUrl;
      case 'marathon':
        return this.c.MARATHON_URL;
      case 'mesos-dns':
        return this.c.MESOS_DNS_URL;
      case 'dss':
        return this.c.DSS_URL;
    }
  }

  private builtins(): Record<string, string> {
    return { marathon: this.c.MARATHON_URL };
  }

  private async resolveService(
    req: IncomingMessage,
    res: ServerResponse,
    segments: string[],
    ctx: Ctx,
  ): Promise<ProxyTarget | undefined> {
    const r = await this.d.discovery.resolveService(segments, this.builtins());
    if (r.kind === 'unknown') {
      json(
        res,
        404,
        errorBody('Not Found', `service "${segments[0]}" is not known`, 'ERR_UNKNOWN_SERVICE'),
      );
      return undefined;
    }
    if (!(await this.authorize(req, res, { kind: 'authz', rid: RIDS.service(r.name) }, ctx)))
      return undefined;
    if (r.kind === 'no-task') {
      json(
        res,
        503,
        errorBody(
          'Service Unavailable',
          `service "${r.name}" has no running task`,
          'ERR_SERVICE_UNAVAILABLE',
        ),
      );
      return undefined;
    }
    if (r.kind === 'dns-failed') {
      json(
        res,
        503,
        errorBody('Service Unavailable', 'MesosDNS request has failed', 'ERR_SERVICE_UNAVAILABLE'),
      );
      return undefined;
    }
    const p = serviceUpstreamPath(req.url ?? '/', r.nameSegments, r.rewrite);
    return {
      url: r.url,
      path: p.path,
      prefix: p.prefix || `/service/${r.name}`,
      upstream: `service ${r.name}`,
    };
  }

  /** Returns true when the request may go on; otherwise it has been answered. */
  private async authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    access: Access,
    ctx: Ctx,
  ): Promise<boolean> {
    if (access.kind === 'open' || !this.c.ADMINROUTER_ACTIVATE_AUTH_MODULE) return true;
    const a = await authenticate(
      req.headers,
      this.d.jwks.resolver,
      this.c.IAM_TOKEN_ISSUER,
      this.verified,
    );
    if (a.ok) {
      ctx.uid = a.uid;
      // Upstreams see the token the way DC/OS services expect it.
      if (a.source === 'cookie') req.headers.authorization = `token=${a.token}`;
      return true;
    }
    if (a.unavailable) {
      json(
        res,
        503,
        errorBody(
          'Service Unavailable',
          'cannot verify tokens: IAM keys are unavailable',
          'ERR_IAM_UNAVAILABLE',
        ),
      );
      return false;
    }
    const headers = { 'www-authenticate': DCOS_AUTH_CHALLENGE };
    if (wantsHtml(req.headers.accept)) html(res, 401, unauthorizedHtml(a.reason), headers);
    else json(res, 401, errorBody('Unauthorized', a.reason, a.code), headers);
    return false;
  }

  private async authorize(
    req: IncomingMessage,
    res: ServerResponse,
    access: Access,
    ctx: Ctx,
  ): Promise<boolean> {
    if (access.kind !== 'authz' || !this.c.ADMINROUTER_ACTIVATE_AUTH_MODULE || !ctx.uid)
      return true;
    let allowed: boolean;
    try {
      allowed = await this.d.authorizer.allowed(ctx.uid, access.rid, 'full');
    } catch (e) {
      this.d.log.warn(
        { reqId: ctx.id, err: (e as Error).message },
        'IAM authorization check failed',
      );
      json(
        res,
        503,
        errorBody(
          'Service Unavailable',
          'IAM did not answer the authorization check',
          'ERR_IAM_UNAVAILABLE',
        ),
      );
      return false;
    }
    if (allowed) return true;
    const description = `user "${ctx.uid}" is not allowed ${access.rid} (full)`;
    if (wantsHtml(req.headers.accept)) html(res, 403, forbiddenHtml(ctx.uid, access.rid));
    else json(res, 403, errorBody('Forbidden', description, 'ERR_FORBIDDEN'));
    return false;
  }

  private setForwardedHeaders(req: IncomingMessage): void {
    const remote = req.socket.remoteAddress ?? '';
    const prior = req.headers['x-forwarded-for'];
    req.headers['x-forwarded-for'] = prior
      ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${remote}`
      : remote;
    req.headers['x-real-ip'] = remote;
    req.headers['x-forwarded-proto'] = req.socket instanceof TLSSocket ? 'https' : 'http';
    if (req.headers.host) req.headers['x-forwarded-host'] = req.headers.host;
  }

  private forward(req: IncomingMessage, res: ServerResponse, ctx: Ctx, target: ProxyTarget): void {
    ctx.upstream = target.upstream;
    this.setForwardedHeaders(req);
    this.d.proxy.web(req, res, target);
  }

  /** dcos-net's node list (`dcos node list`'s public IPs), from the leading master's state. */
  private async netNodes(req: IncomingMessage, res: ServerResponse, force: boolean): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(
        res,
        405,
        errorBody(
          'Method Not Allowed',
          `${req.method} is not allowed on /net/v1/nodes`,
          'ERR_METHOD',
        ),
        { allow: 'GET, HEAD' },
      );
    let state: unknown;
    try {
      state = await this.d.discovery.masterState(force);
    } catch (e) {
      return json(
        res,
        503,
        errorBody(
          'Service Unavailable',
          `the leading master's state is unavailable: ${(e as Error).message}`,
          'ERR_SERVICE_UNAVAILABLE',
        ),
      );
    }
    const nodes = await netNodes(state, {
      masterPublicIps: [this.c.PUBLIC_IPV4],
      resolve: resolveHost,
      now: new Date(),
    });
    return json(res, 200, nodes);
  }

  private async systemHealth(res: ServerResponse, path: string): Promise<void> {
    const units = await this.d.health.components();
    const healthy = units.every((u) => u.health === 0);
    const summary = (u: ComponentHealth) => ({
      id: u.id,
      name: u.name,
      health: u.health,
      output: u.output,
      description: u.description,
      help: u.help,
      url: u.url,
      version: u.version,
      started_at: u.started_at,
    });
    if (path === '/' || path === '/units') {
      return json(res, 200, {
        units: units.map(summary),
        health: healthy ? 0 : 1,
        hostname: this.c.ADVERTISE_HOST,
        ip: this.c.ADVERTISE_HOST,
        dcos_version: COMPAT_VERSIONS.dcos,
        node_role: 'master',
        mesos_id: '',
        dcos_diagnostics_version: DCOS_TS_VERSION,
      });
    }
    const unit = /^\/units\/([^/]+)\/?$/.exec(path);
    if (unit) {
      let id: string;
      try {
        id = decodeURIComponent(unit[1] as string);
      } catch {
        // `%zz`, `%`: not a unit id anyone could have (decoding threw a URIError → was a 500).
        return json(
          res,
          400,
          errorBody(
            'Bad Request',
            `unit id ${unit[1]} is not percent-encoded correctly`,
            'ERR_INVALID_UNIT',
          ),
        );
      }
      const u = units.find((x) => x.id === id) ?? units.filter((x) => x.name === id);
      if (Array.isArray(u)) {
        if (u.length === 0)
          return json(
            res,
            404,
            errorBody('Not Found', `unit ${id} is not known`, 'ERR_UNKNOWN_UNIT'),
          );
        return json(res, 200, { units: u.map(summary) });
      }
      return json(res, 200, summary(u));
    }
    return json(res, 404, errorBody('Not Found', `no health endpoint ${path}`, 'ERR_NOT_FOUND'));
  }
}

/** A node's address from its name (2 s at most; undefined when it does not resolve). */
async function resolveHost(host: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      lookup(host).then((a) => a.address),
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 2_000))),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * DC/OS' ui-config.json (its `/etc/ui-config.json` as IAM serves it, plus the cluster id): which
 * UI plugins are on. No banner, branding, external links, OAuth (log-in is IAM's own form),
 * telemetry or UI updates here; task logs are the sandbox files (logrotate, not journald).
 */
export function uiConfig(clusterId: string): Record<string, unknown> {
  const off = { enabled: false };
  return {
    uiConfiguration: {
      plugins: {
        banner: off,
        branding: off,
        'external-links': off,
        authentication: off,
        oauth: off,
        intercom: off,
        tracking: off,
        'ui-update': off,
        mesos: { 'logging-strategy': 'logrotate' },
      },
    },
    clusterConfiguration: { id: clusterId },
  };
}

/** pkgpanda's active.buildinfo.full.json: one entry per package; the CLI only needs it to answer. */
function buildInfo(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ['master', 'agent', 'marathon', 'mesos-dns', 'iam', 'dss', 'admin-router']) {
    out[`dcos-ts-${name}`] = { name: `dcos-ts-${name}`, version: DCOS_TS_VERSION, variant: null };
  }
  return out;
}

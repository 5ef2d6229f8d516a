import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { signRs256 } from '@dcos/auth';
import {
  AgentEventContract,
  LeaderEventContract,
  type AgentEvent,
  type LeaderEvent,
} from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import {
  createTestDatabase,
  httpJson,
  startService,
  stopAllServices,
  TEST_NATS_URL,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

const BOSS = 'boss';
const BOSS_PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A small HTTP server on a free port; `handler` sees every request. */
async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}`, port };
}

/** `/slow` responses waiting for the test to let them finish (streaming, with no timing). */
const slowResponses: (() => void)[] = [];

/** An upstream app: echoes requests, streams on demand, redirects, hangs, upgrades to an echo socket. */
async function upstreamApp(label: string) {
  const up = await listen((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path.endsWith('/slow')) {
      // The first chunk now, the rest only once the client has shown it received the first.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('chunk-0\n');
      slowResponses.push(() => {
        res.write('chunk-1\n');
        res.end('chunk-2\n');
      });
      return;
    }
    if (path.endsWith('/redirect')) {
      res.writeHead(302, { location: '/target?x=1' });
      res.end();
      return;
    }
    if (path.endsWith('/hang')) return; // never answers
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({
        label,
        method: req.method,
        url: req.url,
        headers: req.headers,
        bodyBytes: Buffer.concat(chunks).length,
        peerPort: req.socket.remotePort,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'keep-alive': 'timeout=5' });
      res.end(body);
    });
  });
  up.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nx-upstream-url: ${req.url}\r\n\r\n`,
    );
    socket.pipe(socket);
  });
  return up;
}

describe('Admin Router (built service, real IAM, master, NATS, Postgres)', () => {
  let db: TestDatabase;
  let dir: string;
  let iam: TestService;
  let master: TestService;
  let router: TestService;
  let base: string;
  let bossToken: string;
  const servers: Server[] = [];
  const prefix = uniquePrefix('ar');
  let apps: unknown[] = [];
  let srv: Record<string, unknown[]> = {};
  let echo: Awaited<ReturnType<typeof upstreamApp>>;
  let echo2: Awaited<ReturnType<typeof upstreamApp>>;
  const sse: ServerResponse[] = [];

  const get = (path: string, init: RequestInit & { token?: string; timeoutMs?: number } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `token=${init.token}`);
    return httpJson(`${base}${path}`, { redirect: 'manual', timeoutMs: 20_000, ...init, headers });
  };
  const login = async (uid: string, password: string) => {
    const r = await get('/acs/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid, password }),
    });
    expect(r.status).toBe(200);
    return (r.body as { token: string }).token;
  };
  const task = (host: string, port: number) => ({
    id: `t-${port}`,
    host,
    ports: [1, port],
    state: 'TASK_RUNNING',
  });

  beforeAll(async () => {
    db = await createTestDatabase('admin_router');
    dir = mkdtempSync(join(tmpdir(), 'ar-e2e-'));
    echo = await upstreamApp('echo');
    echo2 = await upstreamApp('echo2');
    const marathon = await listen((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v2/apps' && url.searchParams.get('label') === 'DCOS_SERVICE_NAME') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ apps }));
        return;
      }
      if (url.pathname === '/v2/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('event: event_stream_attached\ndata: {"eventType":"event_stream_attached"}\n\n');
        sse.push(res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ marathon: true, url: req.url }));
    });
    const mesosDns = await listen((req, res) => {
      if (req.url === '/v1/headers') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.headers));
        return;
      }
      const name = decodeURIComponent((req.url ?? '').replace(/^\/v1\/services\//, ''));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(srv[name] ?? [{ service: '', host: '', ip: '', port: '' }]));
    });
    servers.push(echo.server, echo2.server, marathon.server, mesosDns.server);
    apps = [
      {
        id: '/echo',
        labels: {
          DCOS_SERVICE_NAME: 'echo',
          DCOS_SERVICE_PORT_INDEX: '1',
          DCOS_SERVICE_SCHEME: 'http',
        },
        tasks: [task('127.0.0.1', echo.port)],
      },
      {
        id: '/group/app',
        labels: { DCOS_SERVICE_NAME: 'group/app', DCOS_SERVICE_PORT_INDEX: '1' },
        tasks: [task('127.0.0.1', echo2.port)],
      },
      {
        id: '/keep',
        labels: {
          DCOS_SERVICE_NAME: 'keep',
          DCOS_SERVICE_PORT_INDEX: '1',
          DCOS_SERVICE_REWRITE_REQUEST_URLS: 'false',
        },
        tasks: [task('127.0.0.1', echo.port)],
      },
      {
        id: '/down',
        labels: { DCOS_SERVICE_NAME: 'down', DCOS_SERVICE_PORT_INDEX: '0' },
        tasks: [],
      },
    ];
    srv = {
      '_dnsonly._tcp.marathon.mesos': [
        {
          service: '_dnsonly._tcp.marathon.mesos.',
          host: 'h.',
          ip: '127.0.0.1',
          port: String(echo2.port),
        },
      ],
    };

    [iam, master] = await Promise.all([
      startService('iam', {
        DATABASE_URL: db.url,
        NATS_PREFIX: prefix,
        IAM_BOOTSTRAP_UID: BOSS,
        IAM_BOOTSTRAP_PASSWORD: BOSS_PASSWORD,
        IAM_SECRET_KEY_FILE: join(dir, 'secret.key'),
      }),
      startService('master', { DATABASE_URL: db.url, NATS_PREFIX: prefix }),
    ]);
    router = await startService('admin-router', {
      NATS_PREFIX: prefix,
      IAM_URL: iam.url,
      MASTER_URL: master.url,
      MARATHON_URL: marathon.url,
      MESOS_DNS_URL: mesosDns.url,
      ADMIN_ROUTER_CACHE_TTL_MS: '200',
      // Long enough for IAM's password hashing on a loaded machine; the 504 test waits it out.
      ADMIN_ROUTER_UPSTREAM_TIMEOUT_MS: '8000',
      ADMIN_ROUTER_MAX_BODY_BYTES: '4096',
      CLUSTER_ID: 'e2e-cluster',
    });
    base = router.url;
    bossToken = await login(BOSS, BOSS_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    for (const r of sse) r.destroy();
    await stopAllServices();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    for (const s of servers) s.closeAllConnections();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in through the router (open) and keeps its own /health open', async () => {
    expect(bossToken).toMatch(/^ey/);
    const h = await get('/health');
    expect(h.status).toBe(200);
    expect((await get('/openapi.json')).status).toBe(200);
    const metrics = await fetch(`${base}/metrics`);
    expect(await metrics.text()).toContain('dcos_http_requests_total');
    const v = await get('/dcos-metadata/dcos-version.json');
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ version: expect.any(String), 'dcos-variant': 'open' });
    // `dcos cluster setup` first checks `HEAD /` for a 200 (its canonical cluster URL).
    expect((await fetch(`${base}/`, { method: 'HEAD' })).status).toBe(200);
    // The DC/OS UI's first request, open like DC/OS' (IAM's uiconfig there).
    const ui = await get('/dcos-metadata/ui-config.json');
    expect(ui.status).toBe(200);
    expect(ui.body).toMatchObject({
      uiConfiguration: { plugins: { mesos: { 'logging-strategy': 'logrotate' } } },
      clusterConfiguration: { id: 'e2e-cluster' },
    });
    const jwks = await get('/acs/api/v1/auth/jwks');
    expect((jwks.body as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  it('answers 401 acsjwt without a token: JSON for clients, HTML for browsers', async () => {
    for (const path of [
      '/mesos/version',
      '/pkgpanda/active.buildinfo.full.json',
      '/service/echo/',
      '/acs/api/v1/users',
      '/system/health/v1',
      '/metadata',
      '/marathon/v2/info',
      '/agent/x/state',
      '/mesos_dns/v1/version',
    ]) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 401]);
      expect(r.headers.get('www-authenticate')).toBe('acsjwt');
      expect(r.body).toMatchObject({ code: 'ERR_MISSING_AUTH_TOKEN' });
    }
    // Browsers get DC/OS' 401 page: it sends them to the login page, JSON clients keep JSON.
    for (const accept of ['text/html', 'text/html,application/xhtml+xml,*/*;q=0.8']) {
      const html = await fetch(`${base}/mesos/version`, { headers: { accept } });
      expect(html.status).toBe(401);
      expect(html.headers.get('www-authenticate')).toBe('acsjwt');
      expect(html.headers.get('content-type')).toMatch(/text\/html/);
      const text = await html.text();
      expect(text).toContain('401 Unauthorized');
      expect(text).toMatch(/window\.location[\s\S]*'\/#\/login\?redirect='/);
    }
    const jsonClient = await fetch(`${base}/mesos/version`, {
      headers: { accept: 'application/json, text/html' },
    });
    expect(jsonClient.status).toBe(401);
    expect(jsonClient.headers.get('www-authenticate')).toBe('acsjwt');
    expect(await jsonClient.json()).toMatchObject({ code: 'ERR_MISSING_AUTH_TOKEN' });
  });

  it('logs a browser in on the page the 401 page sends it to, and lets it through with the cookie', async () => {
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(text).toContain('<form id="login"');
    expect(text).toContain("fetch('/acs/api/v1/auth/login'");
    // What the form does: IAM's login through the router sets the cookie the browser then sends.
    const loggedIn = await fetch(`${base}/acs/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: BOSS, password: BOSS_PASSWORD }),
    });
    expect(loggedIn.status).toBe(200);
    const cookie = (loggedIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^dcos-acs-auth-cookie=ey/);
    const back = await fetch(`${base}/mesos/version`, {
      headers: { accept: 'text/html', cookie },
    });
    expect(back.status).toBe(200);
  });

  it('refuses forged tokens', async () => {
    const jwks = (await get('/acs/api/v1/auth/jwks')).body as {
      keys: { kid: string; n: string; e: string }[];
    };
    const kid = jwks.keys[0]!.kid;
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ uid: BOSS, exp: now() + 600 })}.`;
    const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64({ uid: BOSS, exp: now() + 600 })}`;
    const hs = `${hsInput}.${createHmac('sha256', JSON.stringify(jwks.keys[0])).update(hsInput).digest('base64url')}`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const otherKey = signRs256(
      { uid: BOSS, exp: now() + 600, iss: 'dcos-ts-iam' },
      privateKey,
      kid,
    );
    const [h, p] = bossToken.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${b64({ ...payload, uid: 'someone-else' })}.${bossToken.split('.')[2]}`;
    const expired = signRs256({ uid: BOSS, exp: now() - 60, iss: 'dcos-ts-iam' }, privateKey, kid);
    for (const t of [none, hs, otherKey, tampered, expired, 'garbage']) {
      const r = await get('/mesos/version', { token: t });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 'ERR_INVALID_AUTH_TOKEN' });
    }
  });

  it('accepts the token as token=, Bearer or cookie and proxies /mesos/* to the master', async () => {
    const viaToken = await get('/mesos/version', { token: bossToken });
    expect(viaToken.status).toBe(200);
    expect(viaToken.body).toMatchObject({
      version: expect.any(String),
      git_tag: expect.stringMatching(/dcos-ts/),
    });
    const direct = await httpJson(`${master.url}/version`);
    expect(viaToken.body).toEqual(direct.body);
    const bearer = await get('/mesos/version', {
      headers: { authorization: `Bearer ${bossToken}` },
    });
    expect(bearer.status).toBe(200);
    const cookie = await get('/mesos/version', {
      headers: { cookie: `dcos-acs-auth-cookie=${bossToken}` },
    });
    expect(cookie.status).toBe(200);
    expect((await get('/mesos')).status).toBe(301);
    expect((await get('/pkgpanda/active.buildinfo.full.json', { token: bossToken })).status).toBe(
      200,
    );
    expect((await get('/metadata', { token: bossToken })).body).toEqual({
      PUBLIC_IPV4: '127.0.0.1',
      CLUSTER_ID: 'e2e-cluster',
    });
  });

  it('answers 403 without permission and lets the user through once IAM grants it', async () => {
    const put = await get('/acs/api/v1/users/alice', {
      method: 'PUT',
      token: bossToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'Alice', password: 'alice-password' }),
    });
    expect(put.status).toBe(201);
    const alice = await login('alice', 'alice-password');
    const denied = await get('/mesos/version', { token: alice });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      code: 'ERR_FORBIDDEN',
      description: expect.stringContaining('dcos:adminrouter:ops:mesos'),
    });
    expect((await get('/acs/api/v1/users', { token: alice })).status).toBe(403);
    const grant = await get(
      `/acs/api/v1/acls/${encodeURIComponent('dcos:adminrouter:ops:mesos')}/users/alice/full`,
      { method: 'PUT', token: bossToken },
    );
    expect(grant.status).toBe(204);
    await waitFor(
      'alice to reach /mesos',
      async () => (await get('/mesos/version', { token: alice })).status === 200,
      { timeoutMs: 10_000 },
    );
    // The grant is for /mesos only.
    expect((await get('/service/echo/', { token: alice })).status).toBe(403);
  });

  it('reaches a Marathon app by its DCOS_SERVICE_NAME label, with DC/OS headers', async () => {
    // node:http, because fetch refuses to send a Connection header.
    const r = await new Promise<{ status: number; body: unknown; headers: Headers }>(
      (resolve, reject) => {
        const req = request(`${base}/service/echo/some/path?q=1`, {
          headers: {
            cookie: `dcos-acs-auth-cookie=${bossToken}`,
            'x-forwarded-for': '10.9.9.9',
            connection: 'keep-alive, x-drop',
            'x-drop': '1',
            'x-request-id': 'req-123',
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers))
              if (typeof v === 'string') headers.set(k, v);
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers });
          });
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(r.status).toBe(200);
    const seen = r.body as { label: string; url: string; headers: Record<string, string> };
    expect(seen.label).toBe('echo');
    expect(seen.url).toBe('/some/path?q=1');
    expect(seen.headers['authorization']).toBe(`token=${bossToken}`);
    expect(seen.headers['x-forwarded-for']).toBe('10.9.9.9, 127.0.0.1');
    expect(seen.headers['x-real-ip']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(new URL(base).host);
    expect(seen.headers['x-request-id']).toBe('req-123');
    expect(seen.headers['x-drop']).toBeUndefined();
    expect(r.headers.get('x-request-id')).toBe('req-123');
    expect(r.headers.get('keep-alive')).toBeNull();
    // A generated request id when none was given.
    expect((await get('/service/echo/', { token: bossToken })).headers.get('x-request-id')).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('reuses keep-alive connections to upstreams', async () => {
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const r = await get('/service/echo/ka', {
        token: bossToken,
        headers: { connection: 'close' },
      });
      ports.add((r.body as { peerPort: number }).peerPort);
    }
    expect(ports.size).toBe(1);
  });

  it('redirects /service/<name> and /marathon, resolves nested names, rewrite=false, Mesos-DNS, 404 and 503', async () => {
    const r301 = await get('/service/echo', { token: bossToken });
    expect(r301.status).toBe(301);
    expect(r301.headers.get('location')).toBe('/service/echo/');
    const r307 = await get('/marathon', { token: bossToken });
    expect(r307.status).toBe(307);
    expect(r307.headers.get('location')).toBe('/marathon/');
    const m = await get('/marathon/v2/info', { token: bossToken });
    expect(m.body).toEqual({ marathon: true, url: '/v2/info' });
    const builtin = await get('/service/marathon/v2/info', { token: bossToken });
    expect(builtin.body).toEqual({ marathon: true, url: '/v2/info' });

    const nested = await get('/service/group/app/v1/x', { token: bossToken });
    expect(nested.body).toMatchObject({ label: 'echo2', url: '/v1/x' });
    const keep = await get('/service/keep/a/b', { token: bossToken });
    expect(keep.body).toMatchObject({ label: 'echo', url: '/service/keep/a/b' });
    const dns = await get('/service/dnsonly/hello', { token: bossToken });
    expect(dns.body).toMatchObject({ label: 'echo2', url: '/hello' });

    const unknown = await get('/service/nothing-here/', { token: bossToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'ERR_UNKNOWN_SERVICE' });
    const down = await get('/service/down/', { token: bossToken });
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ description: expect.stringContaining('no running task') });
  });

  it("never passes the user's credentials on to Mesos-DNS", async () => {
    const variants: Record<string, string>[] = [
      { authorization: `token=${bossToken}` },
      { cookie: `dcos-acs-auth-cookie=${bossToken}; other=1` },
    ];
    for (const headers of variants) {
      const r = await get('/mesos_dns/v1/headers', { headers });
      expect(r.status).toBe(200);
      const seen = r.body as Record<string, string>;
      expect(seen['authorization']).toBeUndefined();
      expect(seen['cookie'] ?? '').not.toContain('dcos-acs-auth-cookie');
    }
    const cookieOnly = await get('/mesos_dns/v1/headers', {
      headers: { cookie: `dcos-acs-auth-cookie=${bossToken}; other=1` },
    });
    expect((cookieOnly.body as Record<string, string>)['cookie']).toBe('other=1');
  });

  it('rewrites upstream Location headers under the route prefix', async () => {
    const r = await get('/service/echo/redirect', { token: bossToken });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/service/echo/target?x=1');
  });

  it('follows a Marathon app when its task moves', async () => {
    (apps[0] as { tasks: unknown[] }).tasks = [task('127.0.0.1', echo2.port)];
    await waitFor(
      'echo to move to echo2',
      async () =>
        ((await get('/service/echo/', { token: bossToken })).body as { label?: string }).label ===
        'echo2',
      { timeoutMs: 5_000 },
    );
    (apps[0] as { tasks: unknown[] }).tasks = [task('127.0.0.1', echo.port)];
    await waitFor(
      'echo to move back',
      async () =>
        ((await get('/service/echo/', { token: bossToken })).body as { label?: string }).label ===
        'echo',
      { timeoutMs: 5_000 },
    );
  });

  it('streams a chunked upstream response as it comes', async () => {
    const res = await fetch(`${base}/service/echo/slow`, {
      headers: { authorization: `token=${bossToken}` },
      signal: AbortSignal.timeout(30_000),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    // The upstream has not finished: a buffering proxy would never deliver this first chunk.
    const first = await reader.read();
    let text = Buffer.from(first.value!).toString();
    expect(text).toBe('chunk-0\n');
    expect(slowResponses).toHaveLength(1);
    slowResponses.shift()!();
    for (;;) {
      const n = await reader.read();
      if (n.done) break;
      text += Buffer.from(n.value).toString();
    }
    expect(text).toBe('chunk-0\nchunk-1\nchunk-2\n');
  });

  it('passes SSE from /marathon/v2/events through unbuffered', async () => {
    const res = await fetch(`${base}/marathon/v2/events`, {
      headers: { authorization: `token=${bossToken}`, accept: 'text/event-stream' },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = Buffer.from((await reader.read()).value!).toString();
    expect(first).toContain('event_stream_attached');
    await waitFor('the SSE client upstream', () => sse.length > 0);
    sse[sse.length - 1]!.write(
      'event: status_update_event\ndata: {"eventType":"status_update_event"}\n\n',
    );
    const next = Buffer.from((await reader.read()).value!).toString();
    expect(next).toContain('status_update_event');
    await reader.cancel();
  });

  it('upgrades websockets through to the service', async () => {
    const echoed = await new Promise<{ url: string; data: string }>((resolve, reject) => {
      const req = request(`${base}/service/echo/ws/socket`, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          authorization: `token=${bossToken}`,
        },
      });
      req.on('upgrade', (res, socket) => {
        socket.write('ping-over-ws');
        socket.once('data', (d: Buffer) => {
          resolve({ url: String(res.headers['x-upstream-url']), data: d.toString() });
          socket.destroy();
        });
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toEqual({ url: '/ws/socket', data: 'ping-over-ws' });
    const refused = await new Promise<string>((resolve) => {
      const req = request(`${base}/service/echo/ws`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket' },
      });
      req.on('response', (res) => resolve(`${res.statusCode} ${res.headers['www-authenticate']}`));
      req.on('upgrade', () => resolve('upgraded'));
      req.on('error', (e) => resolve(e.message));
      req.end();
    });
    expect(refused).toBe('401 acsjwt');
  });

  it('limits request bodies (413) and upstream silence (504)', async () => {
    const big = await get('/service/echo/upload', {
      method: 'POST',
      token: bossToken,
      body: 'x'.repeat(5000),
    });
    expect(big.status).toBe(413);
    const small = await get('/service/echo/upload', {
      method: 'POST',
      token: bossToken,
      body: 'x'.repeat(1000),
    });
    expect(small.body).toMatchObject({ bodyBytes: 1000 });
    const hang = await get('/service/echo/hang', { token: bossToken, timeoutMs: 30_000 });
    expect(hang.status).toBe(504);
    expect(hang.body).toMatchObject({ code: 'ERR_UPSTREAM_TIMEOUT' });
  });

  it('aggregates /system/health/v1 and shows a stopped component as unhealthy', async () => {
    const r = await get('/system/health/v1', { token: bossToken });
    expect(r.status).toBe(200);
    const units = (r.body as { units: { name: string; health: number }[] }).units;
    expect(units.map((u) => u.name)).toEqual(
      expect.arrayContaining(['master', 'iam', 'admin-router']),
    );
    expect(units.every((u) => u.health === 0)).toBe(true);
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    const text = await page.text();
    expect(text).toContain('iam');
    expect(text).toContain('healthy');

    await master.stop();
    await waitFor(
      'the stopped master to show as unhealthy',
      async () => {
        const body = (await get('/system/health/v1', { token: bossToken })).body as {
          health: number;
          units: { name: string; health: number; output: string }[];
        };
        return body.units.find((u) => u.name === 'master')?.health === 1 && body.health === 1;
      },
      { timeoutMs: 5_000 },
    );
    const one = await get('/system/health/v1/units/master', { token: bossToken });
    expect((one.body as { units: { output: string }[] }).units[0]!.output).toMatch(
      /unreachable|ping/,
    );
  });

  it('finds agents, frameworks and the leader from the master state (own cluster, auth off)', async () => {
    const agentUp = await upstreamApp('agent');
    // Two masters that agree: the second one leads; only it answers /version as "other".
    let state: Record<string, unknown> = {};
    const otherLeader = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(req.url === '/master/state' ? state : { leader: 'other', url: req.url }),
      );
    });
    const fakeMaster = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/master/state' ? state : { leader: 'standby' }));
    });
    state = {
      leader: `master@127.0.0.1:${otherLeader.port}`,
      slaves: [
        {
          id: 'agent-S1',
          hostname: 'h',
          pid: `slave(1)@127.0.0.1:${agentUp.port}`,
          resources: {},
          active: true,
        },
      ],
      frameworks: [{ id: 'fw-1', name: 'webfw', webui_url: `${echo2.url}/` }],
    };
    servers.push(agentUp.server, otherLeader.server, fakeMaster.server);
    const secondPrefix = uniquePrefix('ar2');
    const second = await startService('admin-router', {
      NATS_PREFIX: secondPrefix,
      IAM_URL: iam.url,
      MASTER_URL: fakeMaster.url,
      MARATHON_URL: 'http://127.0.0.1:9',
      MESOS_DNS_URL: 'http://127.0.0.1:9',
      ADMIN_ROUTER_CACHE_TTL_MS: '200',
      ADMINROUTER_ACTIVATE_AUTH_MODULE: 'false',
    });
    const a = await httpJson(`${second.url}/agent/agent-S1/files/read?path=/x`);
    expect(a.body).toMatchObject({ label: 'agent', url: '/files/read?path=/x' });
    const s = await httpJson(`${second.url}/slave/agent-S1/state`);
    expect(s.body).toMatchObject({ label: 'agent', url: '/state' });
    const unknownAgent = await httpJson(`${second.url}/agent/unknown-S9/state`);
    expect(unknownAgent.status).toBe(404);
    expect(unknownAgent.body).toMatchObject({ code: 'ERR_UNKNOWN_AGENT' });
    const fw = await httpJson(`${second.url}/service/webfw/x`);
    expect(fw.body).toMatchObject({ label: 'echo2', url: '/x' });
    await waitFor(
      'the router to follow the leader named in the state',
      async () => {
        const r2 = await httpJson(`${second.url}/mesos/version`);
        return (r2.body as { leader?: string }).leader === 'other';
      },
      { timeoutMs: 5_000 },
    );

    // The master's NATS events win over polling: a new leader, a new agent.
    const nats = new NatsClient({ url: TEST_NATS_URL, prefix: secondPrefix, name: 'ar-e2e' });
    await nats.connect();
    try {
      const third = await listen((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(req.url === '/master/state' ? state : { leader: 'third', url: req.url }),
        );
      });
      servers.push(third.server);
      const leader: LeaderEvent = {
        leader: `master@127.0.0.1:${third.port}`,
        leader_info: { id: 'm3', hostname: '127.0.0.1', ip: '127.0.0.1', port: third.port },
        http_url: third.url,
      };
      await waitFor(
        'the router to follow the leader event',
        async () => {
          nats.publish(nats.subjects.masterLeaderEvents, leader, LeaderEventContract);
          const r3 = await httpJson(`${second.url}/mesos/version`);
          return (r3.body as { leader?: string }).leader === 'third';
        },
        { timeoutMs: 5_000, intervalMs: 200 },
      );
      const event: AgentEvent = {
        type: 'AGENT_ADDED',
        agent: {
          id: 'agent-S2',
          hostname: 'h',
          pid: `slave(1)@127.0.0.1:${echo.port}`,
          resources: {},
          active: true,
        },
      };
      nats.publish(nats.subjects.masterAgentEvents, event, AgentEventContract);
      await waitFor(
        'the agent event to make agent-S2 reachable',
        async () => {
          const r4 = await httpJson(`${second.url}/agent/agent-S2/monitor/statistics`);
          return (r4.body as { url?: string }).url === '/monitor/statistics';
        },
        { timeoutMs: 5_000 },
      );
    } finally {
      await nats.close();
    }
    await second.stop();
  });

  it('refuses a bad configuration at boot, naming the variable', async () => {
    const bad = await startService(
      'admin-router',
      { NATS_PREFIX: prefix, MARATHON_URL: 'ftp://nope' },
      { waitHealthy: false },
    );
    const exit = await bad.child.exited;
    expect(exit.code).not.toBe(0);
    expect(bad.child.output()).toContain('MARATHON_URL');
  });
});

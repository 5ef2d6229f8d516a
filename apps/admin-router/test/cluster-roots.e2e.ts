/**
 * The Admin Router in front of a REAL cluster: built IAM, master, two agents and Marathon on
 * real NATS and Postgres. What the DC/OS UI and CLI reach first: the roots of `/mesos/` and
 * `/service/marathon/`, and dcos-net's `/net/v1/nodes` (`dcos node list`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  freePort,
  httpJson as httpJsonShort,
  killAgentTaskLeftovers,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

jest.setTimeout(180_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BOSS = 'boss';
const BOSS_PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const PUBLIC_IP = '203.0.113.9';

/** httpJson with room for a loaded machine (IAM's password hashing, ~8 helpers on 2 cores). */
const httpJson = (url: string, init: RequestInit & { timeoutMs?: number } = {}) =>
  httpJsonShort(url, { timeoutMs: 20_000, ...init });

describe('Admin Router on a real cluster (IAM, master, 2 agents, Marathon)', () => {
  let db: TestDatabase;
  let dir: string;
  let prefix: string;
  let master: TestService;
  let router: TestService;
  let base: string;
  let token: string;
  const workDirs: string[] = [];

  const startAgent = async (name: string) => {
    const work = mkdtempSync(join(tmpdir(), `ar-agent-${name}-`));
    workDirs.push(work);
    return startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_PORT: String(await freePort()),
      AGENT_WORK_DIR: work,
      AGENT_NODE_NAME: name,
      AGENT_RESOURCES: 'cpus:1;mem:256;disk:256;ports:[39000-39009]',
    });
  };
  const masterAgents = async (): Promise<Json[]> =>
    ((await httpJson(`${master.url}/master/state`)).body as Json).slaves as Json[];

  /** GET through the router, following its redirects (each must stay on the router). */
  async function follow(path: string, headers: Record<string, string>) {
    const chain: { url: string; status: number; location: string | null }[] = [];
    let url = new URL(path, base);
    for (let hop = 0; hop < 6; hop++) {
      const r = await fetch(url, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(20_000),
      });
      const location = r.headers.get('location');
      chain.push({ url: url.pathname + url.search, status: r.status, location });
      if (r.status < 300 || r.status >= 400 || !location) {
        return {
          status: r.status,
          type: r.headers.get('content-type'),
          text: await r.text(),
          chain,
        };
      }
      await r.body?.cancel();
      url = new URL(location, url);
      expect(url.origin).toBe(new URL(base).origin);
    }
    throw new Error(`redirect loop: ${JSON.stringify(chain)}`);
  }

  beforeAll(async () => {
    db = await createTestDatabase('ar_cluster');
    dir = mkdtempSync(join(tmpdir(), 'ar-cluster-'));
    prefix = uniquePrefix('arc');
    const iam = await startService('iam', {
      DATABASE_URL: db.url,
      NATS_PREFIX: prefix,
      IAM_BOOTSTRAP_UID: BOSS,
      IAM_BOOTSTRAP_PASSWORD: BOSS_PASSWORD,
      IAM_SECRET_KEY_FILE: join(dir, 'secret.key'),
    });
    master = await startService('master', { DATABASE_URL: db.url, NATS_PREFIX: prefix });
    await startAgent('agent-a.test');
    await waitFor('agent-a to register', async () => (await masterAgents()).length === 1, {
      timeoutMs: 60_000,
    });
    const marathon = await startService('marathon', { DATABASE_URL: db.url, NATS_PREFIX: prefix });
    router = await startService('admin-router', {
      NATS_PREFIX: prefix,
      IAM_URL: iam.url,
      MASTER_URL: master.url,
      MARATHON_URL: marathon.url,
      MESOS_DNS_URL: 'http://127.0.0.1:9',
      PUBLIC_IPV4: PUBLIC_IP,
      // Long: only `?force` may show an agent that joined after the state was loaded.
      ADMIN_ROUTER_CACHE_TTL_MS: '120000',
    });
    base = router.url;
    const login = await httpJson(`${base}/acs/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: BOSS, password: BOSS_PASSWORD }),
    });
    expect(login.status).toBe(200);
    token = (login.body as { token: string }).token;
  }, 180_000);

  afterAll(async () => {
    await stopAllServices();
    for (const d of workDirs) killAgentTaskLeftovers(d);
    await db?.drop();
    for (const d of [...workDirs, dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("answers /mesos/ with the master's page (200), /mesos through its redirect", async () => {
    const auth = { authorization: `token=${token}` };
    const root = await follow('/mesos/', auth);
    expect(root.status).toBe(200);
    expect(root.type).toMatch(/text\/html/);
    expect(root.text).toContain('Mesos');
    expect(root.text).toContain('href="master/state"');
    const bare = await follow('/mesos', auth);
    expect(bare.chain.map((h) => [h.url, h.status])).toEqual([
      ['/mesos', 301],
      ['/mesos/', 200],
    ]);
    // The master's own root is that page too (Mesos serves its UI at `/`).
    expect((await fetch(`${master.url}/`)).status).toBe(200);
    // Without a token: the router's 401, not the page.
    expect((await follow('/mesos/', {})).status).toBe(401);
  });

  it("answers /service/marathon/ and /marathon/ with Marathon's UI (its / → ui/ redirect)", async () => {
    const auth = { authorization: `token=${token}` };
    const svc = await follow('/service/marathon/', auth);
    expect(svc.chain.map((h) => [h.url, h.status, h.location])).toEqual([
      ['/service/marathon/', 302, 'ui/'],
      ['/service/marathon/ui/', 200, null],
    ]);
    expect(svc.type).toMatch(/text\/html/);
    expect(svc.text).toContain('Marathon');
    expect((await follow('/service/marathon', auth)).status).toBe(200);
    const legacy = await follow('/marathon/', auth);
    expect(legacy.chain.map((h) => [h.url, h.status])).toEqual([
      ['/marathon/', 302],
      ['/marathon/ui/', 200],
    ]);
    // `/ui` without the slash: Marathon adds it, the router keeps it under the prefix.
    const ui = await follow('/service/marathon/ui', auth);
    expect(ui.chain.map((h) => [h.url, h.status])).toEqual([
      ['/service/marathon/ui', 302],
      ['/service/marathon/ui/', 200],
    ]);
    // The UI's links reach the API under the same prefix.
    expect(svc.text).toContain('href="../v2/apps"');
    const apps = await httpJson(`${base}/service/marathon/ui/../v2/apps`, { headers: auth });
    expect(apps.status).toBe(200);
    expect(apps.body).toEqual({ apps: [] });
  });

  it("serves dcos-net's /net/v1/nodes from the master's state: the master and each agent", async () => {
    const auth = { authorization: `token=${token}` };
    expect((await httpJson(`${base}/net/v1/nodes`)).status).toBe(401);
    const state = (await httpJson(`${master.url}/master/state`)).body as Json;
    const r = await httpJson(`${base}/net/v1/nodes`, { headers: auth });
    expect(r.status).toBe(200);
    const nodes = r.body as Json[];
    expect(Array.isArray(nodes)).toBe(true);
    for (const n of nodes) {
      expect(Object.keys(n).sort()).toEqual(['hostname', 'private_ip', 'public_ips', 'updated']);
      expect(n.updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const agent = state.slaves[0] as Json;
    expect(nodes).toEqual(
      expect.arrayContaining([
        {
          hostname: state.hostname,
          private_ip: '127.0.0.1',
          public_ips: [PUBLIC_IP],
          updated: new Date(Math.round(state.elected_time * 1000)).toISOString(),
        },
        {
          hostname: 'agent-a.test',
          private_ip: '127.0.0.1',
          public_ips: [],
          updated: new Date(
            Math.round((agent.reregistered_time ?? agent.registered_time) * 1000),
          ).toISOString(),
        },
      ]),
    );
    expect(nodes).toHaveLength(2);
  });

  it('shows an agent that joined later once asked with ?force', async () => {
    const auth = { authorization: `token=${token}` };
    await startAgent('agent-b.test');
    await waitFor('agent-b to register', async () => (await masterAgents()).length === 2, {
      timeoutMs: 60_000,
    });
    const r = await httpJson(`${base}/net/v1/nodes?force`, { headers: auth });
    expect(r.status).toBe(200);
    expect((r.body as Json[]).map((n) => n.hostname).sort()).toEqual(
      expect.arrayContaining(['agent-a.test', 'agent-b.test']),
    );
    expect(r.body as Json[]).toHaveLength(3);
  });

  it('needs dcos:adminrouter:ops:networking, and answers GET only', async () => {
    const auth = { authorization: `token=${token}` };
    const put = await httpJson(`${base}/acs/api/v1/users/carol`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'Carol', password: 'carol-password' }),
    });
    expect(put.status).toBe(201);
    const login = await httpJson(`${base}/acs/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: 'carol', password: 'carol-password' }),
    });
    const carol = (login.body as { token: string }).token;
    const denied = await httpJson(`${base}/net/v1/nodes`, {
      headers: { authorization: `token=${carol}` },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      description: expect.stringContaining('dcos:adminrouter:ops:networking'),
    });
    const post = await httpJson(`${base}/net/v1/nodes`, { method: 'POST', headers: auth });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

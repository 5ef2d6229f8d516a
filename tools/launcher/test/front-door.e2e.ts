import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpScheduler,
  REPO_ROOT,
  TEST_NATS_URL,
  createTestDatabase,
  httpJson,
  launchCall,
  runCli,
  taskInfo,
  uniquePrefix,
  waitFor,
  type TestDatabase,
} from '@dcos/testing';
import { startCluster, type LocalCluster } from '../src/cluster';

const ADMIN = 'bootstrapuser';
const PASSWORD = 'front-door-e2e-password';

/**
 * The whole cluster as `npm start` runs it, used only through its front door: the Admin
 * Router. A user sets up the CLI, sees the nodes, a framework launches tasks through
 * `/mesos/api/v1/scheduler`, and `dcos task list|log|kill` work; without a token
 * everything but login and the version file answers 401.
 */
describe('the cluster through the Admin Router (real processes end to end)', () => {
  let db: TestDatabase;
  let cluster: LocalCluster;
  let dataDir: string;
  let base: string;
  let env: NodeJS.ProcessEnv;
  let token: string;
  const dcos = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    db = await createTestDatabase('frontdoor');
    dataDir = mkdtempSync(join(tmpdir(), 'dcos-frontdoor-'));
    cluster = await startCluster({
      root: REPO_ROOT,
      agents: 2,
      natsUrl: TEST_NATS_URL,
      databaseUrl: db.url,
      prefix: uniquePrefix('frontdoor'),
      ports: 'free',
      dataDir,
      logLevel: 'warn',
      env: {
        iam: {
          IAM_BOOTSTRAP_UID: ADMIN,
          IAM_BOOTSTRAP_PASSWORD: PASSWORD,
          IAM_SECRET_KEY_FILE: join(dataDir, 'iam.key'),
        },
        master: { MASTER_ALLOCATION_INTERVAL_MS: '200' },
        'agent-1': { AGENT_RESOURCES: 'cpus:2;mem:1024;disk:1024;ports:[31000-31099]' },
        'agent-2': { AGENT_RESOURCES: 'cpus:2;mem:1024;disk:1024;ports:[32000-32099]' },
      },
    });
    base = cluster.component('admin-router').url;
    env = { ...process.env, DCOS_DIR: join(dataDir, 'cli'), ADMIN_PW: PASSWORD };
    for (const k of [
      'DCOS_URL',
      'MASTER_URL',
      'IAM_URL',
      'MARATHON_URL',
      'DSS_URL',
      'DCOS_ACS_TOKEN',
    ])
      delete env[k];
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('without a token: 401 acsjwt everywhere except login and the version file', async () => {
    for (const path of [
      '/mesos/master/state',
      '/marathon/v2/apps',
      '/mesos_dns/v1/version',
      '/storage/v1/devices',
      '/acs/api/v1/users',
      '/system/health/v1',
      '/metadata',
      '/pkgpanda/active.buildinfo.full.json',
    ]) {
      const r = await httpJson(`${base}${path}`);
      expect({ path, status: r.status, challenge: r.headers.get('www-authenticate') }).toEqual({
        path,
        status: 401,
        challenge: 'acsjwt',
      });
    }
    expect((await httpJson(`${base}/dcos-metadata/dcos-version.json`)).status).toBe(200);
    const login = await httpJson(`${base}/acs/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: ADMIN, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    token = (login.body as { token: string }).token;
  });

  it('dcos cluster setup logs in through the router; dcos node list shows both agents', async () => {
    const setup = await dcos(
      'cluster',
      'setup',
      base,
      '--username',
      ADMIN,
      '--password-env',
      'ADMIN_PW',
    );
    expect(setup).toMatchObject({ code: 0, stderr: '' });
    const nodes = await waitFor('both agents in dcos node list', async () => {
      const r = await dcos('node', 'list', '--json');
      const list = r.code === 0 ? (JSON.parse(r.stdout) as { hostname: string }[]) : [];
      return list.length === 2 ? list : undefined;
    });
    expect(nodes).toHaveLength(2);
    // The other CLI groups take the same path: /acs/api/v1, /marathon, /storage on the router.
    for (const args of [
      ['security', 'org', 'users', 'list', '--json'],
      ['marathon', 'app', 'list', '--json'],
      ['storage', 'device', 'list', '--json'],
    ]) {
      const r = await dcos(...args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  it('every service answers through its route with the token', async () => {
    const auth = { headers: { authorization: `token=${token}` } };
    expect((await httpJson(`${base}/mesos/master/state`, auth)).status).toBe(200);
    expect((await httpJson(`${base}/marathon/v2/info`, auth)).status).toBe(200);
    expect((await httpJson(`${base}/mesos_dns/v1/version`, auth)).status).toBe(200);
    expect((await httpJson(`${base}/storage/v1/devices`, auth)).status).toBe(200);
    const health = await httpJson(`${base}/system/health/v1`, auth);
    expect(health.status).toBe(200);
  });

  it('a framework on /mesos/api/v1/scheduler runs tasks; dcos task list|log|kill work through the router', async () => {
    const framework = new HttpScheduler(
      `${base}/mesos`,
      { name: 'frontdoor', user: 'root', roles: ['*'] },
      { authorization: `token=${token}` },
    );
    await framework.subscribe();
    try {
      const offer = await waitFor('an offer through the router', () => framework.offers()[0]);
      const agentId = offer.agent_id.value as string;
      const echo = taskInfo('hello-1', agentId, {
        cmd: 'echo hello from the front door; sleep 300',
      });
      expect((await framework.call(launchCall(offer, [echo]))).status).toBe(202);
      await framework.waitUpdate('hello-1', 'TASK_RUNNING');

      const list = await dcos('task', 'list', '--json');
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: 'hello-1', state: 'TASK_RUNNING' })]),
      );
      const log = await waitFor('the task stdout through /agent/<id>/files/read', async () => {
        const r = await dcos('task', 'log', 'hello-1');
        return r.stdout.includes('hello from the front door') ? r : undefined;
      });
      expect(log.code).toBe(0);
      expect((await dcos('task', 'kill', 'hello-1')).code).toBe(0);
      await framework.waitUpdate('hello-1', 'TASK_KILLED');
    } finally {
      framework.close();
    }
  });

  it('/service/<name> reaches a Marathon app by its DCOS_SERVICE_NAME label', async () => {
    const auth = { authorization: `token=${token}`, 'content-type': 'application/json' };
    const app = {
      id: '/tools/echo',
      cmd: `exec ${process.execPath} -e "require('http').createServer((q,r)=>r.end('echo '+q.url)).listen(+process.env.PORT0)"`,
      instances: 1,
      cpus: 0.1,
      mem: 64,
      portDefinitions: [{ port: 0, name: 'http' }],
      labels: {
        DCOS_SERVICE_NAME: 'echo',
        DCOS_SERVICE_PORT_INDEX: '0',
        DCOS_SERVICE_SCHEME: 'http',
      },
    };
    const created = await httpJson(`${base}/marathon/v2/apps`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify(app),
    });
    expect(created.status).toBe(201);
    let last = '';
    const answer = await waitFor(
      'the app through /service/echo/',
      async () => {
        const r = await fetch(`${base}/service/echo/hello?x=1`, { headers: auth });
        if (r.status === 200) return r.text();
        last = `HTTP ${r.status} ${await r.text()}`;
        return undefined;
      },
      { timeoutMs: 60_000 },
    ).catch(async (e: Error) => {
      // Say why: what Marathon waits for, and who holds the offers.
      const queue = await httpJson(`${base}/marathon/v2/queue`, { headers: auth });
      const st = (await httpJson(`${base}/mesos/master/state`, { headers: auth })).body as {
        frameworks: {
          name: string;
          active: boolean;
          offers: unknown[];
          tasks: { state: string }[];
        }[];
      };
      const fws = st.frameworks.map(
        (f) =>
          `${f.name} active=${f.active} offers=${f.offers.length} tasks=${f.tasks.map((t) => t.state).join(',')}`,
      );
      throw new Error(
        `${e.message}; last answer ${last}; queue ${JSON.stringify(queue.body)}; frameworks ${fws.join(' | ')}`,
      );
    });
    // The prefix is stripped (DCOS_SERVICE_REWRITE_REQUEST_URLS defaults to true).
    expect(answer).toBe('echo /hello?x=1');
    const redirect = await fetch(`${base}/service/echo`, { headers: auth, redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect((await fetch(`${base}/service/nope/`, { headers: auth })).status).toBe(404);
  });
});

/**
 * Marathon on the REAL cluster: the built master, two real agents (tasks are real processes)
 * and the built Marathon, against real NATS and Postgres. Nothing is faked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import {
  createTestDatabase,
  freePort,
  httpJson,
  sleep,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
  killAgentTaskLeftovers,
} from '@dcos/testing';

jest.setTimeout(240_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A tiny web server: `/health` answers 200 until `/fail` was requested, `/ready` 503 until
 * `/make-ready` was; `/` names the task and its app version.
 */
const SERVER = `
const http = require('http');
let ok = true;
let ready = false;
http.createServer((req, res) => {
  if (req.url === '/fail') ok = false;
  if (req.url === '/make-ready') ready = true;
  res.statusCode = req.url === '/health' && !ok ? 500 : req.url === '/ready' && !ready ? 503 : 200;
  res.end(String(process.env.MESOS_TASK_ID) + ' ' + String(process.env.MARATHON_APP_VERSION));
}).listen(Number(process.env.PORT0), '127.0.0.1');
`;

describe('marathon on a real cluster (master + 2 agents)', () => {
  let db: TestDatabase;
  let prefix: string;
  let master: TestService;
  let marathon: TestService;
  let marathonEnv: Record<string, string>;
  const agents: Record<'a' | 'b', TestService | undefined> = { a: undefined, b: undefined };
  const hosts = { a: '127.0.0.1', b: 'localhost' } as const;
  const workDirs: string[] = [];
  let scratch: string;
  let nc: NatsConnection;
  const natsEvents: Json[] = [];
  const sse: { event: string; data: Json }[] = [];
  let sseAbort: AbortController;

  const api = (p: string, init: RequestInit = {}) =>
    httpJson(`${marathon.url}${p}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
  const appOf = async (id: string): Promise<Json> => {
    const r = await api(`/v2/apps${id}?embed=app.tasks`);
    return (r.body as Json).app as Json;
  };
  const masterTasks = async (): Promise<Json[]> => {
    const s = (await httpJson(`${master.url}/master/state`)).body as Json;
    return s.frameworks.flatMap((f: Json) => f.tasks as Json[]);
  };
  const live = (ts: Json[]) =>
    ts.filter((t) => ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING'].includes(t.state));

  /** Done when the app has no deployment and exactly `n` healthy tasks at its version. */
  const settled = (id: string, n: number, timeoutMs = 30_000) =>
    waitFor(
      `${id}: ${n} healthy tasks, no deployment`,
      async () => {
        const a = await appOf(id);
        return a.deployments.length === 0 && a.tasks.length === n && a.tasksHealthy === n && a;
      },
      { timeoutMs },
    );

  async function listen(): Promise<void> {
    sseAbort = new AbortController();
    const res = await fetch(`${marathon.url}/v2/events`, {
      headers: { Accept: 'text/event-stream' },
      signal: sseAbort.signal,
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    void (async () => {
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += Buffer.from(value as Uint8Array).toString();
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = frame.match(/^event: (.*)$/m)?.[1];
          const data = frame.match(/^data: (.*)$/m)?.[1];
          if (ev && data) sse.push({ event: ev, data: JSON.parse(data) });
        }
      }
    })();
  }

  async function startAgent(which: 'a' | 'b', ports: string): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mt-agent-${which}-`));
    workDirs.push(dir);
    agents[which] = await startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_PORT: String(await freePort()),
      AGENT_WORK_DIR: dir,
      AGENT_NODE_NAME: hosts[which],
      AGENT_RESOURCES: `cpus:2;mem:1024;disk:1024;ports:${ports}`,
      AGENT_KILL_GRACE_MS: '300',
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase('mtcluster');
    prefix = uniquePrefix('mtc');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-cluster-'));
    fs.writeFileSync(path.join(scratch, 'server.js'), SERVER);
    master = await startService('master', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MASTER_AGENT_PING_TIMEOUT_MS: '250',
      MASTER_MAX_AGENT_PING_TIMEOUTS: '8',
      MASTER_ALLOCATION_INTERVAL_MS: '200',
      MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
      MASTER_STATUS_UPDATE_RETRY_MS: '1000',
      LOG_LEVEL: process.env.MT_LOG ?? 'warn',
    });
    // Port ranges of their own, away from other suites' agents.
    const base = 33000 + Math.floor(Math.random() * 60) * 100;
    await startAgent('a', `[${base}-${base + 49}]`);
    await startAgent('b', `[${base + 50}-${base + 99}]`);
    await waitFor('2 agents', async () => {
      const s = (await httpJson(`${master.url}/master/state`)).body as Json;
      return s.slaves.length === 2;
    });
    nc = await connect({ servers: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222' });
    const sub = nc.subscribe(`${prefix}.v1.marathon.events.>`);
    void (async () => {
      for await (const m of sub) natsEvents.push({ subject: m.subject, ...(m.json() as Json) });
    })();
    marathonEnv = {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MARATHON_RECONCILE_INTERVAL_MS: '100',
      MARATHON_DECLINE_OFFER_DURATION_SECONDS: '1',
      LOG_LEVEL: process.env.MT_LOG ?? 'warn',
    };
    marathon = await startService('marathon', marathonEnv);
    await listen();
    await waitFor('marathon registered with the master', async () => {
      const info = (await api('/v2/info')).body as Json;
      return info.frameworkId;
    });
  });

  afterAll(async () => {
    sseAbort?.abort();
    await nc?.close();
    await stopAllServices();
    for (const d of workDirs) killAgentTaskLeftovers(d);
    await db?.drop();
    for (const d of [...workDirs, scratch]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  const web = (over: Json = {}): Json => ({
    id: '/shop/web',
    cmd: `exec ${process.execPath} ${path.join(scratch, 'server.js')}`,
    instances: 3,
    cpus: 0.1,
    mem: 128,
    portDefinitions: [{ port: 0, name: 'http' }],
    healthChecks: [
      {
        protocol: 'HTTP',
        path: '/health',
        portIndex: 0,
        gracePeriodSeconds: 10,
        intervalSeconds: 2,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 2,
      },
    ],
    upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
    unreachableStrategy: { inactiveAfterSeconds: 1, expungeAfterSeconds: 2 },
    backoffSeconds: 0.1,
    taskKillGracePeriodSeconds: 1,
    ...over,
  });

  it('rejects invalid definitions with 422 naming the path, changing nothing', async () => {
    const r = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify({ ...web(), id: '/shop/Web', instances: -2, wat: true }),
    });
    expect(r.status).toBe(422);
    const body = r.body as { message: string; details: { path: string; errors: string[] }[] };
    expect(body.message).toBe('Object is not valid');
    expect(body.details.map((d) => d.path)).toEqual(
      expect.arrayContaining(['/id', '/instances', '/wat']),
    );
    const h = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify(web({ healthChecks: [{ protocol: 'HTTP', portIndex: 4 }] })),
    });
    expect(h.status).toBe(422);
    expect(JSON.stringify(h.body)).toContain('healthChecks');
    expect((await api('/v2/apps')).body).toEqual({ apps: [] });
  });

  let firstTasks: Json[] = [];

  it('deploys 3 instances that become healthy and answer on their host:port', async () => {
    const r = await api('/v2/apps', { method: 'POST', body: JSON.stringify(web()) });
    expect(r.body).toMatchObject({ id: '/shop/web' });
    expect(r.status).toBe(201);
    const deploymentId = r.headers.get('marathon-deployment-id');
    const a = await settled('/shop/web', 3);
    firstTasks = a.tasks;
    for (const t of a.tasks) {
      expect(t.id).toMatch(/^shop_web\.instance-[0-9a-f-]{36}\._app\.1$/);
      expect(t.state).toBe('TASK_RUNNING');
      expect(t.healthCheckResults[0]).toMatchObject({ alive: true, consecutiveFailures: 0 });
      expect([hosts.a, hosts.b]).toContain(t.host);
      const res = await fetch(`http://${t.host}:${t.ports[0]}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`${t.id} ${a.version}`);
    }
    // The master runs exactly these tasks, named as Marathon names them.
    const mt = live(await masterTasks());
    expect(mt.map((t) => t.id).sort()).toEqual(a.tasks.map((t: Json) => t.id).sort());
    expect(new Set(mt.map((t) => t.name))).toEqual(new Set(['web.shop']));
    // SSE: the deployment's events in order.
    const mine = sse.filter(
      (e) =>
        e.data.plan?.id === deploymentId ||
        e.data.appId === '/shop/web' ||
        e.data.runSpecId === '/shop/web',
    );
    const kinds = mine.map((e) => e.event);
    const at = (k: string) => kinds.indexOf(k);
    expect(at('deployment_info')).toBeGreaterThanOrEqual(0);
    expect(at('deployment_info')).toBeLessThan(at('status_update_event'));
    expect(at('status_update_event')).toBeLessThan(at('health_status_changed_event'));
    expect(at('health_status_changed_event')).toBeLessThan(at('deployment_success'));
    expect(kinds.lastIndexOf('deployment_step_success')).toBeLessThan(at('deployment_success'));
    for (const t of a.tasks) {
      const states = mine
        .filter((e) => e.event === 'status_update_event' && e.data.taskId === t.id)
        .map((e) => e.data.taskStatus);
      expect(states.indexOf('TASK_STAGING')).toBeLessThan(states.indexOf('TASK_RUNNING'));
      expect(states.indexOf('TASK_RUNNING')).toBeGreaterThan(-1);
    }
    // The same changes on NATS for the Admin Router & co.
    await waitFor(
      'app and instance events on NATS',
      () =>
        natsEvents.some((e) => e.subject.endsWith('.app') && e.appId === '/shop/web') &&
        a.tasks.every((t: Json) =>
          natsEvents.some(
            (e) =>
              e.subject.endsWith('.instance') && e.taskId === t.id && e.state === 'TASK_RUNNING',
          ),
        ),
    );
  });

  it('scales to 5 and back to 1', async () => {
    const up = await api('/v2/apps/shop/web', {
      method: 'PUT',
      body: JSON.stringify({ instances: 5 }),
    });
    expect(up.status).toBe(200);
    const five = await settled('/shop/web', 5);
    // Scaling keeps the running ones.
    for (const t of firstTasks) expect(five.tasks.map((x: Json) => x.id)).toContain(t.id);
    const down = await api('/v2/apps/shop/web', {
      method: 'PATCH',
      body: JSON.stringify({ instances: 1 }),
    });
    expect(down.status).toBe(200);
    await settled('/shop/web', 1);
    await waitFor('master runs 1 task', async () => live(await masterTasks()).length === 1);
    await api('/v2/apps/shop/web', { method: 'PUT', body: JSON.stringify({ instances: 3 }) });
    await settled('/shop/web', 3);
  });

  it('UNIQUE hostname on 2 agents: 2 running, 1 waiting in /v2/queue with the reason', async () => {
    const r = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify({
        id: '/uniq',
        cmd: 'sleep 600',
        instances: 3,
        cpus: 0.05,
        mem: 16,
        constraints: [['hostname', 'UNIQUE']],
      }),
    });
    expect(r.status).toBe(201);
    const q = await waitFor('1 queued with UnfulfilledConstraint', async () => {
      const a = await appOf('/uniq');
      const queue = ((await api('/v2/queue')).body as Json).queue as Json[];
      const e = queue.find((x) => x.app.id === '/uniq');
      const declined = e?.processedOffersSummary.rejectSummaryLastOffers.find(
        (s: Json) => s.reason === 'UnfulfilledConstraint',
      )?.declined;
      return a.tasksRunning === 2 && e?.count === 1 && declined > 0 && { a, e };
    });
    expect(new Set(q.a.tasks.map((t: Json) => t.host))).toEqual(new Set([hosts.a, hosts.b]));
    expect(q.e.lastUnusedOffers[0].reason).toContain('UnfulfilledConstraint');
    expect(q.e.delay).toMatchObject({ overdue: true });
    // Still 2 after more offers went by.
    await sleep(1_000);
    expect((await appOf('/uniq')).tasks).toHaveLength(2);
    const d = await api('/v2/apps/uniq', { method: 'DELETE' });
    expect(d.status).toBe(200);
    await waitFor('uniq gone', async () => (await api('/v2/apps/uniq')).status === 404);
    await waitFor(
      'its tasks killed',
      async () => !live(await masterTasks()).some((t) => t.name === 'uniq'),
    );
    await waitFor('app_terminated_event', () =>
      sse.some((e) => e.event === 'app_terminated_event' && e.data.appId === '/uniq'),
    );
  });

  it('rolling upgrade keeps >= minimumHealthCapacity healthy throughout', async () => {
    const before = await appOf('/shop/web');
    const r = await api('/v2/apps/shop/web', {
      method: 'PUT',
      body: JSON.stringify({ env: { COLOUR: 'blue' } }),
    });
    expect(r.status).toBe(200);
    const samples: number[] = [];
    const after = await waitFor(
      'upgrade done',
      async () => {
        const a = await appOf('/shop/web');
        samples.push(a.tasksHealthy);
        return (
          a.deployments.length === 0 &&
          a.tasks.length === 3 &&
          a.tasksHealthy === 3 &&
          a.tasks.every((t: Json) => t.version === a.version) &&
          a
        );
      },
      { timeoutMs: 40_000, intervalMs: 50 },
    );
    expect(after.version).not.toBe(before.version);
    expect(after.env).toEqual({ COLOUR: 'blue' });
    // minimumHealthCapacity 0.5 of 3 → never fewer than 2 healthy.
    expect(samples.length).toBeGreaterThan(5);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(2);
    // Every old task was replaced (config change), none of the old ids remain.
    const oldIds = new Set(before.tasks.map((t: Json) => t.id));
    expect(after.tasks.some((t: Json) => oldIds.has(t.id))).toBe(false);
  });

  it('a task killed outside Marathon is replaced', async () => {
    const a = await appOf('/shop/web');
    const victim = a.tasks[0];
    const k = await httpJson(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'KILL_TASK', kill_task: { task_id: { value: victim.id } } }),
    });
    expect(k.status).toBe(200);
    const b = await waitFor('replaced', async () => {
      const x = await appOf('/shop/web');
      return (
        x.tasksHealthy === 3 &&
        x.tasks.length === 3 &&
        !x.tasks.some((t: Json) => t.id === victim.id) &&
        x
      );
    });
    expect(b.tasks).toHaveLength(3);
    expect(live(await masterTasks()).filter((t) => t.name === 'web.shop')).toHaveLength(3);
  });

  it('a task whose health endpoint fails is killed and replaced', async () => {
    const a = await appOf('/shop/web');
    const victim = a.tasks[1];
    expect((await fetch(`http://${victim.host}:${victim.ports[0]}/fail`)).status).toBe(200);
    await waitFor(
      'unhealthy task killed and replaced',
      async () => {
        const x = await appOf('/shop/web');
        return (
          x.tasksHealthy === 3 &&
          x.tasks.length === 3 &&
          !x.tasks.some((t: Json) => t.id === victim.id)
        );
      },
      { timeoutMs: 20_000 },
    );
    expect(
      sse.some((e) => e.event === 'failed_health_check_event' && e.data.taskId === victim.id),
    ).toBe(true);
    expect(
      sse.some((e) => e.event === 'unhealthy_instance_kill_event' && e.data.taskId === victim.id),
    ).toBe(true);
    const s = (await httpJson(`${master.url}/master/state`)).body as Json;
    const done = s.frameworks.flatMap((f: Json) => f.completed_tasks as Json[]);
    expect(done.filter((t: Json) => t.id === victim.id).map((t: Json) => t.state)).toEqual([
      'TASK_KILLED',
    ]);
  });

  it('a Marathon restart mid-deployment completes the deployment without duplicates', async () => {
    // Scale to 5 with a new config whose tasks need 2 s to get healthy: a rolling upgrade in
    // several rounds that is surely still running when Marathon goes down.
    const slow = `sleep 2; ${web().cmd}`;
    const r = await api('/v2/apps/shop/web', {
      method: 'PUT',
      body: JSON.stringify({ instances: 5, cmd: slow }),
    });
    expect(r.status).toBe(200);
    const deploymentId = r.headers.get('marathon-deployment-id');
    await waitFor(
      'a task of the new version launched',
      async () => {
        const a = await appOf('/shop/web');
        return a.tasks.some((t: Json) => t.version === a.version);
      },
      { intervalMs: 20 },
    );
    await marathon.stop();
    marathon = await startService('marathon', marathonEnv);
    sseAbort.abort();
    await listen();
    const deps = (await api('/v2/deployments')).body as Json[];
    expect(deps.map((d) => d.id)).toEqual([deploymentId]);
    const a = await settled('/shop/web', 5);
    expect(a.cmd).toBe(slow);
    expect(a.tasks.every((t: Json) => t.version === a.version)).toBe(true);
    await waitFor('the resumed deployment announced its success', () =>
      sse.some((e) => e.event === 'deployment_success' && e.data.id === deploymentId),
    );
    await sleep(1_000);
    const after = await appOf('/shop/web');
    expect(after.tasks).toHaveLength(5);
    // The master runs exactly Marathon's 5 tasks: none lost, none launched twice.
    const running = live(await masterTasks()).filter((t) => t.name === 'web.shop');
    expect(running.map((t) => t.id).sort()).toEqual(after.tasks.map((t: Json) => t.id).sort());
    expect((await api('/v2/deployments')).body).toEqual([]);
  });

  it('kill -9 of an agent: its instances are replaced on the other', async () => {
    const a = await appOf('/shop/web');
    const onA = a.tasks.filter((t: Json) => t.host === hosts.a);
    const victim: 'a' | 'b' = onA.length > 0 ? 'a' : 'b';
    const lost = a.tasks.filter((t: Json) => t.host === hosts[victim]).map((t: Json) => t.id);
    expect(lost.length).toBeGreaterThan(0);
    agents[victim]!.child.kill('SIGKILL');
    const other = hosts[victim === 'a' ? 'b' : 'a'];
    const b = await waitFor(
      'all 5 healthy on the surviving agent',
      async () => {
        const x = await appOf('/shop/web');
        return (
          x.tasks.length === 5 &&
          x.tasksHealthy === 5 &&
          x.tasks.every((t: Json) => t.host === other) &&
          x
        );
      },
      { timeoutMs: 30_000 },
    );
    for (const t of b.tasks) {
      expect(lost).not.toContain(t.id);
      expect((await fetch(`http://${t.host}:${t.ports[0]}/`)).status).toBe(200);
    }
    expect(
      sse.some(
        (e) =>
          e.event === 'status_update_event' &&
          lost.includes(e.data.taskId) &&
          e.data.taskStatus === 'TASK_UNREACHABLE',
      ),
    ).toBe(true);
  });

  it('readiness checks hold a deployment until the new tasks are ready', async () => {
    const r = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify(
        web({
          id: '/shop/api',
          instances: 2,
          mem: 64,
          readinessChecks: [
            {
              name: 'ready',
              path: '/ready',
              portName: 'http',
              intervalSeconds: 2,
              timeoutSeconds: 1,
              httpStatusCodesForReady: [200],
              preserveLastResponse: true,
            },
          ],
        }),
      ),
    });
    expect(r.status).toBe(201);
    const deploymentId = r.headers.get('marathon-deployment-id');
    const deployment = async () =>
      ((await api('/v2/deployments')).body as Json[]).find((d) => d.id === deploymentId);
    // Running and healthy, but not ready: the deployment waits and says why.
    const waiting = await waitFor('2 healthy, not ready', async () => {
      const a = await appOf('/shop/api');
      const d = await deployment();
      const results = d?.currentActions[0].readinessCheckResults as Json[] | undefined;
      return a.tasksHealthy === 2 && results?.length === 2 && { a, results };
    });
    for (const x of waiting.results)
      expect(x).toMatchObject({
        name: 'ready',
        ready: false,
        lastResponse: { status: 503 },
      });
    const [t1, t2] = waiting.a.tasks as Json[];
    await fetch(`http://${t1.host}:${t1.ports[0]}/make-ready`);
    await waitFor('first task ready', async () => {
      const res = ((await api('/v2/apps/shop/api?embed=app.readiness')).body as Json).app;
      return res.readinessCheckResults.some((x: Json) => x.taskId === t1.id && x.ready);
    });
    expect(await deployment()).toBeDefined();
    await fetch(`http://${t2.host}:${t2.ports[0]}/make-ready`);
    await waitFor('deployment done', async () => !(await deployment()));
    expect(sse.some((e) => e.event === 'deployment_success' && e.data.id === deploymentId)).toBe(
      true,
    );
  });
});

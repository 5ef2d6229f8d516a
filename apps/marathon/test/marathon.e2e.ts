import {
  createTestDatabase,
  freePort,
  httpJson,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';
import { FakeMaster, type FakeAgent } from './fake-master';

/**
 * Marathon's edge against real NATS, Postgres and the built process; the master is played by
 * FakeMaster over the internal scheduler protocol.
 */
describe('marathon /v2 against a fake master', () => {
  let db: TestDatabase;
  let prefix: string;
  let master: FakeMaster;
  let svc: TestService;
  let env: Record<string, string>;
  const sse: { event: string; data: Record<string, unknown> }[] = [];
  let sseAbort: AbortController;

  const api = (path: string, init: RequestInit = {}) =>
    httpJson(`${svc.url}${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
  type AppBody = {
    app: {
      tasks: { id: string; state: string; healthCheckResults: { alive: boolean }[] }[];
      tasksRunning: number;
      tasksHealthy: number;
      deployments: unknown[];
    };
  };
  const app = async (id: string) => (await api(`/v2/apps${id}`)).body as AppBody;

  async function listen(): Promise<void> {
    sseAbort = new AbortController();
    const res = await fetch(`${svc.url}/v2/events`, {
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

  beforeAll(async () => {
    db = await createTestDatabase('marathon');
    prefix = uniquePrefix('mt');
    const ports = await Promise.all(Array.from({ length: 16 }, () => freePort()));
    const agents: FakeAgent[] = [
      {
        id: 'agent-a',
        hostname: '127.0.0.1',
        cpus: 4,
        mem: 4096,
        ports: ports.slice(0, 8),
        attributes: { rack: 'r1' },
      },
      {
        id: 'agent-b',
        hostname: 'localhost',
        cpus: 4,
        mem: 4096,
        ports: ports.slice(8),
        attributes: { rack: 'r2' },
      },
    ];
    master = new FakeMaster(prefix, agents);
    await master.start();
    // Bound to every interface, advertised as `localhost`: /v2/leader must name the latter.
    env = {
      DATABASE_URL: db.url,
      NATS_PREFIX: prefix,
      MARATHON_RECONCILE_INTERVAL_MS: '100',
      BIND_HOST: '0.0.0.0',
      ADVERTISE_HOST: 'localhost',
    };
    svc = await startService('marathon', env);
    await listen();
    await waitFor('marathon to subscribe', () => master.frameworkId);
  });

  afterAll(async () => {
    sseAbort?.abort();
    await stopAllServices();
    await master?.stop();
    await db?.drop();
  });

  it('rejects invalid definitions with 422 naming the path, bad JSON with 400, unknown ids with 404', async () => {
    const r = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify({
        id: '/Bad_Id',
        instances: -1,
        cpus: 'x',
        constraints: [['hostname', 'NOPE']],
        wat: 1,
      }),
    });
    expect(r.status).toBe(422);
    const body = r.body as { message: string; details: { path: string; errors: string[] }[] };
    expect(body.message).toBe('Object is not valid');
    const paths = body.details.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/id', '/instances', '/cpus', '/constraints(0)', '/wat', '/']),
    );
    const bad = await api('/v2/apps', { method: 'POST', body: '{"id":' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ message: 'Invalid JSON', details: [{ path: '/' }] });
    expect((await api('/v2/apps/nope')).status).toBe(404);
    expect((await api('/v2/apps')).body).toEqual({ apps: [] });
  });

  it('deploys an app with an HTTP health check: tasks launched via the master protocol, RUNNING and healthy', async () => {
    const def = {
      id: '/prod/web',
      cmd: 'python3 -m http.server $PORT0',
      instances: 3,
      cpus: 0.1,
      mem: 32,
      labels: { tier: 'front' },
      healthChecks: [
        {
          protocol: 'HTTP',
          path: '/',
          portIndex: 0,
          intervalSeconds: 1,
          timeoutSeconds: 0,
          gracePeriodSeconds: 30,
          maxConsecutiveFailures: 2,
        },
      ],
    };
    const r = await api('/v2/apps', { method: 'POST', body: JSON.stringify(def) });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toMatch(/\/v2\/apps\/prod\/web$/);
    const created = r.body as Record<string, unknown>;
    expect(created).toMatchObject({
      id: '/prod/web',
      instances: 3,
      mem: 32,
      backoffFactor: 1.15,
      maxLaunchDelaySeconds: 300,
      requirePorts: false,
      killSelection: 'YOUNGEST_FIRST',
    });
    expect((created.deployments as { id: string }[])[0].id).toBe(
      r.headers.get('marathon-deployment-id'),
    );
    expect((created.portDefinitions as { port: number }[])[0].port).toBeGreaterThanOrEqual(10000);

    await waitFor(
      '3 healthy tasks and the deployment done',
      async () => {
        const a = await app('/prod/web');
        return a.app.tasksHealthy === 3 && a.app.deployments.length === 0;
      },
      { timeoutMs: 20_000 },
    );
    const list = (await api('/v2/apps?embed=apps.tasks')).body as {
      apps: { id: string; tasks: { id: string; host: string; ports: number[]; state: string }[] }[];
    };
    expect(list.apps[0].tasks).toHaveLength(3);
    for (const t of list.apps[0].tasks) {
      expect(t.id).toMatch(/^prod_web\.instance-[0-9a-f-]{36}\._app\.1$/);
      expect(t.state).toBe('TASK_RUNNING');
      // Each task answers on its host:port (the fake agent runs a server there).
      const res = await fetch(`http://${t.host}:${t.ports[0]}/`);
      expect(res.status).toBe(200);
    }
    // What Marathon sent to Mesos: name, discovery, env.
    const info = master.live()[0].info;
    expect(info.name).toBe('web.prod');
    expect(info.discovery).toMatchObject({
      visibility: 'FRAMEWORK',
      name: 'web.prod',
      ports: { ports: [{ name: 'default', protocol: 'tcp' }] },
    });
    const vars = Object.fromEntries(
      (info.command?.environment?.variables ?? []).map((v) => [v.name, v.value]),
    );
    expect(vars).toMatchObject({
      MARATHON_APP_ID: '/prod/web',
      PORT: vars.PORT0,
      PORTS: vars.PORT0,
      MESOS_TASK_ID: info.task_id.value,
      MARATHON_APP_LABELS: 'tier',
      MARATHON_APP_LABEL_TIER: 'front',
      MARATHON_APP_RESOURCE_MEM: '32',
      HOST: expect.any(String),
    });
    expect(vars.PORT_DEFAULT).toBe(vars.PORT0);
    // Every update with a uuid was acknowledged.
    expect(master.acks.size).toBeGreaterThanOrEqual(6);
  });

  it('streams the events in order over SSE', async () => {
    const types = sse.map((e) => e.event);
    expect(types[0]).toBe('event_stream_attached');
    const at = (t: string) => types.indexOf(t);
    for (const t of [
      'api_post_event',
      'deployment_info',
      'status_update_event',
      'instance_changed_event',
      'health_status_changed_event',
      'deployment_step_success',
      'deployment_success',
    ])
      expect(at(t)).toBeGreaterThan(0);
    expect(at('api_post_event')).toBeLessThan(at('status_update_event'));
    expect(at('status_update_event')).toBeLessThan(at('deployment_success'));
    const su = sse.find((e) => e.event === 'status_update_event')?.data as Record<string, unknown>;
    expect(Object.keys(su)).toEqual(
      expect.arrayContaining([
        'slaveId',
        'taskId',
        'taskStatus',
        'message',
        'appId',
        'host',
        'ports',
        'ipAddresses',
        'version',
        'eventType',
        'timestamp',
      ]),
    );
    const filtered = await fetch(`${svc.url}/v2/events`, {
      headers: { Accept: 'application/json' },
    });
    expect(filtered.status).toBe(405);
  });

  it('replaces a failed task and kills+replaces an unhealthy one', async () => {
    const before = (await app('/prod/web')).app.tasks.map((t) => t.id);
    master.fail(before[0]);
    await waitFor(
      'the failed instance relaunched as incarnation 2',
      async () => {
        const a = await app('/prod/web');
        return (
          a.app.tasksHealthy === 3 &&
          a.app.tasks.some((t) => t.id === before[0].replace(/\._app\.1$/, '._app.2'))
        );
      },
      { timeoutMs: 20_000 },
    );
    const failure = (await api('/v2/apps/prod/web?embed=app.lastTaskFailure')).body as {
      app: { lastTaskFailure: { taskId: string; state: string } };
    };
    expect(failure.app.lastTaskFailure).toMatchObject({ taskId: before[0], state: 'TASK_FAILED' });

    const victim = master.tasks.get(before[1]);
    if (!victim) throw new Error('no victim');
    victim.healthy = false;
    await waitFor(
      'the unhealthy task killed and replaced',
      async () => {
        const a = await app('/prod/web');
        return !a.app.tasks.some((t) => t.id === before[1]) && a.app.tasksHealthy === 3;
      },
      { timeoutMs: 20_000 },
    );
    expect(master.calls.some((c) => c.type === 'KILL' && c.kill?.task_id.value === before[1])).toBe(
      true,
    );
    expect(sse.some((e) => e.event === 'failed_health_check_event')).toBe(true);
    expect(sse.some((e) => e.event === 'unhealthy_instance_kill_event')).toBe(true);
  });

  it('scales up and down (youngest first), and restarts', async () => {
    const up = await api('/v2/apps/prod/web', {
      method: 'PUT',
      body: JSON.stringify({ instances: 5 }),
    });
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ deploymentId: expect.any(String), version: expect.any(String) });
    await waitFor(
      '5 healthy, deployment done',
      async () => {
        const a = await app('/prod/web');
        return a.app.tasksHealthy === 5 && a.app.deployments.length === 0;
      },
      {
        timeoutMs: 20_000,
      },
    );
    const down = await api('/v2/apps/prod/web', {
      method: 'PATCH',
      body: JSON.stringify({ instances: 1 }),
    });
    expect(down.status).toBe(200);
    await waitFor(
      '1 task left, deployment done',
      async () => {
        const a = await app('/prod/web');
        return a.app.tasks.length === 1 && a.app.deployments.length === 0;
      },
      {
        timeoutMs: 20_000,
      },
    );
    expect(master.live()).toHaveLength(1);

    const old = (await app('/prod/web')).app.tasks[0].id;
    const rs = await api('/v2/apps/prod/web/restart', { method: 'POST' });
    expect(rs.status).toBe(200);
    await waitFor(
      'restart replaced the task',
      async () => {
        const a = await app('/prod/web');
        return (
          a.app.deployments.length === 0 &&
          a.app.tasks.length === 1 &&
          a.app.tasks[0].id !== old &&
          a.app.tasksHealthy === 1
        );
      },
      { timeoutMs: 20_000 },
    );
    const versions = (await api('/v2/apps/prod/web/versions')).body as { versions: string[] };
    expect(versions.versions.length).toBeGreaterThanOrEqual(4);
    const v0 = await api(
      `/v2/apps/prod/web/versions/${versions.versions[versions.versions.length - 1]}`,
    );
    expect(v0.body).toMatchObject({ id: '/prod/web', instances: 3 });
  });

  it('keeps UNIQUE hostname: the third instance waits in the queue with the reason', async () => {
    const r = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify({
        id: 'uniq',
        cmd: 'sleep 1000',
        instances: 3,
        cpus: 0.1,
        mem: 16,
        constraints: [['hostname', 'UNIQUE']],
      }),
    });
    expect(r.status).toBe(201);
    await waitFor('2 running', async () => (await app('/uniq')).app.tasksRunning === 2, {
      timeoutMs: 20_000,
    });
    const q = await waitFor('queue shows the constraint', async () => {
      const body = (await api('/v2/queue')).body as {
        queue: {
          app: { id: string };
          count: number;
          processedOffersSummary: {
            rejectSummaryLastOffers: { reason: string; declined: number }[];
          };
        }[];
      };
      const e = body.queue.find((x) => x.app.id === '/uniq');
      return e &&
        e.processedOffersSummary.rejectSummaryLastOffers.some(
          (s) => s.reason === 'UnfulfilledConstraint' && s.declined > 0,
        )
        ? e
        : undefined;
    });
    expect(q.count).toBe(1);
    const hosts = (await app('/uniq')).app.tasks.map(
      (t) => (t as unknown as { host: string }).host,
    );
    expect(new Set(hosts).size).toBe(2);
    const deps = (await api('/v2/deployments')).body as {
      affectedApps: string[];
      currentStep: number;
      totalSteps: number;
    }[];
    expect(deps.find((d) => d.affectedApps.includes('/uniq'))).toMatchObject({
      currentStep: 1,
      totalSteps: 1,
    });
    // A second change to a locked app is refused with the blocking deployment.
    const locked = await api('/v2/apps/uniq', {
      method: 'PUT',
      body: JSON.stringify({ instances: 2 }),
    });
    expect(locked.status).toBe(409);
    expect((locked.body as { deployments: unknown[] }).deployments).toHaveLength(1);
    const forced = await api('/v2/apps/uniq?force=true', {
      method: 'PUT',
      body: JSON.stringify({ instances: 2 }),
    });
    expect(forced.status).toBe(200);
    await waitFor(
      'deployment done at 2',
      async () => (await app('/uniq')).app.deployments.length === 0,
    );
  });

  it('survives a Marathon restart: same framework id, apps kept, tasks reconciled, nothing duplicated', async () => {
    const before = (await api('/v2/tasks')).body as { tasks: { id: string }[] };
    const launchesBefore = master.calls.filter((c) => c.type === 'ACCEPT').length;
    const fw = master.frameworkId;
    const subs = master.subscribes.length;
    await svc.stop();
    svc = await startService('marathon', env);
    await waitFor('re-subscribed', () => master.subscribes.length > subs);
    expect(
      master.subscribes[master.subscribes.length - 1].subscribe?.framework_info.id?.value,
    ).toBe(fw);
    await waitFor('explicit reconcile of the known tasks', () =>
      master.calls.some(
        (c) => c.type === 'RECONCILE' && (c.reconcile?.tasks.length ?? 0) === before.tasks.length,
      ),
    );
    const apps = (await api('/v2/apps')).body as { apps: { id: string }[] };
    expect(apps.apps.map((a) => a.id)).toEqual(['/prod/web', '/uniq']);
    await new Promise((r) => setTimeout(r, 1_000));
    const after = (await api('/v2/tasks')).body as { tasks: { id: string }[] };
    expect(after.tasks.map((t) => t.id).sort()).toEqual(before.tasks.map((t) => t.id).sort());
    expect(master.calls.filter((c) => c.type === 'ACCEPT').length).toBe(launchesBefore);
    const info = (await api('/v2/info')).body as { frameworkId: string; name: string };
    expect(info).toMatchObject({ name: 'marathon', frameworkId: fw });
  });

  it('deletes apps: tasks killed, app_terminated_event, app gone', async () => {
    const r = await api('/v2/apps/uniq', { method: 'DELETE' });
    expect(r.status).toBe(200);
    await waitFor('uniq gone', async () => (await api('/v2/apps/uniq')).status === 404);
    await waitFor('its tasks killed', () =>
      master.live().every((t) => !t.info.task_id.value.startsWith('uniq.')),
    );
    await waitFor(
      'deployment done',
      async () => ((await api('/v2/deployments')).body as unknown[]).length === 0,
    );
  });

  it('groups: PUT dryRun returns the plan and changes nothing; PATCH sets enforceRole only', async () => {
    const before = (await api('/v2/groups/prod')).body as { version: string };
    const plan = await api('/v2/groups/prod?dryRun=true', {
      method: 'PUT',
      body: JSON.stringify({
        id: '/prod',
        apps: [
          { id: '/prod/web', cmd: 'sleep 1000', instances: 1 },
          { id: '/prod/db', cmd: 'sleep 1000', instances: 2 },
        ],
      }),
    });
    expect(plan.status).toBe(200);
    const p = plan.body as {
      id: string;
      version: string;
      steps: { actions: { action: string; app: string }[] }[];
      original: { id: string };
      target: { apps: { id: string }[] };
    };
    const actions = p.steps.flatMap((s) => s.actions);
    expect(actions).toEqual(
      expect.arrayContaining([
        { action: 'StartApplication', app: '/prod/db' },
        { action: 'RestartApplication', app: '/prod/web' },
      ]),
    );
    expect(p.target.apps.map((a) => a.id).sort()).toEqual(['/prod/db', '/prod/web']);
    // Nothing changed.
    expect((await api('/v2/apps/prod/db')).status).toBe(404);
    expect((await api('/v2/deployments')).body).toEqual([]);
    expect(((await api('/v2/groups/prod')).body as { version: string }).version).toBe(
      before.version,
    );

    const bad = await api('/v2/groups/prod', {
      method: 'PATCH',
      body: JSON.stringify({ enforceRole: 'yes', apps: [] }),
    });
    expect(bad.status).toBe(422);
    expect((bad.body as { details: { path: string }[] }).details.map((d) => d.path)).toEqual(
      expect.arrayContaining(['/apps', '/enforceRole']),
    );
    expect((await api('/v2/groups/nope', { method: 'PATCH', body: '{}' })).status).toBe(404);
    const ok = await api('/v2/groups/prod', {
      method: 'PATCH',
      body: JSON.stringify({ enforceRole: true }),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      deploymentId: expect.any(String),
      version: expect.any(String),
    });
    const g = (await api('/v2/groups/prod')).body as { enforceRole: boolean; apps: unknown[] };
    expect(g.enforceRole).toBe(true);
    expect(g.apps).toHaveLength(1);
  });

  it('Marathon clients: /ping negotiation, /v2/leader and its headers, /v2/plugins, the plan in events', async () => {
    const plain = await fetch(`${svc.url}/ping`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/plain');
    expect(await plain.text()).toBe('pong');
    const curl = await fetch(`${svc.url}/ping`, { headers: { Accept: '*/*' } });
    expect([curl.headers.get('content-type'), await curl.text()]).toEqual(['text/plain', 'pong']);
    const json = await fetch(`${svc.url}/ping`, { headers: { Accept: 'application/json' } });
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.json()).toBe('pong');
    const none = await fetch(`${svc.url}/ping`, { headers: { Accept: 'image/png' } });
    expect(none.status).toBe(204);

    const leader = await api('/v2/leader');
    expect(leader.status).toBe(200);
    expect(leader.body).toEqual({ leader: `localhost:${svc.port}` });
    // Marathon's LeaderProxyFilter and CacheDisablingFilter headers.
    expect(leader.headers.get('x-marathon-leader')).toBe(`http://localhost:${svc.port}`);
    expect(leader.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
    expect(((await api('/v2/info')).body as { leader: string }).leader).toBe(
      `localhost:${svc.port}`,
    );
    // dcos marathon plugin list.
    expect((await api('/v2/plugins')).body).toEqual({ plugins: [] });
    expect((await api('/v2/plugins/x/y')).body).toEqual({
      message: 'No plugin with this pluginId: x',
    });
    // Deployment events carry Marathon's plan keys only (marathon-python builds its plan
    // object from exactly these).
    const info = sse.find((e) => e.event === 'deployment_info');
    expect(Object.keys(info?.data.plan as object).sort()).toEqual([
      'id',
      'original',
      'steps',
      'target',
      'version',
    ]);
  });

  it('relative dependencies are stored absolute: against the root in /v2/apps, the group in /v2/groups', async () => {
    const deps = ['../backend', './db', 'db'];
    const app1 = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify({ id: '/rel/web', cmd: 'sleep 1000', instances: 0, dependencies: deps }),
    });
    expect(app1.status).toBe(201);
    // Absolute, each once (a set in Marathon).
    expect((app1.body as { dependencies: string[] }).dependencies).toEqual(['/backend', '/db']);
    const grp = await api('/v2/groups', {
      method: 'POST',
      body: JSON.stringify({
        id: '/relg',
        dependencies: ['cache'],
        apps: [{ id: 'web', cmd: 'sleep 1000', instances: 0, dependencies: deps }],
      }),
    });
    expect(grp.status).toBe(201);
    const stored = (await api('/v2/apps/relg/web')).body as { app: { dependencies: string[] } };
    // The group's own dependency stays on the group.
    expect(stored.app.dependencies).toEqual(['/backend', '/relg/db']);
    const g = (await api('/v2/groups/relg')).body as { dependencies: string[]; version: string };
    expect(g.dependencies).toEqual(['/relg/cache']);
    // A group at a version (dcos marathon group show --group-version).
    expect((await api('/v2/groups/relg/versions')).body).toEqual([g.version]);
    const atVersion = await api(`/v2/groups/relg/versions/${encodeURIComponent(g.version)}`);
    expect(atVersion.status).toBe(200);
    expect(atVersion.body).toMatchObject({ id: '/relg', version: g.version });
    const old = await api('/v2/groups/relg/versions/2000-01-01T00:00:00.000Z');
    expect(old.status).toBe(404);
    expect(old.body).toEqual({
      message: "Group '/relg' does not exist in version 2000-01-01T00:00:00.000Z",
    });
    // PUT /v2/apps/{id} resolves them the same way as POST.
    const put = await api('/v2/apps/rel/web', {
      method: 'PUT',
      body: JSON.stringify({ dependencies: ['./other'] }),
    });
    expect(put.status).toBe(200);
    await waitFor(
      'the PUT deployed',
      async () =>
        ((await api('/v2/apps/rel/web')).body as { app: { dependencies: string[] } }).app
          .dependencies[0] === '/other',
    );
  });

  it('health checks with timeoutSeconds equal to, above or below intervalSeconds are accepted; a bad docker network is 422', async () => {
    for (const [i, timeoutSeconds] of [10, 11, 9].entries()) {
      const r = await api('/v2/apps', {
        method: 'POST',
        body: JSON.stringify({
          id: `/hc/t${i}`,
          cmd: 'sleep 1000',
          instances: 0,
          healthChecks: [{ protocol: 'TCP', intervalSeconds: 10, timeoutSeconds }],
        }),
      });
      expect(r.status).toBe(201);
      expect((r.body as { healthChecks: unknown[] }).healthChecks[0]).toMatchObject({
        intervalSeconds: 10,
        timeoutSeconds,
      });
    }
    const docker = (network: unknown) => ({
      id: '/dockernet',
      instances: 0,
      container: { type: 'DOCKER', docker: { image: 'nginx', network } },
    });
    const bad = await api('/v2/apps', { method: 'POST', body: JSON.stringify(docker('OVERLAY')) });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      message: 'Invalid JSON',
      details: [{ path: '/container/docker/network', errors: ['error.unknown.enum.literal'] }],
    });
    const inGroup = await api('/v2/groups', {
      method: 'POST',
      body: JSON.stringify({ id: '/dn', apps: [{ ...docker(3), id: 'a' }] }),
    });
    expect(inGroup.status).toBe(422);
    expect((inGroup.body as { details: { path: string }[] }).details[0].path).toBe(
      '/apps(0)/container/docker/network',
    );
    expect((await api('/v2/apps/dockernet')).status).toBe(404);
    expect((await api('/v2/groups/dn')).status).toBe(404);
    const good = await api('/v2/apps', { method: 'POST', body: JSON.stringify(docker('host')) });
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({ container: { docker: { network: 'HOST' } } });
  });

  it('DELETE /v2/leader: 200 "Leadership abdicated", then leads again (same framework, tasks kept, still deploys)', async () => {
    await waitFor(
      'no deployment running',
      async () => ((await api('/v2/deployments')).body as unknown[]).length === 0,
    );
    const before = (await api('/v2/tasks')).body as { tasks: { id: string }[] };
    const fw = master.frameworkId;
    const subs = master.subscribes.length;
    const launches = master.calls.filter((c) => c.type === 'ACCEPT').length;
    const r = await api('/v2/leader', { method: 'DELETE' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ message: 'Leadership abdicated' });
    // backup/restore are not supported: refused, nothing done.
    expect((await api('/v2/leader?backup=file:///tmp/b', { method: 'DELETE' })).status).toBe(422);
    await waitFor(
      'a new SUBSCRIBE (failover) after the abdication',
      () => master.subscribes.length > subs,
      {
        timeoutMs: 30_000,
      },
    );
    expect(
      master.subscribes[master.subscribes.length - 1].subscribe?.framework_info.id?.value,
    ).toBe(fw);
    expect((await api('/v2/leader')).body).toEqual({
      leader: `localhost:${svc.port}`,
    });
    const after = (await api('/v2/tasks')).body as { tasks: { id: string }[] };
    expect(after.tasks.map((t) => t.id).sort()).toEqual(before.tasks.map((t) => t.id).sort());
    expect(master.calls.filter((c) => c.type === 'ACCEPT').length).toBe(launches);
    // The instance still schedules: a new app gets a running task.
    const created = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify({ id: '/after-abdication', cmd: 'sleep 1000', cpus: 0.1, mem: 16 }),
    });
    expect(created.status).toBe(201);
    await waitFor(
      'the new app running',
      async () => (await app('/after-abdication')).app.tasksRunning === 1,
      { timeoutMs: 30_000 },
    );
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
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

const CLI = join(REPO_ROOT, 'dist/apps/cli/src/main.js');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `dcos marathon …` (built CLI) against the real built Marathon on real NATS and Postgres.
 * No master runs yet, so apps get no offers: their deployments stay in progress, which is what
 * the deployment commands (list, watch, rollback, --force) are exercised on.
 */
describe('dcos marathon (built CLI against the real Marathon)', () => {
  let db: TestDatabase;
  let marathon: TestService;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  function start(args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}) {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.end(input ?? '');
    const done = new Promise<Run>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, done, output: () => ({ stdout, stderr }) };
  }
  const dcos = (args: string[], input?: string, extraEnv?: NodeJS.ProcessEnv) =>
    start(['marathon', ...args], input, extraEnv).done;
  const api = (path: string) => httpJson(`${marathon.url}${path}`);
  const appOf = async (id: string) =>
    (await api(`/v2/apps${id}`)).body as {
      app: {
        id: string;
        instances: number;
        cpus: number;
        env: Record<string, string>;
        version: string;
      };
    };
  const deploymentsOf = async (id: string) =>
    ((await api('/v2/deployments')).body as { id: string; affectedApps: string[] }[]).filter((d) =>
      d.affectedApps.includes(id),
    );
  const file = (name: string, body: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
    return p;
  };
  const webApp = { id: '/web', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 2 };

  beforeAll(async () => {
    db = await createTestDatabase('cli_marathon');
    dir = mkdtempSync(join(tmpdir(), 'dcos-cli-marathon-'));
    marathon = await startService('marathon', {
      DATABASE_URL: db.url,
      NATS_PREFIX: uniquePrefix('climt'),
      MARATHON_RECONCILE_INTERVAL_MS: '100',
    });
    env = { ...process.env, DCOS_DIR: dir, MARATHON_URL: marathon.url };
    delete env.DCOS_URL;
    delete env.DCOS_ACS_TOKEN;
    delete env.MASTER_URL;
  });

  afterAll(async () => {
    await stopAllServices();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('app add from a file and from stdin; an existing id is refused', async () => {
    const fromFile = await dcos(['app', 'add', file('web.json', webApp)]);
    expect(fromFile).toMatchObject({ code: 0, stderr: '' });
    expect(fromFile.stdout).toMatch(new RegExp(`^Created deployment ${UUID.source}\n$`));
    expect((await appOf('/web')).app).toMatchObject({ id: '/web', instances: 2, cpus: 0.1 });

    const fromStdin = await dcos(
      ['app', 'add'],
      JSON.stringify({ id: 'batch', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 1 }),
    );
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toMatch(/^Created deployment /);
    expect((await appOf('/batch')).app.instances).toBe(1);

    const again = await dcos(['app', 'add', file('web2.json', { ...webApp, instances: 5 })]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("Application '/web' already exists\n");
    expect((await appOf('/web')).app.instances).toBe(2);
  });

  it("prints Marathon's 422 with every field path; bad JSON and missing files are clear", async () => {
    const bad = await dcos([
      'app',
      'add',
      file('bad.json', { id: '/bad', cmd: 'x', cpus: 'lots', instances: -1 }),
    ]);
    expect(bad.code).toBe(1);
    const lines = bad.stderr.trim().split('\n');
    expect(lines[0]).toBe('Error: Object is not valid');
    expect(lines.some((l) => l.startsWith('  /cpus: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('  /instances: '))).toBe(true);
    expect((await api('/v2/apps/bad')).status).toBe(404);

    const notJson = await dcos(['app', 'add'], '{"id": "/x", ');
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^Error loading JSON from stdin: /);

    const missing = await dcos(['app', 'add', join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Can't read from resource");
  });

  it('app list as JSON and as the DC/OS table; app show; unknown apps are clear errors', async () => {
    const json = await dcos(['app', 'list', '--json']);
    expect(json.code).toBe(0);
    const apps = JSON.parse(json.stdout) as { id: string; instances: number }[];
    expect(apps.map((a) => a.id)).toEqual(['/batch', '/web']);

    const table = await dcos(['app', 'list']);
    expect(table.code).toBe(0);
    const [head, ...rows] = table.stdout.trimEnd().split('\n');
    expect((head ?? '').split(/\s{2,}/)).toEqual([
      'ID',
      'MEM',
      'CPUS',
      'TASKS',
      'HEALTH',
      'DEPLOYMENT',
      'WAITING',
      'CONTAINER',
      'CMD',
    ]);
    const web = rows.find((r) => r.startsWith('/web'))?.split(/\s{2,}/);
    // No offers yet: 0 of 2 running, the start deployment in progress, overdue in the queue.
    expect(web).toEqual([
      '/web',
      '32',
      '0.1',
      '0/2',
      '---',
      'start',
      'True',
      'mesos',
      'sleep 1000',
    ]);

    const show = await dcos(['app', 'show', 'web']);
    expect(show.code).toBe(0);
    const app = JSON.parse(show.stdout) as { id: string; deployments: unknown[]; tasks: unknown[] };
    expect(app).toMatchObject({ id: '/web', tasks: [] });
    expect(app.deployments).toHaveLength(1);

    for (const args of [
      ['app', 'show', '/nope'],
      ['app', 'update', '/nope', 'instances=1'],
      ['app', 'restart', '/nope'],
      ['app', 'kill', '/nope'],
      ['app', 'remove', '/nope'],
    ]) {
      const r = await dcos(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({
        args,
        code: 1,
        stderr: "Error: App '/nope' does not exist\n",
      });
    }
  });

  it('app update: refused while deploying unless --force; key=value and stdin; 422 paths', async () => {
    const locked = await dcos(['app', 'update', '/web', 'instances=3']);
    expect(locked.code).toBe(1);
    const [before] = await deploymentsOf('/web');
    expect(locked.stderr).toBe(
      'App or group is locked by one or more deployments. Override with --force.\n' +
        `Deployments: ${before?.id}\n`,
    );
    expect((await appOf('/web')).app.instances).toBe(2);

    const forced = await dcos(['app', 'update', '/web', 'instances=3', '--force']);
    expect(forced.code).toBe(0);
    const id = forced.stdout.match(/^Created deployment (\S+)\n$/)?.[1];
    expect((await deploymentsOf('/web')).map((d) => d.id)).toEqual([id]);
    expect((await appOf('/web')).app.instances).toBe(3);

    const stdin = await dcos(
      ['app', 'update', '/web', '--force', '--json'],
      JSON.stringify({ cpus: 0.2, env: { COLOR: 'blue' } }),
    );
    expect(stdin.code).toBe(0);
    expect(Object.keys(JSON.parse(stdin.stdout) as object).sort()).toEqual([
      'deploymentId',
      'version',
    ]);
    expect((await appOf('/web')).app).toMatchObject({ cpus: 0.2, env: { COLOR: 'blue' } });

    const invalid = await dcos(['app', 'update', '/web', 'mem=-5', '--force']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^Error: Object is not valid\n {2}\/mem: /);

    const twice = await dcos(['app', 'update', '/web', 'cpus=1', 'cpus=2']);
    expect(twice).toMatchObject({ code: 1, stderr: "Key 'cpus' was specified more than once\n" });
  });

  it('deployment list as JSON and table; app restart creates a restart deployment', async () => {
    const json = await dcos(['deployment', 'list', '--json']);
    expect(json.code).toBe(0);
    const all = JSON.parse(json.stdout) as { id: string; affectedApps: string[] }[];
    expect(all.flatMap((d) => d.affectedApps).sort()).toEqual(['/batch', '/web']);

    const table = await dcos(['deployment', 'list', '/web']);
    expect(table.code).toBe(0);
    const [head, row] = table.stdout.trimEnd().split('\n');
    expect((head ?? '').split(/\s{2,}/)).toEqual(['APP', 'POD', 'ACTION', 'PROGRESS', 'ID']);
    const [web] = await deploymentsOf('/web');
    // The cpus/env change made it a restart (new config), not a scale.
    expect((row ?? '').split(/\s{2,}/)).toEqual(['/web', '-', 'restart', '0/1', web?.id]);

    const restart = await dcos(['app', 'restart', '/web', '--force']);
    expect(restart.code).toBe(0);
    const rid = restart.stdout.match(/^Created deployment (\S+)\n$/)?.[1];
    expect((await deploymentsOf('/web')).map((d) => d.id)).toEqual([rid]);

    const none = await dcos(['deployment', 'list', '/nothing']);
    expect(none).toMatchObject({ code: 1, stderr: "There are no deployments for '/nothing'\n" });
  });

  it('deployment watch shows a live progress bar and ends when the deployment is gone', async () => {
    const [d] = await deploymentsOf('/web');
    const watch = start(['marathon', 'deployment', 'watch', d?.id ?? '', '--interval', '0.2']);
    await waitFor('the progress bar', () =>
      /Deployment \S+ \[[=-]+\] \d+% \| step 1\/1 \| restart \/web 0\/3 running/.test(
        watch.output().stderr,
      ),
    );
    // Superseding the deployment ends the watch (scaling to 0 finishes at once without tasks).
    expect((await dcos(['app', 'update', '/web', 'instances=0', '--force'])).code).toBe(0);
    const r = await watch.done;
    expect(r.code).toBe(0);
    const { version } = (await appOf('/web')).app;
    expect(r.stdout).toBe(
      `Deployment ${d?.id} ended without reaching its target (canceled or superseded by another deployment)\n` +
        `/web: 0/0 running (version ${version})\n`,
    );
    // The bar was redrawn at each poll.
    expect(
      r.stderr.split('\n').filter((l) => l.startsWith(`Deployment ${d?.id} [`)).length,
    ).toBeGreaterThan(1);
    expect(await deploymentsOf('/web')).toEqual([]);

    const gone = await dcos(['deployment', 'watch', d?.id ?? '']);
    expect(gone).toMatchObject({
      code: 0,
      stdout: `Deployment ${d?.id} is not running (finished, canceled or unknown)\n`,
    });

    // --json prints the deployment at each poll, --max-count bounds the polls.
    const [b] = await deploymentsOf('/batch');
    const json = await dcos([
      'deployment',
      'watch',
      b?.id ?? '',
      '--json',
      '--max-count',
      '2',
      '--interval',
      '0.1',
    ]);
    expect(json.code).toBe(0);
    const snapshots = json.stdout.split(/\n(?=\{)/).map((s) => JSON.parse(s) as { id: string });
    expect(snapshots.map((s) => s.id)).toEqual([b?.id, b?.id]);

    const bounded = await dcos(['deployment', 'watch', b?.id ?? '', '--max-count', '1']);
    expect(bounded).toMatchObject({ code: 0, stdout: `Deployment ${b?.id} is still running\n` });
    expect(bounded.stderr).toMatch(/\| step 1\/1 \| start \/batch 0\/1 running/);

    const badInterval = await dcos(['deployment', 'watch', 'x', '--interval', '-1']);
    expect(badInterval).toMatchObject({ code: 1 });
    expect(badInterval.stderr).toContain('--interval must be a positive number');
  });

  it('restart of a stopped app is refused; app kill without tasks reports none', async () => {
    const restart = await dcos(['app', 'restart', '/web']);
    expect(restart).toMatchObject({
      code: 1,
      stderr:
        "Unable to perform rolling restart of application '/web' because it has no running tasks\n",
    });
    const kill = await dcos(['app', 'kill', '/web']);
    expect(kill).toMatchObject({ code: 1, stdout: 'Killed tasks: []\n' });
  });

  it('deployment rollback undoes the start of /batch: the app goes away', async () => {
    const [b] = await deploymentsOf('/batch');
    const r = await dcos(['deployment', 'rollback', b?.id ?? '']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { deploymentId: string; version: string };
    expect(body.deploymentId).toMatch(UUID);
    await waitFor('/batch to be removed', async () => (await api('/v2/apps/batch')).status === 404);

    const unknown = await dcos(['deployment', 'rollback', b?.id ?? '']);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: `Error: DeploymentPlan ${b?.id} does not exist\n`,
    });
  });

  it('task list: none without offers (table header only, JSON [])', async () => {
    const table = await dcos(['task', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout.trim().split(/\s{2,}/)).toEqual([
      'APP',
      'HEALTHY',
      'STARTED',
      'HOST',
      'ID',
    ]);
    const json = await dcos(['task', 'list', '/web', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('app remove', async () => {
    const r = await dcos(['app', 'remove', '/web', '--force']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await api('/v2/apps/web')).status).toBe(404);
  });

  it('group add, list, show, remove', async () => {
    const prod = {
      id: '/prod',
      apps: [{ id: 'api', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 1 }],
      groups: [
        {
          id: '/prod/db',
          apps: [{ id: 'pg', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 1 }],
        },
      ],
    };
    const add = await dcos(['group', 'add', file('prod.json', prod)]);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^Created deployment /);
    expect((await appOf('/prod/db/pg')).app.instances).toBe(1);

    const again = await dcos(['group', 'add'], JSON.stringify(prod));
    expect(again).toMatchObject({ code: 1, stderr: "Group '/prod' already exists\n" });

    const table = await dcos(['group', 'list']);
    expect(table.code).toBe(0);
    expect(
      table.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s{2,}/)),
    ).toEqual([
      ['ID', 'APPS'],
      ['/prod', '2'],
      ['/prod/db', '1'],
    ]);
    const json = JSON.parse((await dcos(['group', 'list', '--json'])).stdout) as { id: string }[];
    expect(json.map((g) => g.id)).toEqual(['/prod']);

    const show = await dcos(['group', 'show', 'prod/db']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      id: '/prod/db',
      apps: [{ id: '/prod/db/pg' }],
    });

    const locked = await dcos(['group', 'remove', '/prod']);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/^App or group is locked by one or more deployments/);
    const remove = await dcos(['group', 'remove', '/prod', '--force']);
    expect(remove).toMatchObject({ code: 0, stderr: '' });
    await waitFor('/prod to be removed', async () => (await api('/v2/groups/prod')).status === 404);
    const gone = await dcos(['group', 'show', '/prod']);
    expect(gone).toMatchObject({ code: 1, stderr: "Error: Group '/prod' does not exist\n" });
  });

  describe('through the Admin Router (DCOS_URL)', () => {
    let router: Server;
    let routerUrl: string;
    const seen: { url: string; auth?: string }[] = [];

    // Stands in for the Admin Router's `/marathon` location: strips the prefix, needs the token.
    beforeAll(async () => {
      router = createServer((req, res) => {
        void (async () => {
          seen.push({ url: req.url ?? '', auth: req.headers.authorization });
          if (req.headers.authorization !== 'token=cli-token') {
            res.writeHead(401, { 'content-type': 'application/json' }).end('{}');
            return;
          }
          const url = (req.url ?? '').replace(/^\/marathon/, '');
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          const upstream = await fetch(`${marathon.url}${url}`, {
            method: req.method,
            headers: { 'content-type': 'application/json' },
            body: chunks.length ? Buffer.concat(chunks) : undefined,
          });
          res.writeHead(upstream.status, { 'content-type': 'application/json' });
          res.end(await upstream.text());
        })();
      });
      const port = await freePort();
      await new Promise<void>((r) => router.listen(port, '127.0.0.1', r));
      routerUrl = `http://127.0.0.1:${port}`;
    });
    afterAll(() => new Promise<void>((r) => router.close(() => r())));

    it('goes to /marathon with the token; a missing token says to log in', async () => {
      const viaRouter = { DCOS_URL: routerUrl, MARATHON_URL: 'http://127.0.0.1:1' };
      const add = await dcos(
        ['app', 'add'],
        JSON.stringify({ id: '/routed', cmd: 'sleep 1', cpus: 0.1, mem: 32, instances: 0 }),
        { ...viaRouter, DCOS_ACS_TOKEN: 'cli-token' },
      );
      expect(add.code).toBe(0);
      expect(seen.map((s) => s.url)).toEqual(['/marathon/v2/apps/routed', '/marathon/v2/apps']);
      expect((await appOf('/routed')).app.instances).toBe(0);

      const anonymous = await dcos(['app', 'list'], undefined, viaRouter);
      expect(anonymous.code).toBe(1);
      expect(anonymous.stderr).toBe(
        `dcos: ${routerUrl}/marathon/v2/apps requires authentication: run "dcos auth login"\n`,
      );
    });
  });

  it('an unreachable Marathon is a clear error', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await dcos(['app', 'list'], undefined, { MARATHON_URL: closed });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dcos: cannot reach ${closed}/v2/apps: ECONNREFUSED\n`);
  });
});

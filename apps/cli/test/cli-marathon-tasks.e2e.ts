import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
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
  killAgentTaskLeftovers,
} from '@dcos/testing';

jest.setTimeout(120_000);

const CLI = join(REPO_ROOT, 'dist/apps/cli/src/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
interface Task {
  id: string;
  appId: string;
  host: string;
  state: string;
  ports: number[];
  healthCheckResults: { alive: boolean }[];
}

/**
 * `dcos marathon` with tasks that really run: the built master, a real agent (real task
 * processes) and Marathon, on real NATS and Postgres.
 */
describe('dcos marathon with running tasks (master + agent + Marathon)', () => {
  let db: TestDatabase;
  let marathon: TestService;
  let workDir: string;
  let env: NodeJS.ProcessEnv;

  function start(args: string[], input?: string) {
    const child = spawn(process.execPath, [CLI, 'marathon', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.end(input ?? '');
    const done = new Promise<Run>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { done, output: () => ({ stdout, stderr }) };
  }
  const dcos = (...args: string[]) => start(args).done;
  const tasksOf = async (id: string) =>
    ((await httpJson(`${marathon.url}/v2/apps${id}/tasks`)).body as { tasks: Task[] }).tasks;

  beforeAll(async () => {
    db = await createTestDatabase('cli_marathon_tasks');
    const prefix = uniquePrefix('climtk');
    await startService('master', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MASTER_AGENT_PING_TIMEOUT_MS: '250',
      MASTER_ALLOCATION_INTERVAL_MS: '200',
      MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
    });
    workDir = fs.mkdtempSync(join(tmpdir(), 'cli-marathon-agent-'));
    const lo = 20000 + Math.floor(Math.random() * 20000);
    await startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_PORT: String(await freePort()),
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: '127.0.0.1',
      AGENT_RESOURCES: `cpus:4;mem:2048;disk:1024;ports:[${lo}-${lo + 200}]`,
      AGENT_KILL_GRACE_MS: '300',
    });
    marathon = await startService('marathon', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MARATHON_RECONCILE_INTERVAL_MS: '100',
      // Offers declined while no app waits come back within a second: a decline that lands
      // after the REVIVE of a new app would otherwise hold them back for 120 s.
      MARATHON_DECLINE_OFFER_DURATION_SECONDS: '1',
    });
    env = { ...process.env, DCOS_DIR: workDir, MARATHON_URL: marathon.url };
    delete env.DCOS_URL;
    delete env.DCOS_ACS_TOKEN;
    delete env.MASTER_URL;
  });

  afterAll(async () => {
    await stopAllServices();
    if (workDir) {
      killAgentTaskLeftovers(workDir);
      fs.rmSync(workDir, { recursive: true, force: true });
    }
    await db?.drop();
  });

  it('app add of a health-checked web app: watch shows the bar until 2/2 healthy', async () => {
    const web = {
      id: '/web',
      // Answers only after a moment, so the deployment is still running when watch starts.
      cmd: 'sleep 1 && exec python3 -m http.server $PORT0 --bind 127.0.0.1',
      cpus: 0.1,
      mem: 64,
      instances: 2,
      portDefinitions: [{ port: 0, name: 'http' }],
      healthChecks: [
        {
          protocol: 'HTTP',
          path: '/',
          portIndex: 0,
          gracePeriodSeconds: 30,
          intervalSeconds: 2,
          timeoutSeconds: 1,
          maxConsecutiveFailures: 3,
        },
      ],
    };
    const add = await start(['app', 'add'], JSON.stringify(web)).done;
    expect(add.code).toBe(0);
    const id = add.stdout.match(/^Created deployment (\S+)\n$/)?.[1] as string;

    // Bounded (60 s), so a deployment that never finishes fails the test instead of hanging it.
    const watch = await dcos('deployment', 'watch', id, '--interval', '0.2', '--max-count', '300');
    if (!watch.stdout.includes('finished')) {
      const queue = (await httpJson(`${marathon.url}/v2/queue`)).body;
      throw new Error(
        `deployment did not finish: ${watch.stdout}\nqueue: ${JSON.stringify(queue)}`,
      );
    }
    expect(watch.code).toBe(0);
    const version = (
      (await httpJson(`${marathon.url}/v2/apps/web`)).body as { app: { version: string } }
    ).app.version;
    expect(watch.stdout).toBe(
      `Deployment ${id} finished\n/web: 2/2 running, 2 healthy (version ${version})\n`,
    );
    const bars = watch.stderr.split('\n').filter((l) => l.startsWith(`Deployment ${id} [`));
    expect(bars.some((l) => / \d+% \| step 1\/1 \| start \/web [01]\/2 healthy$/.test(l))).toBe(
      true,
    );
    expect(bars[bars.length - 1]).toMatch(/\[=+\] 100% \| step 1\/1 \| done$/);

    // The tasks really serve on their ports.
    for (const t of await tasksOf('/web')) {
      expect((await fetch(`http://${t.host}:${t.ports[0]}/`)).status).toBe(200);
    }
  });

  it('app list and task list show the running, healthy tasks', async () => {
    const list = await dcos('app', 'list');
    const web = list.stdout
      .split('\n')
      .find((l) => l.startsWith('/web'))
      ?.split(/\s{2,}/);
    expect(web?.slice(0, 7)).toEqual(['/web', '64', '0.1', '2/2', '2/2', '---', 'False']);

    const tasks = await tasksOf('/web');
    const table = await dcos('task', 'list');
    const rows = table.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['APP', 'HEALTHY', 'STARTED', 'HOST', 'ID']);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[3], r[4]])).toEqual(
      expect.arrayContaining(tasks.map((t) => ['/web', 'True', '127.0.0.1', t.id])),
    );
    expect(rows).toHaveLength(3);

    const json = JSON.parse((await dcos('task', 'list', 'web', '--json')).stdout) as Task[];
    expect(json.map((t) => t.id).sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(json.every((t) => t.state === 'TASK_RUNNING')).toBe(true);
  });

  it('app kill kills the tasks and Marathon replaces them; --scale scales down', async () => {
    const before = (await tasksOf('/web')).map((t) => t.id);
    const kill = await dcos('app', 'kill', '/web');
    expect(kill.code).toBe(0);
    const killed = [...kill.stdout.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    expect(kill.stdout).toMatch(/^Killed tasks: \[/);
    expect(killed.sort()).toEqual([...before].sort());
    await waitFor('2 new running tasks', async () => {
      const now = await tasksOf('/web');
      return (
        now.filter((t) => t.state === 'TASK_RUNNING' && !before.includes(t.id)).length === 2 &&
        now.every((t) => !before.includes(t.id))
      );
    });

    const host = (await tasksOf('/web'))[0]?.host as string;
    const scale = await dcos('app', 'kill', '/web', '--scale', '--host', host);
    expect(scale.code).toBe(0);
    const result = JSON.parse(scale.stdout.replace(/^Started deployment: /, '')) as {
      deploymentId: string;
    };
    expect(result.deploymentId).toBeTruthy();
    await waitFor('/web scaled to 0', async () => {
      const app = (await httpJson(`${marathon.url}/v2/apps/web`)).body as {
        app: { instances: number; tasksRunning: number };
      };
      return app.app.instances === 0 && app.app.tasksRunning === 0;
    });
  });
});

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpScheduler,
  REPO_ROOT,
  TEST_NATS_URL,
  createTestDatabase,
  isListening,
  killAgentTaskLeftovers,
  launchCall,
  taskInfo,
  uniquePrefix,
  waitFor,
  type TestDatabase,
} from '@dcos/testing';

/**
 * `npm start`'s entry point as a user runs it: the table when all are healthy, and
 * Ctrl-C (SIGINT) stops every component, leaving nothing running or listening.
 */
describe('the launcher process (npm start)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let launcher: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('launcher');
    dataDir = mkdtempSync(join(tmpdir(), 'dcos-launcher-'));
  });
  afterAll(async () => {
    // A failed assertion must not leave the cluster running: it would keep jest (and CI) alive.
    if (launcher?.pid !== undefined && launcher.exitCode === null && launcher.signalCode === null) {
      try {
        process.kill(-launcher.pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    const agents = join(dataDir, 'agents');
    if (existsSync(agents))
      for (const a of readdirSync(agents)) killAgentTaskLeftovers(join(agents, a));
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the component table when healthy, and Ctrl-C stops everything', async () => {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'dist/tools/launcher/src/main.js'),
        '--quiet',
        '--free-ports',
        '--agents',
        '2',
        '--prefix',
        uniquePrefix('launch'),
        '--data-dir',
        dataDir,
      ],
      {
        env: {
          ...process.env,
          NATS_URL: TEST_NATS_URL,
          DATABASE_URL: db.url,
          NO_COLOR: '1',
          IAM_BOOTSTRAP_PASSWORD: 'launcher-e2e-password',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so that teardown can kill the launcher and its services.
        detached: true,
      },
    );
    launcher = child;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor(
        'the launcher to report the cluster up',
        () => out.includes('Press Ctrl-C to stop'),
        { timeoutMs: 90_000 },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${out}`);
    }
    for (const name of [
      'master',
      'agent-1',
      'agent-2',
      'marathon',
      'mesos-dns',
      'iam',
      'dss',
      'admin-router',
    ]) {
      expect(out).toMatch(new RegExp(`${name}\\s.*http://127\\.0\\.0\\.1:\\d+.*healthy`));
    }
    const ports = [...out.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports.length).toBeGreaterThanOrEqual(8);
    for (const p of ports) expect(await isListening('127.0.0.1', p)).toBe(true);

    // A task on the cluster (a v1 framework on the master), to show Ctrl-C stops tasks too.
    const masterUrl = /master\s.*?(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(masterUrl).toBeDefined();
    const marker = `sleep ${40_000 + Math.floor(Math.random() * 9_999)}`;
    const framework = new HttpScheduler(masterUrl!, {
      name: 'launcher-e2e',
      user: 'root',
      roles: ['*'],
      // Without a failover timeout the master tears the framework down (killing its task)
      // the moment its subscription closes; the task must outlive the framework here.
      failover_timeout: 3600,
    });
    await framework.subscribe();
    const offer = await waitFor('an offer', () => framework.offers()[0]);
    await framework.call(
      launchCall(offer, [taskInfo('t1', offer.agent_id.value, { cmd: marker })]),
    );
    await framework.waitUpdate('t1', 'TASK_RUNNING');
    const running = () => spawnSync('pgrep', ['-f', marker]).status === 0;
    expect(running()).toBe(true);
    framework.close();

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('cluster stopped');
    for (const p of ports) expect(await isListening('127.0.0.1', p)).toBe(false);
    await waitFor('the task to be gone too', () => !running(), { timeoutMs: 5_000 });
  }, 150_000);
});

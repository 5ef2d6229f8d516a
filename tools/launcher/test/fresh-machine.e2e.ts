import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
  TEST_NATS_URL,
  freePort,
  isListening,
  killAgentTaskLeftovers,
  uniquePrefix,
  waitFor,
} from '@dcos/testing';

/**
 * `npm start` on a machine without Postgres: DATABASE_URL points at a closed port, so the
 * launcher initialises and starts the embedded Postgres itself (with a locale this machine has:
 * a minimal Debian has no en_US.UTF-8), brings a healthy cluster up on it, and Ctrl-C stops the
 * embedded Postgres with the rest. A port variable set by the user wins over --free-ports.
 */
describe('the launcher on a fresh machine (no Postgres reachable)', () => {
  let dataDir: string;
  let launcher: ReturnType<typeof spawn> | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dcos-fresh-'));
    // mkdtemp makes it 0700; as root the launcher runs Postgres as the user "postgres", which
    // must be able to enter it (as it can enter a checkout's .data/).
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => {
    // Kill the launcher's whole process group (services and the embedded Postgres with it), even
    // when an assertion failed, so nothing keeps jest or CI alive.
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
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the embedded Postgres, gets a healthy cluster, and Ctrl-C stops everything', async () => {
    const pgPort = await freePort();
    const marathonPort = await freePort();
    expect(await isListening('127.0.0.1', pgPort)).toBe(false);
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'dist/tools/launcher/src/main.js'),
        '--quiet',
        '--free-ports',
        '--agents',
        '1',
        '--prefix',
        uniquePrefix('fresh'),
        '--data-dir',
        dataDir,
      ],
      {
        env: {
          ...process.env,
          NATS_URL: TEST_NATS_URL,
          DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/dcos`,
          MARATHON_PORT: String(marathonPort),
          // The locale a user may have exported but the machine lacks must not reach initdb.
          LANG: 'en_US.UTF-8',
          NO_COLOR: '1',
          IAM_BOOTSTRAP_PASSWORD: 'fresh-machine-e2e-password',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so that teardown can kill the launcher and all it started.
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
        () => {
          if (child.exitCode !== null) throw new Error(`the launcher exited ${child.exitCode}`);
          return out.includes('Press Ctrl-C to stop');
        },
        { timeoutMs: 150_000 },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${out}`);
    }
    expect(out).toContain(`starting embedded Postgres in ${join(dataDir, 'postgres')}`);
    expect(out).toMatch(
      new RegExp(`postgres\\s.*127\\.0\\.0\\.1:${pgPort}/dcos.*started by launcher`),
    );
    for (const name of ['master', 'agent-1', 'marathon', 'mesos-dns', 'iam', 'dss', 'admin-router'])
      expect(out).toMatch(new RegExp(`${name}\\s.*http://127\\.0\\.0\\.1:\\d+.*healthy`));
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);

    // The master and the stateful services really run on the embedded Postgres.
    const masterUrl = /master\s.*?(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(masterUrl).toBeDefined();
    const health = await fetch(`${masterUrl}/health`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);

    // MARATHON_PORT wins over --free-ports: Marathon is in the table at, and answers on, that port.
    expect(out).toMatch(new RegExp(`marathon\\s.*http://127\\.0\\.0\\.1:${marathonPort}\\b`));
    const ping = await fetch(`http://127.0.0.1:${marathonPort}/health`, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(ping.status).toBe(200);

    const ports = [...out.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('cluster stopped');
    for (const p of [...ports, pgPort]) expect(await isListening('127.0.0.1', p)).toBe(false);
  }, 240_000);
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  REPO_ROOT,
  TEST_NATS_URL,
  TcpProxy,
  createTestDatabase,
  httpJson,
  isListening,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestDatabase,
} from '@dcos/testing';
import { SERVICE_NAMES } from '@dcos/contracts';
import { startCluster, type LocalCluster } from '../src/cluster';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'dist/apps/cli/src/main.js');

describe('local cluster (launcher code path, real processes)', () => {
  let db: TestDatabase;
  let cluster: LocalCluster;
  let dataDir: string;
  const prefix = uniquePrefix('cluster');

  beforeAll(async () => {
    db = await createTestDatabase('cluster');
    dataDir = mkdtempSync(join(tmpdir(), 'dcos-cluster-'));
    cluster = await startCluster({
      root: REPO_ROOT,
      agents: 2,
      natsUrl: TEST_NATS_URL,
      databaseUrl: db.url,
      prefix,
      ports: 'free',
      dataDir,
      logLevel: 'warn',
      env: {
        iam: {
          IAM_BOOTSTRAP_PASSWORD: 'cluster-e2e-password',
          IAM_SECRET_KEY_FILE: join(dataDir, 'iam.key'),
        },
      },
    });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('boots every service in DC/OS order, two agents each with its own port and work dir', () => {
    const names = cluster.components.map((c) => c.name);
    expect(names).toEqual([
      'master',
      'agent-1',
      'agent-2',
      'marathon',
      'mesos-dns',
      'iam',
      'dss',
      'admin-router',
    ]);
    expect(new Set(cluster.components.map((c) => c.port)).size).toBe(names.length);
    const agents = cluster.components.filter((c) => c.service === 'agent');
    expect(agents.map((a) => a.env.AGENT_WORK_DIR)).toEqual([
      join(dataDir, 'agents/agent-1'),
      join(dataDir, 'agents/agent-2'),
    ]);
    for (const s of SERVICE_NAMES)
      expect(cluster.components.some((c) => c.service === s)).toBe(true);
  });

  it('reports every component healthy, with NATS and (for stateful ones) Postgres up', async () => {
    const health = await cluster.health();
    for (const h of health) {
      expect({ name: h.name, status: h.status }).toEqual({ name: h.name, status: 200 });
      const body = h.body as { status: string; info: Record<string, { status: string }> };
      expect(body.status).toBe('ok');
      expect(body.info.nats.status).toBe('up');
      const c = cluster.component(h.name);
      if (c.env.DATABASE_URL) expect(body.info.postgres.status).toBe('up');
    }
  });

  it('serves /metrics and OpenAPI docs on every component', async () => {
    for (const c of cluster.components) {
      const metrics = await fetch(`${c.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain(
        `dcos_process_cpu_user_seconds_total{service="${c.service}"}`,
      );
      const api = await httpJson(`${c.url}/openapi.json`);
      expect(api.status).toBe(200);
      expect(
        (api.body as { openapi: string; paths: Record<string, unknown> }).paths['/health'],
      ).toBeDefined();
      const docs = await fetch(`${c.url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger');
    }
  });

  it('records each stateful service boot in its own schema, created by migrations', async () => {
    const { Client } = await import('pg');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      for (const schema of ['master', 'marathon', 'iam', 'dss']) {
        const boots = await pg.query(`SELECT instance FROM "${schema}".boots`);
        expect(boots.rowCount).toBeGreaterThanOrEqual(1);
        const migrations = await pg.query(`SELECT name FROM "${schema}".migrations`);
        expect(migrations.rows.map((r: { name: string }) => r.name)).toContain(
          'CreateBoots1763780000000',
        );
      }
    } finally {
      await pg.end();
    }
  });

  it('`dcos cluster` lists every component healthy; `dcos --version` prints the version', async () => {
    const env = { ...process.env, NATS_URL: cluster.natsUrl, NATS_PREFIX: prefix };
    const { stdout } = await run(process.execPath, [CLI, 'cluster', '--json'], { env });
    const report = JSON.parse(stdout) as {
      components: { service: string; instance: string; health: string }[];
    };
    expect(report.components).toHaveLength(cluster.components.length);
    expect(report.components.every((c) => c.health === 'healthy')).toBe(true);
    expect(report.components.map((c) => c.service).sort()).toEqual(
      cluster.components.map((c) => c.service).sort(),
    );
    const table = await run(process.execPath, [CLI, 'cluster'], { env });
    expect(table.stdout).toContain('admin-router');
    expect(table.stdout).toContain('healthy');
    const version = await run(process.execPath, [CLI, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('stops everything cleanly: no component keeps running or listening', async () => {
    const ports = cluster.components.map((c) => c.port);
    await cluster.stop();
    for (const c of cluster.components) expect(c.child.running).toBe(false);
    for (const p of ports) expect(await isListening('127.0.0.1', p)).toBe(false);
  });
});

describe('a service that loses a dependency reports 503 with the reason, and recovers', () => {
  let db: TestDatabase;
  let natsProxy: TcpProxy;
  let pgProxy: TcpProxy;
  const prefix = uniquePrefix('health');

  beforeAll(async () => {
    db = await createTestDatabase('health');
    const nats = new URL(TEST_NATS_URL);
    natsProxy = new TcpProxy(nats.hostname, Number(nats.port || 4222));
    await natsProxy.listen();
    const pgUrl = new URL(db.url);
    pgProxy = new TcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    await pgProxy.listen();
  });

  afterAll(async () => {
    await stopAllServices();
    await natsProxy?.close();
    await pgProxy?.close();
    await db?.drop();
  });

  it('NATS cut → 503 naming nats; restored → 200 again', async () => {
    const svc = await startService('dss', {
      NATS_URL: `nats://127.0.0.1:${natsProxy.port}`,
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
    });
    expect((await httpJson(`${svc.url}/health`)).status).toBe(200);
    natsProxy.cut();
    const down = await waitFor('dss /health to turn 503', async () => {
      const r = await httpJson(`${svc.url}/health`);
      return r.status === 503 ? r : undefined;
    });
    const body = down.body as {
      status: string;
      error: Record<string, { status: string; message: string }>;
    };
    expect(body.status).toBe('error');
    expect(body.error.nats.status).toBe('down');
    expect(body.error.nats.message).toEqual(expect.any(String));
    expect(body.error.postgres).toBeUndefined();
    natsProxy.restore();
    await waitFor(
      'dss /health back to 200 after NATS returns',
      async () => (await httpJson(`${svc.url}/health`)).status === 200,
      {
        timeoutMs: 20_000,
      },
    );
    await svc.stop();
  });

  it('Postgres cut → 503 naming postgres; restored → 200 again', async () => {
    const viaProxy = new URL(db.url);
    viaProxy.port = String(pgProxy.port);
    const svc = await startService('master', {
      NATS_PREFIX: prefix,
      DATABASE_URL: viaProxy.toString(),
    });
    expect((await httpJson(`${svc.url}/health`)).status).toBe(200);
    pgProxy.cut();
    const down = await waitFor('master /health to turn 503', async () => {
      const r = await httpJson(`${svc.url}/health`, { timeoutMs: 10_000 });
      return r.status === 503 ? r : undefined;
    });
    const body = down.body as { error: Record<string, { status: string }> };
    expect(body.error.postgres.status).toBe('down');
    expect(body.error.nats).toBeUndefined();
    pgProxy.restore();
    await waitFor(
      'master /health back to 200 after Postgres returns',
      async () => (await httpJson(`${svc.url}/health`)).status === 200,
      {
        timeoutMs: 30_000,
      },
    );
    await svc.stop();
  });
});

describe('invalid configuration stops a service with a message naming the variable', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['master', 'MASTER_PORT', { MASTER_PORT: 'not-a-port' }],
    ['agent', 'AGENT_PORT', { AGENT_PORT: '70000' }],
    ['marathon', 'NATS_URL', { NATS_URL: 'http://127.0.0.1:4222' }],
    ['iam', 'DATABASE_URL', { DATABASE_URL: 'mysql://x@127.0.0.1/db' }],
    ['admin-router', 'LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['mesos-dns', 'NATS_PREFIX', { NATS_PREFIX: 'bad prefix!' }],
    ['dss', 'DSS_PORT', { DSS_PORT: '-1' }],
  ];
  it.each(cases)('%s with bad %s exits non-zero', async (service, variable, env) => {
    const entry = join(REPO_ROOT, `dist/apps/${service}/src/main.js`);
    const err = await run(process.execPath, [entry], {
      env: { ...process.env, ...env },
      timeout: 20_000,
    }).then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(err).toBeDefined();
    expect(err?.code).not.toBe(0);
    expect(err?.stderr).toContain(variable);
    expect(err?.stderr).toContain('invalid configuration');
  });
});

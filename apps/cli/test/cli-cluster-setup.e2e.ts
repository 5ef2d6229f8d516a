import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  runCli,
  startService,
  stopAllServices,
  uniquePrefix,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

const ADMIN = 'bootstrapuser';
const ADMIN_PASSWORD = 'cluster-setup-password';
const CLUSTER_NAME = 'e2e-named-cluster';

/**
 * `dcos cluster setup|list|attach|remove` against a real Admin Router in front of real IAM
 * and a real master: after setup every command goes through the router with the token.
 */
describe('dcos cluster setup (built CLI, real Admin Router + IAM + master)', () => {
  let db: TestDatabase;
  let router: TestService;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const dcos = (...args: string[]) => runCli(args, env);
  const file = () =>
    JSON.parse(readFileSync(join(dir, 'dcos-ts.json'), 'utf8')) as {
      attached?: string;
      clusters: Record<string, { name: string; dcos_url?: string; dcos_acs_token?: string }>;
    };

  beforeAll(async () => {
    db = await createTestDatabase('cli_setup');
    dir = mkdtempSync(join(tmpdir(), 'dcos-setup-'));
    const prefix = uniquePrefix('clisetup');
    const [iam, master] = await Promise.all([
      startService('iam', {
        DATABASE_URL: db.url,
        NATS_PREFIX: prefix,
        IAM_BOOTSTRAP_UID: ADMIN,
        IAM_BOOTSTRAP_PASSWORD: ADMIN_PASSWORD,
        IAM_SECRET_KEY_FILE: join(dir, 'iam.key'),
      }),
      startService('master', {
        DATABASE_URL: db.url,
        NATS_PREFIX: prefix,
        MASTER_CLUSTER: CLUSTER_NAME,
      }),
    ]);
    router = await startService('admin-router', {
      NATS_PREFIX: prefix,
      IAM_URL: iam.url,
      MASTER_URL: master.url,
      MARATHON_URL: 'http://127.0.0.1:9',
      MESOS_DNS_URL: 'http://127.0.0.1:9',
      CLUSTER_ID: 'e2e-cluster-id',
    });
    env = { ...process.env, DCOS_DIR: dir, ADMIN_PW: ADMIN_PASSWORD };
    for (const k of ['DCOS_URL', 'MASTER_URL', 'IAM_URL', 'DCOS_ACS_TOKEN']) delete env[k];
  }, 120_000);

  afterAll(async () => {
    await stopAllServices();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a URL that is not a cluster, and a wrong password, storing nothing', async () => {
    const bad = await dcos('cluster', 'setup', 'http://127.0.0.1:9');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/cannot reach|does not look like/);
    const wrong = await dcos(
      'cluster',
      'setup',
      router.url,
      '--username',
      ADMIN,
      '--password',
      'nope-nope',
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('login failed');
    expect(Object.keys(file().clusters)).toEqual([]);
  });

  it('detects auth, logs in, stores the cluster by its id and attaches it', async () => {
    const r = await dcos(
      'cluster',
      'setup',
      router.url,
      '--name',
      'local',
      '--username',
      ADMIN,
      '--password-env',
      'ADMIN_PW',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Authenticated');
    const f = file();
    expect(f.attached).toBe('e2e-cluster-id');
    expect(f.clusters['e2e-cluster-id']).toMatchObject({ name: 'local', dcos_url: router.url });
    expect(f.clusters['e2e-cluster-id'].dcos_acs_token).toEqual(expect.any(String));
    const list = JSON.parse((await dcos('cluster', 'list', '--json')).stdout) as {
      name: string;
      attached: boolean;
    }[];
    expect(list).toEqual([
      expect.objectContaining({ name: 'local', attached: true, authenticated: true }),
    ]);
  });

  it('then commands go through the Admin Router with the stored token', async () => {
    const nodes = await dcos('node', 'list', '--json');
    expect({ code: nodes.code, stderr: nodes.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(nodes.stdout)).toEqual([]);
    const users = await dcos('security', 'org', 'users', 'list', '--json');
    expect(users.code).toBe(0);
    expect((JSON.parse(users.stdout) as { uid: string }[]).map((u) => u.uid)).toContain(ADMIN);
  });

  it('says clearly when the stored token has expired', async () => {
    const f = file();
    const expired = [
      Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify({ uid: ADMIN, exp: 1_000_000_000 })).toString('base64url'),
      'c2lnbmF0dXJl',
    ].join('.');
    f.clusters['e2e-cluster-id'].dcos_acs_token = expired;
    writeFileSync(join(dir, 'dcos-ts.json'), JSON.stringify(f));
    const r = await dcos('node', 'list');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/token expired at 2001-09-09T.*dcos auth login/);
  });

  it('attach switches clusters; remove forgets one', async () => {
    const second = await dcos(
      'cluster',
      'setup',
      router.url,
      '--name',
      'again',
      '--username',
      ADMIN,
      '--password-env',
      'ADMIN_PW',
    );
    expect(second.code).toBe(0);
    // Same cluster id: set up again refreshes the entry rather than duplicating it.
    expect(Object.keys(file().clusters)).toEqual(['e2e-cluster-id']);
    const unknown = await dcos('cluster', 'attach', 'nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no cluster "nope"');
    expect((await dcos('cluster', 'attach', 'again')).code).toBe(0);
    expect((await dcos('cluster', 'remove', 'e2e-cluster-id')).code).toBe(0);
    expect(file()).toEqual({ clusters: {} });
  });

  it("without --name, stores the master's cluster name (/mesos/state-summary) and lists it", async () => {
    const r = await dcos(
      'cluster',
      'setup',
      router.url,
      '--username',
      ADMIN,
      '--password-env',
      'ADMIN_PW',
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(file().clusters['e2e-cluster-id']).toMatchObject({ name: CLUSTER_NAME });
    const table = await dcos('cluster', 'list');
    expect(table.code).toBe(0);
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
    const row = table.stdout
      .replace(ansi, '')
      .split('\n')
      .find((l) => l.includes('e2e-cluster-id'));
    // NAME column, marked as the attached cluster.
    expect(row?.split('│')[1]?.trim()).toBe(`${CLUSTER_NAME}*`);
    // --name still wins.
    await dcos(
      'cluster',
      'setup',
      router.url,
      '--name',
      'mine',
      '--username',
      ADMIN,
      '--password-env',
      'ADMIN_PW',
    );
    expect(file().clusters['e2e-cluster-id'].name).toBe('mine');
  });
});

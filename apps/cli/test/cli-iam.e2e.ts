import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwksCache, verifyDcosToken } from '@dcos/auth';
import {
  createTestDatabase,
  runCli,
  httpJson,
  startService,
  stopAllServices,
  uniquePrefix,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

const ADMIN = 'bootstrapuser';
const ADMIN_PASSWORD = 'cli-e2e-bootstrap-password';

/** `dcos auth` and `dcos security org` against the real IAM service (built, as a process). */
describe('dcos auth / dcos security org (built CLI against real IAM)', () => {
  let db: TestDatabase;
  let iam: TestService;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const dcos = (...args: string[]) => runCli(args, env);
  /** The attached cluster's stored settings. */
  const stored = () => {
    const f = JSON.parse(readFileSync(join(dir, 'dcos-ts.json'), 'utf8')) as {
      attached: string;
      clusters: Record<string, { dcos_acs_token?: string; uid?: string }>;
    };
    return f.clusters[f.attached] ?? {};
  };
  const allowed = async (kind: 'users' | 'groups', id: string, rid: string, action: string) => {
    const token = stored().dcos_acs_token;
    const r = await httpJson(
      `${iam.url}/acs/api/v1/acls/${encodeURIComponent(rid)}/${kind}/${id}/${action}`,
      {
        headers: { authorization: `token=${token}` },
      },
    );
    // No ACL for the rid yet (404) means nobody is allowed.
    if (r.status === 404) return false;
    expect(r.status).toBe(200);
    return (r.body as { allowed: boolean }).allowed;
  };

  beforeAll(async () => {
    db = await createTestDatabase('cli_iam');
    dir = mkdtempSync(join(tmpdir(), 'dcos-cli-'));
    iam = await startService('iam', {
      DATABASE_URL: db.url,
      NATS_PREFIX: uniquePrefix('cliiam'),
      IAM_BOOTSTRAP_UID: ADMIN,
      IAM_BOOTSTRAP_PASSWORD: ADMIN_PASSWORD,
      IAM_SECRET_KEY_FILE: join(dir, 'iam.key'),
    });
    // Straight to IAM, as when no Admin Router runs: MASTER_URL mode with IAM_URL.
    env = {
      ...process.env,
      DCOS_DIR: dir,
      IAM_URL: iam.url,
      MASTER_URL: 'http://127.0.0.1:9',
      ADMIN_PW: ADMIN_PASSWORD,
    };
    delete env.DCOS_URL;
    delete env.DCOS_ACS_TOKEN;
  });

  afterAll(async () => {
    await stopAllServices();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password and stores nothing', async () => {
    const r = await dcos('auth', 'login', '--username', ADMIN, '--password', 'wrong-password');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/login failed/);
  });

  it('logs in, stores the token (owner-only), and the token verifies offline from the JWK set', async () => {
    const r = await dcos('auth', 'login', '--username', ADMIN, '--password-env', 'ADMIN_PW');
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('Login successful');
    expect(statSync(join(dir, 'dcos-ts.json')).mode & 0o077).toBe(0);
    const token = stored().dcos_acs_token!;
    const jwks = new JwksCache({ url: `${iam.url}/acs/api/v1/auth/jwks` });
    const claims = await verifyDcosToken(token, jwks.resolver);
    expect(claims.uid).toBe(ADMIN);
  });

  it('creates users and groups, grants through a group, and lists them', async () => {
    expect(
      (
        await dcos(
          'security',
          'org',
          'users',
          'create',
          'alice',
          '--password',
          'alice-password-1',
          '--description',
          'Alice',
        )
      ).code,
    ).toBe(0);
    expect((await dcos('security', 'org', 'groups', 'create', 'ops')).code).toBe(0);
    expect((await dcos('security', 'org', 'groups', 'add_user', 'ops', 'alice')).code).toBe(0);
    const rid = 'dcos:adminrouter:service:marathon';
    expect(await allowed('users', 'alice', rid, 'read')).toBe(false);
    expect((await dcos('security', 'org', 'groups', 'grant', 'ops', rid, 'read')).code).toBe(0);
    expect(await allowed('users', 'alice', rid, 'read')).toBe(true);
    expect(await allowed('users', 'alice', rid, 'update')).toBe(false);
    expect(
      (await dcos('security', 'org', 'users', 'grant', 'alice', 'dcos:mesos:master:task', 'full'))
        .code,
    ).toBe(0);
    expect(await allowed('users', 'alice', 'dcos:mesos:master:task', 'delete')).toBe(true);

    const users = JSON.parse((await dcos('security', 'org', 'users', 'list', '--json')).stdout) as {
      uid: string;
    }[];
    expect(users.map((u) => u.uid)).toEqual(expect.arrayContaining([ADMIN, 'alice']));
    const groups = await dcos('security', 'org', 'groups', 'list');
    expect(groups.stdout).toContain('ops');
  });

  it('rejects bad input with a clear message', async () => {
    const bad = await dcos('security', 'org', 'users', 'grant', 'alice', 'dcos:x', 'obliterate');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('action must be one of');
    const dup = await dcos(
      'security',
      'org',
      'users',
      'create',
      'alice',
      '--password',
      'another-password',
    );
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/cannot create user alice/);
  });

  it('service accounts: keypair, create, and login with the private key', async () => {
    const priv = join(dir, 'svc.key');
    const pub = join(dir, 'svc.pub');
    expect((await dcos('security', 'org', 'service-accounts', 'keypair', priv, pub)).code).toBe(0);
    expect(
      (
        await dcos(
          'security',
          'org',
          'service-accounts',
          'create',
          'svc-1',
          '-p',
          pub,
          '-d',
          'a service',
        )
      ).code,
    ).toBe(0);
    const list = JSON.parse(
      (await dcos('security', 'org', 'service-accounts', 'list', '--json')).stdout,
    ) as { uid: string }[];
    expect(list.map((u) => u.uid)).toEqual(['svc-1']);
    const login = await dcos('auth', 'login', '--username', 'svc-1', '--private-key', priv);
    expect(login.code).toBe(0);
    expect(stored().uid).toBe('svc-1');
  });

  it('deletes a user; logout forgets the token', async () => {
    await dcos('auth', 'login', '--username', ADMIN, '--password-env', 'ADMIN_PW');
    expect((await dcos('security', 'org', 'users', 'delete', 'alice')).code).toBe(0);
    const users = JSON.parse((await dcos('security', 'org', 'users', 'list', '--json')).stdout) as {
      uid: string;
    }[];
    expect(users.map((u) => u.uid)).not.toContain('alice');
    expect((await dcos('auth', 'logout')).code).toBe(0);
    expect(stored().dcos_acs_token).toBeUndefined();
    const denied = await dcos('security', 'org', 'users', 'list');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/cannot list users/);
  });
});

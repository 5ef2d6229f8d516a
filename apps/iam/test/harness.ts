import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Client } from 'pg';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const PG_ADMIN = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function rand(n = 4): string {
  return randomBytes(n).toString('hex');
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** A fresh database for one suite; `drop()` removes it. */
export async function createDatabase(label: string) {
  const name = `${label}_${Date.now().toString(36)}_${rand(3)}`.toLowerCase();
  const admin = new Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
      const c = new Client({ connectionString: url.toString() });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as T[];
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      await c.query(`DROP DATABASE IF EXISTS "${name}"`);
      await c.end();
    },
  };
}

/** The built IAM (dist/apps/iam/src/main.js) as a child process. */
export class IamProcess {
  private child?: ChildProcess;
  private out = '';
  exitCode?: number | null;
  readonly url: string;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get output(): string {
    return this.out;
  }

  /** Start; resolves when /health answers 200 (or rejects with the output when it exits). */
  async start(extraEnv: Record<string, string> = {}, timeoutMs = 45_000): Promise<void> {
    this.out = '';
    this.exitCode = undefined;
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', resolve(REPO_ROOT, 'dist/apps/iam/src/main.js')],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          NATS_URL,
          BIND_HOST: '127.0.0.1',
          ADVERTISE_HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          IAM_PORT: String(this.port),
          ...this.env,
          ...extraEnv,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    const exited = new Promise<void>((r) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        r();
      }),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitCode !== undefined)
        throw new Error(
          `iam exited with ${this.exitCode} before healthy:\n${this.out.slice(-4000)}`,
        );
      try {
        const r = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1_000) });
        if (r.status === 200) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`iam not healthy within ${timeoutMs} ms:\n${this.out.slice(-4000)}`);
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
    }
  }

  /** Run to exit (for configurations that must fail); resolves with the exit code. */
  async runToExit(extraEnv: Record<string, string>, timeoutMs = 30_000): Promise<number | null> {
    try {
      await this.start(extraEnv, timeoutMs);
    } catch {
      return this.exitCode ?? null;
    }
    await this.stop();
    throw new Error('iam started although it should not have');
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(t);
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** JSON over HTTP: `token` goes in `Authorization: token=`; `raw` sends a body verbatim. */
export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers['authorization'] = `token=${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const r = await fetch(`${base}/acs/api/v1${path}`, { method, headers, body });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: r.status, headers: r.headers, body: parsed as T };
}

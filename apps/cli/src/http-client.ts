import type { Command } from 'commander';
import { readConfig } from './cli-config';

export const DEFAULT_MASTER_URL = 'http://127.0.0.1:5050';
export const DEFAULT_IAM_URL = 'http://127.0.0.1:8101';
export const DEFAULT_DSS_URL = 'http://127.0.0.1:8105';
export const DEFAULT_MARATHON_URL = 'http://127.0.0.1:8080';

/** A failed call to the cluster, worded for the user. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ClusterTarget {
  /**
   * `dcos`: through the Admin Router at DCOS_URL (master under `/mesos`, agents under
   * `/agent/<id>`, with the token); `master`: straight to a master (agents at their pid).
   */
  mode: 'dcos' | 'master';
  baseUrl: string;
  token?: string;
}

export interface TargetOptions {
  dcosUrl?: string;
  masterUrl?: string;
}

function checkUrl(name: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new CliError(`${name} must be an http(s) URL (got "${value}")`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new CliError(`${name} must be an http(s) URL (got "${value}")`);
  }
  return value.replace(/\/+$/, '');
}

/**
 * Where the cluster is: --dcos-url / --master-url, else DCOS_URL / MASTER_URL, else the URL
 * stored by `dcos cluster setup`, else the local master. The token: DCOS_ACS_TOKEN, else the
 * one stored by `dcos auth login`.
 */
export function resolveTarget(
  opts: TargetOptions,
  env: Record<string, string | undefined> = process.env,
): ClusterTarget {
  const stored = readConfig(env);
  const token = env['DCOS_ACS_TOKEN'] || stored.dcos_acs_token || undefined;
  if (opts.dcosUrl) return { mode: 'dcos', baseUrl: checkUrl('--dcos-url', opts.dcosUrl), token };
  if (opts.masterUrl) {
    return { mode: 'master', baseUrl: checkUrl('--master-url', opts.masterUrl), token };
  }
  if (env['DCOS_URL'])
    return { mode: 'dcos', baseUrl: checkUrl('DCOS_URL', env['DCOS_URL']), token };
  if (env['MASTER_URL']) {
    return { mode: 'master', baseUrl: checkUrl('MASTER_URL', env['MASTER_URL']), token };
  }
  if (stored.dcos_url)
    return { mode: 'dcos', baseUrl: checkUrl('dcos_url', stored.dcos_url), token };
  return { mode: 'master', baseUrl: DEFAULT_MASTER_URL, token };
}

/** Adds --dcos-url / --master-url to a command. */
export function withTargetOptions(cmd: Command): Command {
  return cmd
    .option('--dcos-url <url>', 'the cluster through its Admin Router (env DCOS_URL)')
    .option(
      '--master-url <url>',
      `a master directly (env MASTER_URL, default ${DEFAULT_MASTER_URL})`,
    );
}

/** An agent as `/master/slaves` lists it. */
export interface MasterAgent {
  id: string;
  hostname: string;
  pid: string;
  port?: number;
  resources: Record<string, number | string>;
  used_resources?: Record<string, number | string>;
  active?: boolean;
  [k: string]: unknown;
}

/** `slave(1)@10.0.0.2:5051` → `{ ip, port }`. */
export function agentAddress(a: MasterAgent): { ip: string; port: number } {
  const m = /@([^:]+):(\d+)$/.exec(a.pid ?? '');
  if (m) return { ip: m[1] as string, port: Number(m[2]) };
  return { ip: a.hostname, port: a.port ?? 5051 };
}

/** The one place that knows base URLs and the auth header. */
export class ClusterClient {
  constructor(readonly target: ClusterTarget) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      accept: 'application/json',
      ...(this.target.token ? { authorization: `token=${this.target.token}` } : {}),
      ...extra,
    };
  }

  /** URL of a master endpoint (`/master/state`, `/api/v1`). */
  masterUrl(p: string): string {
    return this.target.mode === 'dcos'
      ? `${this.target.baseUrl}/mesos${p}`
      : `${this.target.baseUrl}${p}`;
  }

  /**
   * URL of an IAM endpoint (`/users`, `/auth/login`): through the Admin Router, or straight to
   * IAM (IAM_URL, default the local one) when talking to a master directly.
   */
  iamUrl(p: string, env: Record<string, string | undefined> = process.env): string {
    if (this.target.mode === 'dcos') return `${this.target.baseUrl}/acs/api/v1${p}`;
    const iam = checkUrl('IAM_URL', env['IAM_URL'] || DEFAULT_IAM_URL);
    return `${iam}/acs/api/v1${p}`;
  }

  /**
   * URL of a Marathon endpoint (`/v2/apps`): through the Admin Router under `/marathon`, or
   * straight to Marathon (MARATHON_URL, default the local one) when talking to a master directly.
   */
  marathonUrl(p: string, env: Record<string, string | undefined> = process.env): string {
    if (this.target.mode === 'dcos') return `${this.target.baseUrl}/marathon${p}`;
    const marathon = checkUrl('MARATHON_URL', env['MARATHON_URL'] || DEFAULT_MARATHON_URL);
    return `${marathon}${p}`;
  }

  /** URL of a DSS endpoint: the Admin Router's `/storage`, or DSS_URL (default the local DSS). */
  dssUrl(p: string, env: Record<string, string | undefined> = process.env): string {
    if (this.target.mode === 'dcos') return `${this.target.baseUrl}/storage${p}`;
    return `${checkUrl('DSS_URL', env['DSS_URL'] || DEFAULT_DSS_URL)}${p}`;
  }

  /** Any method; answers status and parsed body without throwing on HTTP errors. */
  async send(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const res = await this.fetch(url, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed };
  }

  /** URL of an agent endpoint (`/state`, `/files/read?...`). */
  agentUrl(agent: MasterAgent, p: string): string {
    if (this.target.mode === 'dcos') return `${this.target.baseUrl}/agent/${agent.id}${p}`;
    const { ip, port } = agentAddress(agent);
    return `http://${ip}:${port}${p}`;
  }

  async getJson<T>(url: string): Promise<T> {
    const res = await this.fetch(url, { headers: this.headers() });
    return (await this.body(url, res)) as T;
  }

  async postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
    return this.send('POST', url, body);
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
      );
    }
  }

  private async body(url: string, res: Response): Promise<unknown> {
    const text = await res.text();
    if (res.status === 401) throw new CliError(unauthorizedMessage(url, this.target.token));
    if (!res.ok) {
      const detail = text.length > 300 ? `${text.slice(0, 300)}…` : text;
      throw new CliError(`${url} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new CliError(`${url} did not answer JSON`);
    }
  }
}

/** Seconds since the epoch at which a JWT expires, if it says (no verification: display only). */
export function tokenExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

/** Say clearly why the cluster refused us: no token, an expired one, or a rejected one. */
export function unauthorizedMessage(
  url: string,
  token: string | undefined,
  nowSeconds = Date.now() / 1000,
): string {
  if (!token) return `${url} requires authentication: run "dcos auth login"`;
  const exp = tokenExpiry(token);
  if (exp !== undefined && exp <= nowSeconds) {
    return `your token expired at ${new Date(exp * 1000).toISOString()}: run "dcos auth login"`;
  }
  return `${url} rejected your token: run "dcos auth login"`;
}

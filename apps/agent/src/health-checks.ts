import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { procsFiles, resolveUser, type Containerizer } from '@dcos/containerizer';

/** TaskInfo.health_check as the agent runs it (Mesos HealthCheck, defaults applied). */
export interface HealthCheckSpec {
  type: 'COMMAND' | 'HTTP' | 'TCP';
  command?: { value: string; env: Record<string, string> };
  http?: { port: number; path: string; scheme: 'http' | 'https' };
  tcp?: { port: number };
  delaySeconds: number;
  intervalSeconds: number;
  /** 0: no time limit (Mesos). */
  timeoutSeconds: number;
  consecutiveFailures: number;
  gracePeriodSeconds: number;
}

/** A health change the agent sends as a TASK_RUNNING update (`healthy`). */
export interface HealthReport {
  healthy: boolean;
  consecutiveFailures: number;
  /** The failures reached `consecutive_failures`: the task must be killed. */
  killTask: boolean;
  /** Why the last check failed. */
  message?: string;
}

/** Runs one check; resolves with the failure cause, or undefined when healthy. */
export type CheckRun = (timeoutMs: number) => Promise<string | undefined>;

const num = (raw: Record<string, unknown>, field: string, dflt: number): number => {
  const v = raw[field];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`health_check.${field} must be a non-negative number`);
  }
  return v;
};

const port = (raw: unknown, field: string): number => {
  const p = (raw as { port?: unknown } | undefined)?.port;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) {
    throw new Error(`health_check.${field}.port must be a port number (1-65535)`);
  }
  return p;
};

/** Validates TaskInfo.health_check (Mesos v1 JSON) and applies Mesos' defaults; errors name the field. */
export function parseHealthCheck(raw: Record<string, unknown>): HealthCheckSpec {
  const base = {
    delaySeconds: num(raw, 'delay_seconds', 15),
    intervalSeconds: num(raw, 'interval_seconds', 10),
    timeoutSeconds: num(raw, 'timeout_seconds', 20),
    consecutiveFailures: num(raw, 'consecutive_failures', 3),
    gracePeriodSeconds: num(raw, 'grace_period_seconds', 10),
  };
  // Before Mesos 1.2 the type was implied by which of command/http was set.
  const type = raw['type'] ?? (raw['command'] ? 'COMMAND' : raw['http'] ? 'HTTP' : undefined);
  if (type === 'COMMAND') {
    const c = raw['command'] as
      | { value?: unknown; environment?: { variables?: { name: string; value?: string }[] } }
      | undefined;
    if (typeof c?.value !== 'string' || c.value === '') {
      throw new Error('health_check.command.value is required for a COMMAND health check');
    }
    const env: Record<string, string> = {};
    for (const v of c.environment?.variables ?? []) {
      if (typeof v?.name === 'string') env[v.name] = String(v.value ?? '');
    }
    return { ...base, type, command: { value: c.value, env } };
  }
  if (type === 'HTTP') {
    const h = raw['http'] as { path?: unknown; scheme?: unknown } | undefined;
    const scheme = h?.scheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') {
      throw new Error('health_check.http.scheme must be http or https');
    }
    const p = typeof h?.path === 'string' && h.path ? h.path : '/';
    return {
      ...base,
      type,
      http: { port: port(h, 'http'), path: p.startsWith('/') ? p : `/${p}`, scheme },
    };
  }
  if (type === 'TCP') return { ...base, type, tcp: { port: port(raw['tcp'], 'tcp') } };
  throw new Error('health_check.type must be COMMAND, HTTP or TCP');
}

/**
 * The Mesos health checker's state machine: the first check after `delay_seconds`, the next
 * `interval_seconds` after each result. Reports the first success, the first success after
 * failures, and every failure; failures before the first success within the grace period are
 * ignored. `consecutive_failures` failures in a row → a report with killTask, then it stops
 * (0: never asks for the kill).
 */
export class HealthChecker {
  private timer?: NodeJS.Timeout;
  private readonly startedAt: number;
  private initializing = true;
  private failures = 0;
  private stopped = false;
  /** The checker asked for the task to be killed. */
  killedTask = false;

  constructor(
    readonly spec: HealthCheckSpec,
    private readonly run: CheckRun,
    private readonly report: (r: HealthReport) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  start(): void {
    this.schedule(this.spec.delaySeconds);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(seconds: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), seconds * 1000);
    this.timer.unref?.();
  }

  private async check(): Promise<void> {
    this.timer = undefined;
    let cause: string | undefined;
    try {
      cause = await this.run(this.spec.timeoutSeconds * 1000);
    } catch (e) {
      cause = (e as Error).message;
    }
    if (this.stopped) return;
    if (cause === undefined) this.success();
    else this.failure(cause);
  }

  private success(): void {
    if (this.initializing || this.failures > 0) {
      this.report({ healthy: true, consecutiveFailures: 0, killTask: false });
    }
    this.initializing = false;
    this.failures = 0;
    this.schedule(this.spec.intervalSeconds);
  }

  private failure(cause: string): void {
    if (
      this.initializing &&
      this.spec.gracePeriodSeconds > 0 &&
      this.now() - this.startedAt <= this.spec.gracePeriodSeconds * 1000
    ) {
      this.schedule(this.spec.intervalSeconds);
      return;
    }
    this.failures++;
    // 0 = report failures but never kill (Marathon's maxConsecutiveFailures: 0).
    const killTask =
      this.spec.consecutiveFailures > 0 && this.failures >= this.spec.consecutiveFailures;
    this.killedTask ||= killTask;
    this.report({
      healthy: false,
      consecutiveFailures: this.failures,
      killTask,
      message: cause,
    });
    if (killTask) this.stop();
    else this.schedule(this.spec.intervalSeconds);
  }
}

/** Where a task runs: what a COMMAND check needs to run beside it. */
export interface TaskContext {
  sandbox: string;
  /** The task's wrapper process (its env is the task's env). */
  pid?: number;
  /** cgroup.procs files of the task's cgroups: the check joins them before it runs. */
  procsFiles: string[];
  /** Env when the task's process cannot be read. */
  env: Record<string, string>;
  user?: { uid: number; gid: number };
}

/** The context of a task the containerizer runs (its cgroups, sandbox, user and env). */
export function taskContext(
  ctz: Containerizer | undefined,
  r: { containerId?: string; sandbox?: string; pid?: number },
  fallbackEnv: Record<string, string>,
  user?: string,
): TaskContext {
  const cp = r.containerId ? ctz?.get(r.containerId) : undefined;
  let owner: TaskContext['user'];
  if (user) {
    const u = resolveUser(user);
    owner = { uid: u.uid, gid: u.gid };
  }
  return {
    sandbox: cp?.sandbox ?? r.sandbox ?? '/',
    pid: cp?.pid ?? r.pid,
    procsFiles: cp?.cgroups ? procsFiles(cp.cgroups) : [],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...fallbackEnv },
    user: owner,
  };
}

/** The runner of a parsed check: COMMAND beside the task, HTTP/TCP against 127.0.0.1 (Mesos). */
export function checkRunner(spec: HealthCheckSpec, task: () => TaskContext): CheckRun {
  if (spec.type === 'COMMAND') {
    const cmd = spec.command as NonNullable<HealthCheckSpec['command']>;
    return (timeoutMs) => runCommandCheck(cmd.value, { ...task(), extraEnv: cmd.env }, timeoutMs);
  }
  if (spec.type === 'HTTP') {
    const h = spec.http as NonNullable<HealthCheckSpec['http']>;
    return (timeoutMs) => runHttpCheck(`${h.scheme}://127.0.0.1:${h.port}${h.path}`, timeoutMs);
  }
  const port = (spec.tcp as { port: number }).port;
  return (timeoutMs) => runTcpCheck(port, timeoutMs);
}

/** The environment of a live process (the task's wrapper), or undefined. */
export function processEnv(pid: number): Record<string, string> | undefined {
  try {
    const env: Record<string, string> = {};
    for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return env;
  } catch {
    return undefined;
  }
}

// Joins the task's cgroups (the check counts against its limits, as in Mesos) before the command.
const COMMAND_WRAPPER =
  'cmd=$1; shift; for f; do echo $$ > "$f" || exit 125; done; exec /bin/sh -c "$cmd"';

export function runCommandCheck(
  command: string,
  ctx: TaskContext & { extraEnv?: Record<string, string> },
  timeoutMs: number,
): Promise<string | undefined> {
  const env = {
    ...((ctx.pid !== undefined ? processEnv(ctx.pid) : undefined) ?? ctx.env),
    ...ctx.extraEnv,
  };
  return new Promise((resolve) => {
    const child = spawn(
      '/bin/sh',
      ['-c', COMMAND_WRAPPER, 'dcos-ts-health-check', command, ...ctx.procsFiles],
      {
        cwd: ctx.sandbox,
        env,
        detached: true,
        stdio: 'ignore',
        uid: ctx.user?.uid,
        gid: ctx.user?.gid,
      },
    );
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, timeoutMs);
    }
    child.once('error', (e) => {
      if (timer) clearTimeout(timer);
      resolve(`cannot run the command: ${e.message}`);
    });
    child.once('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) resolve(`Command timed out after ${timeoutMs / 1000}s`);
      else if (code === 0) resolve(undefined);
      else
        resolve(
          code !== null
            ? `Command returned exit status ${code}`
            : `Command terminated by signal ${signal}`,
        );
    });
  });
}

/** Mesos: healthy on a status in [200, 399]. */
export async function runHttpCheck(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(url, {
      signal: timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined,
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 400) return undefined;
    return `Unexpected HTTP status code ${res.status} from ${url}`;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError') return `${url} timed out after ${timeoutMs / 1000}s`;
    return `${url}: ${err.cause?.code ?? err.message}`;
  }
}

export function runTcpCheck(port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            sock.destroy();
            resolve(`TCP connection to 127.0.0.1:${port} timed out`);
          }, timeoutMs)
        : undefined;
    sock.once('connect', () => {
      if (timer) clearTimeout(timer);
      sock.destroy();
      resolve(undefined);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      resolve(`TCP connection to 127.0.0.1:${port} failed: ${e.code ?? e.message}`);
    });
  });
}

// --- Mesos checks (TaskInfo.check): a result without a verdict ---------------------------

/** TaskInfo.check as the agent runs it (Mesos CheckInfo, defaults applied). */
export interface CheckSpec {
  type: 'COMMAND' | 'HTTP' | 'TCP';
  command?: { value: string; env: Record<string, string> };
  http?: { port: number; path: string };
  tcp?: { port: number };
  delaySeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
}

/** TaskStatus.check_status: a field is unset while no result is known (or the check errored). */
export type CheckStatus =
  | { type: 'COMMAND'; command: { exit_code?: number } }
  | { type: 'HTTP'; http: { status_code?: number } }
  | { type: 'TCP'; tcp: { succeeded?: boolean } };

/** Validates TaskInfo.check (Mesos v1 JSON) with Mesos' defaults; errors name the field. */
export function parseCheck(raw: Record<string, unknown>): CheckSpec {
  const n = (field: string, dflt: number): number => {
    const v = raw[field];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new Error(`check.${field} must be a non-negative number`);
    }
    return v;
  };
  const base = {
    delaySeconds: n('delay_seconds', 15),
    intervalSeconds: n('interval_seconds', 10),
    timeoutSeconds: n('timeout_seconds', 20),
  };
  const type = raw['type'];
  const p = (sub: unknown, field: string): number => {
    try {
      return port(sub, field);
    } catch {
      throw new Error(`check.${field}.port must be a port number (1-65535)`);
    }
  };
  if (type === 'COMMAND') {
    const c = (raw['command'] as { command?: Record<string, unknown> } | undefined)?.command;
    if (typeof c?.['value'] !== 'string' || c['value'] === '') {
      throw new Error('check.command.command.value is required for a COMMAND check');
    }
    const env: Record<string, string> = {};
    const vars = (c['environment'] as { variables?: { name: string; value?: string }[] })
      ?.variables;
    for (const v of vars ?? [])
      if (typeof v?.name === 'string') env[v.name] = String(v.value ?? '');
    return { ...base, type, command: { value: c['value'], env } };
  }
  if (type === 'HTTP') {
    const h = raw['http'] as { path?: unknown } | undefined;
    const path = typeof h?.path === 'string' && h.path ? h.path : '/';
    return {
      ...base,
      type,
      http: { port: p(h, 'http'), path: path.startsWith('/') ? path : `/${path}` },
    };
  }
  if (type === 'TCP') return { ...base, type, tcp: { port: p(raw['tcp'], 'tcp') } };
  throw new Error('check.type must be COMMAND, HTTP or TCP');
}

/** The status a check has before its first result (what the first TASK_RUNNING carries). */
export function emptyCheckStatus(type: CheckSpec['type']): CheckStatus {
  if (type === 'COMMAND') return { type, command: {} };
  if (type === 'HTTP') return { type, http: {} };
  return { type, tcp: {} };
}

/** Runs a check once: its status, or the empty status when it could not run (timeout, error). */
export function checkStatusRunner(
  spec: CheckSpec,
  task: () => TaskContext,
): (timeoutMs: number) => Promise<CheckStatus> {
  if (spec.type === 'COMMAND') {
    const cmd = spec.command as NonNullable<CheckSpec['command']>;
    return async (timeoutMs) => {
      const cause = await runCommandCheck(cmd.value, { ...task(), extraEnv: cmd.env }, timeoutMs);
      if (cause === undefined) return { type: 'COMMAND', command: { exit_code: 0 } };
      const code = /exit status (\d+)$/.exec(cause)?.[1];
      return { type: 'COMMAND', command: code !== undefined ? { exit_code: Number(code) } : {} };
    };
  }
  if (spec.type === 'HTTP') {
    const h = spec.http as NonNullable<CheckSpec['http']>;
    return async (timeoutMs) => {
      try {
        const res = await fetch(`http://127.0.0.1:${h.port}${h.path}`, {
          signal: timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined,
          redirect: 'manual',
        });
        await res.arrayBuffer().catch(() => undefined);
        return { type: 'HTTP', http: { status_code: res.status } };
      } catch {
        return { type: 'HTTP', http: {} };
      }
    };
  }
  const tcpPort = (spec.tcp as { port: number }).port;
  return async (timeoutMs) => ({
    type: 'TCP',
    tcp: { succeeded: (await runTcpCheck(tcpPort, timeoutMs)) === undefined },
  });
}

/**
 * The Mesos checker: the first check after `delay_seconds`, the next `interval_seconds` after
 * each result; reports the check status whenever it differs from the last one reported.
 */
export class Checker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private last: string;

  constructor(
    readonly spec: CheckSpec,
    private readonly run: (timeoutMs: number) => Promise<CheckStatus>,
    private readonly report: (s: CheckStatus) => void,
  ) {
    this.last = JSON.stringify(emptyCheckStatus(spec.type));
  }

  start(): void {
    this.schedule(this.spec.delaySeconds);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(seconds: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), seconds * 1000);
    this.timer.unref?.();
  }

  private async check(): Promise<void> {
    this.timer = undefined;
    let s: CheckStatus;
    try {
      s = await this.run(this.spec.timeoutSeconds * 1000);
    } catch {
      s = emptyCheckStatus(this.spec.type);
    }
    if (this.stopped) return;
    const text = JSON.stringify(s);
    if (text !== this.last) {
      this.last = text;
      this.report(s);
    }
    this.schedule(this.spec.intervalSeconds);
  }
}

/** The checks the agent runs for one task, and what they last said. */
export interface TaskChecks {
  health?: HealthChecker;
  check?: Checker;
  healthy?: boolean;
  checkStatus?: CheckStatus;
}

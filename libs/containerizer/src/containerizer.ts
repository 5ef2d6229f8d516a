import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CgroupsV1,
  destroyCgroups,
  killCgroup,
  procsFiles,
  readOomInfo,
  signalCgroup,
  type ContainerCgroups,
} from './cgroups';
import {
  collectTree,
  getPageSize,
  isSameLiveProcess,
  killGroup,
  listProcesses,
  readProcStat,
  safeKill,
  type ProcStat,
} from './proc';
import {
  decodeShellStatus,
  describeExit,
  memoryLimitMessage,
  type ExitInfo,
  type TaskTerminalState,
  type TerminationReason,
} from './status';
import { resolveUser, type PasswdEntry } from './users';
import { wrapperArgs } from './wrapper';

export type IsolationMode = 'cgroups-v1' | 'rss-poll';

export interface ContainerizerOptions {
  /** Agent work dir: sandboxes go to `<workDir>/slaves/<agentId>/...`, state to `<workDir>/containers`. */
  workDir: string;
  agentId: string;
  /** Value of HOST in the task env (the address tasks are reachable at). Default os.hostname(). */
  hostname?: string;
  /** 'auto' (default): cgroups v1 when writable, else rss-poll. Forcing 'cgroups-v1' throws if unusable. */
  isolation?: 'auto' | IsolationMode;
  /** Top cgroup directory name (default "dcos-ts"). */
  cgroupsRoot?: string;
  /** Sub-directory for this agent / test run (default: agentId). */
  cgroupsPrefix?: string;
  /** Nest the cgroup tree under this process' own cgroup (default true). */
  cgroupsNested?: boolean;
  /** Also set a CFS quota from cpus (default true); cpu.shares is always set. */
  cfsQuota?: boolean;
  /** pids.max per container unless the task says otherwise (default 4096). */
  defaultPidsLimit?: number;
  /** Watch interval for OOM / RSS / recovered processes (default 250 ms). */
  pollIntervalMs?: number;
  /** Grace period between SIGTERM and SIGKILL when kill() gets none (default 3000 ms). */
  defaultGracePeriodMs?: number;
  /** Environment every task starts from (default: PATH of this process). */
  baseEnv?: Record<string, string>;
  /** passwd file for `user` (default /etc/passwd). */
  passwdFile?: string;
}

export interface CommandSpec {
  /** Shell command (shell: true, the default) or the executable path (shell: false). */
  value: string;
  /** Run as `/bin/sh -c <value>` (default true). */
  shell?: boolean;
  /** shell: false only: argv as in Mesos CommandInfo (arguments[0] is argv[0], replaced by value). */
  arguments?: string[];
}

export interface TaskResources {
  cpus?: number;
  /** MiB */
  mem?: number;
  /** MiB (not enforced) */
  disk?: number;
  /** Ports given to the task: PORT0..n in this order. */
  ports?: number[];
}

export interface TaskLaunchSpec {
  taskId: string;
  frameworkId: string;
  /** Default: the task id (command tasks). */
  executorId?: string;
  /** Default: a random UUID. */
  containerId?: string;
  command: CommandSpec;
  env?: Record<string, string>;
  resources?: TaskResources;
  /** Run as this user (name or uid from the passwd file). */
  user?: string;
  /** pids.max for this container. */
  pidsLimit?: number;
  /**
   * The sandbox, when not the executor run directory of sandboxPath() (a task of the default
   * executor runs in `<executor sandbox>/tasks/<task id>`, Mesos' nested container layout).
   */
  sandbox?: string;
  /** The process is an executor, not a task: no MESOS_TASK_ID in its environment. */
  executor?: boolean;
}

/** What the agent must checkpoint to re-attach to the task after a restart. */
export interface ContainerCheckpoint {
  containerId: string;
  taskId: string;
  frameworkId: string;
  executorId: string;
  agentId: string;
  /** The wrapper: session and process group leader of the task. */
  pid: number;
  pgid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot). */
  startTime: number;
  sandbox: string;
  /** Where the wrapper records exit_status etc. */
  metaDir: string;
  isolation: IsolationMode;
  cgroups?: ContainerCgroups;
  memLimitBytes?: number;
  user?: string;
  launchedAt: number;
}

export interface ContainerStarted {
  containerId: string;
  taskId: string;
  pid: number;
  sandbox: string;
}

export interface ContainerTermination {
  containerId: string;
  taskId: string;
  frameworkId: string;
  state: TaskTerminalState;
  reason?: TerminationReason;
  source: 'SOURCE_EXECUTOR' | 'SOURCE_AGENT';
  message: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when a kill() was requested (before or after an agent restart). */
  killed: boolean;
  sandbox: string;
}

export interface RecoveryResult {
  /** Still running and now watched again. */
  running: ContainerCheckpoint[];
  /** Ended while the agent was away (also emitted as 'exited'). */
  terminated: ContainerTermination[];
}

export class ContainerizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerizerError';
  }
}

interface Limitation {
  reason: TerminationReason;
  message: string;
}

interface Container {
  cp: ContainerCheckpoint;
  child?: ChildProcess;
  childExit?: ExitInfo;
  killRequested: boolean;
  killTimer?: NodeJS.Timeout;
  limitation?: Limitation;
  /** rss-poll: pid → start time of every process seen in the tree. */
  tree: Map<number, number>;
  peakRssBytes: number;
  finishing: boolean;
  done: Promise<ContainerTermination>;
  resolve: (t: ContainerTermination) => void;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const META_FILES = {
  checkpoint: 'checkpoint.json',
  exitStatus: 'exit_status',
  launchError: 'launch_error',
  killed: 'killed',
  limitation: 'limitation.json',
  termination: 'termination.json',
};

const ID_RE = /^[A-Za-z0-9_.\-:@]+$/;

function checkId(kind: string, id: string): void {
  if (!id || !ID_RE.test(id) || id === '.' || id === '..') {
    throw new ContainerizerError(`invalid ${kind} "${id}" (allowed: letters, digits, _ . - : @)`);
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function writeQuiet(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch {
    /* best effort */
  }
}

/**
 * Runs tasks as isolated process trees: one detached session per task, cgroups v1 (memory,
 * cpu, pids, freezer) when writable or RSS polling otherwise, kill with a grace period, and
 * recovery of running tasks after an agent restart.
 *
 * Events: 'started' (ContainerStarted) and 'exited' (ContainerTermination, exactly once per
 * container launched or passed to recover()).
 */
export class Containerizer {
  readonly isolation: IsolationMode;
  /** Human-readable description of the isolation (for the agent's start-up log). */
  readonly isolationDetail: string;
  readonly workDir: string;
  readonly agentId: string;

  private readonly events = new EventEmitter();
  private readonly containers = new Map<string, Container>();
  private readonly ended = new Map<string, ContainerTermination>();
  private readonly cgroups?: CgroupsV1;
  private ticker?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: ContainerizerOptions) {
    checkId('agent id', opts.agentId);
    this.workDir = path.resolve(opts.workDir);
    this.agentId = opts.agentId;
    const want = opts.isolation ?? 'auto';
    if (want === 'rss-poll') {
      this.isolation = 'rss-poll';
      this.isolationDetail =
        'rss-poll (forced): RSS of each task tree polled from /proc, killed on excess';
      return;
    }
    const cg = new CgroupsV1({
      root: opts.cgroupsRoot,
      prefix: opts.cgroupsPrefix ?? opts.agentId,
      nested: opts.cgroupsNested,
    });
    const probe = process.platform === 'linux' ? cg.probe() : { ok: false, detail: 'not Linux' };
    if (probe.ok) {
      this.isolation = 'cgroups-v1';
      this.cgroups = cg;
      this.isolationDetail = probe.detail;
    } else if (want === 'cgroups-v1') {
      throw new ContainerizerError(`cgroups v1 isolation requested but unusable: ${probe.detail}`);
    } else {
      this.isolation = 'rss-poll';
      this.isolationDetail = `rss-poll: cgroups unusable (${probe.detail}); RSS of each task tree polled from /proc, killed on excess`;
    }
  }

  on(event: 'started', listener: (e: ContainerStarted) => void): this;
  on(event: 'exited', listener: (t: ContainerTermination) => void): this;
  on(event: 'started' | 'exited', listener: (arg: never) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: 'started' | 'exited', listener: (arg: never) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** The sandbox directory of a container (Mesos layout). */
  sandboxPath(frameworkId: string, executorId: string, containerId: string): string {
    return path.join(
      this.workDir,
      'slaves',
      this.agentId,
      'frameworks',
      frameworkId,
      'executors',
      executorId,
      'runs',
      containerId,
    );
  }

  /** Where the containerizer keeps per-container state (exit status, checkpoint). */
  metaPath(containerId: string): string {
    return path.join(this.workDir, 'containers', containerId);
  }

  /** Checkpoints of the containers currently watched. */
  list(): ContainerCheckpoint[] {
    return [...this.containers.values()].map((c) => ({ ...c.cp }));
  }

  get(containerId: string): ContainerCheckpoint | undefined {
    const c = this.containers.get(containerId);
    return c ? { ...c.cp } : undefined;
  }

  /** Resolves when the container has ended (also for containers that already ended). */
  wait(containerId: string): Promise<ContainerTermination> {
    const c = this.containers.get(containerId);
    if (c) return c.done;
    const t = this.ended.get(containerId) ?? this.readRecordedTermination(containerId);
    if (t) return Promise.resolve(t);
    return Promise.reject(new ContainerizerError(`unknown container ${containerId}`));
  }

  /** Starts a task. Resolves once the process runs; its checkpoint is also written to metaPath(). */
  async launch(spec: TaskLaunchSpec): Promise<ContainerCheckpoint> {
    if (this.closed) throw new ContainerizerError('containerizer is closed');
    const containerId = spec.containerId ?? randomUUID();
    const executorId = spec.executorId ?? spec.taskId;
    checkId('task id', spec.taskId);
    checkId('framework id', spec.frameworkId);
    checkId('executor id', executorId);
    checkId('container id', containerId);
    if (this.containers.has(containerId) || fs.existsSync(this.metaPath(containerId))) {
      throw new ContainerizerError(`container ${containerId} already exists`);
    }
    if (!spec.command || typeof spec.command.value !== 'string' || spec.command.value === '') {
      throw new ContainerizerError('command.value must be a non-empty string');
    }
    const mem = spec.resources?.mem;
    if (mem !== undefined && !(mem > 0))
      throw new ContainerizerError(`mem must be > 0 MiB (got ${mem})`);
    const user: PasswdEntry | undefined = spec.user
      ? resolveUser(spec.user, this.opts.passwdFile)
      : undefined;
    const owner = user ? { uid: user.uid, gid: user.gid } : undefined;

    const sandbox = spec.sandbox ?? this.sandboxPath(spec.frameworkId, executorId, containerId);
    const metaDir = this.metaPath(containerId);
    fs.mkdirSync(sandbox, { recursive: true });
    fs.mkdirSync(metaDir, { recursive: true });
    if (!spec.sandbox) {
      const latest = path.join(path.dirname(sandbox), 'latest');
      try {
        fs.rmSync(latest, { force: true });
        fs.symlinkSync(containerId, latest);
      } catch {
        /* cosmetic */
      }
    }
    const outFd = fs.openSync(path.join(sandbox, 'stdout'), 'a', 0o644);
    const errFd = fs.openSync(path.join(sandbox, 'stderr'), 'a', 0o644);
    let cgroups: ContainerCgroups | undefined;
    const memLimitBytes = mem !== undefined ? Math.floor(mem * 1024 * 1024) : undefined;
    let child: ChildProcess;
    try {
      if (owner) {
        for (const p of [
          sandbox,
          metaDir,
          path.join(sandbox, 'stdout'),
          path.join(sandbox, 'stderr'),
        ]) {
          fs.chownSync(p, owner.uid, owner.gid);
        }
      }
      if (this.cgroups) {
        cgroups = this.cgroups.create(
          containerId,
          {
            memBytes: memLimitBytes,
            cpus: spec.resources?.cpus,
            cfsQuota: this.opts.cfsQuota,
            pidsMax: spec.pidsLimit ?? this.opts.defaultPidsLimit ?? 4096,
          },
          owner,
        );
      }
      const command =
        spec.command.shell === false
          ? [spec.command.value, ...(spec.command.arguments ?? []).slice(1)]
          : ['/bin/sh', '-c', spec.command.value];
      child = spawn('/bin/sh', wrapperArgs(metaDir, cgroups ? procsFiles(cgroups) : [], command), {
        cwd: sandbox,
        env: this.buildEnv(spec, sandbox, executorId, containerId, user),
        detached: true,
        stdio: ['ignore', outFd, errFd],
        uid: owner?.uid,
        gid: owner?.gid,
      });
      if (child.pid === undefined) {
        const err = await new Promise<Error>((resolve) => child.once('error', resolve));
        throw new ContainerizerError(`cannot start task ${spec.taskId}: ${err.message}`);
      }
    } catch (e) {
      if (cgroups) await destroyCgroups(cgroups);
      fs.rmSync(metaDir, { recursive: true, force: true });
      throw e instanceof ContainerizerError ? e : new ContainerizerError((e as Error).message);
    } finally {
      fs.closeSync(outFd);
      fs.closeSync(errFd);
    }
    const pid = child.pid;
    const stat = readProcStat(pid);
    const cp: ContainerCheckpoint = {
      containerId,
      taskId: spec.taskId,
      frameworkId: spec.frameworkId,
      executorId,
      agentId: this.agentId,
      pid,
      pgid: pid,
      startTime: stat?.startTime ?? 0,
      sandbox,
      metaDir,
      isolation: this.isolation,
      cgroups,
      memLimitBytes,
      user: spec.user,
      launchedAt: Date.now(),
    };
    writeQuiet(path.join(metaDir, META_FILES.checkpoint), JSON.stringify(cp, null, 2));
    const c = this.track(cp, child);
    child.once('exit', (code, signal) => {
      c.childExit = signal ? { exitCode: null, signal } : { exitCode: code, signal: null };
      void this.finish(c);
    });
    this.events.emit('started', {
      containerId,
      taskId: spec.taskId,
      pid,
      sandbox,
    } satisfies ContainerStarted);
    return { ...cp };
  }

  /**
   * Kills a container's whole process tree: SIGTERM to the process group (and the cgroup),
   * SIGKILL to everything after the grace period. Resolves with the termination (TASK_KILLED
   * unless it ended otherwise first).
   */
  kill(containerId: string, gracePeriodMs?: number): Promise<ContainerTermination> {
    const c = this.containers.get(containerId);
    if (!c) return this.wait(containerId);
    const grace = gracePeriodMs ?? this.opts.defaultGracePeriodMs ?? 3000;
    if (!c.killRequested) {
      c.killRequested = true;
      writeQuiet(path.join(c.cp.metaDir, META_FILES.killed), `${new Date().toISOString()}\n`);
      if (grace <= 0) this.escalate(c);
      else {
        this.signalAll(c, 'SIGTERM');
        c.killTimer = setTimeout(() => this.escalate(c), grace);
      }
    } else if (grace <= 0) {
      this.escalate(c);
    }
    return c.done;
  }

  /**
   * Re-attaches to containers after an agent restart. Without checkpoints, reads those this
   * work dir has recorded for this agent id that have no recorded termination yet.
   */
  async recover(checkpoints?: ContainerCheckpoint[]): Promise<RecoveryResult> {
    const list = checkpoints ?? this.readCheckpoints();
    const result: RecoveryResult = { running: [], terminated: [] };
    const finishing: Promise<ContainerTermination>[] = [];
    for (const cp of list) {
      if (this.containers.has(cp.containerId)) {
        result.running.push({ ...cp });
        continue;
      }
      const metaDir = cp.metaDir ?? this.metaPath(cp.containerId);
      const recorded = this.readRecordedTermination(cp.containerId, metaDir);
      if (recorded) {
        result.terminated.push(recorded);
        setImmediate(() => this.events.emit('exited', recorded));
        continue;
      }
      const c = this.track({ ...cp, metaDir });
      const killWasRequested = fs.existsSync(path.join(metaDir, META_FILES.killed));
      if (isSameLiveProcess(cp.pid, cp.startTime)) {
        result.running.push({ ...c.cp });
        // A kill requested before the restart is carried through (its SIGKILL timer was lost).
        if (killWasRequested) void this.kill(cp.containerId);
      } else {
        c.killRequested = killWasRequested;
        finishing.push(this.finish(c));
      }
    }
    result.terminated.push(...(await Promise.all(finishing)));
    return result;
  }

  /** Checkpoints recorded under `<workDir>/containers` for this agent, still unterminated. */
  readCheckpoints(): ContainerCheckpoint[] {
    const dir = path.join(this.workDir, 'containers');
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return [];
    }
    const out: ContainerCheckpoint[] = [];
    for (const n of names) {
      const text = readText(path.join(dir, n, META_FILES.checkpoint));
      if (!text || fs.existsSync(path.join(dir, n, META_FILES.termination))) continue;
      try {
        const cp = JSON.parse(text) as ContainerCheckpoint;
        if (cp.agentId === this.agentId) out.push(cp);
      } catch {
        /* torn write: ignore */
      }
    }
    return out;
  }

  /** Forgets an ended container's recorded state (after the agent has reported it). Keeps the sandbox. */
  gc(containerId: string): void {
    if (this.containers.has(containerId))
      throw new ContainerizerError(`container ${containerId} is running`);
    checkId('container id', containerId);
    this.ended.delete(containerId);
    fs.rmSync(this.metaPath(containerId), { recursive: true, force: true });
  }

  /**
   * Stops watching without touching the tasks (they keep running; recover() them later).
   * Used on agent shutdown and to simulate an agent restart in tests.
   */
  close(): void {
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    for (const c of this.containers.values()) {
      if (c.killTimer) clearTimeout(c.killTimer);
      if (c.child) {
        c.child.removeAllListeners('exit');
        c.child.unref();
      }
    }
    this.containers.clear();
  }

  /** Removes this agent's empty cgroup directories (on shutdown, in tests). */
  removeCgroupDirs(): void {
    this.cgroups?.removeEmptyBases();
  }

  // --- internals -------------------------------------------------------------------------

  private buildEnv(
    spec: TaskLaunchSpec,
    sandbox: string,
    executorId: string,
    containerId: string,
    user: PasswdEntry | undefined,
  ): Record<string, string> {
    const env: Record<string, string> = {
      ...(this.opts.baseEnv ?? { PATH: process.env['PATH'] ?? DEFAULT_PATH }),
    };
    if (user) {
      env['USER'] = user.name;
      env['LOGNAME'] = user.name;
      env['HOME'] = user.home;
    }
    if (!spec.executor) env['MESOS_TASK_ID'] = spec.taskId;
    Object.assign(env, {
      MESOS_FRAMEWORK_ID: spec.frameworkId,
      MESOS_EXECUTOR_ID: executorId,
      MESOS_CONTAINER_ID: containerId,
      MESOS_AGENT_ID: this.agentId,
      MESOS_SLAVE_ID: this.agentId,
      MESOS_SANDBOX: sandbox,
      MESOS_DIRECTORY: sandbox,
      HOST: this.opts.hostname ?? os.hostname(),
    });
    const ports = spec.resources?.ports ?? [];
    ports.forEach((p, i) => (env[`PORT${i}`] = String(p)));
    if (ports.length > 0) {
      env['PORT'] = String(ports[0]);
      env['PORTS'] = ports.join(',');
    }
    if (spec.resources?.cpus !== undefined) env['MESOS_CPUS'] = String(spec.resources.cpus);
    if (spec.resources?.mem !== undefined) env['MESOS_MEM'] = String(spec.resources.mem);
    for (const [k, v] of Object.entries(spec.env ?? {})) env[k] = String(v);
    return env;
  }

  private track(cp: ContainerCheckpoint, child?: ChildProcess): Container {
    let resolve!: (t: ContainerTermination) => void;
    const done = new Promise<ContainerTermination>((r) => (resolve = r));
    const c: Container = {
      cp,
      child,
      killRequested: false,
      tree: new Map(),
      peakRssBytes: 0,
      finishing: false,
      done,
      resolve,
    };
    this.containers.set(cp.containerId, c);
    if (!this.ticker) {
      this.ticker = setInterval(() => this.tick(), this.opts.pollIntervalMs ?? 250);
    }
    return c;
  }

  private tick(): void {
    let procs: ProcStat[] | undefined;
    for (const c of this.containers.values()) {
      if (c.finishing) continue;
      if (!c.child && !isSameLiveProcess(c.cp.pid, c.cp.startTime)) {
        void this.finish(c);
        continue;
      }
      if (c.limitation) continue;
      if (c.cp.cgroups?.memory) {
        const oom = readOomInfo(c.cp.cgroups);
        if (oom && (oom.oomKills > 0 || oom.underOom)) {
          this.limit(c, {
            reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
            message: memoryLimitMessage(c.cp.memLimitBytes ?? 0, oom.maxUsageBytes),
          });
        }
      } else if (c.cp.isolation === 'rss-poll' && c.cp.memLimitBytes !== undefined) {
        procs ??= listProcesses();
        const tree = collectTree(procs, c.cp.pid, c.cp.pgid, c.tree);
        let rss = 0;
        for (const p of tree) {
          c.tree.set(p.pid, p.startTime);
          rss += p.rssPages * getPageSize();
        }
        c.peakRssBytes = Math.max(c.peakRssBytes, rss);
        if (rss > c.cp.memLimitBytes) {
          this.limit(c, {
            reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
            message: memoryLimitMessage(c.cp.memLimitBytes, rss),
          });
        }
      }
    }
  }

  /** A resource limitation: record it (also on disk, for recovery) and destroy the container. */
  private limit(c: Container, l: Limitation): void {
    if (c.limitation) return;
    c.limitation = l;
    writeQuiet(path.join(c.cp.metaDir, META_FILES.limitation), JSON.stringify(l));
    this.escalate(c);
  }

  private signalAll(c: Container, signal: NodeJS.Signals): void {
    if (c.child || isSameLiveProcess(c.cp.pid, c.cp.startTime)) {
      killGroup(c.cp.pgid, signal);
    } else {
      // Recovered and the leader is gone: a pgid cannot be reused while the group has members,
      // but be careful anyway and only signal members that started after the wrapper.
      for (const p of listProcesses()) {
        if (p.pgid === c.cp.pgid && p.startTime >= c.cp.startTime) safeKill(p.pid, signal);
      }
    }
    if (c.cp.cgroups) signalCgroup(c.cp.cgroups, signal);
    for (const [pid, start] of c.tree) {
      if (readProcStat(pid)?.startTime === start) safeKill(pid, signal);
    }
  }

  /** Whether any process of the task (its group, or one seen in its tree) is still alive. */
  private treeAlive(c: Container): boolean {
    for (const p of listProcesses()) {
      if (p.state === 'Z' || p.state === 'X') continue;
      if (
        p.pgid === c.cp.pgid &&
        (p.pid !== c.cp.pid || isSameLiveProcess(c.cp.pid, c.cp.startTime))
      ) {
        return true;
      }
      if (c.tree.get(p.pid) === p.startTime) return true;
    }
    return false;
  }

  private escalate(c: Container): void {
    if (c.killTimer) clearTimeout(c.killTimer);
    c.killTimer = undefined;
    this.signalAll(c, 'SIGKILL');
    if (c.cp.cgroups) void killCgroup(c.cp.cgroups);
  }

  private async finish(c: Container): Promise<ContainerTermination> {
    if (c.finishing) return c.done;
    c.finishing = true;
    if (c.killTimer) clearTimeout(c.killTimer);
    const { cp } = c;
    const meta = cp.metaDir;
    let oomSuspect = false;
    if (cp.cgroups) {
      const oom = readOomInfo(cp.cgroups);
      if (!c.limitation && oom && (oom.oomKills > 0 || oom.underOom)) {
        c.limitation = {
          reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
          message: memoryLimitMessage(cp.memLimitBytes ?? 0, oom.maxUsageBytes),
        };
      }
      oomSuspect =
        !!oom &&
        oom.failcnt > 0 &&
        cp.memLimitBytes !== undefined &&
        oom.maxUsageBytes >= cp.memLimitBytes * 0.95;
      // The task ended with its wrapper: nothing of it may outlive it.
      await destroyCgroups(cp.cgroups);
    } else {
      // Nothing of the task may outlive its wrapper: kill the rest and wait until it is gone.
      const deadline = Date.now() + 5000;
      for (;;) {
        this.signalAll(c, 'SIGKILL');
        if (!this.treeAlive(c) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    if (!c.limitation) {
      const text = readText(path.join(meta, META_FILES.limitation));
      if (text) {
        try {
          c.limitation = JSON.parse(text) as Limitation;
        } catch {
          /* ignore */
        }
      }
    }
    const base = {
      containerId: cp.containerId,
      taskId: cp.taskId,
      frameworkId: cp.frameworkId,
      sandbox: cp.sandbox,
      killed: c.killRequested,
    };
    const statusText = readText(path.join(meta, META_FILES.exitStatus))?.trim();
    let exit: ExitInfo | undefined =
      statusText && /^\d+$/.test(statusText) ? decodeShellStatus(Number(statusText)) : c.childExit;
    const launchError = readText(path.join(meta, META_FILES.launchError))?.trim();
    let t: ContainerTermination;
    if (launchError) {
      t = {
        ...base,
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        source: 'SOURCE_AGENT',
        message: `Failed to launch container: ${launchError}`,
        exitCode: exit?.exitCode ?? null,
        signal: exit?.signal ?? null,
      };
    } else if (c.limitation || (!c.killRequested && oomSuspect && exit?.signal === 'SIGKILL')) {
      t = {
        ...base,
        state: 'TASK_FAILED',
        reason: c.limitation?.reason ?? 'REASON_CONTAINER_LIMITATION_MEMORY',
        source: 'SOURCE_AGENT',
        message: c.limitation?.message ?? memoryLimitMessage(cp.memLimitBytes ?? 0),
        exitCode: exit?.exitCode ?? null,
        signal: exit?.signal ?? 'SIGKILL',
      };
    } else if (c.killRequested) {
      exit ??= { exitCode: null, signal: 'SIGKILL' };
      t = {
        ...base,
        state: 'TASK_KILLED',
        source: 'SOURCE_EXECUTOR',
        message: describeExit(exit),
        ...exit,
      };
    } else if (exit) {
      t = {
        ...base,
        state: exit.exitCode === 0 ? 'TASK_FINISHED' : 'TASK_FAILED',
        reason: exit.exitCode === 0 ? undefined : 'REASON_COMMAND_EXECUTOR_FAILED',
        source: 'SOURCE_EXECUTOR',
        message: describeExit(exit),
        ...exit,
      };
    } else {
      t = {
        ...base,
        state: 'TASK_FAILED',
        reason: 'REASON_EXECUTOR_TERMINATED',
        source: 'SOURCE_AGENT',
        message: 'Task process ended while the agent was not watching; exit status unknown',
        exitCode: null,
        signal: null,
      };
    }
    if (t.reason === undefined) delete t.reason;
    writeQuiet(path.join(meta, META_FILES.termination), JSON.stringify(t, null, 2));
    if (this.containers.get(cp.containerId) === c) this.containers.delete(cp.containerId);
    this.ended.set(cp.containerId, t);
    if (this.ended.size > 10_000) this.ended.delete(this.ended.keys().next().value as string);
    if (this.containers.size === 0 && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    c.resolve(t);
    if (!this.closed) this.events.emit('exited', t);
    return t;
  }

  private readRecordedTermination(
    containerId: string,
    metaDir?: string,
  ): ContainerTermination | undefined {
    if (!metaDir && !ID_RE.test(containerId)) return undefined;
    const text = readText(path.join(metaDir ?? this.metaPath(containerId), META_FILES.termination));
    if (!text) return undefined;
    try {
      return JSON.parse(text) as ContainerTermination;
    } catch {
      return undefined;
    }
  }
}

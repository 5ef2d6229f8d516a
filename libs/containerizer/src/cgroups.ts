import * as fs from 'node:fs';
import * as path from 'node:path';
import { safeKill } from './proc';

/** The v1 controllers the containerizer uses. memory is required; the others are optional. */
export type CgroupController = 'memory' | 'cpu' | 'pids' | 'freezer';
export const CGROUP_CONTROLLERS: CgroupController[] = ['memory', 'cpu', 'pids', 'freezer'];

/** Absolute cgroup directories of one container, by controller (checkpointed for recovery). */
export type ContainerCgroups = Partial<Record<CgroupController, string>>;

export interface CgroupLimits {
  /** Memory limit in bytes (memory.limit_in_bytes and memory.memsw.limit_in_bytes). */
  memBytes?: number;
  /** CPUs: cpu.shares = cpus * 1024; with cfs, quota = cpus * period. */
  cpus?: number;
  cfsQuota?: boolean;
  /** pids.max */
  pidsMax?: number;
}

export interface OomInfo {
  oomKills: number;
  underOom: boolean;
  failcnt: number;
  maxUsageBytes: number;
}

interface Hierarchy {
  mountPoint: string;
  root: string;
}

/** v1 hierarchies by controller, from /proc/self/mountinfo. */
export function findV1Hierarchies(mountinfo?: string): Partial<Record<string, Hierarchy>> {
  const text = mountinfo ?? safeRead('/proc/self/mountinfo') ?? '';
  const out: Partial<Record<string, Hierarchy>> = {};
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    if (right[0] !== 'cgroup') continue;
    const opts = (right[2] ?? '').split(',');
    const mountPoint = unescapeMount(left[4]);
    const root = unescapeMount(left[3]);
    for (const o of opts) {
      if (CGROUP_CONTROLLERS.includes(o as CgroupController) && !out[o]) {
        out[o] = { mountPoint, root };
      }
    }
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** This process' own cgroup path per v1 controller, from /proc/self/cgroup. */
export function ownCgroupPaths(text?: string): Partial<Record<string, string>> {
  const src = text ?? safeRead('/proc/self/cgroup') ?? '';
  const out: Partial<Record<string, string>> = {};
  for (const line of src.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m || m[1] === '') continue;
    for (const c of m[1].split(',')) out[c] = m[2];
  }
  return out;
}

function safeRead(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function writeFile(file: string, value: string | number): void {
  fs.writeFileSync(file, String(value));
}

export interface CgroupsV1Options {
  /** Name of the top directory (default "dcos-ts"). */
  root?: string;
  /** Sub-directory per agent / test run (default: the agent id). */
  prefix: string;
  /**
   * Place the tree under this process' own cgroup (default true), like a delegated subtree,
   * rather than at the top of each hierarchy.
   */
  nested?: boolean;
  /** Override the hierarchies (tests). */
  hierarchies?: Partial<Record<string, Hierarchy>>;
}

/** Manages per-container cgroup v1 directories. */
export class CgroupsV1 {
  /** Base directory per controller (without the container id). */
  readonly bases: ContainerCgroups = {};

  constructor(opts: CgroupsV1Options) {
    const hier = opts.hierarchies ?? findV1Hierarchies();
    const own = opts.nested === false ? {} : ownCgroupPaths();
    for (const c of CGROUP_CONTROLLERS) {
      const h = hier[c];
      if (!h) continue;
      let rel = '/';
      const mine = own[c];
      if (mine !== undefined) {
        rel = h.root !== '/' && mine.startsWith(h.root) ? mine.slice(h.root.length) || '/' : mine;
      }
      this.bases[c] = path.join(h.mountPoint, rel, opts.root ?? 'dcos-ts', opts.prefix);
    }
  }

  /** Checks that the memory controller (required) and the optional ones are writable. */
  probe(): { ok: boolean; detail: string; controllers: CgroupController[] } {
    if (!this.bases.memory) {
      return { ok: false, detail: 'no cgroup v1 memory hierarchy mounted', controllers: [] };
    }
    const usable: CgroupController[] = [];
    const problems: string[] = [];
    for (const c of CGROUP_CONTROLLERS) {
      const base = this.bases[c];
      if (!base) continue;
      const probe = path.join(base, `.probe-${process.pid}-${Date.now()}`);
      try {
        fs.mkdirSync(probe, { recursive: true });
        fs.rmdirSync(probe);
        usable.push(c);
      } catch (e) {
        problems.push(`${c}: ${(e as Error).message}`);
        delete this.bases[c];
      }
    }
    if (!usable.includes('memory')) {
      return {
        ok: false,
        detail: `memory cgroup not writable (${problems.join('; ')})`,
        controllers: usable,
      };
    }
    return {
      ok: true,
      detail: `cgroups v1 (${usable.join(', ')}) under ${this.bases.memory}`,
      controllers: usable,
    };
  }

  /** Removes this agent's (empty) base directories and the top directory when empty too. */
  removeEmptyBases(): void {
    for (const base of Object.values(this.bases)) {
      if (rmdirQuiet(base)) rmdirQuiet(path.dirname(base));
    }
  }

  /** Creates the cgroups of a container with its limits; `owner` gets cgroup.procs (user tasks). */
  create(
    containerId: string,
    limits: CgroupLimits,
    owner?: { uid: number; gid: number },
  ): ContainerCgroups {
    const cg: ContainerCgroups = {};
    try {
      for (const c of CGROUP_CONTROLLERS) {
        const base = this.bases[c];
        if (!base) continue;
        const dir = path.join(base, containerId);
        fs.mkdirSync(dir, { recursive: true });
        cg[c] = dir;
        if (owner) {
          fs.chownSync(path.join(dir, 'cgroup.procs'), owner.uid, owner.gid);
          fs.chownSync(path.join(dir, 'tasks'), owner.uid, owner.gid);
        }
      }
      if (cg.memory && limits.memBytes !== undefined) {
        writeFile(path.join(cg.memory, 'memory.limit_in_bytes'), limits.memBytes);
        const memsw = path.join(cg.memory, 'memory.memsw.limit_in_bytes');
        if (fs.existsSync(memsw)) {
          try {
            writeFile(memsw, limits.memBytes);
          } catch {
            /* swap accounting disabled: mem limit alone */
          }
        }
        const oom = path.join(cg.memory, 'memory.oom_control');
        try {
          writeFile(oom, 0); // make sure the OOM killer is enabled
        } catch {
          /* not supported */
        }
      }
      if (cg.cpu && limits.cpus !== undefined && limits.cpus > 0) {
        writeFile(path.join(cg.cpu, 'cpu.shares'), Math.max(2, Math.round(limits.cpus * 1024)));
        if (limits.cfsQuota !== false) {
          const periodFile = path.join(cg.cpu, 'cpu.cfs_period_us');
          const period = Number(safeRead(periodFile)?.trim() || 100000) || 100000;
          writeFile(
            path.join(cg.cpu, 'cpu.cfs_quota_us'),
            Math.max(1000, Math.round(limits.cpus * period)),
          );
        }
      }
      if (cg.pids && limits.pidsMax !== undefined && limits.pidsMax > 0) {
        writeFile(path.join(cg.pids, 'pids.max'), limits.pidsMax);
      }
      return cg;
    } catch (e) {
      for (const dir of Object.values(cg)) rmdirQuiet(dir);
      throw new Error(
        `cannot set up cgroups for container ${containerId}: ${(e as Error).message}`,
      );
    }
  }
}

function rmdirQuiet(dir: string | undefined): boolean {
  if (!dir) return true;
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** The cgroup.procs files a process must join, in a stable order. */
export function procsFiles(cg: ContainerCgroups): string[] {
  return CGROUP_CONTROLLERS.filter((c) => cg[c]).map((c) =>
    path.join(cg[c] as string, 'cgroup.procs'),
  );
}

/** All pids in the container's cgroups (union over controllers). */
export function cgroupPids(cg: ContainerCgroups): number[] {
  const pids = new Set<number>();
  for (const file of procsFiles(cg)) {
    const text = safeRead(file);
    if (!text) continue;
    for (const l of text.split('\n')) if (l.trim() !== '') pids.add(Number(l));
  }
  return [...pids];
}

export function readOomInfo(cg: ContainerCgroups): OomInfo | undefined {
  if (!cg.memory) return undefined;
  const oom = safeRead(path.join(cg.memory, 'memory.oom_control'));
  if (oom === undefined) return undefined;
  const field = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(oom)?.[1] ?? 0);
  return {
    oomKills: field('oom_kill'),
    underOom: field('under_oom') === 1,
    failcnt: Number(safeRead(path.join(cg.memory, 'memory.failcnt'))?.trim() ?? 0),
    maxUsageBytes: Number(safeRead(path.join(cg.memory, 'memory.max_usage_in_bytes'))?.trim() ?? 0),
  };
}

export function readMemoryLimit(cg: ContainerCgroups): number | undefined {
  if (!cg.memory) return undefined;
  const v = Number(safeRead(path.join(cg.memory, 'memory.limit_in_bytes'))?.trim());
  return Number.isFinite(v) ? v : undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Kills every process in the container's cgroups (freezing first when the freezer is there,
 * so nothing can fork away while being killed) and waits until they are empty.
 */
export async function killCgroup(cg: ContainerCgroups, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const freezerState = cg.freezer ? path.join(cg.freezer, 'freezer.state') : undefined;
  for (;;) {
    const pids = cgroupPids(cg);
    if (pids.length === 0) return true;
    if (freezerState) {
      try {
        writeFile(freezerState, 'FROZEN');
        for (let i = 0; i < 50 && safeRead(freezerState)?.trim() === 'FREEZING'; i++)
          await sleep(2);
      } catch {
        /* gone */
      }
    }
    for (const pid of cgroupPids(cg)) safeKill(pid, 'SIGKILL');
    if (freezerState) {
      try {
        writeFile(freezerState, 'THAWED');
      } catch {
        /* gone */
      }
    }
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
}

/** Kills what is left and removes the container's cgroup directories. */
export async function destroyCgroups(cg: ContainerCgroups): Promise<boolean> {
  const empty = await killCgroup(cg);
  let ok = empty;
  for (const c of CGROUP_CONTROLLERS) {
    const dir = cg[c];
    if (!dir) continue;
    let removed = false;
    // The kernel may need a moment after the last exit before the directory can go.
    for (let i = 0; i < 50 && !removed; i++) {
      removed = rmdirQuiet(dir);
      if (!removed) await sleep(20);
    }
    ok = ok && removed;
  }
  return ok;
}

/** Signals every process in the container's cgroups. */
export function signalCgroup(cg: ContainerCgroups, signal: NodeJS.Signals): void {
  for (const pid of cgroupPids(cg)) safeKill(pid, signal);
}

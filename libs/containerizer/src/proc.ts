import * as fs from 'node:fs';

/** The fields of /proc/<pid>/stat we use. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process uniquely. */
  startTime: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/** Parses the text of /proc/<pid>/stat (the comm field may contain spaces and parens). */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 22) return undefined;
  return {
    pid,
    comm,
    state: rest[0],
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    sid: Number(rest[3]),
    startTime: Number(rest[19]),
    rssPages: Number(rest[21]),
  };
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive (not a zombie) and, if given, started at `startTime`. */
export function isSameLiveProcess(pid: number, startTime?: number): boolean {
  const st = readProcStat(pid);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}

/** Every process currently visible in /proc. */
export function listProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const st = readProcStat(Number(n));
    if (st) out.push(st);
  }
  return out;
}

/**
 * The process tree of a task: everything in process group `pgid`, every descendant of
 * `rootPid`, and every previously `known` process (pid → start time) still alive.
 */
export function collectTree(
  procs: ProcStat[],
  rootPid: number,
  pgid: number,
  known?: Map<number, number>,
): ProcStat[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const seen = new Set<number>();
  const queue: number[] = [];
  const add = (pid: number) => {
    if (seen.has(pid) || !byPid.has(pid)) return;
    seen.add(pid);
    queue.push(pid);
  };
  add(rootPid);
  for (const p of procs) if (p.pgid === pgid) add(p.pid);
  if (known) {
    for (const [pid, start] of known) {
      if (byPid.get(pid)?.startTime === start) add(pid);
    }
  }
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const c of children.get(pid) ?? []) add(c);
  }
  return [...seen].map((pid) => byPid.get(pid) as ProcStat).filter((p) => p.state !== 'Z');
}

/** Sends a signal, ignoring "no such process". Returns false when the target is gone. */
export function safeKill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw e;
  }
}

/** Signals a whole process group (negative pid). */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (pgid <= 1) return false;
  return safeKill(-pgid, signal);
}

let pageSize: number | undefined;
/** Page size in bytes (4096 on the platforms we run on; read from /proc/self/smaps when possible). */
export function getPageSize(): number {
  if (pageSize === undefined) {
    pageSize = 4096;
    try {
      const m = /KernelPageSize:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/smaps', 'utf8'));
      if (m) pageSize = Number(m[1]) * 1024;
    } catch {
      /* keep the default */
    }
  }
  return pageSize;
}

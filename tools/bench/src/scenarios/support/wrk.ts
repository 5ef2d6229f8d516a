/**
 * `wrk` as a child of the scenario (bounded by its own `-d` and a kill timer), and the
 * parsing of its report: requests/s, latency percentiles, errors.
 */
import type { ProcessGroup } from '../../processes';

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx/3xx responses plus socket errors. */
  errors: number;
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  return n; // ms
}

/** Parses `wrk --latency` output. */
export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const reqs = /(\d+) requests in/.exec(out);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  if (!rps || !reqs) throw new Error(`unexpected wrk output:\n${out}`);
  let errors = 0;
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx) errors += Number(non2xx[1]);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (sock) errors += sock.slice(1).reduce((s, x) => s + Number(x), 0);
  return {
    rps: Number(rps[1]),
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    requests: Number(reqs[1]),
    errors,
  };
}

export interface WrkRun {
  wrk: string;
  url: string;
  seconds: number;
  connections: number;
  threads?: number;
  headers?: Record<string, string>;
}

export async function runWrk(group: ProcessGroup, r: WrkRun): Promise<WrkResult> {
  const args = [
    `-t${r.threads ?? 1}`,
    `-c${r.connections}`,
    `-d${r.seconds}s`,
    '--timeout',
    '5s',
    '--latency',
  ];
  for (const [k, v] of Object.entries(r.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(r.url);
  const child = group.start({ name: 'wrk', command: r.wrk, args, keepLines: 100 });
  const kill = setTimeout(() => child.process.kill('SIGKILL'), (r.seconds + 15) * 1000);
  const exit = await child.exited;
  clearTimeout(kill);
  if (exit.code !== 0)
    throw new Error(`wrk exited (${exit.signal ?? exit.code}):\n${child.output()}`);
  const res = parseWrk(child.output());
  if (res.errors > 0) {
    throw new Error(
      `wrk against ${r.url}: ${res.errors} errors of ${res.requests}:\n${child.output()}`,
    );
  }
  return res;
}

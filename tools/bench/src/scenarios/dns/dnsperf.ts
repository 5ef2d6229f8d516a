/** Runs `dnsperf` (Debian package) against a loopback server and reads its numbers. */
import type { ProcessGroup } from '../../processes';
import { percentile } from '../../scenario';

export interface DnsperfRun {
  dnsperf: string;
  port: number;
  queryFile: string;
  /** -l: seconds to run. */
  seconds: number;
  /** -n: passes over the query file at most (bounds the count as -l bounds the time). */
  maxPasses: number;
  /** -c: simulated clients. */
  clients: number;
  /** -Q: queries per second cap (undefined: as fast as the server answers). */
  maxQps?: number;
  /** -v: collect every query's latency (for percentiles). */
  perQuery?: boolean;
  label: string;
}

export interface DnsperfResult {
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  avgLatencyMs: number;
  /** Response codes and their counts (`NOERROR` → n). */
  rcodes: Record<string, number>;
  /** Per-query latencies in ms, sorted (only with `perQuery`). */
  latenciesMs: number[];
}

/** The summary dnsperf prints at the end, parsed; throws naming what is missing. */
export function parseSummary(text: string): Omit<DnsperfResult, 'latenciesMs'> {
  const num = (re: RegExp, what: string): number => {
    const m = re.exec(text);
    if (!m) throw new Error(`dnsperf printed no "${what}":\n${text.slice(-2000)}`);
    return Number(m[1]);
  };
  const rcodes: Record<string, number> = {};
  const codes = /Response codes:\s+(.*)/.exec(text)?.[1] ?? '';
  for (const m of codes.matchAll(/([A-Z]+) (\d+) \(/g)) rcodes[m[1]] = Number(m[2]);
  return {
    sent: num(/Queries sent:\s+(\d+)/, 'Queries sent'),
    completed: num(/Queries completed:\s+(\d+)/, 'Queries completed'),
    lost: num(/Queries lost:\s+(\d+)/, 'Queries lost'),
    qps: num(/Queries per second:\s+([\d.]+)/, 'Queries per second'),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/, 'Average Latency') * 1000,
    rcodes,
  };
}

/** One `-v` line: `> NOERROR name A 0.000123` → latency in ms. */
export function parseQueryLine(line: string): number | undefined {
  if (!line.startsWith('> ')) return undefined;
  const m = / ([\d.]+)$/.exec(line);
  return m ? Number(m[1]) * 1000 : undefined;
}

export async function runDnsperf(group: ProcessGroup, o: DnsperfRun): Promise<DnsperfResult> {
  const args = [
    '-s',
    '127.0.0.1',
    '-p',
    String(o.port),
    '-d',
    o.queryFile,
    '-l',
    String(o.seconds),
    '-n',
    String(o.maxPasses),
    '-c',
    String(o.clients),
    '-t',
    '2',
  ];
  if (o.maxQps !== undefined) args.push('-Q', String(o.maxQps));
  if (o.perQuery) args.push('-v');
  const latencies: number[] = [];
  const summary: string[] = [];
  const child = group.start({
    name: `dnsperf ${o.label}`,
    command: o.dnsperf,
    args,
    keepLines: 50,
    onLine: (line) => {
      const ms = parseQueryLine(line);
      if (ms !== undefined) latencies.push(ms);
      else summary.push(line);
    },
  });
  // 'close' comes after the pipes are drained, so every line has been read by then.
  const closed = new Promise<void>((r) => child.process.once('close', () => r()));
  // dnsperf stops itself after -l seconds; this only guards against a hung one.
  const guard = setTimeout(() => child.kill('SIGKILL'), (o.seconds + 20) * 1000);
  const exit = await child.exited;
  await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000))]);
  clearTimeout(guard);
  if (exit.code !== 0)
    throw new Error(
      `dnsperf ${o.label} exited (${exit.signal ?? exit.code}):\n${summary.join('\n')}`,
    );
  const parsed = parseSummary(summary.join('\n'));
  latencies.sort((a, b) => a - b);
  return { ...parsed, latenciesMs: latencies };
}

export function latencyPercentiles(sorted: readonly number[]): { p50: number; p99: number } {
  if (sorted.length === 0) throw new Error('dnsperf -v reported no per-query latencies');
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

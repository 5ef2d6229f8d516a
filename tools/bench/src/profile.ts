#!/usr/bin/env node
/**
 * `node dist/tools/bench/src/profile.js <file.cpuprofile>... [--top=N]`: where a V8 CPU
 * profile (`node --cpu-prof`, or `BENCH_PROFILE_DIR=<dir> npm run bench`) spent its time:
 * the top functions by self time and by total (inclusive) time, with their source place.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  name: string;
  selfMs: number;
  totalMs: number;
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const where = f.url
    ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`
    : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
}

/** Self and inclusive ms per function (a recursive function counts once per sample). */
export function summarizeProfile(p: CpuProfile): { totalMs: number; functions: FunctionTime[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur) as ProfileNode);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const functions = [...total.entries()].map(([name, us]) => ({
    name,
    selfMs: (self.get(name) ?? 0) / 1000,
    totalMs: us / 1000,
  }));
  return { totalMs: (p.endTime - p.startTime) / 1000, functions };
}

function main(argv: string[]): void {
  const top = Number(argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  for (const file of argv.filter((a) => !a.startsWith('--'))) {
    const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const idle = s.functions.find((f) => f.name.startsWith('(idle)'))?.selfMs ?? 0;
    process.stdout.write(
      `\n== ${basename(file)}: ${s.totalMs.toFixed(0)} ms, busy ${(s.totalMs - idle).toFixed(0)} ms\n-- self\n`,
    );
    for (const f of [...s.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top))
      process.stdout.write(`${f.selfMs.toFixed(0).padStart(8)} ms  ${f.name}\n`);
    process.stdout.write('-- total\n');
    for (const f of [...s.functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, top))
      process.stdout.write(`${f.totalMs.toFixed(0).padStart(8)} ms  ${f.name}\n`);
  }
}

if (require.main === module) {
  process.stdout.on('error', () => process.exit(0)); // piped into head
  main(process.argv.slice(2));
}

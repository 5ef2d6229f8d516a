#!/usr/bin/env node
/**
 * `npm run bench [-- <scenario>... ] [--quick] [--runs=N] [--list] [--key=value ...]`
 *
 * Runs the named scenarios (default: every scenario in src/scenarios/), prints one line
 * per scenario (median, p10/p90 spread, unit) and writes bench/results/<scenario>.json.
 * Exit code 1 if a scenario failed (a skipped one is not a failure).
 */
import { join, resolve, sep } from 'node:path';
import { discoverScenarios } from './registry';
import { runScenario, formatLine } from './runner';

export interface CliArgs {
  names: string[];
  quick: boolean;
  list: boolean;
  runs?: number;
  args: Record<string, string>;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { names: [], quick: false, list: false, args: {} };
  for (const a of argv) {
    if (a === '--quick') out.quick = true;
    else if (a === '--list') out.list = true;
    else if (a.startsWith('--runs=')) out.runs = Number(a.slice('--runs='.length));
    else if (a.startsWith('--')) {
      const [k, ...v] = a.slice(2).split('=');
      out.args[k] = v.length > 0 ? v.join('=') : 'true';
    } else out.names.push(a);
  }
  if (out.runs !== undefined && !(Number.isInteger(out.runs) && out.runs > 0)) {
    throw new Error('--runs must be a positive integer');
  }
  return out;
}

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  const all = discoverScenarios();
  if (cli.list) {
    for (const s of all) process.stdout.write(`${s.name.padEnd(14)} ${s.description ?? ''}\n`);
    return 0;
  }
  const unknown = cli.names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}\n`,
    );
    return 2;
  }
  const chosen = cli.names.length > 0 ? all.filter((s) => cli.names.includes(s.name)) : all;
  // dist/tools/bench/src (built) or tools/bench/src (sources) → the repository root
  const root = resolve(
    __dirname,
    __dirname.split(sep).includes('dist') ? '../../../..' : '../../..',
  );
  const resultsDir = process.env['BENCH_RESULTS_DIR'] ?? join(root, 'bench', 'results');
  const verbose = cli.args['verbose'] === 'true';
  let failed = 0;
  for (const s of chosen) {
    const report = await runScenario(s, {
      quick: cli.quick,
      runs: cli.runs,
      args: cli.args,
      resultsDir,
      log: (m) => {
        if (verbose) process.stderr.write(`  ${m}\n`);
      },
    });
    process.stdout.write(formatLine(report) + '\n');
    if (report.status === 'failed') failed++;
  }
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  RunResult,
  Sample,
  Scenario,
  ScenarioOptions,
  SkipScenario,
  Summary,
  summarize,
} from './scenario';

export interface RunnerOptions extends ScenarioOptions {
  /** Overrides every scenario's sample count. */
  runs?: number;
  /** Where `<scenario>.json` files go; none written if undefined. */
  resultsDir?: string;
}

export interface ScenarioReport {
  scenario: string;
  description?: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  date: string;
  quick: boolean;
  machine: { cpus: number; model: string; node: string };
  metrics: Record<string, Summary>;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 10) return v.toFixed(2);
  return v.toPrecision(3);
}

/** The one line printed per scenario. */
export function formatLine(report: ScenarioReport): string {
  const head = report.scenario.padEnd(14);
  if (report.status !== 'ok') return `${head} ${report.status.toUpperCase()}: ${report.reason}`;
  const parts = Object.entries(report.metrics).map(([key, s]) => {
    let text = `${key}: ${fmt(s.median)} ${s.unit} (p10 ${fmt(s.p10)}, p90 ${fmt(s.p90)})`;
    if (s.baseline && s.median > 0) {
      const ratio =
        s.better === 'higher' ? s.median / s.baseline.value : s.baseline.value / s.median;
      text += ` ${fmt(ratio)}x vs ${s.baseline.label}`;
    }
    return text;
  });
  const n = Object.values(report.metrics)[0]?.n ?? 0;
  return `${head} ${parts.join(' | ')} [n=${n}]`;
}

/** Runs one scenario: setup, warm-up, samples, teardown; never throws. */
export async function runScenario(s: Scenario, opts: RunnerOptions): Promise<ScenarioReport> {
  const report: ScenarioReport = {
    scenario: s.name,
    description: s.description,
    status: 'ok',
    date: new Date().toISOString(),
    quick: opts.quick,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    metrics: {},
  };
  const runs = Math.max(1, opts.runs ?? (opts.quick ? 2 : (s.runs ?? 5)));
  const warmup = opts.quick ? 0 : (s.warmup ?? 1);
  let ctx: unknown;
  let setUp = false;
  try {
    ctx = s.setup ? await s.setup(opts) : undefined;
    setUp = true;
    for (let i = 0; i < warmup; i++) await s.run(opts, ctx);
    const samples = new Map<string, Sample[]>();
    for (let i = 0; i < runs; i++) {
      const result: RunResult = await s.run(opts, ctx);
      for (const [key, sample] of Object.entries(result)) {
        if (!Number.isFinite(sample.value))
          throw new Error(`${key}: not a number (${sample.value})`);
        samples.set(key, [...(samples.get(key) ?? []), sample]);
      }
      opts.log(`${s.name}: run ${i + 1}/${runs} done`);
    }
    for (const [key, list] of samples) report.metrics[key] = summarize(list);
    if (samples.size === 0) throw new Error('the scenario measured nothing');
  } catch (e) {
    report.status = e instanceof SkipScenario ? 'skipped' : 'failed';
    report.reason = e instanceof Error ? e.message : String(e);
    if (report.status === 'failed' && e instanceof Error && e.stack) opts.log(e.stack);
  } finally {
    if (setUp && s.teardown) {
      try {
        await s.teardown(ctx, opts);
      } catch (e) {
        opts.log(`${s.name}: teardown failed: ${String(e)}`);
      }
    }
  }
  if (opts.resultsDir) {
    mkdirSync(opts.resultsDir, { recursive: true });
    writeFileSync(join(opts.resultsDir, `${s.name}.json`), JSON.stringify(report, null, 2) + '\n');
  }
  return report;
}

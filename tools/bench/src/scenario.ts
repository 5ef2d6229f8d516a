/**
 * The contract between the bench runner and its scenarios.
 *
 * A scenario is a module in `src/scenarios/` that exports `{ name, run }` (either as
 * named exports, as `scenario`, or as the default export). The runner discovers every
 * module in that folder, so adding a scenario is adding one file. `run` is called once
 * per sample; whatever is expensive and shared between samples (a cluster, a data set)
 * belongs in `setup`, whose result is passed to every `run` and then to `teardown`.
 */

export interface ScenarioOptions {
  /** Small sizes for CI (`--quick`): prove the scenario works, not how fast. */
  quick: boolean;
  /** Extra `--key=value` arguments given on the command line. */
  args: Readonly<Record<string, string>>;
  /** Progress output (stderr), so that stdout keeps one line per scenario. */
  log(message: string): void;
}

/** One measured value of one run. */
export interface Sample {
  value: number;
  unit: string;
  /** Default `lower` (times); `higher` for throughputs. */
  better?: 'lower' | 'higher';
  /** A published anchor to compare with (printed as a ratio), e.g. Mesos' 1060 ms. */
  baseline?: { value: number; label: string };
}

/** What one run measured, by metric name (e.g. `10000x1000`). */
export type RunResult = Record<string, Sample>;

export interface Scenario<Ctx = unknown> {
  name: string;
  description?: string;
  /** Position in the default run order (lower first; default 100, then by name). */
  order?: number;
  /** Samples to take (default 5; `--runs` overrides; quick mode uses 2). */
  runs?: number;
  /** Untimed runs before the samples (default 1; none in quick mode). */
  warmup?: number;
  /** Throw `SkipScenario` (here or in `run`) when something it needs is missing. */
  setup?(opts: ScenarioOptions): Promise<Ctx> | Ctx;
  run(opts: ScenarioOptions, ctx: Ctx): Promise<RunResult> | RunResult;
  teardown?(ctx: Ctx, opts: ScenarioOptions): Promise<void> | void;
}

/** Thrown by a scenario that cannot run here; the reason is printed instead of numbers. */
export class SkipScenario extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipScenario';
  }
}

export interface Summary {
  unit: string;
  better: 'lower' | 'higher';
  n: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
  samples: number[];
  baseline?: { value: number; label: string };
}

/** Linear-interpolated percentile of sorted values (q in 0..1). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: readonly Sample[]): Summary {
  const values = samples.map((s) => s.value);
  const sorted = [...values].sort((a, b) => a - b);
  return {
    unit: samples[0]?.unit ?? '',
    better: samples[0]?.better ?? 'lower',
    n: values.length,
    median: percentile(sorted, 0.5),
    p10: percentile(sorted, 0.1),
    p90: percentile(sorted, 0.9),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    samples: values,
    baseline: samples[0]?.baseline,
  };
}

/** Milliseconds taken by `fn` (monotonic clock). */
export async function timeMs(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Synchronous variant of `timeMs`, for code that must not yield. */
export function timeMsSync(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

let gcFn: (() => void) | null | undefined;

/**
 * Runs a full garbage collection when possible, so that a timed section does not pay
 * for the garbage of its (untimed) setup. Works without `--expose-gc`.
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      require('node:v8').setFlagsFromString('--expose-gc');
      gcFn = require('node:vm').runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}

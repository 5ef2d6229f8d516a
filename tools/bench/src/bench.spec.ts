import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from './main';
import { discoverScenarios, scenarioOf } from './registry';
import { formatLine, runScenario, RunnerOptions } from './runner';
import { Scenario, SkipScenario, percentile, summarize } from './scenario';

const quiet: RunnerOptions = { quick: true, args: {}, log: () => {} };

describe('bench harness', () => {
  it('parses arguments', () => {
    expect(parseArgs(['allocator', '--quick', '--runs=3', '--agents=50'])).toEqual({
      names: ['allocator'],
      quick: true,
      list: false,
      runs: 3,
      args: { agents: '50' },
    });
    expect(() => parseArgs(['--runs=0'])).toThrow();
  });

  it('summarizes samples with median and p10/p90', () => {
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    const s = summarize([5, 1, 4, 2, 3].map((value) => ({ value, unit: 'ms' })));
    expect(s).toMatchObject({ median: 3, min: 1, max: 5, n: 5, unit: 'ms' });
    expect(s.p10).toBeCloseTo(1.4);
    expect(s.p90).toBeCloseTo(4.6);
  });

  it('discovers the scenarios in src/scenarios', () => {
    const names = discoverScenarios().map((s) => s.name);
    expect(names[0]).toBe('allocator');
    expect(scenarioOf({ name: 'x', run: () => ({}) })?.name).toBe('x');
    expect(scenarioOf({ other: 1 })).toBeUndefined();
  });

  it('runs the allocator scenario in quick mode, prints one line and writes JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const s = discoverScenarios().find((x) => x.name === 'allocator')!;
      const report = await runScenario(s, { ...quiet, resultsDir: dir });
      expect(report.status).toBe('ok');
      expect(Object.keys(report.metrics)).toEqual([
        '1000x100',
        '1000x100 after-decline',
        '100x10',
        '100x10 after-decline',
      ]);
      for (const m of Object.values(report.metrics)) {
        expect(m.n).toBe(2);
        expect(m.unit).toBe('ms');
        expect(m.median).toBeGreaterThan(0);
      }
      const line = formatLine(report);
      expect(line).toMatch(/^allocator\s+1000x100: [\d.]+ ms \(p10 [\d.]+, p90 [\d.]+\)/);
      expect(line).not.toContain('\n');
      const json = JSON.parse(readFileSync(join(dir, 'allocator.json'), 'utf8'));
      expect(json.metrics['100x10'].samples).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports skipped and failed scenarios without throwing', async () => {
    let tornDown = false;
    const skip: Scenario<number> = {
      name: 'needs-tool',
      setup: () => 1,
      run: () => {
        throw new SkipScenario('wrk is not installed');
      },
      teardown: () => {
        tornDown = true;
      },
    };
    const skipped = await runScenario(skip as Scenario, quiet);
    expect(skipped.status).toBe('skipped');
    expect(tornDown).toBe(true);
    expect(formatLine(skipped)).toMatch(/needs-tool\s+SKIPPED: wrk is not installed/);
    const broken: Scenario = { name: 'broken', run: () => ({ x: { value: NaN, unit: 'ms' } }) };
    expect((await runScenario(broken, quiet)).status).toBe('failed');
  });

  it('prints ratios against a baseline', async () => {
    const s: Scenario = {
      name: 'fast',
      run: () => ({ round: { value: 10, unit: 'ms', baseline: { value: 1000, label: 'old' } } }),
    };
    expect(formatLine(await runScenario(s, quiet))).toContain('100.0x vs old');
  });
});

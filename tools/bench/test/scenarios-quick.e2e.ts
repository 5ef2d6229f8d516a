/**
 * CI guard against rot: the runner in `--quick` mode (one sample each) for the launch,
 * state, dns and proxy scenarios, against the built services, real NATS and Postgres. Asserts
 * only that each completes and produces its numbers, never how fast.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverScenarios } from '../src/registry';
import { formatLine, runScenario } from '../src/runner';

jest.setTimeout(120_000);

describe('bench scenarios in --quick mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
  const all = discoverScenarios();
  const logs: string[] = [];

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, string[]][] = [
    ['launch-hollow', ['framework', 'marathon']],
    [
      'dns',
      [
        'ours qps',
        'dnsmasq qps',
        'ours/dnsmasq',
        'ours p99',
        'dnsmasq p99',
        'freshness p50',
        'freshness p99',
      ],
    ],
    ['launch-real', ['launches', 'all running']],
    ['state-api', ['master/state p50', 'master/state p99', 'v2/apps p50', 'v2/apps p99']],
    [
      'proxy',
      ['ours (auth on)', 'nginx', 'direct', 'ours/nginx', 'ours added p99', 'nginx added p99'],
    ],
  ];

  it.each(cases)('%s completes and reports its metrics', async (name, metrics) => {
    const s = all.find((x) => x.name === name);
    expect(s).toBeDefined();
    const report = await runScenario(s!, {
      quick: true,
      runs: 1,
      args: {},
      resultsDir: dir,
      log: (m) => logs.push(m),
    });
    // .ci/run installs nginx and wrk: nothing may skip here.
    expect({ status: report.status, reason: report.reason }).toEqual({ status: 'ok' });
    expect(Object.keys(report.metrics)).toEqual(metrics);
    for (const m of Object.values(report.metrics)) {
      expect(m.n).toBe(1);
      expect(Number.isFinite(m.median)).toBe(true);
    }
    expect(formatLine(report)).toMatch(new RegExp(`^${name}\\s+\\S`));
    const json = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
    expect(json.status).toBe('ok');
  });
});

/**
 * `state-api`: latency of `GET /master/state` with 1,000 (hollow) agents and 10,000
 * RUNNING tasks, and of Marathon's `GET /v2/apps?embed=apps.tasks` with the same 10,000
 * tasks (one app of 10,000 instances, launched once in setup). Each run makes
 * `--requests` (default 40; quick 5) sequential requests per endpoint, whole body read,
 * and reports p50/p99 of that run (ms). Quick: 50 nodes, 500 tasks.
 */
import { RunResult, Scenario, ScenarioOptions, percentile } from '../scenario';
import { BenchCluster } from './support/cluster';
import { launchApp } from './support/marathon-app';
import { HOLLOW_RESOURCES, intArg } from './support/sizes';

const APP = '/bench-state';

interface Ctx {
  cluster: BenchCluster;
  requests: number;
  tasks: number;
}

/** Sequential GETs of `url`; sorted latencies in ms and the body size. */
async function latencies(url: string, n: number): Promise<{ ms: number[]; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    const body = await r.arrayBuffer();
    ms.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`GET ${url}: ${r.status}`);
    bytes = body.byteLength;
  }
  return { ms: ms.sort((a, b) => a - b), bytes };
}

export const scenario: Scenario<Ctx> = {
  name: 'state-api',
  description:
    'GET /master/state (1,000 hollow agents, 10,000 tasks) and GET /v2/apps?embed=apps.tasks ' +
    '(10,000 tasks): p50/p99 ms of sequential requests',
  order: 30,
  runs: 5,
  warmup: 1,
  async setup(opts: ScenarioOptions): Promise<Ctx> {
    const q = opts.quick;
    const cluster = new BenchCluster({
      label: 'state',
      hollowNodes: intArg(opts, 'nodes', q ? 50 : 1_000),
      hollowProcesses: intArg(opts, 'hollow-processes', 2),
      agentResources: HOLLOW_RESOURCES,
      marathon: true,
      log: opts.log,
    });
    await cluster.start();
    const tasks = intArg(opts, 'tasks', q ? 500 : 10_000);
    try {
      const m = await launchApp(cluster, APP, tasks, 900_000);
      opts.log(`state-api: ${tasks} tasks running after ${m.ms.toFixed(0)} ms`);
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return { cluster, requests: intArg(opts, 'requests', q ? 5 : 40), tasks };
  },
  async run(opts, ctx): Promise<RunResult> {
    const { cluster, requests } = ctx;
    const state = await cluster.race(latencies(`${cluster.master?.url}/master/state`, requests));
    const apps = await cluster.race(
      latencies(`${cluster.marathon?.url}/v2/apps?embed=apps.tasks`, requests),
    );
    opts.log(
      `state-api: /master/state ${(state.bytes / 1e6).toFixed(1)} MB, /v2/apps ${(apps.bytes / 1e6).toFixed(1)} MB`,
    );
    return {
      'master/state p50': { value: percentile(state.ms, 0.5), unit: 'ms' },
      'master/state p99': { value: percentile(state.ms, 0.99), unit: 'ms' },
      'v2/apps p50': { value: percentile(apps.ms, 0.5), unit: 'ms' },
      'v2/apps p99': { value: percentile(apps.ms, 0.99), unit: 'ms' },
    };
  },
  async teardown(ctx) {
    await ctx.cluster.stop();
  },
};

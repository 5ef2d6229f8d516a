/**
 * `launch-hollow`: the master + 1,000 hollow agents (in `--hollow-processes`, default 2,
 * agent processes) + a framework launching 10,000 tasks (0.1 cpu, 32 MB); tasks/s from
 * the first REVIVE to the framework having seen TASK_RUNNING for every task (each update
 * ACKNOWLEDGEd, as the master sends the next update of a task only after the ack). The
 * framework is an internal one on the master's NATS scheduler API (as Marathon and DSS).
 * Then the same through Marathon: POST /v2/apps with 10,000 instances until
 * `tasksRunning` = 10,000. After each launch the framework is torn down (the app
 * deleted) and the run waits until the master has no live task, so runs start equal.
 * Quick: 50 nodes, 500 tasks. Anchors: Nomad C1M 3,750 containers/s; Marathon ~36/s.
 */
import { RunResult, Scenario, ScenarioOptions } from '../scenario';
import { BenchCluster } from './support/cluster';
import { deleteApp, launchApp } from './support/marathon-app';
import { BenchFramework, type TaskShape } from './support/nats-framework';
import { HOLLOW_RESOURCES, SMALL_TASK, boolArg, intArg } from './support/sizes';

export const NOMAD_C1M_PER_S = 3_750;
export const MARATHON_PER_S = 36;

interface Ctx {
  cluster: BenchCluster;
  tasks: number;
  marathon: boolean;
  run: number;
}

export async function frameworkLaunch(
  cluster: BenchCluster,
  tasks: number,
  log: (m: string) => void,
  shape: TaskShape = SMALL_TASK,
): Promise<number> {
  if (!cluster.nats) throw new Error('the cluster is not started');
  const fw = new BenchFramework(cluster.nats, shape);
  await fw.subscribe();
  try {
    const t0 = performance.now();
    await fw.launch(tasks);
    await cluster.race(fw.waitAllRunning(300_000));
    const ms = (fw.allRunningAt ?? performance.now()) - t0;
    log(
      `framework: ${tasks} tasks RUNNING in ${ms.toFixed(0)} ms` +
        (fw.dropped > 0 ? ` (${fw.dropped} launches dropped and redone: ${fw.lastDrop})` : '') +
        (fw.rescinded > 0 ? `, ${fw.rescinded} offers rescinded` : '') +
        `, largest event ${fw.maxEventBytes} B`,
    );
    return ms;
  } catch (e) {
    log(`master output:\n${cluster.master?.child.output().split('\n').slice(-30).join('\n')}`);
    throw e;
  } finally {
    await fw.teardown().catch(() => undefined);
    await cluster.drained(300_000);
  }
}

export const scenario: Scenario<Ctx> = {
  name: 'launch-hollow',
  description:
    'master + 1,000 hollow agents: 10,000 tasks to RUNNING via a NATS framework and via a ' +
    'Marathon app (POST /v2/apps, tasksRunning), tasks/s',
  order: 10,
  runs: 3,
  warmup: 0,
  async setup(opts: ScenarioOptions): Promise<Ctx> {
    const q = opts.quick;
    const cluster = new BenchCluster({
      label: 'launch',
      hollowNodes: intArg(opts, 'nodes', q ? 50 : 1_000),
      hollowProcesses: intArg(opts, 'hollow-processes', 2),
      agentResources: HOLLOW_RESOURCES,
      marathon: boolArg(opts, 'marathon', true),
      log: opts.log,
    });
    await cluster.start();
    return {
      cluster,
      tasks: intArg(opts, 'tasks', q ? 500 : 10_000),
      marathon: cluster.marathon !== undefined,
      run: 0,
    };
  },
  async run(opts, ctx): Promise<RunResult> {
    const { cluster, tasks } = ctx;
    const run = ctx.run++;
    const out: RunResult = {};
    const ms = await frameworkLaunch(cluster, tasks, opts.log);
    out['framework'] = {
      value: tasks / (ms / 1000),
      unit: 'tasks/s',
      better: 'higher',
      baseline: { value: NOMAD_C1M_PER_S, label: 'Nomad C1M 3,750/s' },
    };
    if (ctx.marathon) {
      const appId = `/bench-${run}`;
      try {
        const m = await launchApp(cluster, appId, tasks, 600_000);
        opts.log(`marathon: ${tasks} instances running in ${m.ms.toFixed(0)} ms`);
        out['marathon'] = {
          value: tasks / (m.ms / 1000),
          unit: 'tasks/s',
          better: 'higher',
          baseline: { value: MARATHON_PER_S, label: 'Marathon ~36/s' },
        };
      } finally {
        await deleteApp(cluster, appId);
      }
    }
    return out;
  },
  async teardown(ctx) {
    await ctx.cluster.stop();
  },
};

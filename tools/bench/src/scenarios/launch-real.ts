/**
 * `launch-real`: 1,000 real `sleep 1000` tasks (0.01 cpu, 16 MB) on 2 real agents on this
 * machine (the containerizer spawns every process), launched by a framework on the
 * master's NATS scheduler API; launches/s and the time until the framework has seen
 * TASK_RUNNING for all of them. The framework is then torn down and the run waits until
 * every process is gone. Quick: 40 tasks. Anchor: one Mesos agent ~33 launches/s.
 */
import { RunResult, Scenario, ScenarioOptions } from '../scenario';
import { frameworkLaunch } from './launch-hollow';
import { BenchCluster } from './support/cluster';
import { intArg } from './support/sizes';

const MESOS_AGENT_PER_S = 33;

interface Ctx {
  cluster: BenchCluster;
  tasks: number;
}

export const scenario: Scenario<Ctx> = {
  name: 'launch-real',
  description: '1,000 real sleep tasks on 2 real agents: launches/s and s until all RUNNING',
  order: 20,
  runs: 3,
  warmup: 0,
  async setup(opts: ScenarioOptions): Promise<Ctx> {
    const cluster = new BenchCluster({
      label: 'real',
      realAgents: intArg(opts, 'agents', 2),
      agentResources: 'cpus:8;mem:16384;disk:10000;ports:[31000-32000]',
      log: opts.log,
    });
    await cluster.start();
    return { cluster, tasks: intArg(opts, 'tasks', opts.quick ? 40 : 1_000) };
  },
  async run(opts, ctx): Promise<RunResult> {
    const ms = await frameworkLaunch(ctx.cluster, ctx.tasks, opts.log, {
      cpus: 0.01,
      mem: 16,
      command: 'sleep 1000',
    });
    return {
      launches: {
        value: ctx.tasks / (ms / 1000),
        unit: 'launches/s',
        better: 'higher',
        baseline: { value: MESOS_AGENT_PER_S, label: 'one Mesos agent ~33/s' },
      },
      'all running': { value: ms / 1000, unit: 's' },
    };
  },
  async teardown(ctx) {
    await ctx.cluster.stop();
  },
};

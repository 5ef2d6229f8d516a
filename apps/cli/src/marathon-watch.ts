import { SingleBar } from 'cli-progress';
import type { MarathonApi } from './marathon-client';
import { DEPLOYMENT_DISPLAY, type MarathonApp, type MarathonDeployment } from './marathon-tables';

/** How far one action of the current step is, 0..1, from its app's task counts. */
export function actionProgress(action: string, app: MarathonApp | undefined): number {
  if (action === 'StopApplication') return app ? 0 : 1;
  if (!app) return 0;
  if (app.instances === 0) return (app.tasksRunning ?? 0) === 0 ? 1 : 0;
  const ready = app.healthChecks?.length ? (app.tasksHealthy ?? 0) : (app.tasksRunning ?? 0);
  return Math.min(1, ready / app.instances);
}

/**
 * Progress of a deployment in steps (0..totalSteps): the finished steps plus the share of the
 * current one its actions have reached; `detail` says what the current step is doing.
 */
export function deploymentProgress(
  d: MarathonDeployment,
  apps: Map<string, MarathonApp>,
): { value: number; detail: string } {
  const done = Math.max(0, d.currentStep - 1);
  const actions = d.currentActions ?? [];
  const shares = actions.map((a) => actionProgress(a.action, a.app ? apps.get(a.app) : undefined));
  const current = shares.length ? shares.reduce((x, y) => x + y, 0) / shares.length : 0;
  const detail = actions
    .map((a) => {
      const app = a.app ? apps.get(a.app) : undefined;
      const name = `${DEPLOYMENT_DISPLAY[a.action] ?? a.action} ${a.app ?? a.pod ?? ''}`.trim();
      if (a.action === 'StopApplication' || !app) return name;
      const hc = app.healthChecks?.length;
      const ready = hc ? (app.tasksHealthy ?? 0) : (app.tasksRunning ?? 0);
      return `${name} ${ready}/${app.instances} ${hc ? 'healthy' : 'running'}`;
    })
    .join(', ');
  return { value: Math.min(d.totalSteps, done + current), detail };
}

/** One line per affected app once the deployment is gone, and whether its target was reached. */
export function outcome(
  d: MarathonDeployment,
  apps: Map<string, MarathonApp>,
): { reached: boolean; lines: string[] } {
  const stopped = new Set(
    d.steps
      .flatMap((s) => s.actions.filter((a) => a.action === 'StopApplication'))
      .map((a) => a.app),
  );
  let reached = true;
  const lines = d.affectedApps.map((id) => {
    const app = apps.get(id);
    if (!app) {
      if (!stopped.has(id)) reached = false;
      return `${id}: removed`;
    }
    // A canceled deployment leaves the target definition in place: the counts tell.
    if (stopped.has(id) || app.version !== d.version || actionProgress('ScaleApplication', app) < 1)
      reached = false;
    const hc = app.healthChecks?.length ? `, ${app.tasksHealthy ?? 0} healthy` : '';
    return `${id}: ${app.tasksRunning ?? 0}/${app.instances} running${hc} (version ${app.version})`;
  });
  return { reached, lines };
}

export interface WatchOptions {
  intervalMs: number;
  maxCount?: number;
  json: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function snapshot(api: MarathonApi, id: string) {
  const [deployments, { apps }] = await Promise.all([
    api.get<MarathonDeployment[]>('/v2/deployments'),
    api.get<{ apps: MarathonApp[] }>('/v2/apps'),
  ]);
  return {
    deployment: deployments.find((d) => d.id === id),
    apps: new Map(apps.map((a) => [a.id, a])),
  };
}

/**
 * `dcos marathon deployment watch`: polls `/v2/deployments` until the deployment is gone (or
 * `maxCount` polls), showing a live progress bar, or with `json` each snapshot as the DC/OS CLI.
 */
export async function watchDeployment(
  api: MarathonApi,
  id: string,
  opts: WatchOptions,
): Promise<void> {
  const out = (s: string) => process.stdout.write(s);
  let { deployment, apps } = await snapshot(api, id);
  if (!deployment) {
    if (!opts.json) out(`Deployment ${id} is not running (finished, canceled or unknown)\n`);
    return;
  }
  let last = deployment;
  const bar = opts.json
    ? undefined
    : new SingleBar({
        format: `Deployment ${id} [{bar}] {percentage}% | step {step}/{steps} | {detail}`,
        barCompleteChar: '=',
        barIncompleteChar: '-',
        hideCursor: false,
        // Also when piped: one line per poll instead of a redrawn bar.
        noTTYOutput: true,
        notTTYSchedule: Math.max(opts.intervalMs, 200),
      });
  const show = (d: MarathonDeployment) => {
    const p = deploymentProgress(d, apps);
    return { value: p.value, payload: { step: d.currentStep, steps: d.totalSteps, ...p } };
  };
  const first = show(deployment);
  bar?.start(deployment.totalSteps, first.value, first.payload);
  let gone = false;
  let result: ReturnType<typeof outcome> | undefined;
  // The bar's redraw timer must stop whatever happens, or the process would not exit.
  try {
    for (let count = 1; ; count++) {
      if (opts.json) out(JSON.stringify(deployment, null, 2) + '\n');
      else {
        const s = show(deployment);
        bar?.update(s.value, s.payload);
      }
      if (opts.maxCount !== undefined && count >= opts.maxCount) break;
      await sleep(opts.intervalMs);
      ({ deployment, apps } = await snapshot(api, id));
      if (!deployment) {
        gone = true;
        break;
      }
      last = deployment;
    }
    if (gone) {
      result = outcome(last, apps);
      if (result.reached)
        bar?.update(last.totalSteps, {
          step: last.totalSteps,
          steps: last.totalSteps,
          detail: 'done',
        });
    }
  } finally {
    bar?.stop();
  }
  if (!result) {
    if (!opts.json) out(`Deployment ${id} is still running\n`);
    return;
  }
  if (opts.json) return;
  out(
    result.reached
      ? `Deployment ${id} finished\n`
      : `Deployment ${id} ended without reaching its target (canceled or superseded by another deployment)\n`,
  );
  for (const l of result.lines) out(`${l}\n`);
}

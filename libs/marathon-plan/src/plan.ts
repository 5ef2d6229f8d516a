/**
 * Deployment plans: the steps that turn one set of apps into another, as Marathon's
 * DeploymentPlan orders them: stops first, then apps in dependency order (an app's
 * dependencies are started/changed in an earlier step).
 */

export type DeploymentActionName =
  'StartApplication' | 'StopApplication' | 'ScaleApplication' | 'RestartApplication';

export interface PlannedApp {
  id: string;
  instances: number;
  /** Everything but instances/version: a change here needs a restart (rolling upgrade). */
  configKey: string;
  /** App or group ids this app depends on (dependencies of enclosing groups included). */
  dependencies: string[];
}

export interface PlanAction {
  action: DeploymentActionName;
  app: string;
}
export interface PlanStep {
  actions: PlanAction[];
}

/** Dependency levels: level(app) = 1 + max level of what it depends on (cycles broken). */
function levels(apps: Map<string, PlannedApp>): Map<string, number> {
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const depsOf = (a: PlannedApp): string[] =>
    [...apps.keys()].filter(
      (other) =>
        other !== a.id &&
        a.dependencies.some((d) => other === d || other.startsWith(d === '/' ? '/' : d + '/')),
    );
  const level = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const app = apps.get(id);
    const l = app ? Math.max(-1, ...depsOf(app).map(level)) + 1 : 0;
    visiting.delete(id);
    memo.set(id, l);
    return l;
  };
  for (const id of apps.keys()) level(id);
  return memo;
}

/** Dependencies form a cycle? Returns one app on a cycle, for a validation message. */
export function dependencyCycle(apps: PlannedApp[]): string | undefined {
  const byId = new Map(apps.map((a) => [a.id, a]));
  const state = new Map<string, 1 | 2>();
  const depsOf = (a: PlannedApp): string[] =>
    apps
      .map((o) => o.id)
      .filter((o) => o !== a.id && a.dependencies.some((d) => o === d || o.startsWith(d + '/')));
  const visit = (id: string): string | undefined => {
    if (state.get(id) === 2) return undefined;
    if (state.get(id) === 1) return id;
    state.set(id, 1);
    const app = byId.get(id);
    for (const d of app ? depsOf(app) : []) {
      const c = visit(d);
      if (c) return c;
    }
    state.set(id, 2);
    return undefined;
  };
  for (const a of apps) {
    const c = visit(a.id);
    if (c) return c;
  }
  return undefined;
}

export function planDeployment(
  original: PlannedApp[],
  target: PlannedApp[],
  opts: { restart?: string[] } = {},
): PlanStep[] {
  const before = new Map(original.map((a) => [a.id, a]));
  const after = new Map(target.map((a) => [a.id, a]));
  const steps: PlanStep[] = [];
  const stops = original
    .filter((a) => !after.has(a.id))
    .map((a) => a.id)
    .sort();
  if (stops.length)
    steps.push({ actions: stops.map((app) => ({ action: 'StopApplication', app })) });

  const changed = new Map<string, DeploymentActionName>();
  for (const a of target) {
    const b = before.get(a.id);
    if (!b) changed.set(a.id, 'StartApplication');
    else if (b.configKey !== a.configKey || opts.restart?.includes(a.id))
      changed.set(a.id, 'RestartApplication');
    else if (b.instances !== a.instances) changed.set(a.id, 'ScaleApplication');
  }
  const lv = levels(after);
  const byLevel = new Map<number, PlanAction[]>();
  for (const [app, action] of changed) {
    const l = lv.get(app) ?? 0;
    byLevel.set(l, [...(byLevel.get(l) ?? []), { action, app }]);
  }
  for (const l of [...byLevel.keys()].sort((x, y) => x - y))
    steps.push({ actions: (byLevel.get(l) ?? []).sort((x, y) => x.app.localeCompare(y.app)) });
  return steps;
}

import { borderlessTable } from './tables';

/** Marathon JSON as the CLI reads it: only the fields the tables use are typed. */
export interface MarathonApp {
  id: string;
  cmd?: string | null;
  args?: string[] | null;
  cpus: number;
  mem: number;
  instances: number;
  container?: { type?: string } | null;
  healthChecks?: unknown[];
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksStaged?: number;
  deployments?: { id: string }[];
  version?: string;
  [k: string]: unknown;
}

export interface DeploymentAction {
  action: string;
  app?: string;
  pod?: string;
}

export interface MarathonDeployment {
  id: string;
  version: string;
  affectedApps: string[];
  affectedPods?: string[];
  steps: { actions: DeploymentAction[] }[];
  currentActions: DeploymentAction[];
  currentStep: number;
  totalSteps: number;
  [k: string]: unknown;
}

export interface MarathonTask {
  id: string;
  appId: string;
  host: string;
  startedAt?: string;
  state?: string;
  healthCheckResults?: { alive: boolean }[];
  [k: string]: unknown;
}

export interface MarathonGroup {
  id: string;
  apps?: MarathonApp[];
  groups?: MarathonGroup[];
  [k: string]: unknown;
}

export interface QueueEntry {
  app?: { id: string };
  delay?: { overdue?: boolean };
  [k: string]: unknown;
}

/** Marathon's action names as the DC/OS CLI shows them. */
export const DEPLOYMENT_DISPLAY: Record<string, string> = {
  ResolveArtifacts: 'artifacts',
  ScaleApplication: 'scale',
  StartApplication: 'start',
  StopApplication: 'stop',
  RestartApplication: 'restart',
  ScalePod: 'scale',
  StartPod: 'start',
  StopPod: 'stop',
  RestartPod: 'restart',
  KillAllOldTasksOf: 'kill-tasks',
};

export const EMPTY_ENTRY = '---';

const table = borderlessTable;

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** `sleep 100000000…` → at most `limit` characters, as the DC/OS CLI truncates CMD. */
export function truncate(s: string, limit: number): string {
  return s.length > limit ? `${s.slice(0, limit - 3)}...` : s;
}

/** Python's rendering of a value in a table cell (True/False, lists as reprs). */
function cell(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map((x) => `'${String(x)}'`).join(', ')}]`;
  return String(v);
}

/** `dcos marathon app list`: ID MEM CPUS TASKS HEALTH DEPLOYMENT WAITING CONTAINER CMD. */
export function appTable(
  apps: MarathonApp[],
  deployments: MarathonDeployment[],
  queue: QueueEntry[] = [],
): string {
  const byId = new Map(deployments.map((d) => [d.id, d]));
  const overdue = new Map(queue.map((q) => [q.app?.id ?? '', q.delay?.overdue === true]));
  const deployment = (app: MarathonApp): string => {
    const actions: string[] = [];
    for (const id of new Set((app.deployments ?? []).map((d) => d.id))) {
      for (const a of byId.get(id)?.currentActions ?? [])
        if (a.app === app.id) actions.push(DEPLOYMENT_DISPLAY[a.action] ?? a.action);
    }
    if (actions.length === 0) return EMPTY_ENTRY;
    return actions.length === 1 ? (actions[0] as string) : `(${actions.join(', ')})`;
  };
  const rows = [...apps]
    .sort(byKey((a) => a.id))
    .map((a) => [
      a.id,
      cell(a.mem),
      cell(a.cpus),
      `${a.tasksRunning ?? 0}/${a.instances}`,
      a.healthChecks?.length ? `${a.tasksHealthy ?? 0}/${a.tasksRunning ?? 0}` : EMPTY_ENTRY,
      deployment(a),
      cell(overdue.get(a.id) ?? false),
      a.container ? cell(a.container.type ?? 'MESOS') : 'mesos',
      truncate(a.cmd != null ? a.cmd : cell(a.args), 35),
    ]);
  return table(
    ['ID', 'MEM', 'CPUS', 'TASKS', 'HEALTH', 'DEPLOYMENT', 'WAITING', 'CONTAINER', 'CMD'],
    rows,
    ['left', 'center', 'center', 'center', 'center', 'center', 'left', 'center', 'left'],
  );
}

/** `dcos marathon deployment list`: APP POD ACTION PROGRESS ID. */
export function deploymentTable(deployments: MarathonDeployment[]): string {
  const joined = (ids: string[] | undefined) => (ids && ids.length ? ids.join('\n') : '-');
  const action = (d: MarathonDeployment): string => {
    const pathOf = (a: DeploymentAction) => a.app ?? a.pod;
    const multiple = new Set(d.currentActions.map(pathOf)).size > 1;
    return d.currentActions
      .map((a) => {
        const shown = DEPLOYMENT_DISPLAY[a.action] ?? a.action;
        if (pathOf(a) === undefined) return 'N/A';
        return multiple ? `${shown} ${pathOf(a)}` : shown;
      })
      .join('\n');
  };
  const rows = [...deployments]
    .sort(byKey((d) => joined(d.affectedApps)))
    .map((d) => [
      joined(d.affectedApps),
      joined(d.affectedPods),
      action(d),
      `${d.currentStep - 1}/${d.totalSteps}`,
      d.id,
    ]);
  return table(['APP', 'POD', 'ACTION', 'PROGRESS', 'ID'], rows, [
    'left',
    'left',
    'left',
    'center',
    'left',
  ]);
}

/** `dcos marathon task list`: APP HEALTHY STARTED HOST ID. */
export function taskTable(tasks: MarathonTask[]): string {
  const rows = [...tasks]
    .sort(byKey((t) => t.appId))
    .map((t) => [
      t.appId,
      cell((t.healthCheckResults ?? []).every((h) => h.alive)),
      t.startedAt ?? 'N/A',
      t.host,
      t.id,
    ]);
  return table(['APP', 'HEALTHY', 'STARTED', 'HOST', 'ID'], rows, [
    'left',
    'center',
    'center',
    'center',
    'left',
  ]);
}

/** Every group below the given ones with its app count, sub-groups included (DC/OS CLI). */
export function countApps(groups: MarathonGroup[]): Map<string, number> {
  const counts = new Map<string, number>();
  const visit = (g: MarathonGroup): number => {
    const n =
      (g.apps ?? []).length + (g.groups ?? []).reduce((sum, child) => sum + visit(child), 0);
    counts.set(g.id, n);
    return n;
  };
  for (const g of groups) visit(g);
  return counts;
}

/** `dcos marathon group list`: ID APPS, nested groups flattened. */
export function groupTable(groups: MarathonGroup[]): string {
  const rows = [...countApps(groups).entries()]
    .sort(byKey(([id]) => id))
    .map(([id, n]) => [id, String(n)]);
  return table(['ID', 'APPS'], rows, ['left', 'center']);
}

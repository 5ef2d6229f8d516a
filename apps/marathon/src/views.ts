import { appJson, type AppDefinition } from './app-definition';
import { taskIdOf, type Instance } from './model';
import type { MarathonService } from './marathon.service';

/** Task JSON as Marathon serves it (`/v2/tasks`, `/v2/apps/{id}/tasks`, embed apps.tasks). */
export function taskJson(i: Instance): Record<string, unknown> {
  const t: Record<string, unknown> = {
    appId: i.appId,
    // Marathon's RAML `Health`: the instance id as a string (since EnrichedTask is RAML, 1.6).
    healthCheckResults: i.health.filter(Boolean).map((h) => ({ ...h, instanceId: i.instanceId })),
    host: i.host ?? '',
    id: taskIdOf(i),
    ipAddresses: i.ipAddresses,
    ports: i.hostPorts,
    servicePorts: i.servicePorts,
    slaveId: i.agentId ?? '',
    state: i.state === 'scheduled' ? 'TASK_STAGING' : i.state,
    stagedAt: i.stagedAt ?? i.scheduledAt,
    version: i.version,
    localVolumes: i.localVolumes ?? [],
  };
  if (i.startedAt) t.startedAt = i.startedAt;
  if (i.role) t.role = i.role;
  if (i.region) t.region = i.region;
  if (i.zone) t.zone = i.zone;
  return t;
}

/** Launched (not merely scheduled) instances: what Marathon lists as tasks. */
export const launched = (list: Instance[]): Instance[] =>
  list.filter((i) => i.state !== 'scheduled');

export function counts(m: MarathonService, app: AppDefinition): Record<string, number> {
  const list = launched(m.instancesOf(app.id));
  const hc = app.healthChecks.length > 0;
  return {
    tasksStaged: list.filter((i) => i.state === 'TASK_STAGING' || i.state === 'TASK_STARTING')
      .length,
    tasksRunning: list.filter((i) => i.state === 'TASK_RUNNING').length,
    tasksHealthy: hc
      ? list.filter((i) => i.state === 'TASK_RUNNING' && i.healthy === true).length
      : 0,
    tasksUnhealthy: hc
      ? list.filter((i) => i.state === 'TASK_RUNNING' && i.healthy === false).length
      : 0,
  };
}

function stats(m: MarathonService, app: AppDefinition): Record<string, unknown> {
  const list = launched(m.instancesOf(app.id));
  const block = (l: Instance[]) => {
    if (l.length === 0) return undefined;
    const now = Date.now();
    const life = l
      .filter((i) => i.startedAt)
      .map((i) => (now - Date.parse(i.startedAt as string)) / 1000);
    return {
      stats: {
        counts: {
          staged: l.filter((i) => i.state === 'TASK_STAGING').length,
          running: l.filter((i) => i.state === 'TASK_RUNNING').length,
          healthy: l.filter((i) => i.healthy === true).length,
          unhealthy: l.filter((i) => i.healthy === false).length,
        },
        lifeTime: life.length
          ? {
              averageSeconds: life.reduce((a, b) => a + b, 0) / life.length,
              medianSeconds: life.sort((a, b) => a - b)[Math.floor(life.length / 2)],
            }
          : undefined,
      },
    };
  };
  const out: Record<string, unknown> = {};
  const all = block(list);
  if (all) out.totalSummary = all;
  const current = block(list.filter((i) => i.version === app.version));
  if (current) out.startedAfterLastScaling = current;
  const old = block(list.filter((i) => i.configVersion !== app.versionInfo.lastConfigChangeAt));
  if (old) out.withOutdatedConfig = old;
  const latest = block(list.filter((i) => i.configVersion === app.versionInfo.lastConfigChangeAt));
  if (latest) out.withLatestConfig = latest;
  return out;
}

/** AppInfo: the definition plus what `embed` asks for (prefix `apps.` or `app.`). */
export function appInfo(
  m: MarathonService,
  app: AppDefinition,
  embed: Set<string>,
): Record<string, unknown> {
  const out = appJson(app);
  const has = (k: string) => embed.has(`apps.${k}`) || embed.has(`app.${k}`);
  // Marathon always includes the counts and deployments.
  Object.assign(out, counts(m, app));
  out.deployments = m
    .blockingDeployments([app.id])
    .filter((d) => d.affectedApps.includes(app.id))
    .map((d) => ({ id: d.id }));
  if (has('tasks')) out.tasks = launched(m.instancesOf(app.id)).map(taskJson);
  if (has('lastTaskFailure') || has('failures')) {
    const f = m.lastFailure.get(app.id);
    if (f) out.lastTaskFailure = f;
  }
  if (has('taskStats')) out.taskStats = stats(m, app);
  if (has('readiness')) out.readinessCheckResults = m.readinessResults(app.id);
  return out;
}

export function parseEmbed(q: unknown): Set<string> {
  const list = Array.isArray(q) ? q : q === undefined ? [] : [q];
  return new Set(list.flatMap((x) => String(x).split(',')).map((s) => s.trim()));
}

/** Marathon's label selector: `k`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`; comma = AND. */
export function labelSelector(sel: string): (labels: Record<string, string>) => boolean {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  const tests = parts.map((raw) => {
    const p = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/))) {
      const [, k, op, vals] = m;
      const set = vals.split(',').map((v) => v.trim());
      return (l: Record<string, string>) =>
        op === 'in' ? k in l && set.includes(l[k]) : !(k in l) || !set.includes(l[k]);
    }
    if ((m = p.match(/^(\S+?)\s*(==|!=)\s*(.*)$/))) {
      const [, k, op, v] = m;
      return (l: Record<string, string>) => (op === '==' ? l[k] === v.trim() : l[k] !== v.trim());
    }
    return (l: Record<string, string>) => p in l;
  });
  return (labels) => tests.every((t) => t(labels));
}

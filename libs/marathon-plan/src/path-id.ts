/**
 * Marathon path ids (`/prod/web`): segments of `[a-z0-9]` with `-` and `.` inside,
 * absolute or relative to a base group (`..` goes up).
 */

const SEGMENT = /^(([a-z0-9])|([a-z0-9][a-z0-9.-]*[a-z0-9]))$/;

/**
 * Resolve `id` against `base` into a canonical absolute path (`/a/b`), or undefined if invalid.
 * As Marathon's `PathId.canonicalPath`, `..` above the root stays at the root (`../x` from `/`
 * is `/x`).
 */
export function canonicalPath(id: string, base = '/'): string | undefined {
  if (typeof id !== 'string') return undefined;
  const parts = (id.startsWith('/') ? id : `${base.replace(/\/+$/, '')}/${id}`).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      out.pop();
      continue;
    }
    if (!SEGMENT.test(p)) return undefined;
    out.push(p);
  }
  return '/' + out.join('/');
}

export function segments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

export function parentOf(path: string): string {
  const s = segments(path);
  return '/' + s.slice(0, -1).join('/');
}

/** Is `path` inside group `group` (or the group itself)? */
export function isUnder(path: string, group: string): boolean {
  if (group === '/') return true;
  return path === group || path.startsWith(group + '/');
}

/** Mesos task name and DiscoveryInfo name: `/prod/web` → `web.prod`. */
export function mesosTaskName(appId: string): string {
  return segments(appId).reverse().join('.');
}

/** Instance ids: `prod_web.instance-<uuid>`. */
export function instanceId(appId: string, uuid: string): string {
  return `${segments(appId).join('_')}.instance-${uuid}`;
}

/** Task ids: `<instanceId>._app.<incarnation>`. */
export function taskId(instance: string, incarnation: number): string {
  return `${instance}._app.${incarnation}`;
}

/** The instance id a task id belongs to (new and legacy formats). */
export function instanceIdOfTask(task: string): string {
  const i = task.indexOf('._app.');
  return i >= 0 ? task.slice(0, i) : task;
}

import type { Contract } from './validation';
import { RunTaskContract, type RunTask } from './kernel';
import type { SchedulerCallRequest } from './scheduler';
import { hasOnlyKeys, isId, isLabels, isPlain, noUndefinedExtras, optString } from './fast-checks';

/**
 * Hand-written checks of the launch hot path (an ACCEPT carrying many TaskInfos, and the
 * `agentLaunch` request the master makes of it): zod spends ~90 µs per TaskInfo. Like
 * `wellFormedStatusUpdate` they accept only what the schema accepts *and* returns unchanged
 * (no nulls, no keys it would strip, no defaults to fill in, the common fields only); anything
 * else (executors, containers, health checks, reservations, ...) returns undefined and goes
 * through the schema, whose result or error naming the field is authoritative. The spec
 * proves it against the schema on valid payloads and mutations of every field.
 */

const RESOURCE_TYPES: ReadonlySet<unknown> = new Set<unknown>(['SCALAR', 'RANGES', 'SET']);
const VAR_TYPES: ReadonlySet<unknown> = new Set<unknown>(['VALUE', 'SECRET', 'UNKNOWN']);

const RESOURCE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'type',
  'scalar',
  'ranges',
  'set',
  'role',
  'reservations',
  'allocation_info',
  'disk',
  'provider_id',
]);
const COMMAND_KEYS: ReadonlySet<string> = new Set([
  'value',
  'shell',
  'arguments',
  'environment',
  'user',
  'uris',
]);
const TASK_KEYS: ReadonlySet<string> = new Set([
  'name',
  'task_id',
  'agent_id',
  'resources',
  'command',
  'executor',
  'container',
  'health_check',
  'check',
  'kill_policy',
  'data',
  'labels',
  'discovery',
  'max_completion_time',
]);
const FRAMEWORK_KEYS: ReadonlySet<string> = new Set([
  'user',
  'name',
  'id',
  'failover_timeout',
  'checkpoint',
  'role',
  'roles',
  'hostname',
  'principal',
  'webui_url',
  'capabilities',
  'labels',
]);
const OPERATION_KEYS: ReadonlySet<string> = new Set([
  'type',
  'id',
  'launch',
  'launch_group',
  'reserve',
  'unreserve',
  'create',
  'destroy',
  'create_disk',
  'destroy_disk',
]);
const CALL_KEYS: ReadonlySet<string> = new Set([
  'type',
  'framework_id',
  'subscribe',
  'accept',
  'decline',
  'revive',
  'suppress',
  'kill',
  'acknowledge',
  'reconcile',
]);
const ACCEPT_KEYS: ReadonlySet<string> = new Set(['offer_ids', 'operations', 'filters']);
const FILTER_KEYS: ReadonlySet<string> = new Set(['refuse_seconds']);

const absent = (v: Record<string, unknown>, keys: string[]) =>
  keys.every((k) => v[k] === undefined);
const isNonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isNonNegativeInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function isStringArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const s of v as unknown[]) if (typeof s !== 'string') return false;
  return true;
}

function isArrayOf(v: unknown, check: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (const x of v as unknown[]) if (!check(x)) return false;
  return true;
}

/** ResourceSchema: scalar, ranges or set, an optional role; reservations etc. → schema. */
function isResource(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, RESOURCE_KEYS)) return false;
  const name = v['name'];
  if (typeof name !== 'string' || name.length < 1 || !RESOURCE_TYPES.has(v['type'])) return false;
  if (!absent(v, ['reservations', 'disk', 'provider_id'])) return false;
  if (!optString(v['role'])) return false;
  const ai = v['allocation_info'];
  if (
    ai !== undefined &&
    !(isPlain(ai) && hasOnlyKeys(ai, ['role']) && typeof ai['role'] === 'string')
  )
    return false;
  const scalar = v['scalar'];
  if (
    scalar !== undefined &&
    !(isPlain(scalar) && hasOnlyKeys(scalar, ['value']) && isNonNegative(scalar['value']))
  )
    return false;
  const ranges = v['ranges'];
  if (ranges !== undefined) {
    if (!isPlain(ranges) || !hasOnlyKeys(ranges, ['range'])) return false;
    const ok = isArrayOf(
      ranges['range'],
      (r) =>
        isPlain(r) &&
        hasOnlyKeys(r, ['begin', 'end']) &&
        isNonNegativeInt(r['begin']) &&
        isNonNegativeInt(r['end']),
    );
    if (!ok) return false;
  }
  const set = v['set'];
  if (
    set !== undefined &&
    !(isPlain(set) && hasOnlyKeys(set, ['item']) && isStringArray(set['item']))
  )
    return false;
  return true;
}

/** CommandInfoSchema. */
function isCommand(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, COMMAND_KEYS)) return false;
  if (!optString(v['value']) || !optString(v['user'])) return false;
  const shell = v['shell'];
  if (shell !== undefined && typeof shell !== 'boolean') return false;
  const args = v['arguments'];
  if (args !== undefined && !isStringArray(args)) return false;
  const env = v['environment'];
  if (env !== undefined) {
    if (!isPlain(env) || !hasOnlyKeys(env, ['variables'])) return false;
    const ok = isArrayOf(env['variables'], (x) => {
      if (!isPlain(x) || !noUndefinedExtras(x, new Set(['name', 'type', 'value']))) return false;
      const name = x['name'];
      const type = x['type'];
      return (
        typeof name === 'string' &&
        name.length >= 1 &&
        (type === undefined || VAR_TYPES.has(type)) &&
        optString(x['value'])
      );
    });
    if (!ok) return false;
  }
  const uris = v['uris'];
  if (
    uris !== undefined &&
    !isArrayOf(
      uris,
      (u) =>
        isPlain(u) && noUndefinedExtras(u, new Set(['value'])) && typeof u['value'] === 'string',
    )
  )
    return false;
  return true;
}

const VISIBILITIES: ReadonlySet<unknown> = new Set<unknown>(['FRAMEWORK', 'CLUSTER', 'EXTERNAL']);
const KILL_POLICY_KEYS: ReadonlySet<string> = new Set(['grace_period']);
const DISCOVERY_KEYS: ReadonlySet<string> = new Set([
  'visibility',
  'name',
  'environment',
  'location',
  'version',
  'ports',
  'labels',
]);
const PORT_KEYS: ReadonlySet<string> = new Set([
  'number',
  'name',
  'protocol',
  'visibility',
  'labels',
]);

/** DurationInfoSchema (strict): nanoseconds, a non-negative integer. */
function isDuration(v: unknown): boolean {
  return isPlain(v) && hasOnlyKeys(v, ['nanoseconds']) && isNonNegativeInt(v['nanoseconds']);
}

/** DiscoveryInfoSchema (passthrough; `ports` strict, its entries passthrough). */
function isDiscovery(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, DISCOVERY_KEYS)) return false;
  if (!VISIBILITIES.has(v['visibility'])) return false;
  for (const k of ['name', 'environment', 'location', 'version'])
    if (!optString(v[k])) return false;
  const labels = v['labels'];
  if (labels !== undefined && !isLabels(labels)) return false;
  const ports = v['ports'];
  if (ports === undefined) return true;
  if (!isPlain(ports) || !hasOnlyKeys(ports, ['ports'])) return false;
  return isArrayOf(ports['ports'], (p) => {
    if (!isPlain(p) || !noUndefinedExtras(p, PORT_KEYS)) return false;
    const n = p['number'];
    if (!(typeof n === 'number' && Number.isSafeInteger(n))) return false;
    if (!optString(p['name']) || !optString(p['protocol'])) return false;
    const vis = p['visibility'];
    if (vis !== undefined && !VISIBILITIES.has(vis)) return false;
    const l = p['labels'];
    return l === undefined || isLabels(l);
  });
}

/**
 * TaskInfoSchema with resources given (the schema would default them), an optional command,
 * data, labels, kill policy and discovery; executor, container, health checks → schema.
 */
export function wellFormedTaskInfo(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, TASK_KEYS)) return false;
  const name = v['name'];
  if (typeof name !== 'string' || name.length < 1) return false;
  if (!isId(v['task_id']) || !isId(v['agent_id'])) return false;
  if (!isArrayOf(v['resources'], isResource)) return false;
  const exotic = ['executor', 'container', 'health_check', 'check', 'max_completion_time'];
  if (!absent(v, exotic)) return false;
  const kp = v['kill_policy'];
  if (kp !== undefined) {
    if (!isPlain(kp) || !noUndefinedExtras(kp, KILL_POLICY_KEYS)) return false;
    const gp = kp['grace_period'];
    if (gp !== undefined && !isDuration(gp)) return false;
  }
  const discovery = v['discovery'];
  if (discovery !== undefined && !isDiscovery(discovery)) return false;
  const command = v['command'];
  if (command !== undefined && !isCommand(command)) return false;
  if (!optString(v['data'])) return false;
  const labels = v['labels'];
  if (labels !== undefined && !isLabels(labels)) return false;
  return true;
}

/** FrameworkInfoSchema with `user` given (the schema would default it). */
function isFrameworkInfo(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, FRAMEWORK_KEYS)) return false;
  const name = v['name'];
  if (typeof v['user'] !== 'string' || typeof name !== 'string' || name.length < 1) return false;
  const id = v['id'];
  if (id !== undefined && !isId(id)) return false;
  const fo = v['failover_timeout'];
  if (fo !== undefined && !isNonNegative(fo)) return false;
  const cp = v['checkpoint'];
  if (cp !== undefined && typeof cp !== 'boolean') return false;
  for (const k of ['role', 'hostname', 'principal', 'webui_url'])
    if (!optString(v[k])) return false;
  const roles = v['roles'];
  if (roles !== undefined && !isStringArray(roles)) return false;
  const caps = v['capabilities'];
  if (
    caps !== undefined &&
    !isArrayOf(
      caps,
      (c) => isPlain(c) && noUndefinedExtras(c, new Set(['type'])) && typeof c['type'] === 'string',
    )
  )
    return false;
  const labels = v['labels'];
  if (labels !== undefined && !isLabels(labels)) return false;
  return true;
}

/** An ACCEPT of LAUNCH operations (what schedulers send per offer), else undefined. */
export function wellFormedAccept(raw: unknown): SchedulerCallRequest | undefined {
  if (!isPlain(raw) || !hasOnlyKeys(raw, ['stream_id', 'call'])) return undefined;
  const sid = raw['stream_id'];
  if (sid !== undefined && !(typeof sid === 'string' && sid.length >= 1)) return undefined;
  const call = raw['call'];
  if (!isPlain(call) || call['type'] !== 'ACCEPT' || !noUndefinedExtras(call, CALL_KEYS))
    return undefined;
  const others = ['subscribe', 'decline', 'revive', 'suppress', 'kill', 'acknowledge', 'reconcile'];
  if (!absent(call, others)) return undefined;
  const fid = call['framework_id'];
  if (fid !== undefined && !isId(fid)) return undefined;
  const accept = call['accept'];
  if (!isPlain(accept) || !noUndefinedExtras(accept, ACCEPT_KEYS)) return undefined;
  if (!isArrayOf(accept['offer_ids'], isId)) return undefined;
  const filters = accept['filters'];
  if (filters !== undefined) {
    if (!isPlain(filters) || !noUndefinedExtras(filters, FILTER_KEYS)) return undefined;
    const rs = filters['refuse_seconds'];
    if (rs !== undefined && !isNonNegative(rs)) return undefined;
  }
  const ok = isArrayOf(accept['operations'], (op) => {
    if (!isPlain(op) || op['type'] !== 'LAUNCH' || !noUndefinedExtras(op, OPERATION_KEYS))
      return false;
    const exotic = [
      'launch_group',
      'reserve',
      'unreserve',
      'create',
      'destroy',
      'create_disk',
      'destroy_disk',
    ];
    if (!absent(op, exotic)) return false;
    const id = op['id'];
    if (id !== undefined && !isId(id)) return false;
    const launch = op['launch'];
    if (launch === undefined) return true;
    return (
      isPlain(launch) &&
      hasOnlyKeys(launch, ['task_infos']) &&
      isArrayOf(launch['task_infos'], wellFormedTaskInfo)
    );
  });
  return ok ? (raw as SchedulerCallRequest) : undefined;
}

/** The `agentLaunch` request (RunTask) in its common shape, else undefined. */
export function wellFormedRunTask(raw: unknown): RunTask | undefined {
  if (!isPlain(raw) || !hasOnlyKeys(raw, ['framework_id', 'framework', 'task', 'tasks']))
    return undefined;
  if (!isId(raw['framework_id']) || !isFrameworkInfo(raw['framework'])) return undefined;
  if (!wellFormedTaskInfo(raw['task'])) return undefined;
  const tasks = raw['tasks'];
  if (tasks !== undefined && !isArrayOf(tasks, wellFormedTaskInfo)) return undefined;
  return raw as RunTask;
}

/** RunTaskContract with the hand-written check first (serve's `input` of the agents). */
export const RunTaskFastContract: Contract<RunTask> = {
  ...RunTaskContract,
  parse: (input) => wellFormedRunTask(input) ?? RunTaskContract.parse(input),
  safeParse: (input) => {
    const fast = wellFormedRunTask(input);
    return fast ? { ok: true, value: fast } : RunTaskContract.safeParse(input);
  },
};

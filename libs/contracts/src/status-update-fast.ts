import { TASK_STATES } from './mesos';
import { StatusUpdateContract, type StatusUpdate } from './kernel';
import type { ContractError } from './validation';
import { isId, isLabels, isPlain, noUndefinedExtras, optId, optString } from './fast-checks';

/**
 * A hand-written check of the StatusUpdate contract for the hot path (three updates per
 * launched task, validated by the agent before it publishes and by the master when it
 * consumes). It accepts only payloads the zod schema accepts *and* returns unchanged: no
 * nulls (the schema turns them into undefined), no keys the schema would strip, every field
 * of the right type. Anything else returns undefined, and `parseStatusUpdate` then runs the
 * schema, whose result (or error naming the field) is authoritative. The spec proves both
 * halves against the schema on valid payloads and on mutations of every field.
 */
export function wellFormedStatusUpdate(raw: unknown): StatusUpdate | undefined {
  if (!isPlain(raw)) return undefined;
  let n = 0;
  for (const k in raw) {
    if (k !== 'agent_id' && k !== 'framework_id' && k !== 'status') return undefined;
    n++;
  }
  if (n !== 3) return undefined;
  const r = raw as Record<string, unknown>;
  if (!isId(r['agent_id']) || !isId(r['framework_id']) || !isStatus(r['status'])) return undefined;
  return raw as StatusUpdate;
}

/** The StatusUpdate contract: the fast check, else the zod schema (its errors name the field). */
export function parseStatusUpdate(
  raw: unknown,
): { ok: true; value: StatusUpdate } | { ok: false; error: ContractError } {
  const fast = wellFormedStatusUpdate(raw);
  return fast ? { ok: true, value: fast } : StatusUpdateContract.safeParse(raw);
}

const STATES: ReadonlySet<unknown> = new Set<unknown>(TASK_STATES);
const SOURCES: ReadonlySet<unknown> = new Set<unknown>([
  'SOURCE_MASTER',
  'SOURCE_AGENT',
  'SOURCE_EXECUTOR',
]);
const PROTOCOLS: ReadonlySet<unknown> = new Set<unknown>(['IPv4', 'IPv6']);
const STATUS_KEYS: ReadonlySet<string> = new Set([
  'task_id',
  'state',
  'message',
  'source',
  'reason',
  'data',
  'agent_id',
  'executor_id',
  'timestamp',
  'uuid',
  'healthy',
  'labels',
  'container_status',
  'unreachable_time',
]);
const CONTAINER_STATUS_KEYS: ReadonlySet<string> = new Set([
  'container_id',
  'network_infos',
  'executor_pid',
]);
const NETWORK_INFO_KEYS: ReadonlySet<string> = new Set(['ip_addresses', 'name']);

function isStatus(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, STATUS_KEYS)) return false;
  const uuid = v['uuid'];
  if (!isId(v['task_id']) || !STATES.has(v['state'])) return false;
  if (typeof uuid !== 'string' || uuid.length < 1) return false;
  if (!optString(v['message']) || !optString(v['reason']) || !optString(v['data'])) return false;
  const source = v['source'];
  if (source !== undefined && !SOURCES.has(source)) return false;
  if (!optId(v['agent_id']) || !optId(v['executor_id'])) return false;
  const ts = v['timestamp'];
  if (ts !== undefined && !(typeof ts === 'number' && Number.isFinite(ts))) return false;
  const healthy = v['healthy'];
  if (healthy !== undefined && typeof healthy !== 'boolean') return false;
  const labels = v['labels'];
  if (labels !== undefined && !isLabels(labels)) return false;
  const cs = v['container_status'];
  if (cs !== undefined && !isContainerStatus(cs)) return false;
  const ut = v['unreachable_time'];
  if (ut !== undefined && !isUnreachableTime(ut)) return false;
  return true;
}

/** ContainerStatusSchema (passthrough). */
function isContainerStatus(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, CONTAINER_STATUS_KEYS)) return false;
  if (!optId(v['container_id'])) return false;
  const pid = v['executor_pid'];
  if (pid !== undefined && !(typeof pid === 'number' && Number.isSafeInteger(pid))) return false;
  const nis = v['network_infos'];
  if (nis === undefined) return true;
  if (!Array.isArray(nis)) return false;
  for (const ni of nis as unknown[]) if (!isNetworkInfo(ni)) return false;
  return true;
}

/** NetworkInfoSchema (passthrough); its ip_addresses entries are strict. */
function isNetworkInfo(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, NETWORK_INFO_KEYS)) return false;
  if (!optString(v['name'])) return false;
  const ips = v['ip_addresses'];
  if (ips === undefined) return true;
  if (!Array.isArray(ips)) return false;
  for (const ip of ips as unknown[]) {
    if (!isPlain(ip)) return false;
    for (const k in ip) if (k !== 'protocol' && k !== 'ip_address') return false;
    const protocol = ip['protocol'];
    if (protocol !== undefined && !PROTOCOLS.has(protocol)) return false;
    if (!optString(ip['ip_address'])) return false;
  }
  return true;
}

/** unreachable_time (strict): nanoseconds, a number. */
function isUnreachableTime(v: unknown): boolean {
  if (!isPlain(v)) return false;
  for (const k in v) if (k !== 'nanoseconds') return false;
  const ns = v['nanoseconds'];
  return typeof ns === 'number' && Number.isFinite(ns);
}

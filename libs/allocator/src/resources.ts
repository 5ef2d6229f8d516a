/**
 * Mesos resources: scalars (cpus, mem, disk, gpus, ...) and ranges (ports), each either
 * unreserved (role `*`) or reserved to a role.
 *
 * `Resources` is an immutable list of `Resource` entries with at most one entry per
 * (name, role); scalars are kept in Mesos' fixed-point precision (3 decimals) so that
 * repeated add/subtract never drifts. All functions are pure and never mutate inputs.
 */
import {
  Range,
  ResourceError,
  formatRanges,
  normalizeRanges,
  parseRanges,
  rangesAdd,
  rangesContains,
  rangesIntersect,
  rangesSubtract,
} from './ranges';

export { ResourceError };

/** The role of unreserved resources. */
export const UNRESERVED = '*';

/**
 * What tells one disk apart from another (Mesos `DiskInfo` + `provider_id`): storage pools
 * (`disk.source` RAW), volumes (MOUNT / BLOCK) and persistent volumes are distinct resources,
 * never merged with the agent's plain `disk` nor with each other.
 */
export interface DiskIdentity {
  /** Same key = same disk (entries merge); the key ignores `disk.volume` (a task's mount point). */
  readonly key: string;
  /** MOUNT / BLOCK disks and persistent volumes are used whole, never split (as Mesos). */
  readonly indivisible: boolean;
  /** Mesos `Resource.disk` JSON as given (`source`, `persistence`, `volume`). */
  readonly info: Readonly<Record<string, unknown>>;
  /** Mesos `Resource.provider_id.value` (the resource provider the disk belongs to). */
  readonly providerId?: string;
}

/** One resource entry; exactly one of `scalar` / `ranges` is set. */
export interface Resource {
  readonly name: string;
  /** `*` = unreserved, otherwise the role the resource is reserved to. */
  readonly role: string;
  readonly scalar?: number;
  readonly ranges?: readonly Range[];
  /** Set for disks with a source or persistence (storage); absent for plain `disk`. */
  readonly disk?: DiskIdentity;
}

export type Resources = readonly Resource[];

/** Scalar quantities by resource name (all roles summed), used for shares. */
export type ScalarQuantities = Record<string, number>;

/** Mesos v1 `Resource` JSON (the subset the allocator understands). */
export interface MesosResource {
  name: string;
  type: 'SCALAR' | 'RANGES';
  scalar?: { value: number };
  ranges?: { range: { begin: number; end: number }[] };
  role?: string;
  reservations?: { type?: string; role?: string; principal?: string }[];
  disk?: Record<string, unknown>;
  provider_id?: { value: string };
}

/** Legacy `/master/state` flattened map: `{cpus, gpus, mem, disk, ports: "[a-b, c-d]"}`. */
export type FlatResources = Record<string, number | string> & {
  cpus: number;
  gpus: number;
  mem: number;
  disk: number;
};

export const EMPTY: Resources = Object.freeze([]) as Resources;

/** Rounds to Mesos' fixed-point precision (0.001). */
export function fixed(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.\-/]+$/.test(name)) {
    throw new ResourceError(`invalid resource name "${name}"`);
  }
}

function checkRole(role: string): void {
  if (typeof role !== 'string' || role === '' || /[\s,;()]/.test(role)) {
    throw new ResourceError(`invalid role "${role}"`);
  }
}

/** A scalar resource entry (rounded to 0.001). */
export function scalar(name: string, value: number, role = UNRESERVED): Resource {
  checkName(name);
  checkRole(role);
  if (!Number.isFinite(value) || value < 0) {
    throw new ResourceError(`invalid value ${value} for scalar resource "${name}"`);
  }
  return { name, role, scalar: fixed(value) };
}

/** A ranges resource entry (normalized). */
export function ranges(
  name: string,
  value: readonly (readonly [number, number])[] | string,
  role = UNRESERVED,
): Resource {
  checkName(name);
  checkRole(role);
  return {
    name,
    role,
    ranges: typeof value === 'string' ? parseRanges(value) : normalizeRanges(value),
  };
}

/**
 * Builds resources from a map: numbers are scalars, `[[b, e], ...]` or `"[b-e, ...]"`
 * strings are ranges. Example: `makeResources({cpus: 4, mem: 8192, ports: '[31000-32000]'})`.
 */
export function makeResources(
  spec: Record<string, number | string | readonly (readonly [number, number])[]>,
  role = UNRESERVED,
): Resources {
  const list: Resource[] = [];
  for (const [name, v] of Object.entries(spec)) {
    list.push(typeof v === 'number' ? scalar(name, v, role) : ranges(name, v, role));
  }
  return normalize(list);
}

/**
 * Parses the agent flag format `cpus:4;mem:8192;ports:[31000-32000];cpus(role):2`
 * (also accepts a JSON array of Mesos `Resource` objects). Throws `ResourceError`.
 */
export function parseResources(text: string, defaultRole = UNRESERVED): Resources {
  const t = text.trim();
  if (t.startsWith('[') && t.endsWith(']') && t.includes('{')) {
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch {
      throw new ResourceError(`invalid resources JSON: ${text}`);
    }
    return fromMesosResources(json as MesosResource[]);
  }
  const list: Resource[] = [];
  for (const part of t.split(';')) {
    if (part.trim() === '') continue;
    const m = /^\s*([A-Za-z0-9_.\-/]+)\s*(?:\(([^)]*)\))?\s*:\s*(.+?)\s*$/.exec(part);
    if (!m) throw new ResourceError(`invalid resource "${part.trim()}" (want name:value)`);
    const [, name, role, value] = m;
    const r = role === undefined || role === '' ? defaultRole : role;
    if (value.startsWith('[') || /^\d+\s*-\s*\d+$/.test(value)) list.push(ranges(name, value, r));
    else {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) {
        throw new ResourceError(`invalid value "${value}" for resource "${name}"`);
      }
      list.push(scalar(name, n, r));
    }
  }
  return normalize(list);
}

function isEmptyEntry(r: Resource): boolean {
  return r.ranges !== undefined ? r.ranges.length === 0 : !((r.scalar ?? 0) > 0);
}

/** Merges entries with the same (name, role) and drops empty ones. */
export function normalize(list: readonly Resource[]): Resources {
  return add(EMPTY, list);
}

function find(list: readonly Resource[], name: string, role: string, diskKey?: string): number {
  for (let i = 0; i < list.length; i++) {
    if (list[i].name === name && list[i].role === role && list[i].disk?.key === diskKey) return i;
  }
  return -1;
}

/**
 * The identity of a Mesos disk resource, or undefined for a plain `disk` (no source, no
 * persistence, no provider). Throws `ResourceError` on a malformed `disk.source`.
 */
export function diskIdentity(
  name: string,
  disk: Record<string, unknown> | null | undefined,
  providerId: string | undefined,
): DiskIdentity | undefined {
  const info = disk && typeof disk === 'object' ? disk : undefined;
  const source = info?.['source'] as Record<string, unknown> | undefined | null;
  const persistence = info?.['persistence'] as { id?: unknown } | undefined | null;
  if (!source && !persistence && !providerId) return undefined;
  if (name !== 'disk') throw new ResourceError(`resource "${name}" cannot have disk info`);
  let type: string | undefined;
  const key: Record<string, unknown> = { p: providerId ?? '' };
  if (source) {
    if (typeof source !== 'object') throw new ResourceError('disk.source must be an object');
    type = source['type'] as string;
    if (!['RAW', 'MOUNT', 'BLOCK', 'PATH'].includes(type))
      throw new ResourceError(
        `disk.source.type "${String(type)}" is not RAW, MOUNT, BLOCK or PATH`,
      );
    const root = (x: unknown) => (x as { root?: unknown } | undefined)?.root;
    key['s'] = [
      type,
      source['id'] ?? '',
      source['profile'] ?? '',
      root(source['mount']) ?? root(source['path']) ?? '',
    ];
  }
  if (persistence) {
    if (typeof persistence.id !== 'string' || persistence.id === '')
      throw new ResourceError('disk.persistence.id must be a non-empty string');
    key['v'] = persistence.id;
  }
  return {
    key: JSON.stringify(key),
    indivisible: type === 'MOUNT' || type === 'BLOCK' || !!persistence,
    info: info ?? {},
    providerId,
  };
}

/** `a + b`. */
export function add(a: Resources, b: Resources): Resources {
  if (b.length === 0) return a;
  const out = a.slice();
  for (const r of b) {
    if (isEmptyEntry(r)) continue;
    const i = find(out, r.name, r.role, r.disk?.key);
    if (i < 0) {
      out.push(r);
      continue;
    }
    const cur = out[i];
    if (cur.ranges !== undefined || r.ranges !== undefined) {
      if (cur.ranges === undefined || r.ranges === undefined) {
        throw new ResourceError(`resource "${r.name}" is both scalar and ranges`);
      }
      out[i] = { name: r.name, role: r.role, ranges: rangesAdd(cur.ranges, r.ranges) };
    } else {
      out[i] = { ...cur, scalar: fixed((cur.scalar ?? 0) + (r.scalar ?? 0)) };
    }
  }
  return out;
}

/** `a - b`, saturating: what `b` has beyond `a` is ignored (never negative). */
export function subtract(a: Resources, b: Resources): Resources {
  if (b.length === 0 || a.length === 0) return a;
  const out: Resource[] = [];
  for (const cur of a) {
    const i = find(b, cur.name, cur.role, cur.disk?.key);
    if (i < 0) {
      out.push(cur);
      continue;
    }
    const r = b[i];
    if (cur.ranges !== undefined) {
      const left = rangesSubtract(cur.ranges, r.ranges ?? []);
      if (left.length > 0) out.push({ name: cur.name, role: cur.role, ranges: left });
    } else {
      const left = fixed((cur.scalar ?? 0) - (r.scalar ?? 0));
      if (left > 0) out.push({ ...cur, scalar: left });
    }
  }
  return out;
}

/** The part of `b` that is also in `a` (per name and role: min of scalars, range intersection). */
export function intersect(a: Resources, b: Resources): Resources {
  const out: Resource[] = [];
  for (const cur of a) {
    const i = find(b, cur.name, cur.role, cur.disk?.key);
    if (i < 0) continue;
    const r = b[i];
    if (cur.ranges !== undefined) {
      const both = rangesIntersect(cur.ranges, r.ranges ?? []);
      if (both.length > 0) out.push({ name: cur.name, role: cur.role, ranges: both });
    } else {
      const v = Math.min(cur.scalar ?? 0, r.scalar ?? 0);
      if (v > 0) out.push({ ...cur, scalar: v });
    }
  }
  return out;
}

/**
 * True when `a` holds all of `b` (same names, roles and disks). An indivisible disk (MOUNT,
 * BLOCK, persistent volume) is held only whole: a part of it is not contained.
 */
export function contains(a: Resources, b: Resources): boolean {
  for (const r of b) {
    if (isEmptyEntry(r)) continue;
    const i = find(a, r.name, r.role, r.disk?.key);
    if (i < 0) return false;
    const cur = a[i];
    if (r.ranges !== undefined) {
      if (cur.ranges === undefined || !rangesContains(cur.ranges, r.ranges)) return false;
    } else if (cur.scalar === undefined || cur.scalar + 1e-9 < (r.scalar ?? 0)) {
      return false;
    } else if (r.disk?.indivisible && Math.abs(cur.scalar - (r.scalar ?? 0)) > 1e-9) {
      return false;
    }
  }
  return true;
}

/** Same resources (order-insensitive). */
export function equals(a: Resources, b: Resources): boolean {
  return contains(a, b) && contains(b, a);
}

export function isEmpty(a: Resources): boolean {
  return a.every(isEmptyEntry);
}

/** Scalar value of `name` (all roles summed, or only `role`). */
export function getScalar(a: Resources, name: string, role?: string): number {
  let v = 0;
  for (const r of a) {
    if (r.name === name && r.scalar !== undefined && (role === undefined || r.role === role)) {
      v += r.scalar;
    }
  }
  return fixed(v);
}

/** Ranges of `name` (all roles merged, or only `role`). */
export function getRanges(a: Resources, name: string, role?: string): Range[] {
  let out: Range[] = [];
  for (const r of a) {
    if (r.name === name && r.ranges !== undefined && (role === undefined || r.role === role)) {
      out = rangesAdd(out, r.ranges);
    }
  }
  return out;
}

/** Scalar quantities by name, all roles summed (ranges are not counted). */
export function scalarQuantities(a: Resources): ScalarQuantities {
  const q: ScalarQuantities = {};
  for (const r of a) {
    if (r.scalar !== undefined) q[r.name] = fixed((q[r.name] ?? 0) + r.scalar);
  }
  return q;
}

/** True when resources reserved to `reservationRole` may be used by `role` (same or a sub-role). */
export function isReservedFor(reservationRole: string, role: string): boolean {
  return (
    reservationRole === UNRESERVED ||
    reservationRole === role ||
    (role.length > reservationRole.length &&
      role.startsWith(reservationRole) &&
      role[reservationRole.length] === '/')
  );
}

/** Only the unreserved (`*`) entries. */
export function unreserved(a: Resources): Resources {
  return a.every((r) => r.role === UNRESERVED) ? a : a.filter((r) => r.role === UNRESERVED);
}

/** Only reserved entries (to `role` if given). */
export function reserved(a: Resources, role?: string): Resources {
  return a.filter((r) => r.role !== UNRESERVED && (role === undefined || r.role === role));
}

/** What a framework in `role` may be offered: unreserved plus reservations for `role` (or its ancestors). */
export function allocatableTo(a: Resources, role: string): Resources {
  return a.every((r) => isReservedFor(r.role, role))
    ? a
    : a.filter((r) => isReservedFor(r.role, role));
}

/** Distinct reservation roles present in `a`. */
export function reservationRoles(a: Resources): string[] {
  const roles: string[] = [];
  for (const r of a) {
    if (r.role !== UNRESERVED && !roles.includes(r.role)) roles.push(r.role);
  }
  return roles;
}

/** The same resources, all re-labelled to `role` (e.g. for a static reservation). */
export function withRole(a: Resources, role: string): Resources {
  checkRole(role);
  return normalize(a.map((r) => ({ ...r, role })));
}

/** Legacy flattened map (all roles summed): cpus/gpus/mem/disk always present, ranges as strings. */
export function flatten(a: Resources): FlatResources {
  const out: FlatResources = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  const rangeAcc: Record<string, Range[]> = {};
  for (const r of a) {
    if (r.ranges !== undefined) rangeAcc[r.name] = rangesAdd(rangeAcc[r.name] ?? [], r.ranges);
    else out[r.name] = fixed(((out[r.name] as number | undefined) ?? 0) + (r.scalar ?? 0));
  }
  for (const [name, rs] of Object.entries(rangeAcc)) out[name] = formatRanges(rs);
  return out;
}

/** Reserved resources flattened per role, as `/master/state` `reserved_resources`. */
export function flattenReservations(a: Resources): Record<string, FlatResources> {
  const out: Record<string, FlatResources> = {};
  for (const role of reservationRoles(a)) out[role] = flatten(reserved(a, role));
  return out;
}

/** Mesos v1 JSON resource list (`{name, type, scalar|ranges, role}`), scalars first. */
export function toMesosResources(a: Resources): MesosResource[] {
  const out: MesosResource[] = [];
  for (const r of a) {
    if (isEmptyEntry(r)) continue;
    if (r.ranges !== undefined) {
      out.push({
        name: r.name,
        type: 'RANGES',
        ranges: { range: r.ranges.map(([begin, end]) => ({ begin, end })) },
        role: r.role,
      });
    } else {
      const m: MesosResource = {
        name: r.name,
        type: 'SCALAR',
        scalar: { value: r.scalar ?? 0 },
        role: r.role,
      };
      if (r.disk) {
        m.disk = { ...r.disk.info };
        if (r.disk.providerId !== undefined) m.provider_id = { value: r.disk.providerId };
      }
      out.push(m);
    }
  }
  return out.sort((x, y) => (x.type !== y.type ? (x.type === 'SCALAR' ? -1 : 1) : 0));
}

/**
 * Parses a Mesos v1 JSON resource list. The role comes from the last entry of
 * `reservations` (refined format) or from `role` (legacy), default `*`.
 * Throws `ResourceError` on anything it cannot represent (SET, negative values, ...).
 */
export function fromMesosResources(list: readonly MesosResource[] | null | undefined): Resources {
  if (list === null || list === undefined) return EMPTY;
  if (!Array.isArray(list)) throw new ResourceError('resources must be an array');
  const out: Resource[] = [];
  for (const r of list) {
    if (r === null || typeof r !== 'object') throw new ResourceError('resource must be an object');
    const res = r.reservations;
    const role =
      Array.isArray(res) && res.length > 0
        ? (res[res.length - 1]?.role ?? UNRESERVED)
        : (r.role ?? UNRESERVED);
    const type = r.type ?? (r.ranges ? 'RANGES' : 'SCALAR');
    if (type === 'SCALAR') {
      const v = r.scalar?.value;
      if (typeof v !== 'number')
        throw new ResourceError(`resource "${r.name}" has no scalar value`);
      const pid = r.provider_id?.value;
      if (r.provider_id !== undefined && r.provider_id !== null && typeof pid !== 'string')
        throw new ResourceError(`resource "${r.name}": provider_id.value must be a string`);
      const disk = diskIdentity(r.name, r.disk, pid);
      out.push(disk ? { ...scalar(r.name, v, role), disk } : scalar(r.name, v, role));
    } else if (type === 'RANGES') {
      const rs = r.ranges?.range;
      if (!Array.isArray(rs)) throw new ResourceError(`resource "${r.name}" has no ranges`);
      out.push(
        ranges(
          r.name,
          rs.map((x) => [Number(x.begin), Number(x.end)] as Range),
          role,
        ),
      );
    } else {
      throw new ResourceError(`unsupported resource type "${String(type)}" for "${r.name}"`);
    }
  }
  return normalize(out);
}

/** Text form as the agent flag: `cpus:4;mem:8192;ports:[31000-32000];disk(web):100`. */
export function formatResources(a: Resources): string {
  return a
    .filter((r) => !isEmptyEntry(r))
    .map((r) => {
      const src = r.disk?.info['source'] as { type?: string; id?: string } | undefined;
      const tag = r.disk
        ? `[${[src?.type ?? 'PERSISTENT', src?.id].filter(Boolean).join(':')}]`
        : '';
      const key = (r.role === UNRESERVED ? r.name : `${r.name}(${r.role})`) + tag;
      return `${key}:${r.ranges !== undefined ? formatRanges(r.ranges) : r.scalar}`;
    })
    .join(';');
}

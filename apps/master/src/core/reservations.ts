import {
  add,
  contains,
  fromMesosResources,
  subtract,
  toMesosResources,
  UNRESERVED,
  withRole,
  type MesosResource,
  type Resource as AllocResource,
  type Resources,
} from '@dcos/allocator';
import type { OfferOperation } from '@dcos/contracts';

/**
 * Dynamic reservations (Mesos `RESERVE` / `UNRESERVE` offer operations), pure.
 *
 * The master keeps an agent's dynamic reservations apart from what the agent reports
 * (`AgentRec.reservations`, Mesos JSON with `reservations: [{type: DYNAMIC, role, principal,
 * labels}]`) and re-applies them to every report, so they survive agent re-registration and
 * a master restart (they are persisted with the agent).
 */
export type ReservationOperationType = 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY';

/**
 * RESERVE / UNRESERVE turn `unreserved` into `reserved` and back; CREATE / DESTROY (Mesos
 * persistent volumes) do the same with `unreserved` = the reserved disk a volume is made of
 * and `reserved` = the volume (`disk.persistence`). Both are kept in `AgentRec.reservations`.
 */
export interface ReservationOperation {
  type: ReservationOperationType;
  /** The resources as the framework sent them (reserved form, with `reservations`). */
  json: MesosResource[];
  /** The reserved form (role = the reservation's role); CREATE / DESTROY: the volumes. */
  reserved: Resources;
  /** The same resources unreserved (role `*`); CREATE / DESTROY: the disks they are made of. */
  unreserved: Resources;
  /** CREATE / DESTROY: `unreserved` as Mesos JSON (keeps the volumes' `reservations`). */
  sourceJson?: MesosResource[];
  role: string;
}

/** A Mesos persistent volume (`disk.persistence.id`) on the agent's plain disk. */
export interface PersistentVolumeRef {
  role: string;
  persistence_id: string;
}

export class ReservationOperationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ReservationOperationError';
  }
}

export function isReservationOperation(type: string): type is ReservationOperationType {
  return type === 'RESERVE' || type === 'UNRESERVE' || type === 'CREATE' || type === 'DESTROY';
}

/** The disk a persistent volume is made of: its JSON without `disk.persistence` / `disk.volume`. */
export function volumeSource(r: MesosResource): MesosResource {
  const { persistence: _p, volume: _v, ...disk } = r.disk ?? {};
  void _p;
  void _v;
  const { disk: _d, ...rest } = r;
  void _d;
  return Object.keys(disk).length ? { ...rest, disk } : rest;
}

/** The volumes of a CREATE / DESTROY that are on the agent's plain disk (no `disk.source`). */
export function rootVolumes(op: ReservationOperation): PersistentVolumeRef[] {
  if (op.type !== 'CREATE' && op.type !== 'DESTROY') return [];
  return op.json.flatMap((r) => {
    const d = r.disk as { source?: unknown; persistence?: { id?: string } } | undefined;
    const id = d?.persistence?.id;
    return id && !d?.source && !r.provider_id ? [{ role: op.role, persistence_id: id }] : [];
  });
}

/**
 * The persistent volumes on the agent's plain disk among its reservations (the master's record
 * after CREATE / DESTROY): what the agent is told to keep when it (re-)registers.
 */
export function persistentVolumesOf(reservations: readonly MesosResource[]): PersistentVolumeRef[] {
  const out = new Map<string, PersistentVolumeRef>();
  for (const r of reservations) {
    const d = r.disk as { source?: unknown; persistence?: { id?: string } } | undefined;
    const id = d?.persistence?.id;
    if (!id || d?.source || r.provider_id) continue;
    const role = r.reservations?.at(-1)?.role ?? r.role;
    if (!role || role === UNRESERVED) continue;
    out.set(`${role}\u0000${id}`, { role, persistence_id: id });
  }
  return [...out.values()];
}

/** Checks a CREATE / DESTROY: persistent volumes (`disk.persistence.id`) on reserved disk. */
function parseVolumeOperation(op: OfferOperation, index: number): ReservationOperation {
  const type = op.type as ReservationOperationType;
  const key = type === 'CREATE' ? 'create' : 'destroy';
  const field = `accept.operations[${index}].${key}.volumes`;
  const list = (op[key] as { volumes?: unknown } | undefined)?.volumes;
  if (!Array.isArray(list) || list.length === 0)
    throw new ReservationOperationError(field, `required for ${type} (a non-empty list)`);
  let role: string | undefined;
  for (const [i, r] of (list as MesosResource[]).entries()) {
    if (r?.name !== 'disk')
      throw new ReservationOperationError(`${field}[${i}].name`, 'a volume must be a disk');
    const id = (r.disk as { persistence?: { id?: unknown } } | undefined)?.persistence?.id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9._#:@+-]{1,255}$/.test(id))
      throw new ReservationOperationError(
        `${field}[${i}].disk.persistence.id`,
        'required: 1-255 characters of [A-Za-z0-9._#:@+-]',
      );
    const res = r.reservations;
    const last = Array.isArray(res) && res.length ? res[res.length - 1]?.role : r.role;
    if (!last || last === UNRESERVED)
      throw new ReservationOperationError(
        `${field}[${i}].reservations`,
        'a persistent volume must be on disk reserved to a role other than "*"',
      );
    if (role !== undefined && last !== role)
      throw new ReservationOperationError(
        `${field}[${i}].reservations`,
        'all volumes must have one role',
      );
    role = last;
  }
  const ids = (list as MesosResource[]).map(
    (r) => (r.disk as { persistence: { id: string } }).persistence.id,
  );
  if (new Set(ids).size !== ids.length)
    throw new ReservationOperationError(field, 'persistence ids must be unique');
  const sourceJson = (list as MesosResource[]).map(volumeSource);
  let reserved: Resources;
  let unreserved: Resources;
  try {
    reserved = fromMesosResources(list as MesosResource[]);
    unreserved = fromMesosResources(sourceJson);
  } catch (e) {
    throw new ReservationOperationError(field, (e as Error).message);
  }
  return {
    type,
    json: list as MesosResource[],
    reserved,
    unreserved,
    sourceJson,
    role: role as string,
  };
}

/** Checks a RESERVE / UNRESERVE (`index` in `accept.operations`): one role, all DYNAMIC. */
export function parseReservationOperation(op: OfferOperation, index: number): ReservationOperation {
  if (op.type === 'CREATE' || op.type === 'DESTROY') return parseVolumeOperation(op, index);
  const type = op.type as ReservationOperationType;
  const key = type === 'RESERVE' ? 'reserve' : 'unreserve';
  const field = `accept.operations[${index}].${key}.resources`;
  const list = (op[key] as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(list) || list.length === 0)
    throw new ReservationOperationError(field, `required for ${type} (a non-empty list)`);
  let role: string | undefined;
  for (const [i, r] of (list as MesosResource[]).entries()) {
    const res = r?.reservations;
    const last = Array.isArray(res) ? res[res.length - 1] : undefined;
    if (!last || last.type !== 'DYNAMIC' || !last.role || last.role === UNRESERVED)
      throw new ReservationOperationError(
        `${field}[${i}].reservations`,
        'must end with a DYNAMIC reservation to a role other than "*"',
      );
    if (role !== undefined && last.role !== role)
      throw new ReservationOperationError(
        `${field}[${i}].reservations`,
        'all resources must have one role',
      );
    role = last.role;
  }
  let reserved: Resources;
  try {
    reserved = fromMesosResources(list as MesosResource[]);
  } catch (e) {
    throw new ReservationOperationError(field, (e as Error).message);
  }
  return {
    type,
    json: list as MesosResource[],
    reserved,
    unreserved: withRole(reserved, UNRESERVED),
    role: role as string,
  };
}

/**
 * What the agent offers given its report and its dynamic reservations: each reservation
 * replaces its unreserved counterpart. One whose resources are no longer reported (a volume
 * that is gone) is left out, not invented.
 */
export function applyReservations(
  reported: Resources,
  reservations: readonly MesosResource[],
): Resources {
  let out = reported;
  const volumes: MesosResource[] = [];
  for (const json of reservations) {
    if ((json.disk as { persistence?: unknown } | undefined)?.persistence) {
      volumes.push(json);
      continue;
    }
    for (const r of fromMesosResources([json])) {
      const free = withRole([r], UNRESERVED);
      if (!contains(out, free)) continue;
      out = add(subtract(out, free), [r]);
    }
  }
  // Persistent volumes after the reservations: each replaces the disk it was made of, the
  // reported disk of its role (static) or `*` (dynamic, when its reservation was folded in).
  for (const json of volumes) {
    const vol = fromMesosResources([json]);
    const src = fromMesosResources([volumeSource(json)]);
    const last = json.reservations?.at(-1);
    const dynamic = last?.type !== 'STATIC' && json.role === undefined;
    const from = dynamic ? withRole(src, UNRESERVED) : src;
    if (contains(out, from)) out = add(subtract(out, from), vol);
    else if (contains(out, src)) out = add(subtract(out, src), vol);
  }
  return out;
}

function sameEntry(a: AllocResource, b: AllocResource): boolean {
  return a.name === b.name && a.role === b.role && a.disk?.key === b.disk?.key;
}

/** The Mesos JSON of `res`, each entry keeping the `reservations` it was reserved with. */
function toJson(res: Resources, known: readonly MesosResource[]): MesosResource[] {
  const parsed = known.map((k) => ({ k, r: fromMesosResources([k])[0] }));
  return toMesosResources(res).map((m) => {
    const entry = fromMesosResources([m])[0];
    const orig = parsed.find((p) => p.r && entry && sameEntry(p.r, entry))?.k;
    const { role: _role, ...rest } = m;
    void _role;
    return {
      ...rest,
      reservations: orig?.reservations ?? [{ type: 'DYNAMIC', role: m.role }],
    };
  });
}

/**
 * The agent's reservations after a RESERVE (added), UNRESERVE (taken away), CREATE (the
 * volumes replace the reserved disk they are made of) or DESTROY (the disk comes back).
 */
export function updateReservations(
  current: readonly MesosResource[],
  op: ReservationOperation,
): MesosResource[] {
  const now = fromMesosResources(current as MesosResource[]);
  if (op.type === 'RESERVE') return toJson(add(now, op.reserved), [...current, ...op.json]);
  if (op.type === 'UNRESERVE') return toJson(subtract(now, op.reserved), current);
  const src = op.sourceJson ?? [];
  // The reservation a volume is made of is its own dynamic one (the same `reservations`).
  const dynamic = src.filter((r) => r.reservations?.at(-1)?.type !== 'STATIC' && !r.role);
  if (op.type === 'CREATE')
    return toJson(add(subtract(now, op.unreserved), op.reserved), [...current, ...op.json]);
  return toJson(add(subtract(now, op.reserved), fromMesosResources(dynamic)), [
    ...current,
    ...dynamic,
  ]);
}

/** `reservations` metadata for an offered resource of role `role` (static when unknown). */
export function reservationsOf(
  resource: MesosResource,
  known: readonly MesosResource[],
): MesosResource['reservations'] {
  const entry = fromMesosResources([resource])[0];
  const orig = known.find((k) => {
    const r = fromMesosResources([k])[0];
    return r && entry && sameEntry(r, entry);
  });
  return orig?.reservations ?? [{ type: 'STATIC', role: resource.role }];
}

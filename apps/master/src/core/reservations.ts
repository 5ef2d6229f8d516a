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
export type ReservationOperationType = 'RESERVE' | 'UNRESERVE';

export interface ReservationOperation {
  type: ReservationOperationType;
  /** The resources as the framework sent them (reserved form, with `reservations`). */
  json: MesosResource[];
  /** The reserved form (role = the reservation's role). */
  reserved: Resources;
  /** The same resources unreserved (role `*`). */
  unreserved: Resources;
  role: string;
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
  return type === 'RESERVE' || type === 'UNRESERVE';
}

/** Checks a RESERVE / UNRESERVE (`index` in `accept.operations`): one role, all DYNAMIC. */
export function parseReservationOperation(op: OfferOperation, index: number): ReservationOperation {
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
  for (const r of fromMesosResources(reservations as MesosResource[])) {
    const free = withRole([r], UNRESERVED);
    if (!contains(out, free)) continue;
    out = add(subtract(out, free), [r]);
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

/** The agent's reservations after a RESERVE (added) or UNRESERVE (taken away). */
export function updateReservations(
  current: readonly MesosResource[],
  op: ReservationOperation,
): MesosResource[] {
  const now = fromMesosResources(current as MesosResource[]);
  if (op.type === 'RESERVE') return toJson(add(now, op.reserved), [...current, ...op.json]);
  return toJson(subtract(now, op.reserved), current);
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

import type { Offer, Resource } from '@dcos/contracts';

/** Why an offer could not take an instance, named as Marathon's `NoOfferMatchReason`. */
export type NoOfferMatchReason =
  | 'UnfulfilledRole'
  | 'UnfulfilledConstraint'
  | 'InsufficientCpus'
  | 'InsufficientMemory'
  | 'InsufficientDisk'
  | 'InsufficientGpus'
  | 'InsufficientPorts';

export const NO_OFFER_MATCH_REASONS: readonly NoOfferMatchReason[] = [
  'UnfulfilledRole',
  'UnfulfilledConstraint',
  'InsufficientCpus',
  'InsufficientMemory',
  'InsufficientDisk',
  'InsufficientGpus',
  'InsufficientPorts',
];

export interface ResourceNeeds {
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  /** One entry per port definition: 0 = any host port, else that exact port (requirePorts). */
  ports: number[];
  /** Roles whose resources the instance may use (acceptedResourceRoles or the app role + `*`). */
  roles: string[];
}

export interface ResourcesPicked {
  /** Mesos resources to put in the TaskInfo, each with the role it was offered under. */
  resources: Resource[];
  hostPorts: number[];
}

/** What is left of an offer while several instances are packed onto it. */
export interface OfferPool {
  scalars: Map<string, Map<string, number>>; // name → role → amount
  ports: Map<string, { begin: number; end: number }[]>; // role → free ranges
  /** The role the offer was allocated to (kept on every resource a TaskInfo uses). */
  allocationRole?: string;
  /** The reservations of each reserved role, copied onto the resources used. */
  reservations: Map<string, Resource['reservations']>;
  /**
   * Disks from storage (a `disk.source`, a resource provider or a persistent volume): whole
   * volumes a task claims by identity, never sized against as plain `disk`.
   */
  volumes: Resource[];
}

/** A disk resource that is a volume or a storage pool rather than the agent's plain disk. */
export function isStorageDisk(r: Resource): boolean {
  if (r.name !== 'disk') return false;
  const disk = r.disk as { source?: unknown; persistence?: unknown } | undefined;
  return !!(r.provider_id || disk?.source || disk?.persistence);
}

/** The role a resource is reserved for (`*` = unreserved): what acceptedResourceRoles names. */
const roleOf = (r: Resource): string => r.reservations?.at(-1)?.role ?? r.role ?? '*';
const EPS = 1e-9;

export function offerPool(offer: Pick<Offer, 'resources'>): OfferPool {
  const pool: OfferPool = {
    scalars: new Map(),
    ports: new Map(),
    reservations: new Map(),
    volumes: [],
  };
  for (const r of offer.resources) {
    const role = roleOf(r);
    pool.allocationRole ??= r.allocation_info?.role;
    if (isStorageDisk(r)) {
      pool.volumes.push(r);
      continue;
    }
    if (r.reservations?.length) pool.reservations.set(role, r.reservations);
    if (r.type === 'SCALAR' && r.scalar) {
      const byRole = pool.scalars.get(r.name) ?? new Map<string, number>();
      byRole.set(role, (byRole.get(role) ?? 0) + r.scalar.value);
      pool.scalars.set(r.name, byRole);
    } else if (r.type === 'RANGES' && r.name === 'ports' && r.ranges) {
      const list = pool.ports.get(role) ?? [];
      list.push(...r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })));
      pool.ports.set(role, list);
    }
  }
  return pool;
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

function resource(pool: OfferPool, role: string, base: Partial<Resource>): Resource {
  const r = { ...base } as Resource;
  if (pool.allocationRole) r.allocation_info = { role: pool.allocationRole };
  const reservations = pool.reservations.get(role);
  if (reservations) r.reservations = reservations;
  return r;
}

function takeScalar(
  pool: OfferPool,
  name: string,
  amount: number,
  roles: string[],
  out: Resource[],
  dry: boolean,
): boolean {
  if (amount <= 0) return true;
  const byRole = pool.scalars.get(name);
  if (!byRole) return false;
  const total = roles.reduce((s, role) => s + (byRole.get(role) ?? 0), 0);
  if (total + EPS < amount) return false;
  if (dry) return true;
  let left = amount;
  for (const role of roles) {
    const have = byRole.get(role) ?? 0;
    if (have <= 0 || left <= EPS) continue;
    const take = Math.min(have, left);
    byRole.set(role, have - take);
    left -= take;
    out.push(resource(pool, role, { name, type: 'SCALAR', scalar: { value: round(take) } }));
  }
  return true;
}

/** Pick host ports: exact ones where required, otherwise the lowest free. Undefined if impossible. */
function pickPorts(
  pool: OfferPool,
  wanted: number[],
  roles: string[],
): { role: string; port: number }[] | undefined {
  const free: { role: string; begin: number; end: number }[] = [];
  for (const role of roles)
    for (const r of pool.ports.get(role) ?? []) free.push({ role, begin: r.begin, end: r.end });
  const used = new Set<number>();
  const picked: { role: string; port: number }[] = [];
  for (const w of wanted.filter((p) => p !== 0)) {
    const r = free.find((f) => f.begin <= w && w <= f.end);
    if (!r || used.has(w)) return undefined;
    used.add(w);
    picked.push({ role: r.role, port: w });
  }
  const out: { role: string; port: number }[] = [];
  let fixed = 0;
  for (const w of wanted) {
    if (w !== 0) {
      out.push(picked[fixed++]);
      continue;
    }
    let found: { role: string; port: number } | undefined;
    for (const f of free) {
      for (let p = f.begin; p <= f.end; p++) {
        if (!used.has(p)) {
          found = { role: f.role, port: p };
          break;
        }
      }
      if (found) break;
    }
    if (!found) return undefined;
    used.add(found.port);
    out.push(found);
  }
  return out;
}

function removePort(pool: OfferPool, role: string, port: number): void {
  const list = pool.ports.get(role) ?? [];
  const next: { begin: number; end: number }[] = [];
  for (const r of list) {
    if (port < r.begin || port > r.end) next.push(r);
    else {
      if (r.begin <= port - 1) next.push({ begin: r.begin, end: port - 1 });
      if (port + 1 <= r.end) next.push({ begin: port + 1, end: r.end });
    }
  }
  pool.ports.set(role, next);
}

/**
 * Take what one instance needs from the pool (mutating it), or name the first resource
 * that is short. Roles are tried in the order given.
 */
export function takeFromPool(
  pool: OfferPool,
  needs: ResourceNeeds,
): { ok: true; picked: ResourcesPicked } | { ok: false; reason: NoOfferMatchReason } {
  const offeredRoles = new Set<string>();
  for (const m of pool.scalars.values()) for (const r of m.keys()) offeredRoles.add(r);
  for (const r of pool.ports.keys()) offeredRoles.add(r);
  if (!needs.roles.some((r) => offeredRoles.has(r)))
    return { ok: false, reason: 'UnfulfilledRole' };
  const checks: [string, number, NoOfferMatchReason][] = [
    ['cpus', needs.cpus, 'InsufficientCpus'],
    ['mem', needs.mem, 'InsufficientMemory'],
    ['disk', needs.disk, 'InsufficientDisk'],
    ['gpus', needs.gpus, 'InsufficientGpus'],
  ];
  for (const [name, amount, reason] of checks)
    if (!takeScalar(pool, name, amount, needs.roles, [], true)) return { ok: false, reason };
  const ports = pickPorts(pool, needs.ports, needs.roles);
  if (!ports) return { ok: false, reason: 'InsufficientPorts' };
  const resources: Resource[] = [];
  for (const [name, amount] of checks)
    takeScalar(pool, name, amount, needs.roles, resources, false);
  const byRole = new Map<string, number[]>();
  for (const p of ports) {
    removePort(pool, p.role, p.port);
    byRole.set(p.role, [...(byRole.get(p.role) ?? []), p.port]);
  }
  for (const [role, list] of byRole)
    resources.push(
      resource(pool, role, {
        name: 'ports',
        type: 'RANGES',
        ranges: { range: list.map((p) => ({ begin: p, end: p })) },
      }),
    );
  return { ok: true, picked: { resources, hostPorts: ports.map((p) => p.port) } };
}

/** What a local persistent volume needs: a MOUNT disk of `profile` with at least `sizeMb`. */
export interface MountVolumeNeeds {
  sizeMb: number;
  profile?: string;
  roles: string[];
  /** Pinned to this volume (its `disk.source.id`) once the instance has claimed one. */
  sourceId?: string;
  /** The kind of disk: MOUNT (default, a filesystem) or BLOCK (a raw device). */
  type?: 'MOUNT' | 'BLOCK';
}

const sourceOf = (r: Resource) =>
  (r.disk as { source?: { type?: string; profile?: string; id?: string } } | undefined)?.source;

/**
 * Take a whole MOUNT disk for a persistent volume (mutating the pool), smallest fitting
 * first so larger volumes stay free for larger asks. Undefined if none fits.
 */
export function takeMountVolume(pool: OfferPool, needs: MountVolumeNeeds): Resource | undefined {
  const fits = pool.volumes.filter((r) => {
    const source = sourceOf(r);
    if (source?.type !== (needs.type ?? 'MOUNT') || !r.scalar) return false;
    if ((r.disk as { persistence?: unknown } | undefined)?.persistence) return false;
    if (!needs.roles.includes(roleOf(r))) return false;
    if (needs.sourceId !== undefined) return source.id === needs.sourceId;
    if (needs.profile !== undefined && source.profile !== needs.profile) return false;
    return r.scalar.value + EPS >= needs.sizeMb;
  });
  fits.sort((a, b) => (a.scalar?.value ?? 0) - (b.scalar?.value ?? 0));
  const chosen = fits[0];
  if (!chosen) return undefined;
  pool.volumes.splice(pool.volumes.indexOf(chosen), 1);
  return chosen;
}

/** The identity of a MOUNT/BLOCK disk (`disk.source.id`), what an instance is pinned to. */
export function volumeSourceId(r: Resource): string | undefined {
  return sourceOf(r)?.id;
}

/** The persistence id of a persistent volume (`disk.persistence.id`), if the disk is one. */
export function persistenceIdOf(r: Resource): string | undefined {
  return (r.disk as { persistence?: { id?: string } } | undefined)?.persistence?.id;
}

/**
 * The offered persistent volume `persistenceId` on the agent's plain disk (no `disk.source`),
 * reserved to one of `roles`, taken from the pool (mutating it). Undefined if not offered.
 */
export function takePersistentVolume(
  pool: OfferPool,
  persistenceId: string,
  roles: string[],
): Resource | undefined {
  const chosen = pool.volumes.find(
    (r) =>
      persistenceIdOf(r) === persistenceId &&
      !sourceOf(r) &&
      !r.provider_id &&
      roles.includes(roleOf(r)),
  );
  if (!chosen) return undefined;
  pool.volumes.splice(pool.volumes.indexOf(chosen), 1);
  return chosen;
}

/**
 * `sizeMb` of the agent's plain disk from ONE role of `roles` (tried in order), taken from the
 * pool (mutating it): the slice a `root` persistent volume is made of. Undefined if no role
 * has that much.
 */
export function takePlainDisk(
  pool: OfferPool,
  sizeMb: number,
  roles: string[],
): { role: string; resource: Resource } | undefined {
  const byRole = pool.scalars.get('disk');
  if (!byRole) return undefined;
  for (const role of roles) {
    const have = byRole.get(role) ?? 0;
    if (have + EPS < sizeMb) continue;
    byRole.set(role, have - sizeMb);
    return {
      role,
      resource: resource(pool, role, { name: 'disk', type: 'SCALAR', scalar: { value: sizeMb } }),
    };
  }
  return undefined;
}

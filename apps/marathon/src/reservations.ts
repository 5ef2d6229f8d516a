import type { Resource } from '@dcos/contracts';

/**
 * Marathon's dynamic reservations of persistent-volume disks (pure). As Marathon does for
 * resident instances, a disk is RESERVEd to the framework's role with the labels
 * `marathon_framework_id` / `marathon_task_id`, so that while its instance is down no other
 * role is offered it; once no claim refers to it (wipe, app removed) it is UNRESERVEd.
 */
export const FRAMEWORK_LABEL = 'marathon_framework_id';
export const TASK_LABEL = 'marathon_task_id';

const roleOf = (r: Resource): string => r.reservations?.at(-1)?.role ?? r.role ?? '*';

type Reservation = NonNullable<Resource['reservations']>[number] & {
  labels?: { labels: { key: string; value?: string }[] };
};

/**
 * The reserved form of an offered disk (for RESERVE, and for the LAUNCH that follows it in
 * the same ACCEPT), or undefined when it is already reserved or the role is `*` (unreservable).
 */
export function reservedDisk(
  disk: Resource,
  role: string | undefined,
  frameworkId: string,
  taskId: string,
): Resource | undefined {
  if (!role || role === '*' || roleOf(disk) !== '*') return undefined;
  const reservation: Reservation = {
    type: 'DYNAMIC',
    role,
    labels: {
      labels: [
        { key: FRAMEWORK_LABEL, value: frameworkId },
        { key: TASK_LABEL, value: taskId },
      ],
    },
  };
  const { role: _legacy, ...rest } = disk;
  void _legacy;
  return { ...rest, reservations: [reservation] };
}

/** The label `key` of a resource's last reservation. */
function reservationLabel(r: Resource, key: string): string | undefined {
  const last = r.reservations?.at(-1) as Reservation | undefined;
  return last?.labels?.labels.find((l) => l.key === key)?.value;
}

/** What identifies a reserved disk to its claim: `disk.source.id`, else `disk.persistence.id`. */
export function claimIdOf(r: Resource): string | undefined {
  const d = r.disk as { source?: { id?: string }; persistence?: { id?: string } } | undefined;
  return d?.source?.id ?? d?.persistence?.id;
}

/**
 * Disks of the offer this framework reserved that no claim refers to any more (wiped, app
 * removed, or a claim lost): to be UNRESERVEd (a root persistent volume DESTROYed first), and
 * never used for a launch meanwhile. A plain disk slice it reserved and holds no volume on
 * (a CREATE that did not follow its RESERVE, a DESTROY whose UNRESERVE did not) is one too.
 */
export function orphanReservations(
  resources: readonly Resource[],
  frameworkId: string | undefined,
  isClaimed: (id: string) => boolean,
): Resource[] {
  if (!frameworkId) return [];
  return resources.filter((r) => {
    if (r.name !== 'disk' || roleOf(r) === '*') return false;
    if (reservationLabel(r, FRAMEWORK_LABEL) !== frameworkId) return false;
    const id = claimIdOf(r);
    return id === undefined ? !r.provider_id : !isClaimed(id);
  });
}

/** A root persistent volume (`disk.persistence` on the agent's plain disk): DESTROYed first. */
export function isRootVolume(r: Resource): boolean {
  const d = r.disk as { source?: unknown; persistence?: unknown } | undefined;
  return !!d?.persistence && !d.source && !r.provider_id;
}

/** The disk a persistent volume was made of (`disk.persistence` and `disk.volume` dropped). */
export function withoutPersistence(r: Resource): Resource {
  const { persistence: _p, volume: _v, ...rest } = (r.disk ?? {}) as Record<string, unknown>;
  void _p;
  void _v;
  const { disk: _d, ...res } = r;
  void _d;
  return (Object.keys(rest).length ? { ...res, disk: rest } : res) as Resource;
}

/** `Resource.disk` without `volume` (a task's mount point is not part of a reservation). */
export function withoutVolume(disk: Resource['disk']): Resource['disk'] {
  if (!disk || typeof disk !== 'object') return disk;
  const { volume: _volume, ...rest } = disk as Record<string, unknown>;
  void _volume;
  return rest as Resource['disk'];
}

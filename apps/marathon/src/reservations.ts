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

/**
 * Disks of the offer this framework reserved that no claim refers to any more (wiped, app
 * removed, or a claim lost): to be UNRESERVEd, and never used for a launch meanwhile.
 */
export function orphanReservations(
  resources: readonly Resource[],
  frameworkId: string | undefined,
  isClaimed: (sourceId: string) => boolean,
): Resource[] {
  if (!frameworkId) return [];
  return resources.filter((r) => {
    if (r.name !== 'disk' || roleOf(r) === '*') return false;
    if (reservationLabel(r, FRAMEWORK_LABEL) !== frameworkId) return false;
    const id = (r.disk as { source?: { id?: string } } | undefined)?.source?.id;
    return id !== undefined && !isClaimed(id);
  });
}

/** `Resource.disk` without `volume` (a task's mount point is not part of a reservation). */
export function withoutVolume(disk: Resource['disk']): Resource['disk'] {
  if (!disk || typeof disk !== 'object') return disk;
  const { volume: _volume, ...rest } = disk as Record<string, unknown>;
  void _volume;
  return rest as Resource['disk'];
}

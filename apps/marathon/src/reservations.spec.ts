import type { Resource } from '@dcos/contracts';
import {
  claimIdOf,
  isRootVolume,
  orphanReservations,
  reservedDisk,
  withoutPersistence,
  withoutVolume,
} from './reservations';

const disk = (id: string, extra: Partial<Resource> = {}): Resource =>
  ({
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: 128 },
    role: '*',
    allocation_info: { role: 'marathon' },
    provider_id: { value: 'rp' },
    disk: { source: { type: 'MOUNT', id, mount: { root: `/m/${id}` } } },
    ...extra,
  }) as Resource;

describe('persistent-volume reservations', () => {
  it('reserves an unreserved disk to the role with the Marathon labels', () => {
    const r = reservedDisk(disk('v1'), 'marathon', 'fw-1', 'db.t1');
    expect(r).toEqual({
      ...disk('v1'),
      role: undefined,
      reservations: [
        {
          type: 'DYNAMIC',
          role: 'marathon',
          labels: {
            labels: [
              { key: 'marathon_framework_id', value: 'fw-1' },
              { key: 'marathon_task_id', value: 'db.t1' },
            ],
          },
        },
      ],
    });
    expect(r && 'role' in r).toBe(false);
    // Role `*` cannot hold reservations; an already reserved disk is used as offered.
    expect(reservedDisk(disk('v1'), '*', 'fw-1', 't')).toBeUndefined();
    expect(reservedDisk(r!, 'marathon', 'fw-1', 't')).toBeUndefined();
  });

  it('finds the reserved disks of this framework that no claim holds', () => {
    const mine = reservedDisk(disk('v1'), 'marathon', 'fw-1', 't1')!;
    const held = reservedDisk(disk('v2'), 'marathon', 'fw-1', 't2')!;
    const theirs = reservedDisk(disk('v3'), 'marathon', 'fw-2', 't3')!;
    const claimed = (id: string) => id === 'v2';
    expect(orphanReservations([mine, held, theirs, disk('v4')], 'fw-1', claimed)).toEqual([mine]);
    expect(orphanReservations([mine], undefined, claimed)).toEqual([]);
  });

  it('drops disk.volume (a mount point is not reserved)', () => {
    expect(withoutVolume({ source: { type: 'MOUNT' }, volume: { container_path: 'd' } })).toEqual({
      source: { type: 'MOUNT' },
    });
  });

  it('root volumes: an unclaimed one of this framework is an orphan (DESTROYed, then its disk UNRESERVEd)', () => {
    const plain = { name: 'disk', type: 'SCALAR', scalar: { value: 64 } } as Resource;
    const slice = reservedDisk(plain, 'marathon', 'fw-1', 't1')!;
    const vol = (id: string) =>
      ({
        ...slice,
        disk: { persistence: { id }, volume: { container_path: 'data', mode: 'RW' } },
      }) as Resource;
    const claimed = (id: string) => id === 'held';
    // A reserved slice with no volume on it is an orphan too; unreserved disk never is.
    expect(orphanReservations([vol('gone'), vol('held'), slice, plain], 'fw-1', claimed)).toEqual([
      vol('gone'),
      slice,
    ]);
    expect(isRootVolume(vol('gone'))).toBe(true);
    expect(isRootVolume(slice)).toBe(false);
    expect(isRootVolume(disk('v1'))).toBe(false);
    expect(claimIdOf(vol('gone'))).toBe('gone');
    expect(claimIdOf(disk('v1'))).toBe('v1');
    expect(withoutPersistence(vol('gone'))).toEqual(slice);
  });
});

import { statfs } from 'node:fs/promises';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StorageError } from './errors';
import type { PoolRecord, ProviderRecord, VolumeRecord } from './journal';
import {
  CommandError,
  attachLoop,
  commandExists,
  detachLoops,
  exists,
  filesystemOf,
  isMounted,
  mkfs,
  mount,
  run,
  unmount,
  wipeSignatures,
} from './system';

export interface ProviderHealth {
  state: 'ONLINE' | 'ERROR';
  message?: string;
}

export interface ProviderCapacity {
  totalMb: number;
  freeMb: number;
  /** The largest volume that still fits (a volume lives on one device of a loop pool). */
  largestFreeMb: number;
}

/** A volume provider plugin: how one kind of provider turns its devices into volumes. */
export interface ProviderPlugin {
  readonly name: 'loop' | 'lvm';
  health(p: ProviderRecord): Promise<ProviderHealth>;
  /** Where the plugin will put its pools (recorded in the journal before anything is made). */
  plan(p: ProviderRecord, root: string): PoolRecord[];
  /** Make the provider's devices usable; idempotent (also brings pools back after a reboot). */
  ensure(p: ProviderRecord, devicePath: (name: string) => string): Promise<void>;
  /** Undo `ensure`; idempotent. */
  remove(p: ProviderRecord, devicePath: (name: string) => string): Promise<void>;
  capacity(p: ProviderRecord): Promise<ProviderCapacity>;
  /** Where a new volume will live (journaled before it is made). */
  placeVolume(p: ProviderRecord, id: string, sizeMb: number): Promise<string>;
  /** Make (or find) the volume's block device; idempotent by volume id. */
  ensureVolume(p: ProviderRecord, v: VolumeRecord): Promise<string>;
  removeVolume(p: ProviderRecord, v: VolumeRecord): Promise<void>;
}

const MiB = 1024 * 1024;

async function statMb(path: string): Promise<{ totalMb: number; freeMb: number }> {
  const s = await statfs(path);
  return {
    totalMb: Math.floor((s.blocks * s.bsize) / MiB),
    freeMb: Math.floor((s.bavail * s.bsize) / MiB),
  };
}

/**
 * `loop`: each device is formatted (ext4) and mounted as a pool; a volume is a file allocated
 * in a pool (fallocate, so its space is really taken) attached as a loop device.
 */
export class LoopPlugin implements ProviderPlugin {
  readonly name = 'loop' as const;

  async health(p: ProviderRecord): Promise<ProviderHealth> {
    for (const pool of p.pools)
      if (!(await isMounted(pool.mountPoint)))
        return {
          state: 'ERROR',
          message: `pool on ${pool.device} is not mounted at ${pool.mountPoint}`,
        };
    return { state: 'ONLINE' };
  }

  plan(p: ProviderRecord, root: string): PoolRecord[] {
    return p.devices.map((d) => ({
      device: d,
      mountPoint: join(root, 'providers', p.name, `pool-${d.replace(/\//g, '_')}`),
    }));
  }

  async ensure(p: ProviderRecord, devicePath: (name: string) => string): Promise<void> {
    for (const pool of p.pools) {
      const dev = devicePath(pool.device);
      if (!dev)
        throw new StorageError(
          `device ${pool.device} of provider "${p.name}" is not available`,
          503,
        );
      await mkdir(pool.mountPoint, { recursive: true });
      if (await isMounted(pool.mountPoint)) continue;
      // Format only a device without a filesystem or one this provider formatted (label).
      const fs = await filesystemOf(dev);
      const label = await run('blkid', ['-o', 'value', '-s', 'LABEL', dev]).catch(() => '');
      if (!fs || label.trim() !== poolLabel(p)) await mkfs('ext4', dev, poolLabel(p));
      await mount(dev, pool.mountPoint);
      await mkdir(join(pool.mountPoint, 'volumes'), { recursive: true });
    }
  }

  async remove(p: ProviderRecord, devicePath: (name: string) => string): Promise<void> {
    for (const pool of p.pools) {
      await unmount(pool.mountPoint);
      await rm(pool.mountPoint, { recursive: true, force: true });
      const dev = devicePath(pool.device);
      if (dev && (await exists(dev))) await wipeSignatures(dev);
    }
  }

  async capacity(p: ProviderRecord): Promise<ProviderCapacity> {
    const out: ProviderCapacity = { totalMb: 0, freeMb: 0, largestFreeMb: 0 };
    for (const pool of p.pools) {
      if (!(await isMounted(pool.mountPoint))) continue;
      const s = await statMb(pool.mountPoint);
      out.totalMb += s.totalMb;
      out.freeMb += s.freeMb;
      out.largestFreeMb = Math.max(out.largestFreeMb, s.freeMb);
    }
    return out;
  }

  async placeVolume(p: ProviderRecord, id: string, sizeMb: number): Promise<string> {
    let best: { pool: PoolRecord; free: number } | undefined;
    for (const pool of p.pools) {
      if (!(await isMounted(pool.mountPoint))) continue;
      const { freeMb } = await statMb(pool.mountPoint);
      if (freeMb >= sizeMb && (!best || freeMb > best.free)) best = { pool, free: freeMb };
    }
    if (!best) {
      const cap = await this.capacity(p);
      throw new StorageError(
        `a ${sizeMb} MiB volume does not fit in provider "${p.name}" (largest free space ${cap.largestFreeMb} MiB)`,
        422,
      );
    }
    return join(best.pool.mountPoint, 'volumes', `${id}.img`);
  }

  async ensureVolume(p: ProviderRecord, v: VolumeRecord): Promise<string> {
    if (!(await exists(v.file))) {
      try {
        await run('fallocate', ['-l', String(v.sizeMb * MiB), v.file]);
      } catch (e) {
        await rm(v.file, { force: true });
        if (e instanceof CommandError && /No space/i.test(e.stderr))
          throw new StorageError(
            `a ${v.sizeMb} MiB volume does not fit in provider "${p.name}"`,
            422,
          );
        throw e;
      }
    }
    return attachLoop(v.file);
  }

  async removeVolume(_p: ProviderRecord, v: VolumeRecord): Promise<void> {
    await detachLoops(v.file);
    await rm(v.file, { force: true });
  }
}

const poolLabel = (p: ProviderRecord): string => `dcos-${p.id.replace(/-/g, '').slice(0, 11)}`;

/** Is the kernel's device-mapper usable (LVM logical volumes need it)? */
export async function deviceMapperAvailable(): Promise<boolean> {
  if (!(await exists('/dev/mapper/control'))) return false;
  if (!(await commandExists('dmsetup'))) return false;
  try {
    await run('dmsetup', ['version'], 10_000);
    return true;
  } catch {
    return false;
  }
}

/** `lvm`: the devices form a volume group; a volume is a logical volume (lvcreate). */
export class LvmPlugin implements ProviderPlugin {
  readonly name = 'lvm' as const;

  private async problem(): Promise<string | undefined> {
    if (!(await commandExists('lvcreate'))) return 'lvm2 is not installed (lvcreate not found)';
    if (!(await deviceMapperAvailable())) return 'device-mapper unavailable';
    return undefined;
  }

  async health(p: ProviderRecord): Promise<ProviderHealth> {
    const problem = await this.problem();
    if (problem) return { state: 'ERROR', message: problem };
    try {
      await run('vgs', [vgName(p)]);
      return { state: 'ONLINE' };
    } catch (e) {
      return { state: 'ERROR', message: `volume group ${vgName(p)}: ${(e as Error).message}` };
    }
  }

  plan(): PoolRecord[] {
    return [];
  }

  async ensure(p: ProviderRecord, devicePath: (name: string) => string): Promise<void> {
    // Without device-mapper no logical volume could ever be activated: leave the devices
    // untouched and report the problem as the provider's status instead.
    if (await this.problem()) return;
    try {
      await run('vgs', [vgName(p)]);
      return;
    } catch {
      /* not there yet */
    }
    const devs = p.devices.map(devicePath);
    if (devs.some((d) => !d))
      throw new StorageError(`a device of provider "${p.name}" is not available`, 503);
    await run('pvcreate', ['-ff', '-y', ...devs]);
    await run('vgcreate', ['-y', vgName(p), ...devs]);
  }

  async remove(p: ProviderRecord, devicePath: (name: string) => string): Promise<void> {
    if (await this.problem()) return;
    await run('vgremove', ['-y', '-f', vgName(p)]).catch(() => undefined);
    const devs = p.devices.map(devicePath).filter(Boolean);
    if (devs.length) await run('pvremove', ['-y', '-ff', ...devs]).catch(() => undefined);
  }

  async capacity(p: ProviderRecord): Promise<ProviderCapacity> {
    if (await this.problem()) return { totalMb: 0, freeMb: 0, largestFreeMb: 0 };
    const out = await run('vgs', [
      '--noheadings',
      '--units',
      'm',
      '--nosuffix',
      '-o',
      'vg_size,vg_free',
      vgName(p),
    ]);
    const [size, free] = out
      .trim()
      .split(/\s+/)
      .map((x) => Math.floor(Number(x)));
    return { totalMb: size, freeMb: free, largestFreeMb: free };
  }

  async placeVolume(p: ProviderRecord, id: string, sizeMb: number): Promise<string> {
    const problem = await this.problem();
    if (problem) throw new StorageError(`provider "${p.name}": ${problem}`, 503);
    const cap = await this.capacity(p);
    if (cap.freeMb < sizeMb)
      throw new StorageError(
        `a ${sizeMb} MiB volume does not fit in provider "${p.name}" (${cap.freeMb} MiB free)`,
        422,
      );
    return `/dev/${vgName(p)}/${id}`;
  }

  async ensureVolume(p: ProviderRecord, v: VolumeRecord): Promise<string> {
    const problem = await this.problem();
    if (problem) throw new StorageError(`provider "${p.name}": ${problem}`, 503);
    if (!(await exists(v.file))) {
      const id = basename(v.file);
      await run('lvcreate', ['-y', '-W', 'y', '-L', `${v.sizeMb}m`, '-n', id, vgName(p)]);
    }
    return v.file;
  }

  async removeVolume(p: ProviderRecord, v: VolumeRecord): Promise<void> {
    if (await this.problem()) return;
    if (await exists(v.file)) await run('lvremove', ['-y', `${vgName(p)}/${basename(v.file)}`]);
  }
}

const vgName = (p: ProviderRecord): string => `dcos-${p.name}`;

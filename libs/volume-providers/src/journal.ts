import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Everything storage makes on a node, recorded BEFORE it is made (write-ahead): file-backed
 * disks, providers and their pool mounts, volumes (file, loop device, filesystem, staging
 * mount), attachments into sandboxes, external volumes. `reconcile()` converges the node to
 * it after a crash: unfinished creations are rolled back, unfinished removals completed.
 */

export type Phase = 'creating' | 'ready' | 'removing';

export interface DiskRecord {
  name: string;
  file: string;
  sizeMb: number;
}

export interface PoolRecord {
  device: string;
  mountPoint: string;
}

export interface ProviderRecord {
  id: string;
  name: string;
  plugin: 'loop' | 'lvm';
  devices: string[];
  phase: Phase;
  pools: PoolRecord[];
  /** lvm: the volume group. */
  volumeGroup?: string;
  labels?: Record<string, string>;
}

export interface VolumeRecord {
  id: string;
  provider: string;
  type: 'MOUNT' | 'BLOCK';
  sizeMb: number;
  filesystem?: 'ext4' | 'xfs';
  profile?: string;
  /** loop: the allocated file in a pool; lvm: the logical volume path. */
  file: string;
  /** MOUNT: where the filesystem is mounted on the node (bind-mounted into sandboxes). */
  staging?: string;
  phase: Phase;
}

export interface AttachmentRecord {
  target: string;
  volumeId: string;
  phase: 'attaching' | 'attached' | 'detaching';
}

export interface ExternalRecord {
  name: string;
  image: string;
  lock: string;
  target: string;
  phase: 'attaching' | 'attached' | 'detaching';
}

export interface JournalState {
  version: 1;
  disks: Record<string, DiskRecord>;
  providers: Record<string, ProviderRecord>;
  volumes: Record<string, VolumeRecord>;
  attachments: Record<string, AttachmentRecord>;
  external: Record<string, ExternalRecord>;
}

export const emptyJournal = (): JournalState => ({
  version: 1,
  disks: {},
  providers: {},
  volumes: {},
  attachments: {},
  external: {},
});

export class Journal {
  state: JournalState = emptyJournal();

  constructor(readonly file: string) {}

  async load(): Promise<JournalState> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as JournalState;
      if (parsed.version !== 1)
        throw new Error(`unknown storage journal version ${String(parsed.version)}`);
      this.state = { ...emptyJournal(), ...parsed };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.state = emptyJournal();
    }
    return this.state;
  }

  /** Change the state and make it durable (temp file + fsync + rename) before returning. */
  async update(mutate: (s: JournalState) => void): Promise<void> {
    mutate(this.state);
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(this.state, null, 1));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
  }
}

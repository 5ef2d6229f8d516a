import { chown, lstat, mkdir, readdir, rm, rmdir, stat, symlink } from 'node:fs/promises';
import * as path from 'node:path';
import type {
  AgentPersistentVolumes,
  AgentPersistentVolumesSync,
  AgentPersistentVolumesSyncReply,
} from '@dcos/contracts';
import { isMounted, mount, unmount } from '@dcos/volume-providers';

type Log = (level: 'info' | 'warn' | 'error', msg: string) => void;

/** What to do with the agent's volume directories to match the master's full set. */
export interface VolumeSyncPlan {
  /** Wanted, not on disk: made. */
  create: string[];
  /** On disk, not wanted, no running task uses it: removed. */
  remove: string[];
  /** On disk, not wanted, but a running task uses it: kept (for a later sync). */
  inUse: string[];
}

/**
 * Pure: the directories `present` in `volumes/roles/<role>/<id>`, the `desired` ones (the
 * master's full set) and those running tasks use (`inUse`) → what to make and remove.
 */
export function planVolumeSync(
  present: Iterable<string>,
  desired: Iterable<string>,
  inUse: ReadonlySet<string>,
): VolumeSyncPlan {
  const have = new Set(present);
  const want = new Set(desired);
  const plan: VolumeSyncPlan = { create: [], remove: [], inUse: [] };
  for (const d of want) if (!have.has(d)) plan.create.push(d);
  for (const d of have) {
    if (want.has(d)) continue;
    (inUse.has(d) ? plan.inUse : plan.remove).push(d);
  }
  for (const l of Object.values(plan)) (l as string[]).sort();
  return plan;
}

/** What a persistence id may be: one path segment (it names a directory). */
const ID_RE = /^[A-Za-z0-9._#:@+-]{1,255}$/;

/**
 * Mesos' persistent volumes on the agent's plain disk (`disk.persistence` without
 * `disk.source`): a directory `<work_dir>/volumes/roles/<role>/<persistence_id>` made on CREATE
 * (or on first use), bind-mounted at `$MESOS_SANDBOX/<container_path>` while a task uses it (a
 * symlink where a bind mount is not possible), kept across task and agent restarts, and
 * removed on DESTROY.
 */
export class PersistentVolumes {
  constructor(
    private readonly workDir: string,
    private readonly log: Log,
  ) {}

  /** The volume's directory; throws for an id or role that is not one path segment. */
  dir(role: string, persistenceId: string): string {
    if (!ID_RE.test(persistenceId) || persistenceId === '.' || persistenceId === '..')
      throw new Error(`disk.persistence.id "${persistenceId}" must be 1-255 of [A-Za-z0-9._#:@+-]`);
    // Hierarchical roles (`a/b`) are one directory, as Mesos keeps them.
    const r = role.replace(/\//g, ' ');
    if (!r || r === '.' || r === '..' || r === '*')
      throw new Error(`role "${role}" cannot hold a persistent volume`);
    return path.join(this.workDir, 'volumes', 'roles', r, persistenceId);
  }

  /**
   * Makes the directory (idempotent). With `owner` (the task's user), an empty one is handed
   * to it, as Mesos does on a volume's first use (CREATE made it as root).
   */
  async create(dir: string, owner?: { uid: number; gid: number }): Promise<void> {
    const existed = await stat(dir).then(
      () => true,
      () => false,
    );
    if (!existed) await mkdir(dir, { recursive: true, mode: 0o755 });
    if (owner && (await readdir(dir)).length === 0) await chown(dir, owner.uid, owner.gid);
  }

  /** Makes the volume available at `target` (a bind mount, else a symlink). */
  async attach(
    hostPath: string,
    target: string,
    owner?: { uid: number; gid: number },
  ): Promise<void> {
    await this.create(hostPath, owner);
    await mkdir(path.dirname(target), { recursive: true });
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isSymbolicLink()) await rm(target, { force: true });
    await mkdir(target, { recursive: true });
    try {
      await mount(hostPath, target, { bind: true });
    } catch (e) {
      this.log(
        'warn',
        `cannot bind-mount ${hostPath} at ${target} (${(e as Error).message}); linking it instead`,
      );
      await rmdir(target);
      await symlink(hostPath, target);
    }
  }

  /** Undoes `attach`; idempotent. The volume's directory and data stay. */
  async detach(target: string): Promise<void> {
    const st = await lstat(target).catch(() => undefined);
    if (!st) return;
    if (st.isSymbolicLink()) await rm(target, { force: true });
    else if (await isMounted(target)) await unmount(target);
  }

  /**
   * The master's CREATE / DESTROY of volumes. A volume that a task still uses (`inUse`) is not
   * removed: the DESTROY is refused (an error reply) and its directory kept.
   */
  async apply(m: AgentPersistentVolumes, inUse: (dir: string) => boolean): Promise<object> {
    for (const v of m.create) {
      const dir = this.dir(v.role, v.persistence_id);
      await this.create(dir);
      this.log('info', `persistent volume ${v.persistence_id} of role ${v.role} at ${dir}`);
    }
    const busy: string[] = [];
    for (const v of m.destroy) {
      const dir = this.dir(v.role, v.persistence_id);
      if (inUse(dir)) {
        busy.push(v.persistence_id);
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      this.log('info', `persistent volume ${v.persistence_id} of role ${v.role} removed`);
    }
    if (busy.length) throw new Error(`persistent volume(s) in use by a task: ${busy.join(', ')}`);
    return {};
  }

  /** The volume directories on disk: `<work_dir>/volumes/roles/<role>/<id>`. */
  async present(): Promise<string[]> {
    const root = path.join(this.workDir, 'volumes', 'roles');
    const roles = await readdir(root, { withFileTypes: true }).catch(() => []);
    const out: string[] = [];
    for (const r of roles) {
      if (!r.isDirectory()) continue;
      const ids = await readdir(path.join(root, r.name)).catch(() => [] as string[]);
      for (const id of ids) out.push(path.join(root, r.name, id));
    }
    return out;
  }

  /**
   * The master's full set (Mesos' checkpointed resources, on (re-)registration): makes the
   * missing volume directories and removes those not in the set (destroyed while the agent was
   * down or unreachable), except those a running task uses (`inUse`).
   */
  async sync(
    m: AgentPersistentVolumesSync,
    inUse: (dir: string) => boolean,
  ): Promise<AgentPersistentVolumesSyncReply> {
    const desired: string[] = [];
    for (const v of m.volumes) {
      try {
        desired.push(this.dir(v.role, v.persistence_id));
      } catch (e) {
        this.log('warn', `persistent volume sync: ${(e as Error).message}`);
      }
    }
    const present = await this.present();
    const plan = planVolumeSync(present, desired, new Set(present.filter(inUse)));
    for (const dir of plan.create) {
      await this.create(dir);
      this.log('info', `persistent volume sync: made ${dir}`);
    }
    for (const dir of plan.remove) {
      await rm(dir, { recursive: true, force: true });
      this.log('info', `persistent volume sync: removed ${dir} (destroyed on the master)`);
    }
    for (const dir of plan.inUse)
      this.log(
        'warn',
        `persistent volume sync: kept ${dir}, not on the master but in use by a task`,
      );
    this.log(
      'info',
      `persistent volume sync: ${desired.length} volume(s) on the master; made ${plan.create.length}, removed ${plan.remove.length}, kept ${plan.inUse.length} in use`,
    );
    return { created: plan.create, removed: plan.remove, in_use: plan.inUse };
  }
}

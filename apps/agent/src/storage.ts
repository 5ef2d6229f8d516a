import { lstat, mkdir, rm, symlink } from 'node:fs/promises';
import * as path from 'node:path';
import {
  AgentApplyOperationContract,
  AgentResourcesUpdateReplyContract,
  subjectFor,
  type AgentApplyOperation,
  type AgentOperationResult,
  type Resource,
  type TaskInfo,
} from '@dcos/contracts';
import type { NatsClient } from '@dcos/nats';
import { parseDiskSpec } from '@dcos/storage-plan';
import { AgentStorage, StorageEngine } from '@dcos/volume-providers';
import type { AgentConfig } from './config';

type Log = (level: 'info' | 'warn' | 'error', msg: string) => void;

/**
 * A storage volume a task uses: mounted (MOUNT) or linked (BLOCK) at `target` in its sandbox,
 * an external (DVDI) volume from the shared pool (EXTERNAL: `volumeId` is its name), or a
 * persistent volume on the agent's plain disk (PERSISTENT: `volumeId` is its persistence id,
 * `hostPath` its directory under the work dir).
 */
export interface TaskVolume {
  volumeId: string;
  type: 'MOUNT' | 'BLOCK' | 'EXTERNAL' | 'PERSISTENT';
  /** PERSISTENT: `<work_dir>/volumes/roles/<role>/<persistence_id>`. */
  hostPath?: string;
  /** Absolute: `<sandbox>/<disk.volume.container_path>` (or `<sandbox>/<container_path>`). */
  target: string;
  /** EXTERNAL: the size it is created with on first use (driver option `size`). */
  sizeMb?: number;
}

interface ContainerVolumeJson {
  container_path?: unknown;
  source?: {
    type?: string;
    docker_volume?: {
      driver?: string;
      name?: unknown;
      driver_options?: { parameter?: { key?: string; value?: string }[] };
    };
  };
}

/** A driver `size` option ("64M", "2G"; plain = GiB, as rexray) in MiB. */
export function driverSizeMb(size: string | undefined): number | undefined | string {
  if (size === undefined) return undefined;
  const m = /^(\d+)\s*(M|MB|MiB|G|GB|GiB)?$/i.exec(size.trim());
  if (!m) return `driver option size "${size}" is not a size such as "64M" or "2G"`;
  return /^m/i.test(m[2] ?? 'G') ? Number(m[1]) : Number(m[1]) * 1024;
}

const sandboxPathError = (cp: unknown, what: string): string | undefined =>
  typeof cp !== 'string' ||
  cp === '' ||
  path.isAbsolute(cp) ||
  cp.split('/').some((p) => p === '..')
    ? `${what} "${String(cp)}" must be a relative path inside the sandbox`
    : undefined;

interface DiskJson {
  source?: { type?: string; id?: string };
  persistence?: { id?: string };
  volume?: { container_path?: string };
}

/**
 * The volumes a task's resources ask for: MOUNT / BLOCK disks (with `disk.source.id`) and
 * persistent volumes on the agent's plain disk (`disk.persistence.id`, no source; their
 * directory from `persistentDir(role, id)`) that carry `disk.volume.container_path`. A path
 * outside the sandbox is an error (a string).
 */
export function taskVolumes(
  task: TaskInfo,
  sandbox: string,
  persistentDir?: (role: string, persistenceId: string) => string,
): TaskVolume[] | string {
  const out: TaskVolume[] = [];
  for (const r of task.resources ?? []) {
    const disk = r.disk as DiskJson | undefined;
    const type = disk?.source?.type;
    const pid = disk?.persistence?.id;
    if (r.name === 'disk' && !disk?.source && pid !== undefined && !r.provider_id) {
      const cp = disk?.volume?.container_path;
      if (cp === undefined) continue;
      const bad = sandboxPathError(cp, 'disk.volume.container_path');
      if (bad) return bad;
      const role = r.reservations?.at(-1)?.role ?? r.role ?? '*';
      if (!persistentDir) return 'persistent volumes are not supported on this agent';
      let hostPath: string;
      try {
        hostPath = persistentDir(role, pid);
      } catch (e) {
        return (e as Error).message;
      }
      out.push({
        volumeId: pid,
        type: 'PERSISTENT',
        hostPath,
        target: path.resolve(sandbox, cp as string),
      });
      continue;
    }
    if (r.name !== 'disk' || (type !== 'MOUNT' && type !== 'BLOCK')) continue;
    const cp = disk?.volume?.container_path;
    if (cp === undefined) continue;
    const id = disk?.source?.id;
    if (!id) return `disk.source.id is required for a ${type} disk with a container_path`;
    if (
      typeof cp !== 'string' ||
      cp === '' ||
      path.isAbsolute(cp) ||
      cp.split('/').some((p) => p === '..')
    )
      return `disk.volume.container_path "${String(cp)}" must be a relative path inside the sandbox`;
    out.push({ volumeId: id, type, target: path.resolve(sandbox, cp) });
  }
  // External volumes as Mesos' docker/volume isolator takes them (what Marathon sends for DVDI).
  const cvs = (task.container as { volumes?: ContainerVolumeJson[] } | undefined)?.volumes ?? [];
  for (const v of cvs) {
    if (v.source?.type !== 'DOCKER_VOLUME') continue;
    const name = v.source.docker_volume?.name;
    if (typeof name !== 'string' || !name)
      return 'container.volumes[].source.docker_volume.name is required';
    const bad = sandboxPathError(v.container_path, 'container.volumes[].container_path');
    if (bad) return bad;
    const params = v.source.docker_volume?.driver_options?.parameter ?? [];
    const sizeMb = driverSizeMb(params.find((x) => x.key === 'size')?.value);
    if (typeof sizeMb === 'string') return sizeMb;
    out.push({
      volumeId: name,
      type: 'EXTERNAL',
      target: path.resolve(sandbox, v.container_path as string),
      ...(sizeMb !== undefined ? { sizeMb } : {}),
    });
  }
  return out;
}

/**
 * The agent's storage (`@dcos/volume-providers`): devices and providers for DSS, the disk
 * resources the master offers (re-advertised when they change, `masterAgentResourcesUpdate`),
 * CREATE_DISK / DESTROY_DISK from the master (`agentApplyOperation`), and task volumes.
 */
export class AgentStorageModule {
  readonly storage: AgentStorage;
  /** The storage disk resources as last computed, and their version. */
  resources: Resource[] = [];
  seq = 0;
  private agentId?: string;
  private sub?: { unsubscribe(): void };
  private lastReported = '';
  private advertising = false;
  private again = false;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    config: AgentConfig,
    private readonly nats: NatsClient,
    hostname: string,
    private readonly log: Log,
  ) {
    const disks = parseDiskSpec(config.AGENT_DISKS ?? '');
    this.storage = new AgentStorage(
      new StorageEngine({
        workDir: config.AGENT_WORK_DIR,
        fileDisks: disks.ok ? disks.value : [],
        devices: (config.AGENT_STORAGE_DEVICES ?? '').split(',').filter(Boolean),
        externalPoolDir: config.AGENT_EXTERNAL_VOLUMES_DIR,
        nodeId: hostname,
        log,
      }),
      nats,
      { hostname, onResourcesChanged: () => this.changed() },
    );
  }

  /** Storage is on when disks, devices or an external pool are configured. */
  static enabled(config: AgentConfig): boolean {
    return !!(
      config.AGENT_DISKS ||
      config.AGENT_STORAGE_DEVICES ||
      config.AGENT_EXTERNAL_VOLUMES_DIR
    );
  }

  /**
   * Converge to the journal (agent start). Attachments at `keep` (sandboxes of tasks the
   * agent still runs) stay; every other one is undone.
   */
  async open(keep: Set<string>): Promise<void> {
    const report = await this.storage.engine.open({ keepAttachment: (t) => keep.has(t) });
    await this.refresh();
    this.lastReported = JSON.stringify(this.resources);
    this.log(
      'info',
      `storage: ${(await this.storage.engine.listDevices()).length} device(s), ${this.resources.length} disk resource(s); restored ${report.restored.length}, rolled back ${report.rolledBack.length}`,
    );
  }

  private nextSeq(): number {
    this.seq = Math.max(this.seq + 1, Date.now());
    return this.seq;
  }

  private async refresh(): Promise<void> {
    this.resources = (await this.storage.resources()) as unknown as Resource[];
    this.nextSeq();
  }

  serve(agentId: string): void {
    this.agentId = agentId;
    this.storage.serve(agentId);
    this.sub?.unsubscribe();
    this.sub = this.nats.serve<AgentApplyOperation, AgentOperationResult>(
      subjectFor(this.nats.prefix, 'agentApplyOperation', agentId),
      (m) => this.applyOperation(m),
      { input: AgentApplyOperationContract },
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.sub?.unsubscribe();
    this.storage.stop();
  }

  /** A CREATE_DISK / DESTROY_DISK the master forwards; a StorageError becomes an error reply. */
  async applyOperation(m: AgentApplyOperation): Promise<AgentOperationResult> {
    this.log(
      'info',
      `${m.operation.type} ${m.operation_id.value} of framework ${m.framework_id.value}`,
    );
    const converted = await this.storage.applyOperation(m.operation as never);
    await this.refresh();
    // The reply carries the new resources: the update the change scheduled has nothing to add.
    this.lastReported = JSON.stringify(this.resources);
    return {
      status: 'OPERATION_FINISHED',
      resources: converted as unknown as Resource[],
      storage_resources: this.resources,
      seq: this.seq,
    };
  }

  /** Providers or volumes changed: tell the master (one update at a time, the latest state). */
  private changed(): void {
    if (this.advertising) {
      this.again = true;
      return;
    }
    this.advertising = true;
    void this.advertise().finally(() => {
      this.advertising = false;
      if (this.again && !this.stopped) {
        this.again = false;
        this.changed();
      }
    });
  }

  private async advertise(): Promise<void> {
    if (this.stopped) return;
    await this.refresh();
    const text = JSON.stringify(this.resources);
    if (!this.agentId || text === this.lastReported) return;
    try {
      await this.nats.request(
        this.nats.subjects.masterAgentResourcesUpdate,
        { agent_id: { value: this.agentId }, resources: this.resources, seq: this.seq },
        { timeoutMs: 5_000, answer: AgentResourcesUpdateReplyContract },
      );
      // Unknown to the master: it re-registers (heartbeat) and sends these resources then.
      this.lastReported = text;
    } catch (e) {
      this.log(
        'warn',
        `storage resources update not delivered (${(e as Error).message}); retrying`,
      );
      if (this.retry) clearTimeout(this.retry);
      this.retry = setTimeout(() => this.changed(), 1_000);
    }
  }

  /** Mounts (MOUNT) or links (BLOCK) a task's volumes into its sandbox before it starts. */
  async attach(volumes: TaskVolume[]): Promise<void> {
    const done: TaskVolume[] = [];
    try {
      for (const v of volumes) {
        if (v.type === 'PERSISTENT') continue; // the agent's own (PersistentVolumes)
        if (v.type === 'EXTERNAL') {
          // Exclusive: refused (409) while another node holds the volume's lease.
          await this.storage.engine.attachExternal(v.volumeId, {
            target: v.target,
            ...(v.sizeMb !== undefined ? { sizeMb: v.sizeMb } : {}),
          });
          done.push(v);
          continue;
        }
        const r = await this.storage.engine.attach(v.volumeId, v.target);
        if (v.type === 'BLOCK') {
          if (!r.device) throw new Error(`volume ${v.volumeId} has no device`);
          // The sandbox may not exist yet (the task's process comes after its volumes).
          await mkdir(path.dirname(v.target), { recursive: true });
          await rm(v.target, { force: true });
          await symlink(r.device, v.target);
        }
        done.push(v);
      }
    } catch (e) {
      await this.detach(done);
      throw e;
    }
  }

  /** Undoes `attach` (task ended); idempotent. */
  async detach(volumes: TaskVolume[]): Promise<void> {
    for (const v of volumes) {
      if (v.type === 'PERSISTENT') continue;
      try {
        if (v.type === 'EXTERNAL') await this.storage.engine.detachExternal(v.volumeId);
        else if (v.type === 'MOUNT') await this.storage.engine.detach(v.target);
        else if ((await lstat(v.target).catch(() => undefined))?.isSymbolicLink())
          await rm(v.target, { force: true });
      } catch (e) {
        this.log(
          'error',
          `cannot detach volume ${v.volumeId} from ${v.target}: ${(e as Error).message}`,
        );
      }
    }
  }
}

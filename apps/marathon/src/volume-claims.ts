import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Resource } from '@dcos/contracts';
import {
  takeMountVolume,
  takePersistentVolume,
  takePlainDisk,
  volumeSourceId,
  type OfferPool,
} from '@dcos/placement';
import type { LocalVolumeRef } from './model';
import { Repository } from './repository';
import type { PersistentVolume } from './volumes';

/**
 * A local persistent volume an app holds on one agent: a whole MOUNT or BLOCK disk (made by
 * DSS), identified by its `disk.source.id`, or (`root`) a slice of the agent's plain disk made a
 * Mesos persistent volume, identified by its `disk.persistence.id`. It stays the app's until
 * wiped: an instance that ends is relaunched on it, and a replacement (restart, new version)
 * takes over a claim nobody holds.
 */
export interface VolumeClaim {
  appId: string;
  /** MOUNT / BLOCK: the disk's `disk.source.id`; root: the volume's `disk.persistence.id`. */
  sourceId: string;
  /** Absent in claims stored before root / block volumes: mount. */
  type?: 'mount' | 'block' | 'root';
  /** root: the master has made the volume (RESERVE + CREATE accepted); false until then. */
  created?: boolean;
  agentId: string;
  host: string;
  containerPath: string;
  sizeMb: number;
  profile?: string;
  /** The instance using it now (undefined: reserved for the app, free for its next instance). */
  instanceId?: string;
  claimedAt: string;
  /** The disk is dynamically reserved to Marathon's role (UNRESERVEd when released). */
  reserved?: boolean;
}

/** How long a released reserved disk keeps Marathon asking for offers to UNRESERVE it. */
const UNRESERVE_WAIT_MS = 120_000;

export type ClaimMatch =
  | {
      ok: true;
      /** The disk as the task uses it (`disk.volume` set); root + `create`: the plain slice. */
      resource: Resource;
      claim: VolumeClaim;
      /** What is left of the offer: storage disks, and (root) the plain disk scalars. */
      pool: OfferPool['volumes'];
      plainDisk?: Map<string, number>;
      /** root: the volume is to be made from `resource` (RESERVE if unreserved, CREATE). */
      create?: boolean;
    }
  | { ok: false };

/** Marathon's persistence id of a root volume: `<app>#<containerPath>#<uuid>`. */
export function persistenceId(appId: string, containerPath: string, uuid: string): string {
  return `${appId.replace(/^\//, '').replace(/\//g, '_')}#${containerPath}#${uuid}`;
}

/**
 * Marathon's resident-instance bookkeeping for persistent volumes: in memory, written through
 * to Postgres (`volume_claims`) before the ACCEPT that uses a claim is sent.
 */
@Injectable()
export class VolumeClaims {
  private readonly logger = new Logger('volume-claims');
  private readonly byApp = new Map<string, VolumeClaim[]>();
  private writes: Promise<void> = Promise.resolve();
  /** Released disks whose reservation is still to be UNRESERVEd (keeps offers coming). */
  private readonly toUnreserve = new Map<string, number>();

  constructor(
    private readonly ds: DataSource,
    repo: Repository,
  ) {
    // Claims are stored before the ACCEPT that uses them, with the instances.
    repo.alsoFlush(() => this.flush());
  }

  private t(): string {
    const schema = (this.ds.options as { schema?: string }).schema ?? 'marathon';
    return `"${schema}"."volume_claims"`;
  }

  async load(): Promise<void> {
    const rows: { data: VolumeClaim }[] = await this.ds.query(`SELECT data FROM ${this.t()}`);
    this.byApp.clear();
    for (const { data } of rows) this.byApp.set(data.appId, [...this.of(data.appId), data]);
  }

  of(appId: string): VolumeClaim[] {
    return this.byApp.get(appId) ?? [];
  }

  all(): VolumeClaim[] {
    return [...this.byApp.values()].flat();
  }

  /**
   * The disk this instance may use from the offer for `volume`: the claim it holds, else a
   * claim of the app for that containerPath nobody holds (`live` = instances that still
   * exist), else — while the app has fewer such claims than instances — a new one: a MOUNT /
   * BLOCK disk of the profile with at least the size, or (root) `size` MiB of plain disk to
   * be made a persistent volume (`canReserve`: the offer's role can hold reservations; if
   * not, only disk already reserved to a role is used). Nothing is changed: `bind` records
   * the match once the whole launch fits.
   */
  match(
    appId: string,
    volume: PersistentVolume,
    appInstances: number,
    instanceId: string,
    live: (instanceId: string) => boolean,
    offer: { agentId: string; host: string },
    pool: OfferPool,
    roles: string[],
    now: Date,
    canReserve = true,
  ): ClaimMatch {
    const claims = this.of(appId).filter((c) => c.containerPath === volume.containerPath);
    const held =
      claims.find((c) => c.instanceId === instanceId) ??
      claims.find((c) => !c.instanceId || !live(c.instanceId));
    // Probed on a copy: the pool changes only if the rest of the launch fits too.
    const plain = new Map(pool.scalars.get('disk') ?? []);
    const probe: OfferPool = {
      ...pool,
      volumes: [...pool.volumes],
      scalars: new Map([...pool.scalars, ['disk', plain]]),
    };
    const type = volume.type;
    const made = (resource: Resource, claim: VolumeClaim, create?: boolean): ClaimMatch => ({
      ok: true,
      resource: create
        ? resource
        : ({
            ...resource,
            disk: {
              ...resource.disk,
              volume: { container_path: volume.containerPath, mode: 'RW' },
            },
          } as Resource),
      claim,
      pool: probe.volumes,
      ...(type === 'root' ? { plainDisk: plain } : {}),
      ...(create ? { create } : {}),
    });
    if (type === 'root') {
      const roleOk = (r: string) => canReserve || r !== '*';
      if (held && (held.agentId === offer.agentId || !held.created)) {
        // Made before (or maybe made: an ACCEPT whose answer was lost): used as offered.
        const v =
          held.agentId === offer.agentId
            ? takePersistentVolume(probe, held.sourceId, roles)
            : undefined;
        if (v) return made(v, { ...held, instanceId, created: true });
        if (held.created) return { ok: false };
        const slice = takePlainDisk(probe, held.sizeMb, roles.filter(roleOk));
        if (!slice) return { ok: false };
        return made(
          slice.resource,
          { ...held, agentId: offer.agentId, host: offer.host, instanceId },
          true,
        );
      }
      if (held || claims.length >= appInstances) return { ok: false };
      const slice = takePlainDisk(probe, volume.size, roles.filter(roleOk));
      if (!slice) return { ok: false };
      return made(
        slice.resource,
        {
          appId,
          sourceId: persistenceId(appId, volume.containerPath, randomUUID()),
          type: 'root',
          created: false,
          agentId: offer.agentId,
          host: offer.host,
          containerPath: volume.containerPath,
          sizeMb: volume.size,
          instanceId,
          claimedAt: now.toISOString(),
          reserved: true,
        },
        true,
      );
    }
    const sourceType = type === 'block' ? 'BLOCK' : 'MOUNT';
    let disk: Resource | undefined;
    let claim: VolumeClaim;
    if (held) {
      if (held.agentId !== offer.agentId) return { ok: false };
      disk = takeMountVolume(probe, {
        sizeMb: 0,
        roles,
        sourceId: held.sourceId,
        type: sourceType,
      });
      claim = { ...held, instanceId };
    } else {
      if (claims.length >= appInstances) return { ok: false };
      disk = takeMountVolume(probe, {
        sizeMb: volume.size,
        ...(volume.profileName !== undefined ? { profile: volume.profileName } : {}),
        roles,
        type: sourceType,
      });
      const sourceId = disk && volumeSourceId(disk);
      if (!disk || !sourceId) return { ok: false };
      claim = {
        appId,
        sourceId,
        ...(type === 'block' ? { type } : {}),
        agentId: offer.agentId,
        host: offer.host,
        containerPath: volume.containerPath,
        sizeMb: disk.scalar?.value ?? volume.size,
        ...(volume.profileName !== undefined ? { profile: volume.profileName } : {}),
        instanceId,
        claimedAt: now.toISOString(),
      };
    }
    if (!disk) return { ok: false };
    return made(disk, claim);
  }

  /** The root volume `sourceId` was made by the master (its ACCEPT went through). */
  created(sourceId: string): void {
    for (const c of this.all())
      if (c.sourceId === sourceId && c.type === 'root' && !c.created) {
        c.created = true;
        this.write(c.sourceId, c);
      }
  }

  /** Marathon's `localVolumes` entry for a claim (persistence id `<app>#<path>#<uuid>`). */
  static localVolume(c: VolumeClaim): LocalVolumeRef {
    if (c.type === 'root')
      return {
        runSpecId: c.appId,
        containerPath: c.containerPath,
        uuid: c.sourceId.split('#').at(-1) ?? c.sourceId,
        persistenceId: c.sourceId,
      };
    return {
      runSpecId: c.appId,
      containerPath: c.containerPath,
      uuid: c.sourceId,
      persistenceId: persistenceId(c.appId, c.containerPath, c.sourceId),
    };
  }

  /** Record a match (the instance now holds the claim); written before the ACCEPT. */
  bind(claim: VolumeClaim): void {
    const list = this.of(claim.appId).filter((c) => c.sourceId !== claim.sourceId);
    this.byApp.set(claim.appId, [...list, claim]);
    this.write(claim.sourceId, claim);
  }

  /** `wipe=true`: the instance's volume is no longer the app's. */
  releaseInstance(instanceId: string): VolumeClaim[] {
    const gone = this.all().filter((c) => c.instanceId === instanceId);
    for (const c of gone) this.drop(c);
    return gone;
  }

  /** App removed: its volumes are released. */
  releaseApp(appId: string): void {
    for (const c of this.of(appId)) this.drop(c);
  }

  /** True when some claim holds the disk `sourceId`. */
  isClaimed(sourceId: string): boolean {
    for (const list of this.byApp.values())
      if (list.some((c) => c.sourceId === sourceId)) return true;
    return false;
  }

  /**
   * Released reserved disks whose UNRESERVE has not been sent yet. One not offered within
   * UNRESERVE_WAIT_MS (its volume removed, its agent gone) is no longer waited for; it is
   * still UNRESERVEd whenever an offer shows it.
   */
  pendingUnreserves(now: number): number {
    for (const [id, at] of this.toUnreserve)
      if (now - at > UNRESERVE_WAIT_MS) this.toUnreserve.delete(id);
    return this.toUnreserve.size;
  }

  /** The UNRESERVE of `sourceId` was accepted by the master. */
  unreserved(sourceId: string): void {
    this.toUnreserve.delete(sourceId);
  }

  /** Every claim write so far is stored. */
  flush(): Promise<void> {
    return this.writes;
  }

  private drop(c: VolumeClaim): void {
    const list = this.of(c.appId).filter((x) => x.sourceId !== c.sourceId);
    if (list.length) this.byApp.set(c.appId, list);
    else this.byApp.delete(c.appId);
    if (c.reserved) this.toUnreserve.set(c.sourceId, Date.now());
    this.write(c.sourceId, null);
  }

  private write(sourceId: string, claim: VolumeClaim | null): void {
    const q = claim
      ? this.ds.query(
          `INSERT INTO ${this.t()} (source_id, app_id, data) VALUES ($1, $2, $3)
           ON CONFLICT (source_id) DO UPDATE SET app_id = EXCLUDED.app_id, data = EXCLUDED.data`,
          [sourceId, claim.appId, JSON.stringify(claim)],
        )
      : this.ds.query(`DELETE FROM ${this.t()} WHERE source_id = $1`, [sourceId]);
    // In order; a failed write is logged and the next launch's flush still waits for it.
    this.writes = this.writes
      .then(() => q)
      .then(
        () => undefined,
        (e: Error) => this.logger.error(`volume claim ${sourceId} not stored: ${e.message}`),
      );
  }
}

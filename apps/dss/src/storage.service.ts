import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { MasterStateClient, type StorageProvider } from './master-state';
import {
  checkProfile,
  checkProvider,
  checkProviderModification,
  checkVolume,
  profileSelects,
  profileVolumeType,
  volumeUsers,
  type PlannedVolume,
  type ProfileSpec,
  type ProviderRef,
  type ProviderSpec,
} from '@dcos/storage-plan';
import { AgentsClient } from './agents.client';
import { ProfileEntity, ProviderEntity, VolumeEntity } from './entities';
import { DssError, invalid } from './errors';
import { StorageFramework, planOf, plannedFromRow } from './framework';

const isUniqueViolation = (e: unknown) =>
  e instanceof QueryFailedError && (e as { code?: string }).code === '23505';

/** The DC/OS storage API's rules; the framework does the creating and removing of disks. */
@Injectable()
export class StorageService {
  constructor(
    private readonly ds: DataSource,
    private readonly agents: AgentsClient,
    private readonly framework: StorageFramework,
    private readonly master: MasterStateClient,
  ) {}

  // ---- devices ----

  async devices(node?: string) {
    const inv = await this.agents.inventory();
    const devices = inv
      .filter((a) => !node || a.agent_id === node)
      .flatMap((a) =>
        a.devices.map((d) => ({
          node: a.agent_id,
          name: d.name,
          status: d.status,
          rotational: d.rotational,
          type: d.type,
          'size-mb': d.size_mb,
          ...(d.provider ? { provider: d.provider } : {}),
        })),
      );
    return { devices };
  }

  // ---- providers ----

  private providerJson(p: ProviderEntity, live?: StorageProvider | null) {
    const spec = p.spec as unknown as ProviderSpec['spec'];
    return {
      name: p.name,
      description: p.description,
      spec,
      status: {
        state:
          p.phase !== 'READY'
            ? p.phase
            : live === null
              ? 'UNREACHABLE'
              : (live?.status.state ?? 'MISSING'),
        ...(live?.status.message ? { message: live.status.message } : {}),
        node: p.node,
        'provider-id': p.id,
        ...(live
          ? {
              'capacity-mb': live.capacity.total_mb,
              'free-mb': live.capacity.free_mb,
              'largest-free-mb': live.capacity.largest_free_mb,
            }
          : {}),
      },
    };
  }

  /** Live provider views per node (null: the agent did not answer). */
  private async liveProviders(
    nodes: string[],
  ): Promise<Map<string, Map<string, StorageProvider> | null>> {
    const out = new Map<string, Map<string, StorageProvider> | null>();
    await Promise.all(
      [...new Set(nodes)].map(async (n) => {
        const list = await this.agents.providers(n);
        out.set(n, list ? new Map(list.map((p) => [p.name, p])) : null);
      }),
    );
    return out;
  }

  async listProviders() {
    const rows = await this.ds.getRepository(ProviderEntity).find({ order: { name: 'ASC' } });
    const live = await this.liveProviders(rows.map((r) => r.node));
    return {
      providers: rows.map((r) => {
        const onNode = live.get(r.node);
        return this.providerJson(r, onNode === null ? null : (onNode?.get(r.name) ?? undefined));
      }),
    };
  }

  async createProvider(body: unknown) {
    const checked = checkProvider(body);
    if (!checked.ok) throw invalid(checked.problems);
    const spec = checked.value;
    const repo = this.ds.getRepository(ProviderEntity);
    const row: ProviderEntity = {
      name: spec.name,
      id: randomUUID(),
      description: spec.description,
      plugin: spec.spec.plugin.name,
      node: spec.spec.node,
      spec: spec.spec as object,
      phase: 'CREATING',
      createdAt: new Date(),
    };
    // The row claims the name first, so two concurrent creates cannot both reach the agent.
    try {
      await repo.insert(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DssError(409, `provider "${spec.name}" already exists`);
      throw e;
    }
    let live: StorageProvider;
    try {
      live = await this.agents.createProvider(spec.spec.node, {
        id: row.id,
        name: spec.name,
        plugin: spec.spec.plugin.name,
        devices: spec.spec['plugin-configuration'].devices,
        labels: spec.spec.labels,
      });
    } catch (e) {
      await repo.delete({ name: row.name });
      throw e;
    }
    row.phase = 'READY';
    await repo.update({ name: row.name }, { phase: 'READY' });
    return this.providerJson(row, live);
  }

  async modifyProvider(name: string, body: unknown) {
    const repo = this.ds.getRepository(ProviderEntity);
    const row = await repo.findOneBy({ name });
    if (!row) throw new DssError(404, `provider "${name}" does not exist`);
    const current: ProviderSpec = {
      name: row.name,
      description: row.description,
      spec: row.spec as unknown as ProviderSpec['spec'],
    };
    const checked = checkProviderModification(current, { name, ...(body as object) });
    if (!checked.ok) throw invalid(checked.problems);
    row.description = checked.value.description;
    row.spec = checked.value.spec as object;
    await repo.update({ name }, { description: row.description, spec: row.spec });
    return this.providerJson(row);
  }

  async removeProvider(name: string) {
    const repo = this.ds.getRepository(ProviderEntity);
    const row = await repo.findOneBy({ name });
    if (!row) throw new DssError(404, `provider "${name}" does not exist`);
    const users = [...this.framework.volumes.values()].filter(
      (v) =>
        v.pinned?.provider === name ||
        (v.eligible.length === 1 && v.eligible[0].provider === name && v.state !== 'ERROR'),
    );
    if (users.length)
      throw new DssError(
        409,
        `provider "${name}" has volumes: ${users.map((v) => v.name).join(', ')}; remove them first`,
      );
    await this.agents.removeProvider(row.node, name);
    await repo.delete({ name });
  }

  // ---- profiles ----

  private profileJson(p: ProfileEntity) {
    return {
      name: p.name,
      description: p.description,
      spec: p.spec,
      status: p.active ? 'ACTIVE' : 'INACTIVE',
    };
  }

  async listProfiles() {
    const rows = await this.ds.getRepository(ProfileEntity).find({ order: { name: 'ASC' } });
    return { profiles: rows.map((r) => this.profileJson(r)) };
  }

  async createProfile(body: unknown) {
    const checked = checkProfile(body);
    if (!checked.ok) throw invalid(checked.problems);
    const row: ProfileEntity = {
      name: checked.value.name,
      description: checked.value.description,
      spec: checked.value.spec as object,
      active: true,
      createdAt: new Date(),
    };
    try {
      await this.ds.getRepository(ProfileEntity).insert(row);
    } catch (e) {
      if (isUniqueViolation(e))
        throw new DssError(
          409,
          `profile "${row.name}" already exists (profiles are immutable: create one with another name)`,
        );
      throw e;
    }
    return this.profileJson(row);
  }

  async setProfileActive(name: string, active: boolean) {
    const repo = this.ds.getRepository(ProfileEntity);
    const row = await repo.findOneBy({ name });
    if (!row) throw new DssError(404, `profile "${name}" does not exist`);
    row.active = active;
    await repo.update({ name }, { active });
    return this.profileJson(row);
  }

  // ---- volumes ----

  volumeJson(v: PlannedVolume, requested: { node: string | null; provider: string | null }) {
    const at = v.pinned;
    return {
      name: v.name,
      'capacity-mb': v.capacityMb,
      profile: v.profile,
      ...(requested.node ? { node: requested.node } : {}),
      ...(requested.provider ? { provider: requested.provider } : {}),
      status: {
        state: v.state,
        ...(at ? { node: at.node } : {}),
        'asset-id': v.assetId,
        requires: at ? [{ type: 'PROVIDER', name: at.provider, node: at.node }] : [],
        metadata: { vendor: 'dcos-ts', 'volume-id': v.assetId },
        ...(v.message ? { message: v.message } : {}),
      },
    };
  }

  async listVolumes() {
    const rows = await this.ds.getRepository(VolumeEntity).find({ order: { name: 'ASC' } });
    return {
      volumes: rows.map((r) =>
        this.volumeJson(this.framework.volumes.get(r.name) ?? plannedFromRow(r), r),
      ),
    };
  }

  async createVolume(body: unknown) {
    const checked = checkVolume(body);
    if (!checked.ok) throw invalid(checked.problems);
    const req = checked.value;
    const capacity = req['capacity-mb'];
    if (await this.ds.getRepository(VolumeEntity).existsBy({ name: req.name }))
      throw new DssError(409, `volume "${req.name}" already exists`);
    const profileRow = await this.ds.getRepository(ProfileEntity).findOneBy({ name: req.profile });
    if (!profileRow)
      throw new DssError(422, `profile: profile "${req.profile}" does not exist`, [
        { field: 'profile', message: 'does not exist' },
      ]);
    if (!profileRow.active)
      throw new DssError(422, `profile: profile "${req.profile}" is deactivated`, [
        { field: 'profile', message: 'is deactivated' },
      ]);
    const profile: ProfileSpec = {
      name: profileRow.name,
      description: profileRow.description,
      spec: profileRow.spec as unknown as ProfileSpec['spec'],
    };
    const providers = (await this.ds.getRepository(ProviderEntity).findBy({ phase: 'READY' }))
      .map((p) => ({
        row: p,
        spec: {
          name: p.name,
          description: p.description,
          spec: p.spec as unknown as ProviderSpec['spec'],
        },
      }))
      .filter((p) => profileSelects(profile, p.spec))
      .filter((p) => !req.node || p.row.node === req.node)
      .filter((p) => !req.provider || p.row.name === req.provider);
    if (!providers.length) {
      const where = [req.node && `on node "${req.node}"`, req.provider && `named "${req.provider}"`]
        .filter(Boolean)
        .join(' ');
      throw new DssError(
        422,
        `profile "${req.profile}" matches no volume provider${where ? ` ${where}` : ''}`,
      );
    }
    // Capacity the framework has promised but not yet carved counts as taken.
    const promised = new Map<string, number>();
    for (const v of this.framework.volumes.values())
      if ((v.state === 'PENDING' || v.state === 'CREATING') && v.pinned)
        promised.set(v.pinned.provider, (promised.get(v.pinned.provider) ?? 0) + v.capacityMb);
    const live = await this.liveProviders(providers.map((p) => p.row.node));
    const fits: ProviderRef[] = [];
    let largest = 0;
    for (const p of providers) {
      const l = live.get(p.row.node)?.get(p.row.name);
      if (!l || l.status.state !== 'ONLINE') continue;
      const free = l.capacity.largest_free_mb - (promised.get(p.row.name) ?? 0);
      largest = Math.max(largest, free);
      if (free >= capacity)
        fits.push({ providerId: p.row.id, provider: p.row.name, node: p.row.node });
    }
    if (!fits.length)
      throw new DssError(
        422,
        `capacity-mb: a ${capacity} MiB volume does not fit in any ONLINE provider matching profile "${req.profile}" (largest free space ${largest} MiB)`,
        [{ field: 'capacity-mb', message: `does not fit (largest free space ${largest} MiB)` }],
      );
    const planned: PlannedVolume = {
      name: req.name,
      assetId: `dss-${randomUUID()}`,
      capacityMb: capacity,
      profile: req.profile,
      type: profileVolumeType(profile),
      eligible: fits,
      state: 'PENDING',
      attempts: 0,
    };
    try {
      await this.ds.getRepository(VolumeEntity).insert({
        name: planned.name,
        assetId: planned.assetId,
        capacityMb: capacity,
        profile: planned.profile,
        type: planned.type,
        node: req.node ?? null,
        provider: req.provider ?? null,
        state: planned.state,
        plan: planOf(planned),
        message: null,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DssError(409, `volume "${req.name}" already exists`);
      throw e;
    }
    this.framework.track(planned);
    return this.volumeJson(planned, { node: req.node ?? null, provider: req.provider ?? null });
  }

  async removeVolume(name: string) {
    const repo = this.ds.getRepository(VolumeEntity);
    const row = await repo.findOneBy({ name });
    if (!row) throw new DssError(404, `volume "${name}" does not exist`);
    const v = this.framework.volumes.get(name) ?? plannedFromRow(row);
    if (v.state === 'CREATING')
      throw new DssError(409, `volume "${name}" is being created; remove it once it is ONLINE`);
    if (v.state === 'REMOVING') return { ...this.volumeJson(v, row), removed: false };
    if ((v.state === 'PENDING' || v.state === 'ERROR') && !v.pinned) {
      // Never carved: nothing exists on any agent.
      await repo.delete({ name });
      this.framework.forget(name);
      return { ...this.volumeJson({ ...v, state: 'REMOVED' }, row), removed: true };
    }
    const state = await this.master.state();
    const users = volumeUsers(state, v.assetId);
    if (users.length)
      throw new DssError(
        409,
        `volume "${name}" is in use (${users.join(', ')}); stop what uses it first`,
      );
    const next: PlannedVolume = { ...v, state: 'REMOVING', operationSentAt: undefined };
    await repo.update({ name }, { state: 'REMOVING', plan: planOf(next), updatedAt: new Date() });
    this.framework.track(next);
    return { ...this.volumeJson(next, row), removed: false };
  }
}

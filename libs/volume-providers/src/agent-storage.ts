import {
  AgentStorageDevicesContract,
  AgentStorageInventoryContract,
  AgentStorageProviderCreateContract,
  AgentStorageProviderRemoveContract,
  AgentStorageProvidersContract,
  EmptyRequestContract,
  StorageProviderContract,
  subjectFor,
  type AgentStorageDevices,
  type AgentStorageInventory,
  type AgentStorageProviderCreate,
  type AgentStorageProviderRemove,
  type AgentStorageProviders,
  type Contract,
  type StorageDevice,
  type StorageProvider,
} from '@dcos/contracts';
import { createdDisk, isDisk, rawDisk, type DiskResource } from '@dcos/storage-plan';
import type { DeviceView, ProviderView, StorageEngine } from './engine';
import { StorageError } from './errors';

/** What the agent's NATS client offers (NatsClient satisfies it). */
export interface StorageBus {
  readonly prefix: string;
  readonly subjects: { agentStorageInventory: string };
  serve<Req, Res>(
    subject: string,
    handler: (payload: Req) => Promise<Res> | Res,
    opts?: { queue?: string; input?: Contract<Req> },
  ): { unsubscribe(): void };
}

export interface AgentStorageOptions {
  hostname: string;
  /** MOUNT volumes' filesystem per profile (the disk-profile adaptor); default ext4. */
  filesystemOf?: (profile: string | undefined) => 'ext4' | 'xfs' | undefined;
  /** Called after providers or volumes changed: the agent re-advertises `resources()`. */
  onResourcesChanged?: () => void;
}

export const toDevice = (d: DeviceView): StorageDevice => ({
  name: d.name,
  path: d.path,
  status: d.status,
  type: d.type,
  rotational: d.rotational,
  size_mb: d.sizeMb,
  provider: d.provider,
  backing: d.backing,
});

export const toProvider = (p: ProviderView): StorageProvider => ({
  id: p.id,
  name: p.name,
  plugin: p.plugin,
  devices: p.devices,
  labels: p.labels,
  status: p.status,
  capacity: {
    total_mb: p.capacity.totalMb,
    free_mb: p.capacity.freeMb,
    largest_free_mb: p.capacity.largestFreeMb,
  },
  volumes: p.volumes,
});

/**
 * The agent's side of storage: answers DSS on NATS (devices, providers), advertises each
 * provider's free capacity as a RAW disk and each volume as a MOUNT/BLOCK disk, and applies
 * CREATE_DISK / DESTROY_DISK operations the master forwards.
 */
export class AgentStorage {
  private subs: { unsubscribe(): void }[] = [];
  private agentId?: string;

  constructor(
    readonly engine: StorageEngine,
    private readonly bus: StorageBus,
    private readonly options: AgentStorageOptions,
  ) {}

  /** Serve the storage subjects of agent `agentId` (call again after a new agent id). */
  serve(agentId: string): void {
    this.stop();
    this.agentId = agentId;
    const p = this.bus.prefix;
    this.subs.push(
      this.bus.serve<Record<string, unknown>, AgentStorageDevices>(
        subjectFor(p, 'agentStorageDevices', agentId),
        async () => AgentStorageDevicesContract.parse(await this.devices()),
        { input: EmptyRequestContract },
      ),
      this.bus.serve<Record<string, unknown>, AgentStorageProviders>(
        subjectFor(p, 'agentStorageProviders', agentId),
        async () =>
          AgentStorageProvidersContract.parse({
            agent_id: agentId,
            providers: await this.providers(),
          }),
        { input: EmptyRequestContract },
      ),
      this.bus.serve<AgentStorageProviderCreate, StorageProvider>(
        subjectFor(p, 'agentStorageProviderCreate', agentId),
        async (req) => StorageProviderContract.parse(await this.createProvider(req)),
        { input: AgentStorageProviderCreateContract },
      ),
      this.bus.serve<AgentStorageProviderRemove, { removed: boolean }>(
        subjectFor(p, 'agentStorageProviderRemove', agentId),
        async (req) => {
          await this.engine.removeProvider(req.name);
          this.options.onResourcesChanged?.();
          return { removed: true };
        },
        { input: AgentStorageProviderRemoveContract },
      ),
      // No queue group: every agent answers the inventory gather.
      this.bus.serve<Record<string, unknown>, AgentStorageInventory>(
        this.bus.subjects.agentStorageInventory,
        async () =>
          AgentStorageInventoryContract.parse({
            ...(await this.devices()),
            providers: await this.providers(),
          }),
        { input: EmptyRequestContract },
      ),
    );
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  async devices(): Promise<AgentStorageDevices> {
    return {
      agent_id: this.agentId ?? '',
      hostname: this.options.hostname,
      devices: (await this.engine.listDevices()).map(toDevice),
    };
  }

  async providers(): Promise<StorageProvider[]> {
    return (await this.engine.listProviders()).map(toProvider);
  }

  async createProvider(req: AgentStorageProviderCreate): Promise<StorageProvider> {
    const p = toProvider(await this.engine.createProvider(req));
    this.options.onResourcesChanged?.();
    return p;
  }

  /**
   * The disk resources storage adds to the agent's: per ONLINE provider its free capacity as
   * RAW (`provider_id` = provider id), per volume its MOUNT / BLOCK disk.
   */
  async resources(): Promise<DiskResource[]> {
    const out: DiskResource[] = [];
    const providers = await this.engine.listProviders();
    for (const p of providers)
      if (p.status.state === 'ONLINE' && p.capacity.freeMb > 0)
        out.push(rawDisk(p.id, p.name, p.capacity.freeMb));
    const ids = new Map(providers.map((p) => [p.name, p.id]));
    for (const v of await this.engine.listVolumes())
      out.push(
        createdDisk({
          providerId: ids.get(v.provider) ?? '',
          volumeId: v.id,
          sizeMb: v.sizeMb,
          type: v.type,
          profile: v.profile,
          mountRoot: v.mountPoint,
        }),
      );
    return out;
  }

  /**
   * Apply a CREATE_DISK / DESTROY_DISK offer operation (Mesos v1 JSON); answers the converted
   * resources for OPERATION_FINISHED, throws (→ OPERATION_FAILED) otherwise. The volume id is
   * the operation id, so a repeated operation finds the volume it already made.
   */
  async applyOperation(op: {
    type: string;
    id?: { value: string };
    create_disk?: Record<string, unknown>;
    destroy_disk?: Record<string, unknown>;
  }): Promise<DiskResource[]> {
    if (op.type === 'CREATE_DISK') {
      const cd = op.create_disk as
        { source?: unknown; target_type?: string; target_profile?: string } | undefined;
      const source = cd?.source;
      if (!isDisk(source) || source.disk.source.type !== 'RAW' || !source.provider_id)
        throw new StorageError('CREATE_DISK needs a RAW disk resource of a provider as source');
      if (cd?.target_type !== 'MOUNT' && cd?.target_type !== 'BLOCK')
        throw new StorageError('CREATE_DISK target_type must be MOUNT or BLOCK');
      if (!op.id?.value)
        throw new StorageError('CREATE_DISK needs an operation id (it names the volume)');
      const provider = (await this.engine.listProviders()).find(
        (p) => p.id === source.provider_id?.value,
      );
      if (!provider)
        throw new StorageError(`no provider ${source.provider_id.value} on this agent`, 404);
      const v = await this.engine.createVolume({
        id: op.id.value,
        provider: provider.name,
        sizeMb: Math.floor(source.scalar.value),
        type: cd.target_type,
        filesystem:
          cd.target_type === 'MOUNT' ? this.options.filesystemOf?.(cd.target_profile) : undefined,
        profile: cd.target_profile,
      });
      this.options.onResourcesChanged?.();
      return [
        createdDisk({
          providerId: provider.id,
          volumeId: v.id,
          sizeMb: v.sizeMb,
          type: v.type,
          profile: v.profile,
          mountRoot: v.mountPoint,
        }),
      ];
    }
    if (op.type === 'DESTROY_DISK') {
      const source = (op.destroy_disk as { source?: unknown } | undefined)?.source;
      if (
        !isDisk(source) ||
        !source.disk.source.id ||
        (source.disk.source.type !== 'MOUNT' && source.disk.source.type !== 'BLOCK')
      )
        throw new StorageError(
          'DESTROY_DISK needs a MOUNT or BLOCK disk resource with an id as source',
        );
      const v = await this.engine.getVolume(source.disk.source.id);
      await this.engine.removeVolume(source.disk.source.id);
      this.options.onResourcesChanged?.();
      const provider = v && (await this.engine.listProviders()).find((p) => p.name === v.provider);
      return provider ? [rawDisk(provider.id, provider.name, source.scalar.value)] : [];
    }
    throw new StorageError(`operation ${op.type} is not a storage operation`);
  }
}

import { z } from 'zod';
import { contract } from './validation';

/**
 * Agent storage over NATS (DSS ↔ agents): devices, volume providers. Field names snake_case
 * as the rest of the kernel protocol; DSS renders them in the DC/OS storage JSON.
 */

export const StorageDeviceSchema = z.object({
  /** Relative to /dev (`xvdb`), or `diskN` for a file-backed development disk. */
  name: z.string().min(1),
  path: z.string(),
  status: z.enum(['ONLINE', 'MISSING']),
  /** lsblk TYPE: disk, part, loop, crypt… */
  type: z.string(),
  rotational: z.boolean(),
  size_mb: z.number().int().nonnegative(),
  /** The volume provider using it. */
  provider: z.string().optional(),
  backing: z.enum(['block', 'file']),
});
export type StorageDevice = z.infer<typeof StorageDeviceSchema>;

export const StorageProviderSchema = z.object({
  /** The resource provider id its RAW capacity is offered under (`provider_id`). */
  id: z.string().min(1),
  name: z.string().min(1),
  plugin: z.enum(['loop', 'lvm']),
  devices: z.array(z.string()),
  labels: z.record(z.string()).default({}),
  status: z.object({ state: z.enum(['ONLINE', 'ERROR']), message: z.string().optional() }),
  capacity: z.object({
    total_mb: z.number().int().nonnegative(),
    free_mb: z.number().int().nonnegative(),
    /** The largest volume that still fits. */
    largest_free_mb: z.number().int().nonnegative(),
  }),
  volumes: z.number().int().nonnegative(),
});
export type StorageProvider = z.infer<typeof StorageProviderSchema>;

export const AgentStorageDevicesContract = contract(
  'AgentStorageDevices',
  z.object({
    agent_id: z.string().min(1),
    hostname: z.string(),
    devices: z.array(StorageDeviceSchema),
  }),
);
export type AgentStorageDevices = ReturnType<typeof AgentStorageDevicesContract.parse>;

export const AgentStorageProvidersContract = contract(
  'AgentStorageProviders',
  z.object({ agent_id: z.string().min(1), providers: z.array(StorageProviderSchema) }),
);
export type AgentStorageProviders = ReturnType<typeof AgentStorageProvidersContract.parse>;

export const AgentStorageInventoryContract = contract(
  'AgentStorageInventory',
  z.object({
    agent_id: z.string().min(1),
    hostname: z.string(),
    devices: z.array(StorageDeviceSchema),
    providers: z.array(StorageProviderSchema),
  }),
);
export type AgentStorageInventory = ReturnType<typeof AgentStorageInventoryContract.parse>;

export const AgentStorageProviderCreateContract = contract(
  'AgentStorageProviderCreate',
  z.object({
    id: z.string().min(1).max(128),
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/),
    plugin: z.enum(['loop', 'lvm']),
    devices: z.array(z.string().min(1)).min(1),
    labels: z.record(z.string()).default({}),
  }),
);
export type AgentStorageProviderCreate = ReturnType<
  typeof AgentStorageProviderCreateContract.parse
>;

export const StorageProviderContract = contract('StorageProvider', StorageProviderSchema);

export const AgentStorageProviderRemoveContract = contract(
  'AgentStorageProviderRemove',
  z.object({ name: z.string().min(1) }),
);
export type AgentStorageProviderRemove = ReturnType<
  typeof AgentStorageProviderRemoveContract.parse
>;

export const AgentStorageProviderRemovedContract = contract(
  'AgentStorageProviderRemoved',
  z.object({ removed: z.boolean() }),
);

export const EmptyRequestContract = contract('EmptyRequest', z.object({}).passthrough());

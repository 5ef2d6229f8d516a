import {
  fromMesosResources,
  type MesosResource,
  type Resource as AllocResource,
  type Resources,
} from '@dcos/allocator';
import type { OfferOperation } from '@dcos/contracts';

/**
 * The storage offer operations of an ACCEPT (Mesos `CREATE_DISK` / `DESTROY_DISK`), checked
 * for shape before anything is applied (pure). The agent carries them out; the master turns
 * the outcome into UPDATE_OPERATION_STATUS and the agent's new resources.
 */
export const STORAGE_OPERATIONS = ['CREATE_DISK', 'DESTROY_DISK'] as const;
export type StorageOperationType = (typeof STORAGE_OPERATIONS)[number];

export function isStorageOperation(type: string): type is StorageOperationType {
  return (STORAGE_OPERATIONS as readonly string[]).includes(type);
}

export interface StorageOperation {
  type: StorageOperationType;
  /** `operation.id.value`: names the operation in its status updates (and the volume it makes). */
  id: string;
  /** The operation as the framework sent it (forwarded to the agent). */
  operation: OfferOperation;
  /** What it consumes from the offer: the source disk. */
  source: Resources;
  /** The resource provider of the source (`resource_provider_id` of the status updates). */
  providerId: string;
}

/** A malformed operation: `field` names it (`accept.operations[1].create_disk.source`). */
export class StorageOperationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'StorageOperationError';
  }
}

/** Checks a CREATE_DISK / DESTROY_DISK operation (`index` in `accept.operations`). */
export function parseStorageOperation(op: OfferOperation, index: number): StorageOperation {
  const at = `accept.operations[${index}]`;
  const type = op.type as StorageOperationType;
  const id = op.id?.value;
  if (!id) throw new StorageOperationError(`${at}.id`, `${type} needs an operation id`);
  const body = (type === 'CREATE_DISK' ? op.create_disk : op.destroy_disk) as
    Record<string, unknown> | undefined;
  const field = `${at}.${type === 'CREATE_DISK' ? 'create_disk' : 'destroy_disk'}`;
  if (!body) throw new StorageOperationError(field, `required for ${type}`);
  const raw = body['source'];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new StorageOperationError(`${field}.source`, 'a disk resource is required');
  let source: Resources;
  try {
    source = fromMesosResources([raw as MesosResource]);
  } catch (e) {
    throw new StorageOperationError(`${field}.source`, (e as Error).message);
  }
  const disk: AllocResource | undefined = source[0];
  const sourceType = (disk?.disk?.info['source'] as { type?: string } | undefined)?.type;
  const providerId = disk?.disk?.providerId;
  if (!disk || !providerId)
    throw new StorageOperationError(
      `${field}.source`,
      'must be a disk of a resource provider (with provider_id)',
    );
  if (type === 'CREATE_DISK') {
    if (sourceType !== 'RAW')
      throw new StorageOperationError(`${field}.source`, 'must be a RAW disk (disk.source.type)');
    const target = body['target_type'];
    if (target !== 'MOUNT' && target !== 'BLOCK')
      throw new StorageOperationError(`${field}.target_type`, 'must be MOUNT or BLOCK');
    const profile = body['target_profile'];
    if (profile !== undefined && (typeof profile !== 'string' || profile === ''))
      throw new StorageOperationError(`${field}.target_profile`, 'must be a non-empty string');
  } else if (sourceType !== 'MOUNT' && sourceType !== 'BLOCK') {
    throw new StorageOperationError(`${field}.source`, 'must be a MOUNT or BLOCK disk');
  }
  return { type, id, operation: op, source, providerId };
}

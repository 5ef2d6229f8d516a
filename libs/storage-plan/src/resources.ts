/**
 * Mesos disk resources of storage (`disk.source` RAW / MOUNT / BLOCK), as agents offer them
 * and as DSS and the master read them. Plain JSON in the Mesos v1 shape.
 */

export interface Label {
  key: string;
  value?: string;
}

export interface DiskSource {
  type: 'RAW' | 'MOUNT' | 'BLOCK' | 'PATH';
  id?: string;
  profile?: string;
  vendor?: string;
  mount?: { root: string };
  path?: { root: string };
  metadata?: { labels: Label[] };
}

export interface DiskResource {
  name: 'disk';
  type: 'SCALAR';
  scalar: { value: number };
  provider_id?: { value: string };
  reservations?: { type?: string; role: string; [k: string]: unknown }[];
  disk: { source: DiskSource; [k: string]: unknown };
  [k: string]: unknown;
}

export const STORAGE_VENDOR = 'dcos-ts';

/** A provider's free capacity, offered as one divisible RAW disk (a storage pool). */
export function rawDisk(providerId: string, providerName: string, freeMb: number): DiskResource {
  return {
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: Math.max(0, Math.floor(freeMb)) },
    provider_id: { value: providerId },
    disk: {
      source: {
        type: 'RAW',
        vendor: STORAGE_VENDOR,
        metadata: { labels: [{ key: 'provider', value: providerName }] },
      },
    },
  };
}

/** The MOUNT or BLOCK disk a CREATE_DISK turned RAW capacity into. */
export function createdDisk(o: {
  providerId: string;
  volumeId: string;
  sizeMb: number;
  type: 'MOUNT' | 'BLOCK';
  profile?: string;
  mountRoot?: string;
}): DiskResource {
  const source: DiskSource = {
    type: o.type,
    id: o.volumeId,
    vendor: STORAGE_VENDOR,
    metadata: { labels: [{ key: 'volume-id', value: o.volumeId }] },
  };
  if (o.profile) source.profile = o.profile;
  if (o.type === 'MOUNT') source.mount = { root: o.mountRoot ?? '' };
  return {
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: o.sizeMb },
    provider_id: { value: o.providerId },
    disk: { source },
  };
}

export function isDisk(r: unknown): r is DiskResource {
  const x = r as DiskResource | undefined;
  return (
    !!x &&
    x.name === 'disk' &&
    typeof x.disk === 'object' &&
    !!x.disk &&
    typeof x.disk.source === 'object'
  );
}

export function diskSourceType(r: unknown): DiskSource['type'] | undefined {
  return isDisk(r) ? r.disk.source.type : undefined;
}

/**
 * Does a Mesos JSON document (e.g. `/master/state`) show the volume `assetId` in use: a task's
 * resources, or resources reserved or used on an agent? Offered resources do not count.
 */
export function volumeUsers(doc: unknown, assetId: string): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string[]): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, String(i)]));
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (isDisk(v) && v.disk.source.id === assetId) {
      // Whole keys: `unreserved_resources_full` (an agent's free resources) is no use.
      const inUse = path.some(
        (k) =>
          k === 'tasks' ||
          k === 'executors' ||
          /^(used|reserved)_resources/.test(k) ||
          k === 'allocated_resources',
      );
      if (inUse && !path.some((k) => k.startsWith('offered'))) found.push(path.join('.'));
      return;
    }
    for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(doc, []);
  return found;
}

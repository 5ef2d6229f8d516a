import { createdDisk, isDisk, type DiskResource } from './resources';

/**
 * How DSS turns a volume request into a disk, as a Mesos framework: wait for a RAW offer of
 * an eligible provider, accept it with CREATE_DISK (operation id = the volume's asset id, so a
 * retry after a crash can never create a second disk), follow the operation to ONLINE; removal
 * is DESTROY_DISK of the offered MOUNT/BLOCK disk. Pure: offers, statuses and `now` come in,
 * state changes and calls go out.
 */

export type VolumeState = 'PENDING' | 'CREATING' | 'ONLINE' | 'REMOVING' | 'REMOVED' | 'ERROR';

export interface ProviderRef {
  providerId: string;
  provider: string;
  node: string;
}

export interface PlannedVolume {
  name: string;
  /** Stable id of the disk (Mesos `disk.source.id`), fixed when the volume is requested. */
  assetId: string;
  capacityMb: number;
  profile: string;
  type: 'MOUNT' | 'BLOCK';
  /** Providers the profile (and `node` / `provider`) allow, in preference order. */
  eligible: ProviderRef[];
  state: VolumeState;
  /** Once an operation was sent, the volume stays on that provider until it is known to have failed. */
  pinned?: ProviderRef;
  attempts: number;
  /** When the last operation was sent (ms); cleared when its outcome is known. */
  operationSentAt?: number;
  message?: string;
  /** The disk resource when ONLINE. */
  resource?: DiskResource;
}

export interface OfferView {
  id: { value: string };
  agent_id: { value: string };
  resources: unknown[];
}

export interface OperationStatus {
  operation_id?: { value: string };
  state: string;
  message?: string;
  converted_resources?: unknown[];
  uuid?: { value: string };
  agent_id?: { value: string };
  resource_provider_id?: { value: string };
}

export type VolumeChange = Partial<PlannedVolume> & { name: string };

export interface OfferDecision {
  accepts: {
    offerId: string;
    agentId: string;
    volumes: string[];
    operations: Record<string, unknown>[];
  }[];
  declines: string[];
  changes: VolumeChange[];
}

export const MAX_CREATE_ATTEMPTS = 3;

export const destroyOperationId = (assetId: string): string => `${assetId}-destroy`;

const TERMINAL_FAILURES = new Set([
  'OPERATION_FAILED',
  'OPERATION_ERROR',
  'OPERATION_DROPPED',
  'OPERATION_GONE_BY_OPERATOR',
]);

function rawOf(r: unknown): DiskResource | undefined {
  return isDisk(r) && r.disk.source.type === 'RAW' && r.provider_id ? r : undefined;
}

/** Is work waiting for offers (so the framework should not suppress)? */
export function wantsOffers(volumes: PlannedVolume[]): boolean {
  return volumes.some(
    (v) =>
      (v.state === 'PENDING' && v.eligible.length > 0) ||
      (v.state === 'REMOVING' && v.operationSentAt === undefined),
  );
}

export function planOffers(
  volumes: PlannedVolume[],
  offers: OfferView[],
  now: number,
): OfferDecision {
  const out: OfferDecision = { accepts: [], declines: [], changes: [] };
  const changed = new Map<string, VolumeChange>();
  const change = (c: VolumeChange) => changed.set(c.name, { ...changed.get(c.name), ...c });
  const byAsset = new Map(volumes.map((v) => [v.assetId, v]));
  const handled = new Set<string>();

  for (const offer of offers) {
    const operations: Record<string, unknown>[] = [];
    const names: string[] = [];
    // RAW capacity left in this offer per provider.
    const raw = new Map<string, { resource: DiskResource; left: number }>();
    for (const r of offer.resources) {
      const d = rawOf(r);
      if (d?.provider_id) raw.set(d.provider_id.value, { resource: d, left: d.scalar.value });
    }
    for (const r of offer.resources) {
      if (!isDisk(r) || !r.disk.source.id) continue;
      const v = byAsset.get(r.disk.source.id);
      if (!v || handled.has(v.name)) continue;
      if (v.state === 'CREATING' || v.state === 'PENDING' || v.state === 'ERROR') {
        // The disk exists (e.g. the ONLINE update was lost while DSS was down): adopt it.
        handled.add(v.name);
        change({
          name: v.name,
          state: 'ONLINE',
          resource: r,
          operationSentAt: undefined,
          message: undefined,
        });
      } else if (v.state === 'REMOVING' && v.operationSentAt === undefined) {
        handled.add(v.name);
        operations.push({
          type: 'DESTROY_DISK',
          id: { value: destroyOperationId(v.assetId) },
          destroy_disk: { source: r },
        });
        names.push(v.name);
        change({ name: v.name, operationSentAt: now });
      }
    }
    for (const v of volumes) {
      if (v.state !== 'PENDING' || handled.has(v.name)) continue;
      const allowed = v.pinned ? [v.pinned] : v.eligible;
      const pick = allowed.find((p) => (raw.get(p.providerId)?.left ?? 0) >= v.capacityMb);
      if (!pick) continue;
      const pool = raw.get(pick.providerId);
      if (!pool) continue;
      pool.left -= v.capacityMb;
      handled.add(v.name);
      operations.push({
        type: 'CREATE_DISK',
        id: { value: v.assetId },
        create_disk: {
          source: { ...pool.resource, scalar: { value: v.capacityMb } },
          target_type: v.type,
          target_profile: v.profile,
        },
      });
      names.push(v.name);
      change({
        name: v.name,
        state: 'CREATING',
        pinned: pick,
        attempts: v.attempts + 1,
        operationSentAt: now,
        message: undefined,
      });
    }
    if (operations.length)
      out.accepts.push({
        offerId: offer.id.value,
        agentId: offer.agent_id.value,
        volumes: names,
        operations,
      });
    else out.declines.push(offer.id.value);
  }
  out.changes = [...changed.values()];
  return out;
}

/** Apply an UPDATE_OPERATION_STATUS to the volume it is about (undefined: not ours or no change). */
export function onOperationStatus(
  volumes: PlannedVolume[],
  status: OperationStatus,
): VolumeChange | undefined {
  const opId = status.operation_id?.value;
  if (!opId) return undefined;
  for (const v of volumes) {
    if (opId === v.assetId && (v.state === 'CREATING' || v.state === 'PENDING')) {
      if (status.state === 'OPERATION_FINISHED') {
        const disk =
          status.converted_resources?.find((r) => isDisk(r) && r.disk.source.id === v.assetId) ??
          createdDisk({
            providerId: status.resource_provider_id?.value ?? v.pinned?.providerId ?? '',
            volumeId: v.assetId,
            sizeMb: v.capacityMb,
            type: v.type,
            profile: v.profile,
          });
        return {
          name: v.name,
          state: 'ONLINE',
          resource: disk as DiskResource,
          operationSentAt: undefined,
          message: undefined,
        };
      }
      if (TERMINAL_FAILURES.has(status.state)) {
        const why = `${status.state}${status.message ? `: ${status.message}` : ''}`;
        // A failed CREATE_DISK left nothing behind on the provider: another one may be tried.
        if (v.attempts >= MAX_CREATE_ATTEMPTS)
          return {
            name: v.name,
            state: 'ERROR',
            operationSentAt: undefined,
            pinned: undefined,
            message: why,
          };
        return {
          name: v.name,
          state: 'PENDING',
          operationSentAt: undefined,
          pinned: undefined,
          message: why,
        };
      }
      return undefined;
    }
    if (opId === destroyOperationId(v.assetId) && v.state === 'REMOVING') {
      if (status.state === 'OPERATION_FINISHED')
        return { name: v.name, state: 'REMOVED', operationSentAt: undefined };
      if (TERMINAL_FAILURES.has(status.state))
        return {
          name: v.name,
          operationSentAt: undefined,
          message: `${status.state}${status.message ? `: ${status.message}` : ''}`,
        };
      return undefined;
    }
  }
  return undefined;
}

/**
 * Operations whose outcome never arrived (DSS or the master restarted): send them again. The
 * operation id is the asset id and the agent's create is idempotent by it, so a repeat finds
 * the disk it made instead of making a second one; the volume stays pinned to its provider.
 */
export function expireOperations(
  volumes: PlannedVolume[],
  now: number,
  timeoutMs: number,
): VolumeChange[] {
  const out: VolumeChange[] = [];
  for (const v of volumes) {
    if (v.operationSentAt === undefined || now - v.operationSentAt < timeoutMs) continue;
    if (v.state === 'CREATING')
      out.push({
        name: v.name,
        state: 'PENDING',
        operationSentAt: undefined,
        message: 'no answer to CREATE_DISK yet; retrying',
      });
    else if (v.state === 'REMOVING') out.push({ name: v.name, operationSentAt: undefined });
  }
  return out;
}

export function applyChange(v: PlannedVolume, c: VolumeChange): PlannedVolume {
  const next = { ...v } as Record<string, unknown>;
  for (const [k, val] of Object.entries(c)) {
    if (val === undefined) delete next[k];
    else next[k] = val;
  }
  return next as unknown as PlannedVolume;
}

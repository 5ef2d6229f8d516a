/**
 * Mesos persistent volumes in resource JSON: the few facts the master, the agents and Marathon
 * must agree on, kept in one place (pure, no I/O).
 */

/** The resource JSON these helpers read (Mesos `Resource`, or any subset of it with these keys). */
export interface ResourceJsonLike {
  name?: string;
  role?: string;
  reservations?: readonly { role?: string }[];
  provider_id?: unknown;
  disk?: unknown;
}

/** A persistence id is one path segment: it names the volume's directory on the agent. */
export const PERSISTENCE_ID_PATTERN = /^[A-Za-z0-9._#:@+-]{1,255}$/;

/** The role a resource is for: its innermost reservation's, else its (static) role, else `*`. */
export function resourceRole(r: ResourceJsonLike): string {
  return r.reservations?.at(-1)?.role ?? r.role ?? '*';
}

/**
 * The persistence id of a persistent volume on the agent's plain disk (`disk.persistence`
 * without `disk.source` or a resource provider: Marathon's `type: root`), else undefined.
 */
export function rootVolumeId(r: ResourceJsonLike): string | undefined {
  const d = r.disk as { source?: unknown; persistence?: { id?: string } } | undefined;
  if (r.name !== 'disk' || d?.source || r.provider_id) return undefined;
  return d?.persistence?.id;
}

/** The disk a persistent volume is made of: its JSON without `disk.persistence` / `disk.volume`. */
export function volumeSourceOf<R extends ResourceJsonLike>(r: R): R {
  const { persistence: _p, volume: _v, ...disk } = (r.disk ?? {}) as Record<string, unknown>;
  void _p;
  void _v;
  const { disk: _d, ...rest } = r;
  void _d;
  return (Object.keys(disk).length ? { ...rest, disk } : rest) as R;
}

import { isIP } from 'node:net';

/** One node of dcos-net's `GET /net/v1/nodes` (dcos_rest_nodes_handler). */
export interface NetNode {
  /** When the node's information was last reported (RFC 3339, milliseconds, `Z`). */
  updated: string;
  public_ips: string[];
  private_ip: string;
  hostname: string;
}

/** Host name or address → IPv4/IPv6 address; undefined when it cannot be resolved. */
export type Resolve = (host: string) => Promise<string | undefined>;

/** `slave(1)@10.0.0.1:5051` / `master@[::1]:5050` → the host part. */
export function hostOfPid(pid: unknown): string | undefined {
  if (typeof pid !== 'string') return undefined;
  const m = /^[^@]+@(.+):\d+$/.exec(pid);
  return m ? (m[1] as string).replace(/^\[(.*)\]$/, '$1') : undefined;
}

/** Mesos' float seconds → dcos-net's `updated` (RFC 3339, millisecond precision, UTC). */
export function iso8601(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return undefined;
  return new Date(Math.round(seconds * 1000)).toISOString();
}

interface Candidate {
  host: string;
  hostname: string;
  updated: string | undefined;
  publicIps: string[];
}

/**
 * dcos-net's node list, built from the leading master's `/master/state`: the master itself
 * (its public IPs are this node's, `PUBLIC_IPV4`) and every active agent. `private_ip` is the
 * address of the node's libprocess pid, as in DC/OS, where a node is known by its private IP.
 * Agents report no public IP (dcos-net reports none either when `detect_ip_public` is
 * missing). A node seen twice (master and agent on one host, same name) is listed once.
 */
export async function netNodes(
  state: unknown,
  o: { masterPublicIps: string[]; resolve: Resolve; now: Date },
): Promise<NetNode[]> {
  const s = (state ?? {}) as Record<string, unknown>;
  const candidates: Candidate[] = [];
  const masterHost = hostOfPid(s.pid) ?? hostOfPid(s.leader);
  if (masterHost) {
    candidates.push({
      host: masterHost,
      hostname: typeof s.hostname === 'string' && s.hostname ? s.hostname : masterHost,
      updated: iso8601(s.elected_time) ?? iso8601(s.start_time),
      publicIps: o.masterPublicIps.filter((ip) => isIP(ip) !== 0),
    });
  }
  const slaves = Array.isArray(s.slaves) ? (s.slaves as Record<string, unknown>[]) : [];
  for (const a of slaves) {
    const host = hostOfPid(a?.pid);
    if (!host || a.active === false) continue;
    candidates.push({
      host,
      hostname: typeof a.hostname === 'string' && a.hostname ? a.hostname : host,
      updated: iso8601(a.reregistered_time) ?? iso8601(a.registered_time),
      publicIps: [],
    });
  }

  const byKey = new Map<string, NetNode>();
  for (const c of candidates) {
    const ip = isIP(c.host) ? c.host : await o.resolve(c.host);
    // dcos-net keys nodes by their private IP: a node without one is not a node it would list.
    if (!ip) continue;
    const node: NetNode = {
      updated: c.updated ?? o.now.toISOString(),
      public_ips: c.publicIps,
      private_ip: ip,
      hostname: c.hostname,
    };
    const key = `${ip} ${c.hostname}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, node);
      continue;
    }
    seen.public_ips = [...new Set([...seen.public_ips, ...node.public_ips])];
    if (node.updated > seen.updated) seen.updated = node.updated;
  }
  return [...byKey.values()];
}

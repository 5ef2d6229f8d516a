/**
 * The parts of a Mesos `/master/state` document Mesos-DNS reads (records/state/state.go).
 * Everything else in the document is ignored; every field is optional on input.
 */
export interface MesosLabel {
  key: string;
  value?: string;
}

export interface MesosIPAddress {
  protocol?: 'IPv4' | 'IPv6' | string;
  ip_address?: string;
}

export interface MesosNetworkInfo {
  ip_addresses?: MesosIPAddress[];
  /** Mesos 0.25 shape. */
  ip_address?: string;
  name?: string;
}

export interface MesosTaskStatus {
  state?: string;
  timestamp?: number;
  labels?: MesosLabel[];
  container_status?: { network_infos?: MesosNetworkInfo[] };
}

export interface MesosDiscoveryPort {
  number: number;
  name?: string;
  protocol?: string;
}

export interface MesosDiscoveryInfo {
  visibility?: string;
  name?: string;
  version?: string;
  location?: string;
  environment?: string;
  labels?: { labels?: MesosLabel[] };
  ports?: { ports?: MesosDiscoveryPort[] };
}

export interface MesosTask {
  id: string;
  name: string;
  framework_id?: string;
  slave_id: string;
  state: string;
  statuses?: MesosTaskStatus[];
  resources?: { ports?: string; [k: string]: unknown };
  discovery?: MesosDiscoveryInfo;
}

export interface MesosFramework {
  id?: string;
  name: string;
  /** Scheduler UPID, e.g. `scheduler-1a2b@10.0.0.5:38711`; absent for HTTP frameworks. */
  pid?: string;
  hostname?: string;
  tasks?: MesosTask[];
}

export interface MesosSlave {
  id: string;
  hostname?: string;
  /** `slave(1)@10.0.0.2:5051` */
  pid?: string;
  port?: number;
}

export interface MesosState {
  /** Leading master UPID, `master@10.0.0.1:5050`; Mesos-DNS refuses a state without it. */
  leader?: string;
  slaves?: MesosSlave[];
  frameworks?: MesosFramework[];
}

/** A libprocess UPID `id@host:port`. */
export interface Upid {
  id: string;
  host: string;
  port: string;
}

export function parseUpid(pid: string | undefined): Upid | undefined {
  if (!pid) return undefined;
  const at = pid.indexOf('@');
  if (at < 0) return undefined;
  const hp = splitHostPort(pid.slice(at + 1));
  return hp ? { id: pid.slice(0, at), ...hp } : undefined;
}

/** Go's net.SplitHostPort for `host:port` and `[v6]:port`. */
export function splitHostPort(s: string): { host: string; port: string } | undefined {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || s[end + 1] !== ':') return undefined;
    return { host: s.slice(1, end), port: s.slice(end + 2) };
  }
  const i = s.lastIndexOf(':');
  if (i < 0 || s.indexOf(':') !== i) return undefined;
  return { host: s.slice(0, i), port: s.slice(i + 1) };
}

/** Host ports of a task: `"[31000-31001, 31005-31005]"` expands to every port in every range. */
export function taskPorts(task: MesosTask): number[] {
  const ranges = task.resources?.ports;
  if (typeof ranges !== 'string' || ranges === '') return [];
  const inner = ranges.replace(/^\s*\[/, '').replace(/\]\s*$/, '');
  const out: number[] = [];
  for (const part of inner.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const [lo, hi = lo] = p.split('-').map((x) => Number(x.trim()));
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo || hi - lo > 65535) continue;
    for (let port = lo; port <= hi; port++) out.push(port);
  }
  return out;
}

export function hasDiscoveryInfo(task: MesosTask): boolean {
  return Boolean(task.discovery?.name);
}

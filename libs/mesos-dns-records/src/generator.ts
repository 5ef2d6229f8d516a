/**
 * Record generation, after Mesos-DNS records/generator.go and records/chains.go.
 * Every function here is pure: state in, records out. Host names that are not IP
 * literals are resolved only through the optional `resolveHost` callback (a cache
 * the caller fills); without it they produce no address records.
 */
import { hashTaskId, slaveIdTail } from './hash';
import { normaliseIp, type IpFamily } from './ip';
import { domainFrag, labelFn, type LabelFn } from './labels';
import type { DnsRecord } from './record-store';
import {
  hasDiscoveryInfo,
  parseUpid,
  splitHostPort,
  taskPorts,
  type MesosFramework,
  type MesosSlave,
  type MesosTask,
  type MesosTaskStatus,
} from './state';

export const IP_SOURCES = ['netinfo', 'mesos', 'docker', 'host'] as const;
export type IpSource = (typeof IP_SOURCES)[number];
export const DEFAULT_IP_SOURCES: IpSource[] = ['netinfo', 'mesos', 'host'];

export interface GeneratorOptions {
  /** Cluster domain without trailing dot, e.g. `mesos`. */
  domain: string;
  enforceRFC952?: boolean;
  /** Task IP sources in priority order; the first yielding any IP wins. */
  ipSources?: readonly string[];
  /** Configured masters `ip:port`, for `master.D` and `masterN.D`. */
  masters?: readonly string[];
  /** SOA MNAME (FQDN, trailing dot), default `ns1.<domain>.`. */
  soaMname?: string;
  /** Addresses the DNS listener answers on; A/AAAA of the SOA MNAME. */
  listenerIPs?: readonly string[];
  /** Also publish `agent.D` beside `slave.D` (a dcos-ts extra, not a Mesos-DNS name; default false). */
  agentAlias?: boolean;
  /** Synchronous host-name resolution (from a cache); undefined or [] when unknown. */
  resolveHost?: (host: string) => readonly string[] | undefined;
}

/** Options with defaults applied and derived values precomputed. */
export interface GeneratorContext {
  domain: string;
  tail: string;
  label: LabelFn;
  ipSources: readonly string[];
  masters: readonly string[];
  soaMname: string;
  listenerIPs: readonly string[];
  agentAlias: boolean;
  resolveHost: (host: string) => readonly string[] | undefined;
}

export function generatorContext(o: GeneratorOptions): GeneratorContext {
  const domain = o.domain.toLowerCase().replace(/\.$/, '');
  return {
    domain,
    tail: `.${domain}.`,
    label: labelFn(o.enforceRFC952 ?? false),
    ipSources: o.ipSources ?? DEFAULT_IP_SOURCES,
    masters: o.masters ?? [],
    soaMname: o.soaMname ?? `ns1.${domain}.`,
    listenerIPs: o.listenerIPs ?? [],
    agentAlias: o.agentAlias ?? false,
    resolveHost: o.resolveHost ?? (() => undefined),
  };
}

interface Ip {
  ip: string;
  type: IpFamily;
}

function parseIps(values: readonly string[]): Ip[] {
  const out: Ip[] = [];
  for (const v of values) {
    const p = normaliseIp(v);
    if (p) out.push(p);
  }
  return out;
}

/** Each address once, in order. */
function unique(ips: readonly Ip[]): Ip[] {
  const seen = new Set<string>();
  return ips.filter((i) => !seen.has(i.ip) && seen.add(i.ip));
}

/**
 * hostToIPs: an IP literal as is, else every address the resolver gives (Mesos-DNS 0.8
 * dropped 0.7's one IPv4 and one IPv6).
 */
export function hostToIps(host: string | undefined, ctx: GeneratorContext): Ip[] {
  if (!host) return [];
  const lit = normaliseIp(host.replace(/^\[|\]$/g, ''));
  if (lit) return [lit];
  return unique(parseIps(ctx.resolveHost(host) ?? []));
}

const rr = (name: string, ip: Ip): DnsRecord => ({ name, type: ip.type, value: ip.ip });
const srv = (name: string, target: string, port: string | number): DnsRecord => ({
  name,
  type: 'SRV',
  value: `${target}:${port}`,
});

/** The framework fragment `F`. */
export function frameworkFragment(name: string, ctx: GeneratorContext): string {
  return domainFrag(name, ctx.label);
}

/** `F.D` and `_framework._tcp.F.D` for a framework's scheduler. */
export function frameworkRecords(f: MesosFramework, ctx: GeneratorContext): DnsRecord[] {
  const fname = frameworkFragment(f.name ?? '', ctx);
  const upid = parseUpid(f.pid);
  const host = upid ? upid.host : f.hostname;
  const port = upid ? upid.port : '';
  const ips = hostToIps(host, ctx);
  if (ips.length === 0) return [];
  const a = `${fname}${ctx.tail}`;
  const out = ips.map((ip) => rr(a, ip));
  if (port !== '') out.push(srv(`_framework._tcp.${a}`, a, port));
  return out;
}

/** The agent address Mesos-DNS uses (from the agent `pid`, else its hostname). */
export function agentIps(s: MesosSlave, ctx: GeneratorContext): Ip[] {
  const upid = parseUpid(s.pid);
  return hostToIps(upid?.host ?? s.hostname, ctx);
}

/** `slave.D` (and `agent.D`) A/AAAA and `_slave._tcp.D` SRV for one agent. */
export function agentRecords(s: MesosSlave, ctx: GeneratorContext): DnsRecord[] {
  const ips = agentIps(s, ctx);
  if (ips.length === 0) return [];
  const upid = parseUpid(s.pid);
  const port = upid?.port ?? (s.port !== undefined ? String(s.port) : '');
  const slave = `slave${ctx.tail}`;
  const out: DnsRecord[] = ips.map((ip) => rr(slave, ip));
  if (ctx.agentAlias) out.push(...ips.map((ip) => rr(`agent${ctx.tail}`, ip)));
  if (port !== '') out.push(srv(`_slave._tcp${ctx.tail}`, slave, port));
  return out;
}

/** `leader.D`, `_leader._tcp|_udp.D`, `master.D`, `masterN.D` (masterRecord). */
export function masterRecords(leader: string | undefined, ctx: GeneratorContext): DnsRecord[] {
  const out: DnsRecord[] = [];
  const at = leader ? leader.indexOf('@') : -1;
  if (!leader || at < 0) return out;
  const leaderAddress = leader.slice(at + 1);
  const hp = splitHostPort(leaderAddress);
  if (!hp) return out;
  const leaderIps = hostToIps(hp.host, ctx);
  const masterD = `master${ctx.tail}`;
  const masterIps = new Set<string>();
  for (const ip of leaderIps) {
    out.push(rr(`leader${ctx.tail}`, ip));
    out.push(rr(masterD, ip));
    masterIps.add(ip.ip);
  }
  const target = `leader${ctx.tail}`;
  out.push(srv(`_leader._tcp${ctx.tail}`, target, hp.port));
  out.push(srv(`_leader._udp${ctx.tail}`, target, hp.port));

  let addedLeaderMasterN = false;
  let idx = 0;
  for (const master of ctx.masters) {
    const m = splitHostPort(master);
    if (!m) continue;
    const ips = hostToIps(m.host, ctx);
    if (master !== leaderAddress) {
      const fresh = ips.filter((ip) => !masterIps.has(ip.ip));
      if (fresh.length === 0) continue; // duplicate: do not use up an index
      for (const ip of fresh) {
        masterIps.add(ip.ip);
        out.push(rr(masterD, ip));
      }
    }
    if (master === leaderAddress && addedLeaderMasterN) continue; // leader listed twice
    for (const ip of ips) out.push(rr(`master${idx}${ctx.tail}`, ip));
    idx++;
    if (master === leaderAddress) addedLeaderMasterN = true;
  }
  if (!addedLeaderMasterN) {
    for (const ip of leaderIps) out.push(rr(`master${idx}${ctx.tail}`, ip));
  }
  return out;
}

/** A/AAAA of the SOA MNAME: the listener's addresses. */
export function listenerRecords(ctx: GeneratorContext): DnsRecord[] {
  return parseIps(ctx.listenerIPs).map((ip) => rr(ctx.soaMname, ip));
}

/** The latest TASK_RUNNING status (by timestamp), as statusIPs picks it. */
function latestRunning(
  statuses: readonly MesosTaskStatus[] | undefined,
): MesosTaskStatus | undefined {
  let ts = -1;
  let best: MesosTaskStatus | undefined;
  for (const s of statuses ?? []) {
    const t = s.timestamp ?? 0;
    if (s.state === 'TASK_RUNNING' && t > ts) {
      ts = t;
      best = s;
    }
  }
  return best;
}

function labelValue(s: MesosTaskStatus | undefined, key: string): string[] {
  const l = s?.labels?.find((x) => x.key === key);
  return l && l.value !== undefined ? [l.value] : [];
}

function sourceIps(task: MesosTask, src: string, agent: readonly Ip[]): string[] {
  switch (src) {
    case 'host':
      return agent.map((i) => i.ip);
    case 'netinfo': {
      const s = latestRunning(task.statuses);
      const out: string[] = [];
      for (const ni of s?.container_status?.network_infos ?? []) {
        if (ni.ip_addresses && ni.ip_addresses.length > 0) {
          for (const a of ni.ip_addresses) if (a.ip_address) out.push(a.ip_address);
        } else if (ni.ip_address) out.push(ni.ip_address);
      }
      return out;
    }
    case 'mesos':
      return labelValue(
        latestRunning(task.statuses),
        'MesosContainerizer.NetworkSettings.IPAddress',
      );
    case 'docker':
      return labelValue(latestRunning(task.statuses), 'Docker.NetworkSettings.IPAddress');
    default:
      return [];
  }
}

/** Task IPs from the first IP source that yields any. */
export function taskIps(task: MesosTask, agent: readonly Ip[], ctx: GeneratorContext): Ip[] {
  for (const src of ctx.ipSources) {
    const ips = parseIps(sourceIps(task, src, agent));
    if (ips.length > 0) return ips;
  }
  return [];
}

/**
 * Records of one task (taskRecord + taskContextRecord). `agent` is the task's agent;
 * a task whose agent is unknown, or that is not TASK_RUNNING, has none.
 */
export function taskRecords(
  task: MesosTask,
  framework: Pick<MesosFramework, 'name'>,
  agent: MesosSlave | undefined,
  ctx: GeneratorContext,
): DnsRecord[] {
  if (!agent || task.state !== 'TASK_RUNNING') return [];
  const slaveIps = agentIps(agent, ctx);
  // Every IP of the first source that yields any (0.8; 0.7 kept one IPv4 and one IPv6).
  const tIps = unique(taskIps(task, slaveIps, ctx));
  const base = {
    taskId: hashTaskId(task.id),
    slaveId: slaveIdTail(task.slave_id),
    taskIps: tIps,
    slaveIps,
  };
  const out: DnsRecord[] = [];
  if (hasDiscoveryInfo(task)) {
    const diName = task.discovery?.name ?? '';
    // Legacy Mesos-DNS behaviour: the raw DiscoveryInfo name, then the sanitised one.
    out.push(...taskContextRecords({ ...base, taskName: diName }, task, framework, ctx));
    out.push(...taskContextRecords({ ...base, taskName: ctx.label(diName) }, task, framework, ctx));
  } else {
    out.push(
      ...taskContextRecords({ ...base, taskName: ctx.label(task.name) }, task, framework, ctx),
    );
  }
  return out;
}

interface TaskContext {
  taskName: string;
  taskId: string;
  slaveId: string;
  taskIps: Ip[];
  slaveIps: Ip[];
}

function withProtocol(
  protocol: string,
  fname: string,
  records: string[],
  label: LabelFn,
): string[] {
  const p = label(protocol);
  if (p !== '') return records.map((r) => `${r}._${p}.${fname}`);
  return [...records.map((r) => `${r}._tcp.${fname}`), ...records.map((r) => `${r}._udp.${fname}`)];
}

function taskContextRecords(
  c: TaskContext,
  task: MesosTask,
  framework: Pick<MesosFramework, 'name'>,
  ctx: GeneratorContext,
): DnsRecord[] {
  const out: DnsRecord[] = [];
  const fname = frameworkFragment(framework.name ?? '', ctx);
  const tail = ctx.tail;
  const canonical = `${c.taskName}-${c.taskId}-${c.slaveId}.${fname}`;
  const arec = `${c.taskName}.${fname}`;
  for (const ip of c.taskIps) {
    out.push(rr(arec + tail, ip));
    out.push(rr(canonical + tail, ip));
  }
  for (const ip of c.slaveIps) {
    out.push(rr(`${arec}.slave${tail}`, ip));
    out.push(rr(`${canonical}.slave${tail}`, ip));
  }
  const di = hasDiscoveryInfo(task);
  const slaveHost = `${canonical}.slave${tail}`;
  for (const port of taskPorts(task)) {
    for (const r of withProtocol('', fname, [`_${c.taskName}`], ctx.label)) {
      out.push(srv(`${r}.slave${tail}`, slaveHost, port));
      if (!di) out.push(srv(r + tail, slaveHost, port));
    }
  }
  if (!di) return out;
  for (const port of task.discovery?.ports?.ports ?? []) {
    if (!Number.isInteger(port.number)) continue;
    const target = canonical + tail;
    const names = withProtocol(port.protocol ?? '', fname, [`_${c.taskName}`], ctx.label);
    for (const n of names) out.push(srv(n + tail, target, port.number));
    const portName = ctx.label(port.name ?? '');
    if (portName !== '') {
      for (const n of names) out.push(srv(`_${portName}.${n}${tail}`, target, port.number));
    }
  }
  return out;
}

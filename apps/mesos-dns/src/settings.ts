import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { ConfigOf } from '@dcos/config';
import { normaliseIp } from '@dcos/mesos-dns-records';
import type { mesosDnsConfigShape } from './config';

export type MesosDnsConfig = ConfigOf<typeof mesosDnsConfigShape>;

export interface Upstream {
  host: string;
  port: number;
}

/** Everything the DNS side needs, derived once from the validated config. */
export interface MesosDnsSettings {
  domain: string;
  /** `.<domain>.` suffix for zone membership tests. */
  zoneSuffix: string;
  ttl: number;
  srvWeight: number;
  soaMname: string;
  soaRname: string;
  soaRefresh: number;
  soaRetry: number;
  soaExpire: number;
  soaMinttl: number;
  recurseOn: boolean;
  externalOn: boolean;
  setTruncateBit: boolean;
  timeoutMs: number;
  resolvers: Upstream[];
  zoneResolvers: Record<string, Upstream[]>;
  listener: string;
  listenerIPs: string[];
  ipSources: string[];
  enforceRFC952: boolean;
  agentAlias: boolean;
}

export const SETTINGS = Symbol('MESOS_DNS_SETTINGS');
export const CONFIG = Symbol('MESOS_DNS_CONFIG');

export function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

export function parseUpstream(s: string): Upstream {
  if (normaliseIp(s)) return { host: s, port: 53 };
  const m = /^\[?([0-9a-fA-F:.]+?)\]?:(\d+)$/.exec(s);
  return m ? { host: m[1], port: Number(m[2]) } : { host: s, port: 53 };
}

/**
 * Nameservers of /etc/resolv.conf (what Mesos-DNS falls back to with no `resolvers`),
 * without this host's own addresses (GetLocalDNS/nonLocalAddies): on a DC/OS node the
 * system resolver may be this very server, and forwarding to it would loop.
 */
export function systemResolvers(path = '/etc/resolv.conf'): string[] {
  const local = new Set<string>();
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) local.add(normaliseIp(a.address)?.ip ?? a.address);
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
      .filter((x): x is string => {
        const ip = x === undefined ? undefined : normaliseIp(x);
        return ip !== undefined && !local.has(ip.ip);
      });
  } catch {
    return [];
  }
}

/** The IPs a listener address stands for: itself, or every non-loopback interface IP for 0.0.0.0 / ::. */
export function listenerAddresses(listener: string): string[] {
  if (listener !== '0.0.0.0' && listener !== '::') return [listener];
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal) continue;
      if (listener === '0.0.0.0' && a.family !== 'IPv4') continue;
      if (a.family === 'IPv6' && a.address.startsWith('fe80')) continue;
      out.push(a.address);
    }
  }
  return out;
}

export function settingsFrom(c: MesosDnsConfig): MesosDnsSettings {
  const domain = c.MESOS_DNS_DOMAIN;
  const mname = c.MESOS_DNS_SOA_MNAME || `ns1.${domain}`;
  const rname = (c.MESOS_DNS_SOA_RNAME || `root.ns1.${domain}`).replace('@', '.');
  const resolvers = c.MESOS_DNS_EXTERNAL_ON
    ? c.MESOS_DNS_RESOLVERS.length > 0
      ? c.MESOS_DNS_RESOLVERS
      : systemResolvers()
    : [];
  const zoneResolvers: Record<string, Upstream[]> = {};
  for (const [zone, servers] of Object.entries(c.MESOS_DNS_ZONE_RESOLVERS)) {
    zoneResolvers[zone] = servers.map(parseUpstream);
  }
  return {
    domain,
    zoneSuffix: `.${domain}.`,
    ttl: c.MESOS_DNS_TTL,
    srvWeight: c.MESOS_DNS_SRV_WEIGHT,
    soaMname: fqdn(mname.toLowerCase()),
    soaRname: fqdn(rname.toLowerCase()),
    soaRefresh: c.MESOS_DNS_SOA_REFRESH,
    soaRetry: c.MESOS_DNS_SOA_RETRY,
    soaExpire: c.MESOS_DNS_SOA_EXPIRE,
    soaMinttl: c.MESOS_DNS_SOA_MINTTL,
    recurseOn: c.MESOS_DNS_RECURSE_ON,
    externalOn: c.MESOS_DNS_EXTERNAL_ON,
    setTruncateBit: c.MESOS_DNS_SET_TRUNCATE_BIT,
    timeoutMs: c.MESOS_DNS_TIMEOUT * 1000,
    resolvers: resolvers.map(parseUpstream),
    zoneResolvers,
    listener: c.MESOS_DNS_LISTENER,
    listenerIPs: listenerAddresses(c.MESOS_DNS_LISTENER),
    ipSources: c.MESOS_DNS_IP_SOURCES,
    enforceRFC952: c.MESOS_DNS_ENFORCE_RFC952,
    agentAlias: c.MESOS_DNS_AGENT_ALIAS,
  };
}

/**
 * `/v1/config`: Mesos-DNS's records.Config as its JSON encoder writes it: every exported
 * field, in declaration order, under its Go name (or JSON tag). What we have no use for
 * (ZooKeeper, TLS and credentials towards Mesos) shows Mesos-DNS's defaults.
 * `file` is the absolute path of the JSON config file read, if any.
 */
export function goConfig(
  c: MesosDnsConfig,
  s: MesosDnsSettings,
  serial: number,
  file = '',
): Record<string, unknown> {
  return {
    RefreshSeconds: c.MESOS_DNS_REFRESH_SECONDS,
    Port: c.MESOS_DNS_PORT,
    Timeout: c.MESOS_DNS_TIMEOUT,
    StateTimeoutSeconds: c.MESOS_DNS_STATE_TIMEOUT_SECONDS,
    ZkDetectionTimeout: 30,
    HttpPort: c.MESOS_DNS_HTTP_PORT,
    TTL: s.ttl,
    SRVRecordDefaultWeight: s.srvWeight,
    SOASerial: serial,
    SOARefresh: s.soaRefresh,
    SOARetry: s.soaRetry,
    SOAExpire: s.soaExpire,
    SOAMinttl: s.soaMinttl,
    SOAMname: s.soaMname,
    SOARname: s.soaRname,
    Masters: c.MESOS_DNS_MASTERS,
    ZoneResolvers: c.MESOS_DNS_ZONE_RESOLVERS,
    Resolvers: s.resolvers.map((r) => (r.port === 53 ? r.host : `${r.host}:${r.port}`)),
    IPSources: s.ipSources,
    Zk: '',
    Domain: s.domain,
    File: file,
    Listener: s.listener,
    HTTPListener: c.BIND_HOST,
    RecurseOn: s.recurseOn,
    DnsOn: c.MESOS_DNS_DNS_ON,
    HttpOn: true,
    ExternalOn: s.externalOn,
    EnforceRFC952: s.enforceRFC952,
    SetTruncateBit: s.setTruncateBit,
    EnumerationOn: c.MESOS_DNS_ENUMERATION_ON,
    MesosHTTPSOn: false,
    CACertFile: '',
    CertFile: '',
    KeyFile: '',
    MesosCredentials: { Principal: '', Secret: '' },
    IAMConfigFile: '',
    MesosAuthentication: '',
  };
}

import { z } from 'zod';
import { commonShape, DEFAULT_PORTS, env } from '@dcos/config';
import { IP_SOURCES, isValidDomain, normaliseIp } from '@dcos/mesos-dns-records';

/** A comma-separated list (blank entries dropped), each item checked by `valid`. */
const list = (def: string, valid: (item: string) => string | undefined) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const items = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const item of items) {
        const problem = valid(item);
        if (problem) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${problem} (got "${item}")` });
          return z.NEVER;
        }
      }
      return items;
    });

const hostPortRe = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const validHostPort = (s: string): string | undefined => {
  const m = hostPortRe.exec(s);
  return m && Number(m[2]) <= 65535 ? undefined : 'each entry must be host:port';
};
/** An upstream resolver: `ip` or `ip:port` / `[v6]:port` (port 53 when absent). */
const validResolver = (s: string): string | undefined => {
  if (normaliseIp(s)) return undefined;
  const m = /^\[?([0-9a-fA-F:.]+?)\]?:(\d{1,5})$/.exec(s);
  if (m && normaliseIp(m[1]) && Number(m[2]) <= 65535) return undefined;
  return 'each resolver must be an IP address, optionally with :port';
};

/** `zone=ip[:port] ip[:port];zone2=...` */
const zoneResolvers = () =>
  z
    .string()
    .default('')
    .transform((v, ctx) => {
      const out: Record<string, string[]> = {};
      for (const part of v.split(';').map((s) => s.trim())) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const zone = eq > 0 ? part.slice(0, eq).trim().toLowerCase().replace(/\.$/, '') : '';
        const servers =
          eq > 0
            ? part
                .slice(eq + 1)
                .split(/[\s,]+/)
                .filter(Boolean)
            : [];
        const bad = servers.map(validResolver).find(Boolean);
        if (!zone || !isValidDomain(zone) || servers.length === 0 || bad) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: `must be "zone=ip[:port] ip[:port];zone2=..." (got "${part}")`,
          });
          return z.NEVER;
        }
        out[zone] = servers;
      }
      return out;
    });

const domain = () =>
  z
    .string()
    .default('mesos')
    .transform((v) => v.toLowerCase().replace(/\.$/, ''))
    .refine(isValidDomain, 'must be a DNS domain of labels [a-z0-9-] joined by "."');

/** A DNS name (FQDN or relative); empty means "derive from the domain". */
const dnsName = () =>
  z
    .string()
    .default('')
    .refine(
      (v) =>
        v === '' || /^([A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?$/.test(v.replace('@', '.')),
      'must be a DNS name',
    );

/**
 * Environment of the Mesos-DNS service. Mesos-DNS config keys in brackets; each
 * bad value stops the service with a message naming the variable.
 */
export const mesosDnsConfigShape = {
  ...commonShape,
  /** [httpport] HTTP API. */
  MESOS_DNS_HTTP_PORT: env.port(DEFAULT_PORTS['mesos-dns']),
  /** [port] DNS, UDP and TCP. */
  MESOS_DNS_PORT: env.port(DEFAULT_PORTS['mesos-dns-dns']),
  /** [listener] address the DNS server binds to; 0.0.0.0 = every interface. */
  MESOS_DNS_LISTENER: env
    .string('0.0.0.0')
    .refine((v) => normaliseIp(v) !== undefined, 'must be an IP address'),
  /** [dnson] serve DNS at all. */
  MESOS_DNS_DNS_ON: env.bool(true),
  /** [domain] */
  MESOS_DNS_DOMAIN: domain(),
  /** [ttl] seconds, every record and the SOA minimum. */
  MESOS_DNS_TTL: env.int(60, 0, 2147483647),
  /** [srvRecordDefaultWeight] */
  MESOS_DNS_SRV_WEIGHT: env.int(1, 0, 65535),
  /** [masters] `host:port,...`: poll `/master/state` of the leading one. */
  MESOS_DNS_MASTERS: list('', validHostPort),
  /** [refreshSeconds] */
  MESOS_DNS_REFRESH_SECONDS: env.int(60, 1, 86400),
  /** [stateTimeoutSeconds] */
  MESOS_DNS_STATE_TIMEOUT_SECONDS: env.int(300, 1, 3600),
  /** [resolvers] upstreams for other zones; empty = /etc/resolv.conf nameservers. */
  MESOS_DNS_RESOLVERS: list('', validResolver),
  /** [zoneResolvers] */
  MESOS_DNS_ZONE_RESOLVERS: zoneResolvers(),
  /** [externalon] forward queries outside the domain. */
  MESOS_DNS_EXTERNAL_ON: env.bool(true),
  /** [recurseon] RA bit on answers in the domain. */
  MESOS_DNS_RECURSE_ON: env.bool(true),
  /** [timeout] seconds per upstream exchange. */
  MESOS_DNS_TIMEOUT: env.int(5, 1, 60),
  /** [IPSources] */
  MESOS_DNS_IP_SOURCES: list('netinfo,mesos,host', (s) =>
    (IP_SOURCES as readonly string[]).includes(s)
      ? undefined
      : `each source must be one of ${IP_SOURCES.join(', ')}`,
  ),
  /** [enforceRFC952] */
  MESOS_DNS_ENFORCE_RFC952: env.bool(false),
  /** [SetTruncateBit] */
  MESOS_DNS_SET_TRUNCATE_BIT: env.bool(true),
  /** [EnumerationOn] /v1/enumerate and /v1/axfr. */
  MESOS_DNS_ENUMERATION_ON: env.bool(true),
  /** [SOAMname] default `ns1.<domain>`. */
  MESOS_DNS_SOA_MNAME: dnsName(),
  /** [SOARname] default `root.ns1.<domain>`; `@` becomes `.`. */
  MESOS_DNS_SOA_RNAME: dnsName(),
  MESOS_DNS_SOA_REFRESH: env.int(60, 0, 2147483647),
  MESOS_DNS_SOA_RETRY: env.int(600, 0, 2147483647),
  MESOS_DNS_SOA_EXPIRE: env.int(86400, 0, 2147483647),
  /** Reported in /v1/config only: Mesos-DNS puts `ttl` in the SOA minimum. */
  MESOS_DNS_SOA_MINTTL: env.int(60, 0, 2147483647),
  /** Publish `agent.<domain>` beside `slave.<domain>` (a dcos-ts extra, off as in Mesos-DNS). */
  MESOS_DNS_AGENT_ALIAS: env.bool(false),
};

/**
 * `--masters host:port,...` and `--refresh-seconds N` on the command line override
 * the environment (Mesos-DNS takes them from its config file).
 */
export function applyArgs(argv: string[], target: NodeJS.ProcessEnv = process.env): void {
  const flags: Record<string, string> = {
    config: 'MESOS_DNS_CONFIG',
    masters: 'MESOS_DNS_MASTERS',
    'refresh-seconds': 'MESOS_DNS_REFRESH_SECONDS',
    refreshSeconds: 'MESOS_DNS_REFRESH_SECONDS',
  };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([A-Za-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in flags)) continue;
    const value = m[2] ?? argv[++i];
    if (value !== undefined) target[flags[m[1]]] = value;
  }
}

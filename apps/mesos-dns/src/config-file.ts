import { readFileSync } from 'node:fs';
import { ConfigError } from '@dcos/config';

type Kind = 'string' | 'number' | 'boolean' | 'string[]' | 'zones';

/**
 * Mesos-DNS's JSON config keys (its `config.json`), mapped onto our env variables so one
 * validator checks both. Env wins over the file, as the issue asks.
 */
export const CONFIG_FILE_KEYS: Record<string, { variable: string; kind: Kind }> = {
  domain: { variable: 'MESOS_DNS_DOMAIN', kind: 'string' },
  port: { variable: 'MESOS_DNS_PORT', kind: 'number' },
  httpport: { variable: 'MESOS_DNS_HTTP_PORT', kind: 'number' },
  ttl: { variable: 'MESOS_DNS_TTL', kind: 'number' },
  refreshSeconds: { variable: 'MESOS_DNS_REFRESH_SECONDS', kind: 'number' },
  stateTimeoutSeconds: { variable: 'MESOS_DNS_STATE_TIMEOUT_SECONDS', kind: 'number' },
  masters: { variable: 'MESOS_DNS_MASTERS', kind: 'string[]' },
  resolvers: { variable: 'MESOS_DNS_RESOLVERS', kind: 'string[]' },
  zoneResolvers: { variable: 'MESOS_DNS_ZONE_RESOLVERS', kind: 'zones' },
  timeout: { variable: 'MESOS_DNS_TIMEOUT', kind: 'number' },
  listener: { variable: 'MESOS_DNS_LISTENER', kind: 'string' },
  dnson: { variable: 'MESOS_DNS_DNS_ON', kind: 'boolean' },
  externalon: { variable: 'MESOS_DNS_EXTERNAL_ON', kind: 'boolean' },
  recurseon: { variable: 'MESOS_DNS_RECURSE_ON', kind: 'boolean' },
  SOAMname: { variable: 'MESOS_DNS_SOA_MNAME', kind: 'string' },
  SOARname: { variable: 'MESOS_DNS_SOA_RNAME', kind: 'string' },
  SOARefresh: { variable: 'MESOS_DNS_SOA_REFRESH', kind: 'number' },
  SOARetry: { variable: 'MESOS_DNS_SOA_RETRY', kind: 'number' },
  SOAExpire: { variable: 'MESOS_DNS_SOA_EXPIRE', kind: 'number' },
  SOAMinttl: { variable: 'MESOS_DNS_SOA_MINTTL', kind: 'number' },
  IPSources: { variable: 'MESOS_DNS_IP_SOURCES', kind: 'string[]' },
  enforceRFC952: { variable: 'MESOS_DNS_ENFORCE_RFC952', kind: 'boolean' },
  EnumerationOn: { variable: 'MESOS_DNS_ENUMERATION_ON', kind: 'boolean' },
  SetTruncateBit: { variable: 'MESOS_DNS_SET_TRUNCATE_BIT', kind: 'boolean' },
  SRVRecordDefaultWeight: { variable: 'MESOS_DNS_SRV_WEIGHT', kind: 'number' },
};

/** Keys Mesos-DNS has that make no sense here: refused with the reason, not silently ignored. */
const REFUSED: Record<string, (v: unknown) => string | undefined> = {
  zk: () => 'ZooKeeper is not used: Mesos-DNS follows the master over NATS, or polls `masters`',
  zkDetectionTimeout: () => 'ZooKeeper is not used',
  httpon: (v) =>
    v === false ? 'the HTTP API cannot be turned off: /health is served there' : undefined,
};

function toEnvValue(key: string, kind: Kind, v: unknown): string {
  const bad = (want: string) =>
    new ConfigError([{ variable: key, message: `must be ${want} (got ${JSON.stringify(v)})` }]);
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('an integer');
      return String(v);
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('true or false');
      return String(v);
    case 'string[]':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.includes(',')))
        throw bad('a list of strings');
      return v.join(',');
    case 'zones': {
      if (!v || typeof v !== 'object' || Array.isArray(v))
        throw bad('an object of zone → list of resolvers');
      return Object.entries(v as Record<string, unknown>)
        .map(([zone, servers]) => {
          if (!Array.isArray(servers) || servers.some((s) => typeof s !== 'string'))
            throw bad('an object of zone → list of resolvers');
          return `${zone}=${(servers as string[]).join(' ')}`;
        })
        .join(';');
    }
  }
}

/**
 * Read a Mesos-DNS JSON config file into `target` (process.env) for every key whose variable
 * the environment does not already set. Returns which variable came from which key, so a
 * later validation error can name the file's key. Bad files stop with a ConfigError naming the key.
 */
export function applyConfigFile(
  path: string,
  target: NodeJS.ProcessEnv = process.env,
): Map<string, string> {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([
      { variable: 'config', message: `cannot read ${path}: ${(e as Error).message}` },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError([
      { variable: 'config', message: `${path} is not valid JSON: ${(e as Error).message}` },
    ]);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError([{ variable: 'config', message: `${path} must hold a JSON object` }]);
  }
  const fromFile = new Map<string, string>();
  const values = new Map<string, string>();
  const problems: { variable: string; message: string }[] = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const refused = REFUSED[key]?.(value);
    if (refused) {
      problems.push({ variable: key, message: refused });
      continue;
    }
    if (key in REFUSED) continue;
    const spec = CONFIG_FILE_KEYS[key];
    if (!spec) {
      problems.push({
        variable: key,
        message: `is not a Mesos-DNS config key (known: ${Object.keys(CONFIG_FILE_KEYS).join(', ')})`,
      });
      continue;
    }
    try {
      const v = toEnvValue(key, spec.kind, value);
      if (target[spec.variable] === undefined || target[spec.variable] === '') {
        values.set(spec.variable, v);
        fromFile.set(spec.variable, key);
      }
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length) throw new ConfigError(problems);
  // All or nothing: a file with any bad key changes no setting.
  for (const [variable, v] of values) target[variable] = v;
  return fromFile;
}

/** Re-word an env validation error so variables that came from the file are named by their key. */
export function renameToFileKeys(
  e: ConfigError,
  fromFile: Map<string, string>,
  path: string,
): ConfigError {
  return new ConfigError(
    e.problems.map((p) => {
      const key = fromFile.get(p.variable);
      return key ? { variable: key, message: `${p.message} (in ${path})` } : p;
    }),
  );
}

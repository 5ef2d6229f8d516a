import { constraintErrors, type Constraint } from '@dcos/placement';
import { canonicalPath, dependencyCycle } from '@dcos/marathon-plan';
import type { Violation } from './errors';
import { readVolumes } from './volumes';

/**
 * Marathon AppDefinition: validation of the JSON a client sends, Marathon's defaults, and the
 * JSON served back. Paths in errors are Marathon's (`/healthChecks(0)/portIndex`).
 */

export interface PortDefinition {
  port: number;
  protocol: string;
  name?: string;
  labels?: Record<string, string>;
}
export interface HealthCheck {
  protocol: 'HTTP' | 'HTTPS' | 'TCP' | 'COMMAND' | 'MESOS_HTTP' | 'MESOS_HTTPS' | 'MESOS_TCP';
  path?: string;
  portIndex?: number;
  port?: number;
  command?: { value: string };
  gracePeriodSeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  maxConsecutiveFailures: number;
  delaySeconds: number;
  ipProtocol: string;
  ignoreHttp1xx?: boolean;
}
/** Marathon's HTTP readiness check: run on new tasks during deployments. */
export interface ReadinessCheck {
  name: string;
  protocol: 'HTTP' | 'HTTPS';
  path: string;
  portName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  httpStatusCodesForReady: number[];
  preserveLastResponse: boolean;
}
export interface FetchUri {
  uri: string;
  executable: boolean;
  extract: boolean;
  cache: boolean;
  destPath?: string;
}
export type EnvValue = string | { secret: string };

export interface AppDefinition {
  id: string;
  cmd?: string;
  args?: string[];
  user?: string;
  env: Record<string, EnvValue>;
  instances: number;
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  executor: string;
  constraints: Constraint[];
  fetch: FetchUri[];
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
  container?: Record<string, unknown>;
  healthChecks: HealthCheck[];
  readinessChecks: ReadinessCheck[];
  dependencies: string[];
  upgradeStrategy: { minimumHealthCapacity: number; maximumOverCapacity: number };
  labels: Record<string, string>;
  acceptedResourceRoles?: string[];
  role?: string;
  portDefinitions: PortDefinition[];
  requirePorts: boolean;
  networks: { mode: string; name?: string; labels?: Record<string, string> }[];
  killSelection: 'YOUNGEST_FIRST' | 'OLDEST_FIRST';
  taskKillGracePeriodSeconds?: number;
  unreachableStrategy: { inactiveAfterSeconds: number; expungeAfterSeconds: number } | 'disabled';
  secrets: Record<string, unknown>;
  tty?: boolean;
  residency?: Record<string, unknown>;
  check?: Record<string, unknown>;
  resourceLimits?: Record<string, unknown>;
  /** Set by Marathon when stored. */
  version: string;
  versionInfo: { lastScalingAt: string; lastConfigChangeAt: string };
}

/** Every field an AppDefinition may carry (AppInfo's read-only extras are ignored on input). */
const KNOWN = new Set([
  'id',
  'cmd',
  'args',
  'user',
  'env',
  'instances',
  'cpus',
  'mem',
  'disk',
  'gpus',
  'executor',
  'constraints',
  'uris',
  'fetch',
  'storeUrls',
  'backoffSeconds',
  'backoffFactor',
  'maxLaunchDelaySeconds',
  'container',
  'healthChecks',
  'readinessChecks',
  'dependencies',
  'upgradeStrategy',
  'labels',
  'acceptedResourceRoles',
  'role',
  'ports',
  'portDefinitions',
  'requirePorts',
  'networks',
  'ipAddress',
  'killSelection',
  'taskKillGracePeriodSeconds',
  'unreachableStrategy',
  'secrets',
  'tty',
  'residency',
  'check',
  'resourceLimits',
  'executorResources',
  'version',
  'versionInfo',
]);
const READ_ONLY = new Set([
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'tasks',
  'lastTaskFailure',
  'readinessCheckResults',
  'tasksStats',
  'taskStats',
  'counts',
]);
const HC_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'];
const HC_KNOWN = new Set([
  'protocol',
  'path',
  'portIndex',
  'port',
  'command',
  'gracePeriodSeconds',
  'intervalSeconds',
  'timeoutSeconds',
  'maxConsecutiveFailures',
  'delaySeconds',
  'ipProtocol',
  'ignoreHttp1xx',
]);
const RC_KNOWN = new Set([
  'name',
  'protocol',
  'path',
  'portName',
  'intervalSeconds',
  'timeoutSeconds',
  'httpStatusCodesForReady',
  'preserveLastResponse',
]);
export const ID_PATTERN_MESSAGE =
  "must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$'";

/** Marathon's messages of a 422: RAML read errors, and validation errors. */
export const INVALID_JSON = 'Invalid JSON';
export const OBJECT_NOT_VALID = 'Object is not valid';
/** Marathon's `DockerNetwork` enum (RAML appContainer), read case-insensitively as its RAML codec. */
export const DOCKER_NETWORKS = ['BRIDGE', 'HOST', 'NONE', 'USER'];

export type ReadFailure = { ok: false; violations: Violation[]; message: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects violations while reading fields with Play-JSON-style type errors. */
class Reader {
  readonly violations: Violation[] = [];
  /**
   * Errors Marathon finds while reading the JSON into its RAML model (before validation): when
   * there is any, Marathon answers only these, as 422 "Invalid JSON".
   */
  readonly jsonErrors: Violation[] = [];
  add(path: string, error: string, list: Violation[] = this.violations): void {
    const v = list.find((x) => x.path === path);
    if (v) v.errors.push(error);
    else list.push({ path, errors: [error] });
  }
  addJson(path: string, error: string): void {
    this.add(path, error, this.jsonErrors);
  }
  /** The failure to answer, Marathon's way (read errors first), or undefined when valid. */
  failure(): { ok: false; violations: Violation[]; message: string } | undefined {
    if (this.jsonErrors.length)
      return { ok: false, violations: this.jsonErrors, message: INVALID_JSON };
    if (this.violations.length)
      return { ok: false, violations: this.violations, message: OBJECT_NOT_VALID };
    return undefined;
  }
  num(
    o: Obj,
    key: string,
    path: string,
    def: number,
    opts: { min?: number; max?: number; int?: boolean } = {},
  ): number {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(`${path}/${key}`, 'error.expected.jsnumber');
      return def;
    }
    if (opts.int && !Number.isInteger(v)) this.add(`${path}/${key}`, 'error.expected.int');
    if (opts.min !== undefined && v < opts.min)
      this.add(`${path}/${key}`, `error.minimum: must be greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v > opts.max)
      this.add(`${path}/${key}`, `error.maximum: must be less than or equal to ${opts.max}`);
    return v;
  }
  str(o: Obj, key: string, path: string, opts: { minLength?: number } = {}): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.add(`${path}/${key}`, 'error.expected.jsstring');
      return undefined;
    }
    if (opts.minLength && v.length < opts.minLength)
      this.add(
        `${path}/${key}`,
        `error.minLength: must have at least ${opts.minLength} characters`,
      );
    return v;
  }
  bool(o: Obj, key: string, path: string, def: boolean): boolean {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      this.add(`${path}/${key}`, 'error.expected.jsboolean');
      return def;
    }
    return v;
  }
  strings(o: Obj, key: string, path: string): string[] | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.add(`${path}/${key}`, 'error.expected.jsarray');
      return undefined;
    }
    v.forEach((x, i) => {
      if (typeof x !== 'string') this.add(`${path}/${key}(${i})`, 'error.expected.jsstring');
    });
    return v.filter((x): x is string => typeof x === 'string');
  }
  stringMap(o: Obj, key: string, path: string): Record<string, string> | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) {
      this.add(`${path}/${key}`, 'error.expected.jsobject');
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') this.add(`${path}/${key}/${k}`, 'error.expected.jsstring');
      else out[k] = x;
    }
    return out;
  }
  object(o: Obj, key: string, path: string): Obj | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) {
      this.add(`${path}/${key}`, 'error.expected.jsobject');
      return undefined;
    }
    return v;
  }
  array(o: Obj, key: string, path: string): unknown[] | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.add(`${path}/${key}`, 'error.expected.jsarray');
      return undefined;
    }
    return v;
  }
  unknownFields(o: Obj, known: Set<string>, path: string, ignore: Set<string> = new Set()): void {
    for (const k of Object.keys(o))
      if (!known.has(k) && !ignore.has(k))
        this.add(`${path}/${k}`, 'error.unknown.field: unknown field');
  }
}

export type AppInput = Omit<AppDefinition, 'version' | 'versionInfo'>;

/**
 * Validate an app definition and fill Marathon's defaults. `base` is the group relative ids
 * resolve against. On failure, `violations` names every bad field and nothing is returned.
 */
export function readApp(
  raw: unknown,
  opts: { base?: string; path?: string; idRequired?: boolean } = {},
): { ok: true; app: AppInput } | ReadFailure {
  const r = new Reader();
  const p = opts.path ?? '';
  if (!isObj(raw)) {
    r.add(p || '/', 'error.expected.jsobject');
    return r.failure() as ReadFailure;
  }
  r.unknownFields(raw, KNOWN, p, READ_ONLY);
  const idRaw = r.str(raw, 'id', p);
  let id = '';
  if (idRaw === undefined) {
    if (opts.idRequired !== false && raw.id === undefined) r.add(`${p}/id`, 'error.path.missing');
  } else {
    const c = canonicalPath(idRaw, opts.base ?? '/');
    if (!c || c === '/') r.add(`${p}/id`, `error.pattern: ${ID_PATTERN_MESSAGE}`);
    else id = c;
  }
  const cmd = r.str(raw, 'cmd', p, { minLength: 1 });
  const args = r.strings(raw, 'args', p);
  const container = r.object(raw, 'container', p);
  if (cmd === undefined && args === undefined && container === undefined)
    r.add(
      `${p}/`,
      "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.",
    );
  if (cmd !== undefined && args !== undefined)
    r.add(
      `${p}/`,
      "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.",
    );
  let dockerNetwork: string | undefined;
  if (container) {
    const t = container.type ?? 'MESOS';
    if (t !== 'MESOS' && t !== 'DOCKER')
      r.add(`${p}/container/type`, 'error.expected.enum: MESOS, DOCKER');
    const docker = isObj(container.docker) ? container.docker : undefined;
    if (docker && docker.network !== undefined && docker.network !== null) {
      const n = docker.network;
      dockerNetwork = typeof n === 'string' ? n.toUpperCase() : undefined;
      if (!dockerNetwork || !DOCKER_NETWORKS.includes(dockerNetwork))
        r.addJson(`${p}/container/docker/network`, 'error.unknown.enum.literal');
    }
  }
  const volumes = readVolumes(container, p, (path, error) => r.add(path, error));

  const env: Record<string, EnvValue> = {};
  const envRaw = r.object(raw, 'env', p);
  for (const [k, v] of Object.entries(envRaw ?? {})) {
    if (typeof v === 'string') env[k] = v;
    else if (isObj(v) && typeof v.secret === 'string') env[k] = { secret: v.secret };
    else r.add(`${p}/env/${k}`, 'error.expected.jsstring');
  }

  const constraints: Constraint[] = [];
  (r.array(raw, 'constraints', p) ?? []).forEach((c, i) => {
    const errs = constraintErrors(c);
    for (const e of errs) r.add(`${p}/constraints(${i})`, e);
    if (errs.length === 0) constraints.push(c as Constraint);
  });

  const fetch: FetchUri[] = [];
  (r.array(raw, 'fetch', p) ?? []).forEach((f, i) => {
    const fp = `${p}/fetch(${i})`;
    if (!isObj(f)) return r.add(fp, 'error.expected.jsobject');
    const uri = r.str(f, 'uri', fp, { minLength: 1 });
    if (uri === undefined) return r.add(`${fp}/uri`, 'error.path.missing');
    const item: FetchUri = {
      uri,
      executable: r.bool(f, 'executable', fp, false),
      extract: r.bool(f, 'extract', fp, true),
      cache: r.bool(f, 'cache', fp, false),
    };
    const destPath = r.str(f, 'destPath', fp);
    if (destPath !== undefined) item.destPath = destPath;
    fetch.push(item);
  });
  for (const uri of r.strings(raw, 'uris', p) ?? [])
    fetch.push({ uri, executable: false, extract: true, cache: false });

  const portDefinitions: PortDefinition[] = [];
  const pdRaw = r.array(raw, 'portDefinitions', p);
  const legacyPorts = r.array(raw, 'ports', p);
  if (pdRaw) {
    pdRaw.forEach((d, i) => {
      const dp = `${p}/portDefinitions(${i})`;
      if (!isObj(d)) return r.add(dp, 'error.expected.jsobject');
      r.unknownFields(d, new Set(['port', 'protocol', 'name', 'labels']), dp);
      const def: PortDefinition = {
        port: r.num(d, 'port', dp, 0, { min: 0, max: 65535, int: true }),
        protocol: r.str(d, 'protocol', dp) ?? 'tcp',
      };
      if (!['tcp', 'udp', 'udp,tcp', 'tcp,udp'].includes(def.protocol))
        r.add(`${dp}/protocol`, 'error.expected.enum: tcp, udp, udp,tcp');
      const name = r.str(d, 'name', dp);
      if (name !== undefined) {
        if (!/^[a-z0-9-]+$/.test(name))
          r.add(`${dp}/name`, "error.pattern: must fully match regular expression '^[a-z0-9-]+$'");
        def.name = name;
      }
      const labels = r.stringMap(d, 'labels', dp);
      if (labels) def.labels = labels;
      portDefinitions.push(def);
    });
  } else if (legacyPorts) {
    legacyPorts.forEach((port, i) => {
      if (typeof port !== 'number') return r.add(`${p}/ports(${i})`, 'error.expected.jsnumber');
      portDefinitions.push({ port, protocol: 'tcp' });
    });
  }
  const networksRaw = r.array(raw, 'networks', p);
  const networks: AppDefinition['networks'] = [];
  (networksRaw ?? [{ mode: 'host' }]).forEach((n, i) => {
    if (!isObj(n)) return r.add(`${p}/networks(${i})`, 'error.expected.jsobject');
    const mode = r.str(n, 'mode', `${p}/networks(${i})`) ?? 'container';
    if (!['host', 'container', 'container/bridge'].includes(mode))
      r.add(`${p}/networks(${i})/mode`, 'error.expected.enum: host, container, container/bridge');
    const net: AppDefinition['networks'][number] = { mode };
    const name = r.str(n, 'name', `${p}/networks(${i})`);
    if (name) net.name = name;
    networks.push(net);
  });
  const hostNetworking = networks.every((n) => n.mode === 'host');
  if (hostNetworking && !pdRaw && !legacyPorts)
    portDefinitions.push({ port: 0, protocol: 'tcp', name: 'default' });
  const names = portDefinitions.map((d) => d.name).filter(Boolean);
  if (new Set(names).size !== names.length)
    r.add(`${p}/portDefinitions`, 'Port names must be unique.');
  const fixed = portDefinitions.map((d) => d.port).filter((x) => x !== 0);
  if (new Set(fixed).size !== fixed.length) r.add(`${p}/portDefinitions`, 'Ports must be unique.');
  const requirePorts = r.bool(raw, 'requirePorts', p, false);

  const healthChecks: HealthCheck[] = [];
  (r.array(raw, 'healthChecks', p) ?? []).forEach((h, i) => {
    const hp = `${p}/healthChecks(${i})`;
    if (!isObj(h)) return r.add(hp, 'error.expected.jsobject');
    r.unknownFields(h, HC_KNOWN, hp);
    const protocol = (r.str(h, 'protocol', hp) ?? 'HTTP') as HealthCheck['protocol'];
    if (!HC_PROTOCOLS.includes(protocol))
      r.add(`${hp}/protocol`, `error.expected.enum: ${HC_PROTOCOLS.join(', ')}`);
    const hc: HealthCheck = {
      protocol,
      gracePeriodSeconds: r.num(h, 'gracePeriodSeconds', hp, 300, { min: 0, int: true }),
      intervalSeconds: r.num(h, 'intervalSeconds', hp, 60, { min: 0, int: true }),
      timeoutSeconds: r.num(h, 'timeoutSeconds', hp, 20, { min: 0, int: true }),
      maxConsecutiveFailures: r.num(h, 'maxConsecutiveFailures', hp, 3, { min: 0, int: true }),
      delaySeconds: r.num(h, 'delaySeconds', hp, 15, { min: 0, int: true }),
      ipProtocol: r.str(h, 'ipProtocol', hp) ?? 'IPv4',
    };
    // No rule ties timeoutSeconds to intervalSeconds: Marathon's AppValidation has none for app
    // health checks (only readiness checks and pod health checks need timeout < interval).
    if (protocol === 'COMMAND') {
      const c = r.object(h, 'command', hp);
      if (!c || typeof c.value !== 'string' || !c.value)
        r.add(`${hp}/command`, 'error.path.missing: a COMMAND health check needs command.value');
      else hc.command = { value: c.value };
    } else {
      if (protocol.includes('HTTP')) hc.path = r.str(h, 'path', hp) ?? '/';
      if (protocol.includes('HTTP')) hc.ignoreHttp1xx = r.bool(h, 'ignoreHttp1xx', hp, false);
      const port =
        h.port === undefined
          ? undefined
          : r.num(h, 'port', hp, 0, { min: 0, max: 65535, int: true });
      if (port !== undefined) hc.port = port;
      else {
        hc.portIndex = r.num(h, 'portIndex', hp, 0, { min: 0, int: true });
        if (hc.portIndex >= portDefinitions.length && hostNetworking)
          r.add(
            `${hp}/portIndex`,
            'Health check port indices must address an element of the ports array or container port mappings.',
          );
      }
    }
    healthChecks.push(hc);
  });

  const readinessChecks: ReadinessCheck[] = [];
  const rcRaw = r.array(raw, 'readinessChecks', p) ?? [];
  if (rcRaw.length > 1) r.add(`${p}/readinessChecks`, 'Only one readinessCheck is allowed');
  rcRaw.forEach((c, i) => {
    const cp = `${p}/readinessChecks(${i})`;
    if (!isObj(c)) return r.add(cp, 'error.expected.jsobject');
    r.unknownFields(c, RC_KNOWN, cp);
    const protocol = r.str(c, 'protocol', cp) ?? 'HTTP';
    if (protocol !== 'HTTP' && protocol !== 'HTTPS')
      r.add(`${cp}/protocol`, 'error.expected.enum: HTTP, HTTPS');
    const rc: ReadinessCheck = {
      name: r.str(c, 'name', cp, { minLength: 1 }) ?? 'readinessCheck',
      protocol: protocol as ReadinessCheck['protocol'],
      path: r.str(c, 'path', cp) ?? '/',
      portName: r.str(c, 'portName', cp, { minLength: 1 }) ?? 'http-api',
      intervalSeconds: r.num(c, 'intervalSeconds', cp, 30, { min: 1, int: true }),
      timeoutSeconds: r.num(c, 'timeoutSeconds', cp, 10, { min: 1, int: true }),
      httpStatusCodesForReady: [200],
      preserveLastResponse: r.bool(c, 'preserveLastResponse', cp, false),
    };
    const codes = r.array(c, 'httpStatusCodesForReady', cp);
    if (codes) {
      codes.forEach((x, j) => {
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 100 || x > 999)
          r.add(`${cp}/httpStatusCodesForReady(${j})`, 'error.expected.int: an HTTP status code');
      });
      if (codes.length === 0)
        r.add(`${cp}/httpStatusCodesForReady`, 'error.minItems: must not be empty');
      rc.httpStatusCodesForReady = codes.filter((x): x is number => typeof x === 'number');
    }
    if (rc.timeoutSeconds >= rc.intervalSeconds)
      r.add(`${cp}/timeoutSeconds`, 'timeoutSeconds must be smaller than intervalSeconds');
    if (!portDefinitions.some((d) => d.name === rc.portName))
      r.add(`${cp}/portName`, `No port definition named '${rc.portName}' for readiness check`);
    readinessChecks.push(rc);
  });
  const upgradeRaw = r.object(raw, 'upgradeStrategy', p) ?? {};
  // Marathon's default for apps with volumes: a volume has one user, so the old task goes first.
  const withVolumes = volumes.length > 0;
  const upgradeStrategy = {
    minimumHealthCapacity: r.num(
      upgradeRaw,
      'minimumHealthCapacity',
      `${p}/upgradeStrategy`,
      withVolumes ? 0.5 : 1,
      { min: 0, max: 1 },
    ),
    maximumOverCapacity: r.num(
      upgradeRaw,
      'maximumOverCapacity',
      `${p}/upgradeStrategy`,
      withVolumes ? 0 : 1,
      {
        min: 0,
        max: 1,
      },
    ),
  };
  let unreachableStrategy: AppDefinition['unreachableStrategy'] = {
    inactiveAfterSeconds: 0,
    expungeAfterSeconds: 0,
  };
  if (raw.unreachableStrategy === 'disabled') unreachableStrategy = 'disabled';
  else {
    const u = r.object(raw, 'unreachableStrategy', p);
    if (u) {
      unreachableStrategy = {
        inactiveAfterSeconds: r.num(u, 'inactiveAfterSeconds', `${p}/unreachableStrategy`, 0, {
          min: 0,
        }),
        expungeAfterSeconds: r.num(u, 'expungeAfterSeconds', `${p}/unreachableStrategy`, 0, {
          min: 0,
        }),
      };
      if (unreachableStrategy.inactiveAfterSeconds > unreachableStrategy.expungeAfterSeconds)
        r.add(
          `${p}/unreachableStrategy/inactiveAfterSeconds`,
          'inactiveAfterSeconds must be less or equal to expungeAfterSeconds',
        );
    }
  }
  const killSelection = (r.str(raw, 'killSelection', p) ??
    'YOUNGEST_FIRST') as AppDefinition['killSelection'];
  if (killSelection !== 'YOUNGEST_FIRST' && killSelection !== 'OLDEST_FIRST')
    r.add(`${p}/killSelection`, 'error.expected.enum: YOUNGEST_FIRST, OLDEST_FIRST');

  // Relative dependencies resolve against `base` as in Marathon's AppNormalization
  // (withCanonizedIds): the enclosing group for an app of /v2/groups, the root for /v2/apps.
  const dependencies: string[] = [];
  for (const [i, d] of (r.strings(raw, 'dependencies', p) ?? []).entries()) {
    const c = canonicalPath(d, opts.base ?? '/');
    if (!c) r.add(`${p}/dependencies(${i})`, `error.pattern: ${ID_PATTERN_MESSAGE}`);
    else if (c === id) r.add(`${p}/dependencies(${i})`, 'An app may not depend on itself');
    // A set in Marathon's AppDefinition: each dependency once.
    else if (!dependencies.includes(c)) dependencies.push(c);
  }

  const app: AppInput = {
    id,
    env,
    instances: r.num(raw, 'instances', p, 1, { min: 0, int: true }),
    cpus: r.num(raw, 'cpus', p, 1, { min: 0 }),
    mem: r.num(raw, 'mem', p, 128, { min: 0 }),
    disk: r.num(raw, 'disk', p, 0, { min: 0 }),
    gpus: r.num(raw, 'gpus', p, 0, { min: 0, int: true }),
    executor: r.str(raw, 'executor', p) ?? '',
    constraints,
    fetch,
    backoffSeconds: r.num(raw, 'backoffSeconds', p, 1, { min: 0 }),
    backoffFactor: r.num(raw, 'backoffFactor', p, 1.15, { min: 1 }),
    maxLaunchDelaySeconds: r.num(raw, 'maxLaunchDelaySeconds', p, 300, { min: 0 }),
    healthChecks,
    readinessChecks,
    dependencies,
    upgradeStrategy,
    labels: r.stringMap(raw, 'labels', p) ?? {},
    portDefinitions: hostNetworking ? portDefinitions : [],
    requirePorts,
    networks,
    killSelection,
    unreachableStrategy,
    secrets: r.object(raw, 'secrets', p) ?? {},
  };
  if (cmd !== undefined) app.cmd = cmd;
  if (args !== undefined) app.args = args;
  if (container)
    app.container =
      dockerNetwork === undefined
        ? container
        : { ...container, docker: { ...(container.docker as Obj), network: dockerNetwork } };
  const user = r.str(raw, 'user', p);
  if (user !== undefined) app.user = user;
  const roles = r.strings(raw, 'acceptedResourceRoles', p);
  if (roles) {
    if (new Set(roles).size !== roles.length)
      r.add(`${p}/acceptedResourceRoles`, 'error.uniqueItems: elements must be unique');
    app.acceptedResourceRoles = roles;
  }
  const role = r.str(raw, 'role', p, { minLength: 1 });
  if (role !== undefined) app.role = role;
  if (raw.taskKillGracePeriodSeconds !== undefined && raw.taskKillGracePeriodSeconds !== null)
    app.taskKillGracePeriodSeconds = r.num(raw, 'taskKillGracePeriodSeconds', p, 0, {
      min: 1,
      int: true,
    });
  for (const k of ['residency', 'check', 'resourceLimits'] as const) {
    const v = r.object(raw, k, p);
    if (v) app[k] = v;
  }
  if (raw.tty !== undefined) app.tty = r.bool(raw, 'tty', p, false);
  if (requirePorts && portDefinitions.some((d) => d.port === 0))
    r.add(`${p}/portDefinitions`, 'requirePorts needs a fixed port in every port definition');
  if (volumes.some((v) => v.kind === 'external') && app.instances > 1)
    r.add(
      `${p}/instances`,
      'Number of instances is limited to 1 when declaring external volumes in app definitions',
    );
  if (volumes.some((v) => v.kind === 'persistent') && upgradeStrategy.maximumOverCapacity !== 0)
    r.add(
      `${p}/upgradeStrategy/maximumOverCapacity`,
      'got ' + upgradeStrategy.maximumOverCapacity + ', expected 0 for resident apps',
    );
  return r.failure() ?? { ok: true, app };
}

/**
 * Apply a partial update (PUT with partialUpdate=true / PATCH): the given top-level fields
 * replace the stored ones, as Marathon merges them.
 */
export function mergeApp(current: AppDefinition, patch: Obj): Obj {
  const base = appJson(current) as Obj;
  for (const k of ['version', 'versionInfo']) delete base[k];
  return { ...base, ...patch };
}

/** Everything that needs a restart when changed (all but instances and versions). */
export function configKey(app: AppInput | AppDefinition): string {
  const { instances: _i, ...rest } = app as AppDefinition;
  void _i;
  const copy: Obj = { ...rest };
  delete copy.version;
  delete copy.versionInfo;
  return canonicalJson(copy);
}

/** JSON with object keys sorted at every depth (a key-list replacer would drop nested keys). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Obj)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Obj)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The app as Marathon serves it. */
export function appJson(app: AppDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: app.id,
    backoffFactor: app.backoffFactor,
    backoffSeconds: app.backoffSeconds,
  };
  if (app.cmd !== undefined) out.cmd = app.cmd;
  if (app.args !== undefined) out.args = app.args;
  Object.assign(out, {
    constraints: app.constraints,
    ...(app.container ? { container: app.container } : {}),
    cpus: app.cpus,
    dependencies: app.dependencies,
    disk: app.disk,
    env: app.env,
    executor: app.executor,
    fetch: app.fetch,
    gpus: app.gpus,
    healthChecks: app.healthChecks,
    instances: app.instances,
    labels: app.labels,
    maxLaunchDelaySeconds: app.maxLaunchDelaySeconds,
    mem: app.mem,
    networks: app.networks,
    ...(app.portDefinitions.length || app.networks.every((n) => n.mode === 'host')
      ? { portDefinitions: app.portDefinitions }
      : {}),
    requirePorts: app.requirePorts,
    secrets: app.secrets,
    upgradeStrategy: app.upgradeStrategy,
    version: app.version,
    versionInfo: app.versionInfo,
    killSelection: app.killSelection,
    unreachableStrategy: app.unreachableStrategy,
  });
  if (app.user !== undefined) out.user = app.user;
  if (app.acceptedResourceRoles) out.acceptedResourceRoles = app.acceptedResourceRoles;
  if (app.role !== undefined) out.role = app.role;
  if (app.taskKillGracePeriodSeconds !== undefined)
    out.taskKillGracePeriodSeconds = app.taskKillGracePeriodSeconds;
  if (app.readinessChecks.length) out.readinessChecks = app.readinessChecks;
  for (const k of ['residency', 'check', 'resourceLimits', 'tty'] as const)
    if (app[k] !== undefined) out[k] = app[k];
  return out;
}

export interface GroupInput {
  id: string;
  apps: AppInput[];
  groups: GroupInput[];
  dependencies: string[];
  enforceRole?: boolean;
}

const GROUP_KNOWN = new Set([
  'id',
  'apps',
  'groups',
  'pods',
  'dependencies',
  'enforceRole',
  'version',
  'scaleBy',
]);

/** Validate a group tree (POST/PUT /v2/groups); apps and groups resolve relative to their group. */
export function readGroup(
  raw: unknown,
  opts: { base?: string; path?: string; defaultId?: string } = {},
): { ok: true; group: GroupInput } | ReadFailure {
  const r = new Reader();
  const p = opts.path ?? '';
  if (!isObj(raw)) {
    r.add(p || '/', 'error.expected.jsobject');
    return r.failure() as ReadFailure;
  }
  const nested = (f: ReadFailure) =>
    (f.message === INVALID_JSON ? r.jsonErrors : r.violations).push(...f.violations);
  r.unknownFields(raw, GROUP_KNOWN, p);
  const idRaw = r.str(raw, 'id', p) ?? opts.defaultId;
  const id = idRaw === undefined ? undefined : canonicalPath(idRaw, opts.base ?? '/');
  if (idRaw === undefined) r.add(`${p}/id`, 'error.path.missing');
  else if (!id) r.add(`${p}/id`, `error.pattern: ${ID_PATTERN_MESSAGE}`);
  const group: GroupInput = { id: id ?? '/', apps: [], groups: [], dependencies: [] };
  (r.array(raw, 'apps', p) ?? []).forEach((a, i) => {
    const res = readApp(a, { base: group.id, path: `${p}/apps(${i})` });
    if (!res.ok) nested(res);
    else if (!res.app.id.startsWith(group.id === '/' ? '/' : group.id + '/'))
      r.add(`${p}/apps(${i})/id`, `app ${res.app.id} is not a child of group ${group.id}`);
    else group.apps.push(res.app);
  });
  (r.array(raw, 'groups', p) ?? []).forEach((g, i) => {
    const res = readGroup(g, { base: group.id, path: `${p}/groups(${i})` });
    if (!res.ok) nested(res);
    else group.groups.push(res.group);
  });
  // A group's own dependencies resolve against the group itself (Marathon's GroupConversion).
  for (const [i, d] of (r.strings(raw, 'dependencies', p) ?? []).entries()) {
    const c = canonicalPath(d, group.id);
    if (!c) r.add(`${p}/dependencies(${i})`, `error.pattern: ${ID_PATTERN_MESSAGE}`);
    else if (!group.dependencies.includes(c)) group.dependencies.push(c);
  }
  if (raw.enforceRole !== undefined) group.enforceRole = r.bool(raw, 'enforceRole', p, false);
  return r.failure() ?? { ok: true, group };
}

/**
 * Every app of a group tree, each with its own dependencies only: as in Marathon, a group's
 * dependencies stay the group's (shown on the group, not on its apps) and the deployment plan
 * applies them to the apps inside (`effectiveDependencies`).
 */
export function flattenGroup(g: GroupInput): AppInput[] {
  return [...g.apps, ...g.groups.flatMap((c) => flattenGroup(c))];
}

/** An app's dependencies with those of every group enclosing it, for deployment planning. */
export function effectiveDependencies(
  app: { id: string; dependencies: string[] },
  groups: Iterable<{ id: string; dependencies: string[] }>,
): string[] {
  const deps = new Set(app.dependencies);
  for (const g of groups)
    if (g.id !== '/' && app.id.startsWith(g.id + '/')) for (const d of g.dependencies) deps.add(d);
  return [...deps];
}

export function cycleViolation(
  apps: { id: string; instances: number; dependencies: string[] }[],
): Violation | undefined {
  const c = dependencyCycle(apps.map((a) => ({ ...a, configKey: '' })));
  return c
    ? { path: '/', errors: [`Dependency graph has cyclic dependencies (at ${c})`] }
    : undefined;
}

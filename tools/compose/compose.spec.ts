// docker-compose.yml and infra/docker/Dockerfile against the apps that actually exist:
// every app under apps/ (but the `cli`) runs as a compose service, with the port variables
// its config.ts reads, a healthcheck, and a boot order that only names known services.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const read = (rel: string): string => readFileSync(join(root, rel), 'utf8');

/** The probe every image runs (plain JS, shipped as is; not part of the TS module graph). */
const { httpPortVar } = jest.requireActual<{ httpPortVar(app: string): string }>(
  join(root, 'infra', 'docker', 'healthcheck.js'),
);

/** Apps that are not services (no container). */
const NOT_SERVICES = new Set(['cli']);
const INFRA = ['nats', 'postgres'];

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?:
    string | { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  environment?: Record<string, string | number | null> | string[];
  ports?: (string | number | { target: number; published?: string | number; protocol?: string })[];
  expose?: (string | number)[];
  healthcheck?: Healthcheck;
  depends_on?: string[] | Record<string, { condition?: string }>;
  privileged?: boolean;
  user?: string;
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;

/** `KEY=value` lists and maps alike. */
function toMap(v: Record<string, unknown> | string[] | undefined): Record<string, string> {
  if (!v) return {};
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((kv) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x == null ? '' : String(x)]));
}

const env = (s: Service) => toMap(s.environment);
const buildArgs = (s: Service) =>
  typeof s.build === 'object' ? toMap(s.build.args as Record<string, unknown> | string[]) : {};
const appOf = (s: Service): string | undefined => buildArgs(s).APP;

/** Container ports the service publishes or exposes, as `port/proto` (tcp by default). */
function containerPorts(s: Service): Set<string> {
  const out = new Set<string>();
  for (const p of s.ports ?? []) {
    if (typeof p === 'object') {
      out.add(`${p.target}/${p.protocol ?? 'tcp'}`);
      continue;
    }
    const [spec, proto = 'tcp'] = String(p).split('/');
    const target = spec.split(':').pop() as string;
    out.add(`${target}/${proto}`);
  }
  for (const p of s.expose ?? []) {
    const [port, proto = 'tcp'] = String(p).split('/');
    out.add(`${port}/${proto}`);
  }
  return out;
}

/** Host ports the service publishes, as `port/proto`. */
function publishedPorts(s: Service): Set<string> {
  const out = new Set<string>();
  for (const p of s.ports ?? []) {
    if (typeof p === 'object') {
      if (p.published != null) out.add(`${p.published}/${p.protocol ?? 'tcp'}`);
      continue;
    }
    const [spec, proto = 'tcp'] = String(p).split('/');
    const parts = spec.split(':');
    if (parts.length >= 2) out.add(`${parts[parts.length - 2]}/${proto}`);
  }
  return out;
}

function dependsOn(s: Service): Record<string, { condition?: string }> {
  const d = s.depends_on;
  if (!d) return {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [n, {}]));
  return d;
}

/** Port variables an app's config.ts declares (`FOO_PORT: env.port(...)`). */
function declaredPortVars(configText: string): string[] {
  return [...configText.matchAll(/\b([A-Z][A-Z0-9_]*_PORT)\s*:\s*env\.port\(/g)].map((m) => m[1]);
}

const appDirs = readdirSync(join(root, 'apps')).filter((name) =>
  statSync(join(root, 'apps', name)).isDirectory(),
);
const serviceApps = appDirs.filter((a) => !NOT_SERVICES.has(a));
const appServices = Object.entries(services).filter(([, s]) => appOf(s) !== undefined);

describe('docker-compose.yml', () => {
  it('lists apps/ and finds the services', () => {
    expect(serviceApps.length).toBeGreaterThanOrEqual(7);
    expect(appServices.length).toBeGreaterThanOrEqual(serviceApps.length);
  });

  it.each(serviceApps)('runs app %s as at least one service', (app) => {
    const built = appServices.filter(([, s]) => appOf(s) === app).map(([name]) => name);
    // An app added under apps/ without a service in docker-compose.yml fails here.
    expect({ app, hasService: built.length > 0 }).toEqual({ app, hasService: true });
  });

  it.each(appServices)(
    'service %s builds an existing app from the shared Dockerfile',
    (name, s) => {
      const app = appOf(s) as string;
      expect(NOT_SERVICES.has(app)).toBe(false);
      expect(existsSync(join(root, 'apps', app, 'src', 'main.ts'))).toBe(true);
      expect(s.build).toMatchObject({ context: '.', dockerfile: 'infra/docker/Dockerfile' });
      expect(s.image).toBe(`dcos-ts/${app}:latest`);
      expect(s.restart).toBe('unless-stopped');
    },
  );

  it.each(appServices)('service %s sets the environment its config.ts reads', (name, s) => {
    const app = appOf(s) as string;
    const config = read(`apps/${app}/src/config.ts`);
    const e = env(s);
    expect(e.NATS_URL).toBe('nats://nats:4222');
    expect(e.ADVERTISE_HOST).toBe(name);

    // Stateful services (databaseShape in config.ts) get DATABASE_URL; the others do not.
    const stateful = /\bdatabaseShape\b/.test(config);
    if (stateful) expect(e.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/.+@postgres:5432\//);
    else expect(e.DATABASE_URL).toBeUndefined();

    // Port variables: every one compose sets is declared by the app, and vice versa.
    const declared = declaredPortVars(config);
    expect(declared.length).toBeGreaterThan(0);
    const set = Object.keys(e).filter((k) => k.endsWith('_PORT'));
    for (const k of set)
      expect({ var: k, inConfig: config.includes(k) }).toEqual({ var: k, inConfig: true });
    expect(set.sort()).toEqual([...declared].sort());

    // ... and each of those ports is published or exposed on the container.
    const open = containerPorts(s);
    for (const k of declared) {
      const port = e[k];
      expect(port).toMatch(/^\d+$/);
      const hit = open.has(`${port}/tcp`) || open.has(`${port}/udp`);
      expect({ var: k, port, open: hit }).toEqual({ var: k, port, open: true });
    }

    // The image's healthcheck probes the variable that is the HTTP port.
    expect(declared).toContain(httpPortVar(app));
  });

  it('has nats (JetStream) and postgres, with healthchecks', () => {
    for (const name of INFRA) {
      expect(services[name]).toBeDefined();
      expect(services[name].healthcheck?.test).toBeDefined();
    }
    expect(services.nats.image).toMatch(/^nats:2/);
    expect(JSON.stringify(services.nats.healthcheck?.test)).toContain('8222/healthz');
    expect(JSON.stringify((services.nats as { command?: unknown }).command)).toContain('-js');
    expect(services.postgres.image).toMatch(/^postgres:16/);
    expect(JSON.stringify(services.postgres.healthcheck?.test)).toContain('pg_isready');
  });

  it.each(Object.entries(services))('service %s has a healthcheck', (_name, s) => {
    expect(s.healthcheck).toBeDefined();
    expect(s.healthcheck?.disable).not.toBe(true);
    expect(s.healthcheck?.test).toBeDefined();
  });

  it.each(appServices)('service %s waits for healthy, known services', (name, s) => {
    const deps = dependsOn(s);
    expect(Object.keys(deps).length).toBeGreaterThan(0);
    expect(Object.keys(deps)).not.toContain(name);
    for (const [dep, spec] of Object.entries(deps)) {
      expect({ dep, known: dep in services }).toEqual({ dep, known: true });
      expect({ dep, condition: spec.condition }).toEqual({ dep, condition: 'service_healthy' });
    }
    expect(Object.keys(deps)).toContain('nats');
  });

  it('starts in DC/OS order: store, master, agents, services', () => {
    expect(Object.keys(dependsOn(services.master)).sort()).toEqual(['nats', 'postgres']);
    for (const [name, s] of appServices) {
      if (appOf(s) === 'master') continue;
      expect({ name, afterMaster: 'master' in dependsOn(s) }).toEqual({ name, afterMaster: true });
    }
  });

  it('has no dependency cycle', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (n: string, path: string[]): void => {
      if (state.get(n) === 'done') return;
      if (state.get(n) === 'visiting') throw new Error(`cycle: ${[...path, n].join(' -> ')}`);
      state.set(n, 'visiting');
      for (const d of Object.keys(dependsOn(services[n] ?? {}))) visit(d, [...path, n]);
      state.set(n, 'done');
    };
    for (const n of Object.keys(services)) expect(() => visit(n, [])).not.toThrow();
  });

  it('publishes the admin router on port 80', () => {
    const ar = services['admin-router'];
    expect(env(ar).ADMIN_ROUTER_PORT).toBe('80');
    expect(publishedPorts(ar)).toContain('80/tcp');
    expect(containerPorts(ar)).toContain('80/tcp');
  });

  it('serves DNS from mesos-dns on 53, udp and tcp', () => {
    const dns = services['mesos-dns'];
    expect(env(dns).MESOS_DNS_PORT).toBe('53');
    expect([...containerPorts(dns)]).toEqual(expect.arrayContaining(['53/udp', '53/tcp']));
  });

  it('runs agents privileged, as root, each with its own node name and work dir volume', () => {
    const agents = appServices.filter(([, s]) => appOf(s) === 'agent');
    expect(agents.length).toBeGreaterThanOrEqual(2);
    const names = new Set<string>();
    const dirs = new Set<string>();
    for (const [name, s] of agents) {
      expect({ name, privileged: s.privileged, user: s.user }).toEqual({
        name,
        privileged: true,
        user: 'root',
      });
      const e = env(s);
      expect(e.AGENT_NODE_NAME).toBeTruthy();
      expect(e.AGENT_WORK_DIR).toBeTruthy();
      names.add(e.AGENT_NODE_NAME);
      const volumes = (s as { volumes?: string[] }).volumes ?? [];
      const mount = volumes.find((v) => String(v).split(':')[1] === e.AGENT_WORK_DIR);
      expect({ name, mount }).toEqual({ name, mount: expect.any(String) });
      dirs.add(String(mount).split(':')[0]);
    }
    expect(names.size).toBe(agents.length);
    expect(dirs.size).toBe(agents.length);
  });
});

describe('infra/docker/Dockerfile', () => {
  const path = 'infra/docker/Dockerfile';

  it('exists', () => {
    expect(existsSync(join(root, path))).toBe(true);
  });

  const text = existsSync(join(root, path)) ? read(path) : '';
  const lines = text.split('\n').map((l) => l.trim());

  it('is multi-stage, picks the app with ARG APP, and drops root', () => {
    expect(lines.filter((l) => /^FROM\s/i.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => /^ARG\s+APP\b/.test(l))).toBe(true);
    expect(lines.some((l) => /^USER\s+\S+/.test(l))).toBe(true);
    expect(lines.some((l) => /^HEALTHCHECK\s/.test(l))).toBe(true);
    expect(text).toContain('dist/apps/$APP/src/main.js');
  });

  it('copies the healthcheck script the compose healthchecks run', () => {
    expect(existsSync(join(root, 'infra/docker/healthcheck.js'))).toBe(true);
    expect(text).toContain('infra/docker/healthcheck.js');
  });
});

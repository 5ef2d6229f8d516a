import {
  appJson,
  configKey,
  effectiveDependencies,
  flattenGroup,
  readApp,
  readGroup,
  type AppDefinition,
} from './app-definition';
import { labelSelector } from './views';
import { portEnv } from './task-builder';

const ok = (raw: unknown, base?: string) => {
  const r = readApp(raw, { base });
  if (!r.ok) throw new Error(JSON.stringify(r.violations));
  return r.app;
};
const errors = (raw: unknown) => {
  const r = readApp(raw);
  if (r.ok) throw new Error('expected violations');
  return Object.fromEntries(r.violations.map((v) => [v.path, v.errors]));
};

describe('AppDefinition', () => {
  it("fills Marathon's defaults", () => {
    const a = ok({ id: 'web', cmd: 'sleep 1' }, '/prod');
    expect(a).toMatchObject({
      id: '/prod/web',
      instances: 1,
      cpus: 1,
      mem: 128,
      disk: 0,
      gpus: 0,
      executor: '',
      backoffSeconds: 1,
      backoffFactor: 1.15,
      maxLaunchDelaySeconds: 300,
      requirePorts: false,
      killSelection: 'YOUNGEST_FIRST',
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
      networks: [{ mode: 'host' }],
      portDefinitions: [{ port: 0, protocol: 'tcp', name: 'default' }],
      constraints: [],
      healthChecks: [],
      env: {},
      labels: {},
    });
  });

  it('fills health check defaults per protocol', () => {
    const a = ok({
      id: '/a',
      cmd: 'x',
      healthChecks: [{}, { protocol: 'TCP' }, { protocol: 'COMMAND', command: { value: 'true' } }],
    });
    expect(a.healthChecks[0]).toEqual({
      protocol: 'HTTP',
      path: '/',
      portIndex: 0,
      gracePeriodSeconds: 300,
      intervalSeconds: 60,
      timeoutSeconds: 20,
      maxConsecutiveFailures: 3,
      delaySeconds: 15,
      ipProtocol: 'IPv4',
      ignoreHttp1xx: false,
    });
    expect(a.healthChecks[1]).toMatchObject({ protocol: 'TCP', portIndex: 0 });
    expect(a.healthChecks[1].path).toBeUndefined();
    expect(a.healthChecks[2]).toMatchObject({ command: { value: 'true' } });
  });

  it('names every bad field with its Marathon path', () => {
    const e = errors({
      id: '/a',
      cmd: 'x',
      args: ['y'],
      instances: 1.5,
      mem: 'lots',
      unknownThing: true,
      portDefinitions: [{ port: 80, name: 'A' }],
      healthChecks: [{ portIndex: 3 }],
      constraints: [['hostname', 'UNIQUE', 'x']],
      upgradeStrategy: { minimumHealthCapacity: 2 },
    });
    expect(Object.keys(e).sort()).toEqual(
      [
        '/',
        '/constraints(0)',
        '/healthChecks(0)/portIndex',
        '/instances',
        '/mem',
        '/portDefinitions(0)/name',
        '/unknownThing',
        '/upgradeStrategy/minimumHealthCapacity',
      ].sort(),
    );
    expect(e['/mem']).toEqual(['error.expected.jsnumber']);
    expect(errors({ cmd: 'x' })['/id']).toEqual(['error.path.missing']);
    expect(errors({ id: '/a' })['/'][0]).toMatch(/must either contain one of 'cmd' or 'args'/);
    expect(errors({ id: '/a', cmd: 'x', dependencies: ['/a'] })['/dependencies(0)']).toBeDefined();
  });

  it('accepts the read-only AppInfo fields a client sends back after a GET', () => {
    expect(ok({ id: '/a', cmd: 'x', tasksRunning: 3, deployments: [], tasks: [] }).id).toBe('/a');
  });

  it('serves only Marathon field names', () => {
    const a: AppDefinition = {
      ...ok({ id: '/a', cmd: 'x' }),
      version: 'v',
      versionInfo: { lastScalingAt: 'v', lastConfigChangeAt: 'v' },
    };
    const documented = new Set([
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
      'fetch',
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
      'portDefinitions',
      'requirePorts',
      'networks',
      'killSelection',
      'taskKillGracePeriodSeconds',
      'unreachableStrategy',
      'secrets',
      'tty',
      'residency',
      'check',
      'resourceLimits',
      'version',
      'versionInfo',
    ]);
    for (const k of Object.keys(appJson(a))) expect(documented.has(k)).toBe(true);
  });
});

describe('groups', () => {
  it("resolves nested ids; a group's dependencies stay on the group and hold for its apps in plans", () => {
    const r = readGroup({
      id: '/prod',
      dependencies: ['/db'],
      apps: [{ id: 'web', cmd: 'x' }],
      groups: [{ id: 'back', apps: [{ id: 'api', cmd: 'y' }] }],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.violations));
    const apps = flattenGroup(r.group);
    expect(apps.map((a) => [a.id, a.dependencies])).toEqual([
      ['/prod/web', []],
      ['/prod/back/api', []],
    ]);
    expect(r.group.dependencies).toEqual(['/db']);
    const groups = [
      { id: '/prod', dependencies: ['/db'] },
      { id: '/other', dependencies: ['/x'] },
    ];
    expect(apps.map((a) => effectiveDependencies(a, groups))).toEqual([['/db'], ['/db']]);
    const bad = readGroup({ id: '/g', apps: [{ id: 'x' }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.violations[0].path).toBe('/apps(0)/');
  });
});

describe('label selectors and port env', () => {
  it('matches like Marathon', () => {
    const l = { tier: 'web', env: 'prod' };
    expect(labelSelector('tier')(l)).toBe(true);
    expect(labelSelector('tier==web,env!=dev')(l)).toBe(true);
    expect(labelSelector('env in (dev, test)')(l)).toBe(false);
    expect(labelSelector('env notin (dev,test)')(l)).toBe(true);
  });
  it('sets PORT, PORTS, PORTn, PORT_<NAME>', () => {
    const a = {
      ...ok({ id: '/a', cmd: 'x', portDefinitions: [{ port: 0, name: 'http' }, { port: 9000 }] }),
    } as AppDefinition;
    expect(portEnv(a, [31000, 31001])).toEqual({
      PORT: '31000',
      PORTS: '31000,31001',
      PORT0: '31000',
      PORT1: '31001',
      PORT_HTTP: '31000',
      PORT_9000: '31001',
    });
  });
  it('config key: nested changes (env, health checks) are config changes; instances are not', () => {
    const a = ok({ id: '/a', cmd: 'x', env: { A: '1' } });
    expect(configKey(ok({ id: '/a', cmd: 'x', env: { A: '2' } }))).not.toBe(configKey(a));
    expect(configKey(ok({ id: '/a', cmd: 'x', env: { A: '1' }, labels: { l: 'v' } }))).not.toBe(
      configKey(a),
    );
    expect(
      configKey(ok({ id: '/a', cmd: 'x', env: { A: '1' }, healthChecks: [{ path: '/h' }] })),
    ).not.toBe(configKey(ok({ id: '/a', cmd: 'x', env: { A: '1' }, healthChecks: [{}] })));
    expect(configKey(ok({ id: '/a', cmd: 'x', env: { A: '1' }, instances: 7 }))).toBe(configKey(a));
  });
  it('reads readinessChecks with Marathon defaults and rejects bad ones naming the path', () => {
    const a = ok({
      id: '/a',
      cmd: 'x',
      portDefinitions: [{ port: 0, name: 'http-api' }],
      readinessChecks: [{}],
    });
    expect(a.readinessChecks).toEqual([
      {
        name: 'readinessCheck',
        protocol: 'HTTP',
        path: '/',
        portName: 'http-api',
        intervalSeconds: 30,
        timeoutSeconds: 10,
        httpStatusCodesForReady: [200],
        preserveLastResponse: false,
      },
    ]);
    expect(appJson(a as AppDefinition).readinessChecks).toEqual(a.readinessChecks);
    const e = errors({
      id: '/a',
      cmd: 'x',
      readinessChecks: [
        { portName: 'nope', protocol: 'TCP', timeoutSeconds: 40, httpStatusCodesForReady: [] },
      ],
    });
    expect(Object.keys(e)).toEqual(
      expect.arrayContaining([
        '/readinessChecks(0)/portName',
        '/readinessChecks(0)/protocol',
        '/readinessChecks(0)/timeoutSeconds',
        '/readinessChecks(0)/httpStatusCodesForReady',
      ]),
    );
  });
});

describe('Marathon compatibility (issue 12)', () => {
  it('resolves relative dependencies of /v2/apps against the root (AppNormalization.withCanonizedIds())', () => {
    const a = ok({ id: '/prod/web', cmd: 'x', dependencies: ['../backend', './db', 'db', '/abs'] });
    // A set, as Marathon's AppDefinition.dependencies.
    expect(a.dependencies).toEqual(['/backend', '/db', '/abs']);
  });

  it("resolves an app's relative dependencies in a group against the app's group, a group's against itself", () => {
    const r = readGroup({
      id: '/prod',
      dependencies: ['cache', '../shared'],
      apps: [{ id: 'web', cmd: 'x', dependencies: ['../backend', './db', 'db', 'sub/x'] }],
      groups: [{ id: 'back', apps: [{ id: 'api', cmd: 'y', dependencies: ['../web', 'q'] }] }],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.violations));
    expect(r.group.dependencies).toEqual(['/prod/cache', '/shared']);
    expect(r.group.apps[0].dependencies).toEqual(['/backend', '/prod/db', '/prod/sub/x']);
    expect(r.group.groups[0].apps[0].dependencies).toEqual(['/prod/web', '/prod/back/q']);
    // Marathon's GroupUpdateTest: app1 in /apps with ["d1", "../test/foo", "/test"].
    const root = readGroup({
      id: '/',
      groups: [
        {
          id: 'apps',
          apps: [{ id: 'app1', cmd: 'foo', dependencies: ['d1', '../test/foo', '/test'] }],
        },
      ],
    });
    if (!root.ok) throw new Error(JSON.stringify(root.violations));
    expect(root.group.groups[0].apps[0].dependencies).toEqual(['/apps/d1', '/test/foo', '/test']);
    expect(
      errors({ id: '/a', cmd: 'x', dependencies: ['Bad_Id'] })['/dependencies(0)'],
    ).toBeDefined();
  });

  it('accepts a health check whose timeoutSeconds equals, exceeds or is below intervalSeconds', () => {
    for (const timeoutSeconds of [10, 11, 9]) {
      const a = ok({
        id: '/a',
        cmd: 'x',
        healthChecks: [{ protocol: 'HTTP', intervalSeconds: 10, timeoutSeconds }],
      });
      expect(a.healthChecks[0]).toMatchObject({ intervalSeconds: 10, timeoutSeconds });
    }
    expect(
      errors({ id: '/a', cmd: 'x', healthChecks: [{ timeoutSeconds: -1 }] })[
        '/healthChecks(0)/timeoutSeconds'
      ],
    ).toBeDefined();
  });

  it('container.docker.network: BRIDGE, HOST, USER, NONE (any case, stored upper case); else 422 Invalid JSON naming the path', () => {
    for (const n of ['BRIDGE', 'HOST', 'USER', 'NONE', 'bridge']) {
      const a = ok({ id: '/a', container: { type: 'DOCKER', docker: { image: 'x', network: n } } });
      expect((a.container?.docker as { network: string }).network).toBe(n.toUpperCase());
    }
    for (const n of ['OVERLAY', '', 7, { x: 1 }]) {
      const r = readApp({
        id: '/a',
        instances: -1,
        container: { type: 'DOCKER', docker: { image: 'x', network: n } },
      });
      if (r.ok) throw new Error(`accepted network ${JSON.stringify(n)}`);
      // As Marathon: a value its JSON reader refuses comes alone, before validation errors.
      expect(r.message).toBe('Invalid JSON');
      expect(r.violations).toEqual([
        { path: '/container/docker/network', errors: ['error.unknown.enum.literal'] },
      ]);
    }
    const g = readGroup({
      id: '/g',
      apps: [{ id: 'a', container: { type: 'DOCKER', docker: { image: 'x', network: 'X' } } }],
    });
    expect(g).toMatchObject({
      ok: false,
      message: 'Invalid JSON',
      violations: [{ path: '/apps(0)/container/docker/network' }],
    });
  });
});

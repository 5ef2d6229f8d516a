import {
  appJson,
  configKey,
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
  it('resolves nested ids and folds group dependencies into apps', () => {
    const r = readGroup({
      id: '/prod',
      dependencies: ['/db'],
      apps: [{ id: 'web', cmd: 'x' }],
      groups: [{ id: 'back', apps: [{ id: 'api', cmd: 'y' }] }],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.violations));
    const apps = flattenGroup(r.group);
    expect(apps.map((a) => [a.id, a.dependencies])).toEqual([
      ['/prod/web', ['/db']],
      ['/prod/back/api', ['/db']],
    ]);
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

import { marathonErrorMessage, idPath, normalizeId, parseProperties } from './marathon-client';
import { appTable, countApps, deploymentTable, taskTable, truncate } from './marathon-tables';
import type { MarathonApp, MarathonDeployment } from './marathon-tables';
import { deploymentProgress, outcome } from './marathon-watch';

const rows = (table: string) => table.split('\n').map((l) => l.split(/\s{2,}/));

const app = (over: Partial<MarathonApp> = {}): MarathonApp => ({
  id: '/web',
  cmd: 'sleep 100',
  cpus: 0.5,
  mem: 64,
  instances: 3,
  tasksRunning: 0,
  tasksHealthy: 0,
  healthChecks: [],
  deployments: [],
  version: 'v2',
  ...over,
});

const deployment = (over: Partial<MarathonDeployment> = {}): MarathonDeployment => ({
  id: 'd1',
  version: 'v2',
  affectedApps: ['/web'],
  steps: [{ actions: [{ action: 'ScaleApplication', app: '/web' }] }],
  currentActions: [{ action: 'ScaleApplication', app: '/web' }],
  currentStep: 1,
  totalSteps: 1,
  ...over,
});

describe('marathon CLI errors', () => {
  it("prints Marathon's message and each 422 path", () => {
    expect(
      marathonErrorMessage(422, 'POST', 'http://m/v2/apps', {
        message: 'Object is not valid',
        details: [
          { path: '/cpus', errors: ['error.expected.jsnumber'] },
          { path: '/instances', errors: ['error.min', 'must be >= 0'] },
        ],
      }),
    ).toBe(
      'Error: Object is not valid\n  /cpus: error.expected.jsnumber\n  /instances: error.min; must be >= 0',
    );
  });

  it('words 400, 409 and non-JSON answers as the DC/OS CLI', () => {
    expect(
      marathonErrorMessage(400, 'PUT', 'http://m/v2/apps/x', { message: 'Invalid JSON' }),
    ).toBe(
      'Error on request [PUT http://m/v2/apps/x]: HTTP 400: Bad Request:\n{\n  "message": "Invalid JSON"\n}',
    );
    expect(
      marathonErrorMessage(409, 'PUT', 'u', {
        message: 'locked',
        deployments: [{ id: 'a' }, { id: 'b' }],
      }),
    ).toBe(
      'App or group is locked by one or more deployments. Override with --force.\nDeployments: a, b',
    );
    expect(
      marathonErrorMessage(409, 'POST', 'u', { message: 'An app with id [/x] already exists.' }),
    ).toBe('Error: An app with id [/x] already exists.');
    expect(marathonErrorMessage(502, 'GET', 'http://m/v2/apps', 'Bad Gateway')).toBe(
      'Error decoding response from [http://m/v2/apps]: HTTP 502: Bad Gateway',
    );
  });
});

describe('marathon CLI ids and properties', () => {
  it('normalizes ids and encodes their segments', () => {
    expect(normalizeId('web')).toBe('/web');
    expect(normalizeId('/prod/web/')).toBe('/prod/web');
    expect(idPath('prod/a b')).toBe('/prod/a%20b');
  });

  it('parses key=value as JSON when it is JSON, else as a string', () => {
    expect(
      parseProperties(['instances=3', 'env={"A":"1"}', 'cmd=sleep 10', 'user=123', 'labels={}']),
    ).toEqual({ instances: 3, env: { A: '1' }, cmd: 'sleep 10', user: '123', labels: {} });
    expect(() => parseProperties(['cpus'])).toThrow("'cpus' is not a valid json-item");
    expect(() => parseProperties(['a=1', 'a=2'])).toThrow("Key 'a' was specified more than once");
  });
});

describe('marathon CLI tables', () => {
  it('app list: DC/OS columns, health only with health checks, current deployment action', () => {
    const t = appTable(
      [
        app({ healthChecks: [{}], tasksRunning: 2, tasksHealthy: 1, deployments: [{ id: 'd1' }] }),
        app({ id: '/db', cmd: null, args: ['postgres', '-D', 'x'], container: { type: 'DOCKER' } }),
      ],
      [deployment()],
      [{ app: { id: '/db' }, delay: { overdue: true } }],
    );
    expect(rows(t)).toEqual([
      ['ID', 'MEM', 'CPUS', 'TASKS', 'HEALTH', 'DEPLOYMENT', 'WAITING', 'CONTAINER', 'CMD'],
      ['/db', '64', '0.5', '0/3', '---', '---', 'True', 'DOCKER', "['postgres', '-D', 'x']"],
      ['/web', '64', '0.5', '2/3', '1/2', 'scale', 'False', 'mesos', 'sleep 100'],
    ]);
    expect(truncate('x'.repeat(40), 35)).toBe(`${'x'.repeat(32)}...`);
  });

  it('deployment list: APP POD ACTION PROGRESS ID, actions named per app when several', () => {
    const t = deploymentTable([
      deployment({
        affectedApps: ['/a', '/b'],
        currentActions: [
          { action: 'StartApplication', app: '/a' },
          { action: 'RestartApplication', app: '/b' },
        ],
        currentStep: 2,
        totalSteps: 3,
      }),
    ]);
    expect(t.split('\n')).toHaveLength(3);
    expect(rows(t)[1]).toEqual(['/a', '-', 'start /a', '1/3', 'd1']);
    expect(rows(t)[2]).toEqual(['/b', 'restart /b']);
  });

  it('task list: HEALTHY is true only when every check is alive', () => {
    const t = taskTable([
      { id: 't2', appId: '/b', host: 'h2', healthCheckResults: [{ alive: false }] },
      { id: 't1', appId: '/a', host: 'h1', startedAt: '2024-01-01T00:00:00.000Z' },
    ]);
    expect(rows(t)).toEqual([
      ['APP', 'HEALTHY', 'STARTED', 'HOST', 'ID'],
      ['/a', 'True', '2024-01-01T00:00:00.000Z', 'h1', 't1'],
      ['/b', 'False', 'N/A', 'h2', 't2'],
    ]);
  });

  it('group list counts apps of sub-groups too', () => {
    const counts = countApps([
      { id: '/p', apps: [app()], groups: [{ id: '/p/q', apps: [app(), app()], groups: [] }] },
    ]);
    expect([...counts.entries()]).toEqual([
      ['/p/q', 2],
      ['/p', 3],
    ]);
  });
});

describe('deployment watch progress', () => {
  it('counts finished steps plus the share of the current one', () => {
    const d = deployment({
      steps: [
        { actions: [{ action: 'StopApplication', app: '/old' }] },
        { actions: [{ action: 'StartApplication', app: '/web' }] },
      ],
      currentActions: [{ action: 'StartApplication', app: '/web' }],
      currentStep: 2,
      totalSteps: 2,
    });
    const p = deploymentProgress(d, new Map([['/web', app({ tasksRunning: 2 })]]));
    expect(p.value).toBeCloseTo(1 + 2 / 3);
    expect(p.detail).toBe('start /web 2/3 running');
    const hc = deploymentProgress(
      d,
      new Map([['/web', app({ tasksRunning: 3, tasksHealthy: 1, healthChecks: [{}] })]]),
    );
    expect(hc.value).toBeCloseTo(1 + 1 / 3);
    expect(hc.detail).toBe('start /web 1/3 healthy');
  });

  it('tells a finished deployment from a canceled or superseded one', () => {
    const d = deployment();
    expect(outcome(d, new Map([['/web', app({ tasksRunning: 3 })]]))).toEqual({
      reached: true,
      lines: ['/web: 3/3 running (version v2)'],
    });
    // Canceled: the target definition stays but its tasks never came.
    expect(outcome(d, new Map([['/web', app({ tasksRunning: 1 })]])).reached).toBe(false);
    // Superseded: another version took over.
    expect(outcome(d, new Map([['/web', app({ tasksRunning: 3, version: 'v3' })]])).reached).toBe(
      false,
    );
    const stop = deployment({
      steps: [{ actions: [{ action: 'StopApplication', app: '/web' }] }],
      currentActions: [{ action: 'StopApplication', app: '/web' }],
    });
    expect(outcome(stop, new Map())).toEqual({ reached: true, lines: ['/web: removed'] });
  });
});

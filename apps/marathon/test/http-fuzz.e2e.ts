import {
  createTestDatabase,
  expectHealthy,
  fuzzRequest,
  httpJson,
  HttpFuzzer,
  startService,
  stopAllServices,
  uniquePrefix,
  type FuzzEndpoint,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

/**
 * Marathon's /v2 API under hostile input (random JSON, wrong types, truncated and binary
 * bodies, deep nesting, huge strings, every content type, odd methods and encoded paths):
 * never an answer ≥ 500, and healthy afterwards. No master runs: deployments just wait.
 * FUZZ_RUNS overrides the cases per endpoint.
 */
jest.setTimeout(180_000);

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const LIMIT = 1024 * 1024;

const app = {
  id: '/fuzz/web',
  cmd: 'python3 -m http.server $PORT0',
  cpus: 0.1,
  mem: 32,
  instances: 2,
  portDefinitions: [{ port: 0, name: 'http' }],
  healthChecks: [{ protocol: 'HTTP', portIndex: 0, path: '/', intervalSeconds: 5 }],
  constraints: [['hostname', 'UNIQUE']],
  labels: { tier: 'web' },
  env: { MODE: 'fuzz' },
  dependencies: ['../db'],
  upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
  container: {
    type: 'MESOS',
    volumes: [{ containerPath: 'data', mode: 'RW', persistent: { type: 'root', size: 10 } }],
  },
};
const group = {
  id: '/fuzz',
  apps: [app, { id: '/fuzz/db', cmd: 'sleep 1000', cpus: 0.1, mem: 32 }],
  groups: [{ id: '/fuzz/sub', apps: [], dependencies: ['/fuzz'] }],
};
const appFields = Object.keys(app).concat([
  'args',
  'user',
  'role',
  'acceptedResourceRoles',
  'fetch',
]);
const body = { fields: appFields, samples: [app, [app], group], limitBytes: LIMIT };

const ENDPOINTS: Record<string, FuzzEndpoint> = {
  '/v2/apps': {
    methods: ['GET', 'POST', 'PUT', 'PATCH'],
    paths: ['/v2/apps'],
    queryKeys: ['embed', 'cmd', 'id', 'label', 'force', 'partialUpdate'],
    body,
  },
  '/v2/apps/{id}': {
    methods: ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'],
    paths: [
      '/v2/apps/{*id}',
      '/v2/apps/fuzz/web',
      '/v2/apps/{*id}/restart',
      '/v2/apps/{*id}/tasks',
      '/v2/apps/{*id}/tasks/{task}',
      '/v2/apps/{*id}/versions',
      '/v2/apps/{*id}/versions/{version}',
    ],
    queryKeys: ['embed', 'force', 'scale', 'wipe', 'host', 'partialUpdate'],
    body,
  },
  '/v2/groups': {
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    paths: ['/v2/groups'],
    queryKeys: ['embed', 'force', 'dryRun'],
    body,
  },
  '/v2/groups/{id}': {
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    paths: ['/v2/groups/{*id}', '/v2/groups/fuzz', '/v2/groups/{*id}/versions'],
    queryKeys: ['embed', 'force', 'dryRun'],
    body,
  },
  '/v2/deployments': {
    methods: ['GET', 'DELETE'],
    paths: ['/v2/deployments', '/v2/deployments/{id}'],
    queryKeys: ['force'],
  },
  '/v2/queue': {
    methods: ['GET', 'DELETE'],
    paths: ['/v2/queue', '/v2/queue/{*id}/delay'],
    queryKeys: ['embed'],
  },
  '/v2/tasks, /v2/tasks/delete': {
    methods: ['GET', 'POST'],
    paths: ['/v2/tasks', '/v2/tasks/delete'],
    queryKeys: ['status', 'scale', 'wipe', 'force'],
    body: { fields: ['ids'], samples: [{ ids: ['fuzz_web.1'] }], limitBytes: LIMIT },
  },
  // /v2/leader is left out: DELETE is abdication, which must not be fuzzed into a restart.
  '/v2/info, /v2/events, /ping': {
    methods: ['GET'],
    paths: ['/v2/info', '/v2/events', '/ping'],
    queryKeys: ['event_type'],
  },
};

describe('marathon /v2 under fuzzing', () => {
  let db: TestDatabase;
  let marathon: TestService;
  let fuzzer: HttpFuzzer;
  const post = (path: string, body: string, type = 'application/json') =>
    httpJson(`${marathon.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
      timeoutMs: 30_000,
    });

  beforeAll(async () => {
    db = await createTestDatabase('marathon_fuzz');
    marathon = await startService('marathon', {
      DATABASE_URL: db.url,
      NATS_PREFIX: uniquePrefix('mtfuzz'),
    });
    fuzzer = new HttpFuzzer(marathon.url, { numRuns: RUNS });
  });

  afterAll(async () => {
    fuzzer?.close();
    await stopAllServices();
    await db?.drop();
  });

  it.each(['/v2/groups', '/v2/apps'])(
    'POST %s with a 5 MB body is 413 naming the limit, not 500',
    async (path) => {
      const r = await post(
        path,
        JSON.stringify({ id: '/big', apps: [{ id: 'a', cmd: 'x'.repeat(5_000_000) }] }),
      );
      expect(r.status).toBe(413);
      expect(r.body).toMatchObject({ message: 'request entity too large', limit: LIMIT });
    },
  );

  it('malformed JSON is 400 Invalid JSON; any content type is read as JSON', async () => {
    const bad = await post('/v2/apps', '{"id":');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ message: 'Invalid JSON' });
    const form = await post(
      '/v2/apps',
      '{"id":"/form","cmd":"sleep 1"}',
      'application/x-www-form-urlencoded',
    );
    expect(form.status).toBe(201);
  });

  for (const [name, endpoint] of Object.entries(ENDPOINTS))
    it(`${name}: ${RUNS} hostile requests, none answered ≥ 500`, async () => {
      await fuzzer.run(name, fuzzRequest(endpoint));
    });

  it('is healthy afterwards and still serves a normal request', async () => {
    await expectHealthy(marathon.url);
    const r = await post(
      '/v2/apps',
      JSON.stringify({ id: '/after-fuzz', cmd: 'sleep 1', mem: 16 }),
    );
    expect(r.status).toBe(201);
    const got = await httpJson(`${marathon.url}/v2/apps/after-fuzz`);
    expect(got.status).toBe(200);
  });
});

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
 * The master's HTTP API (Mesos operator and scheduler API, /master/* endpoints) under hostile
 * input (random JSON, wrong types, truncated and binary bodies, deep nesting, huge strings,
 * every content type incl. protobuf, odd methods and encoded paths): never an answer ≥ 500
 * (any 4xx is fine: 400, 406, 415...), and healthy afterwards. FUZZ_RUNS overrides the cases
 * per endpoint.
 */
jest.setTimeout(180_000);

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const LIMIT = 32 * 1024 * 1024;

const frameworkId = { value: 'fuzz-framework' };
const operatorCalls = [
  { type: 'GET_STATE' },
  { type: 'GET_AGENTS' },
  { type: 'GET_TASKS' },
  { type: 'GET_FRAMEWORKS' },
  { type: 'GET_HEALTH' },
  { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 1 } } },
  { type: 'KILL_TASK', kill_task: { task_id: { value: 't' }, framework_id: frameworkId } },
  {
    type: 'RESERVE_RESOURCES',
    reserve_resources: {
      agent_id: { value: 'a' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'r' }],
    },
  },
  { type: 'TEARDOWN', teardown: { framework_id: frameworkId } },
];
const schedulerCalls = [
  { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'fuzz' } } },
  {
    type: 'ACCEPT',
    framework_id: frameworkId,
    accept: {
      offer_ids: [{ value: 'o-1' }],
      operations: [
        {
          type: 'LAUNCH',
          launch: {
            task_infos: [
              {
                name: 't',
                task_id: { value: 't' },
                agent_id: { value: 'a' },
                resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
                command: { value: 'sleep 1' },
              },
            ],
          },
        },
      ],
    },
  },
  { type: 'DECLINE', framework_id: frameworkId, decline: { offer_ids: [{ value: 'o-1' }] } },
  {
    type: 'ACKNOWLEDGE',
    framework_id: frameworkId,
    acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AAAA' },
  },
  { type: 'RECONCILE', framework_id: frameworkId, reconcile: { tasks: [] } },
  { type: 'KILL', framework_id: frameworkId, kill: { task_id: { value: 't' } } },
  { type: 'REVIVE', framework_id: frameworkId },
  { type: 'TEARDOWN', framework_id: frameworkId },
];
const callFields = ['type', 'framework_id', 'subscribe', 'accept', 'get_metrics', 'kill_task'];

const ENDPOINTS: Record<string, FuzzEndpoint> = {
  'POST /api/v1 (operator)': {
    methods: ['POST'],
    paths: ['/api/v1', '/master/api/v1', '/api/v1/operator', '/api/v1/{name}'],
    body: { fields: callFields, samples: operatorCalls, limitBytes: 64 * 1024 },
  },
  'POST /api/v1/scheduler': {
    methods: ['POST'],
    paths: ['/api/v1/scheduler', '/master/api/v1/scheduler'],
    body: { fields: callFields, samples: schedulerCalls, limitBytes: 64 * 1024 },
  },
  '/master/* (state, frameworks, tasks, ...)': {
    methods: ['GET'],
    paths: [
      '/master/state',
      '/state.json',
      '/master/state-summary',
      '/master/slaves',
      '/master/frameworks',
      '/master/tasks',
      '/master/redirect',
      '/master/health',
      '/metrics/snapshot',
      '/version',
      '/master/{name}',
    ],
    queryKeys: ['framework_id', 'task_id', 'limit', 'offset', 'order', 'slave_id', 'jsonp'],
  },
  'POST /teardown, /master/reserve, /master/unreserve': {
    methods: ['POST'],
    paths: ['/teardown', '/master/teardown', '/master/reserve', '/master/unreserve'],
    queryKeys: ['frameworkId', 'slaveId', 'resources'],
    body: { fields: ['frameworkId', 'slaveId', 'resources'], limitBytes: 64 * 1024 },
  },
};

describe('master HTTP API under fuzzing', () => {
  let db: TestDatabase;
  let master: TestService;
  let fuzzer: HttpFuzzer;

  beforeAll(async () => {
    db = await createTestDatabase('master_fuzz');
    master = await startService('master', {
      DATABASE_URL: db.url,
      NATS_PREFIX: uniquePrefix('msfuzz'),
    });
    fuzzer = new HttpFuzzer(master.url, { numRuns: RUNS });
  });

  afterAll(async () => {
    fuzzer?.close();
    await stopAllServices();
    await db?.drop();
  });

  it('a body over the limit is 413 naming the limit, not 500', async () => {
    const r = await httpJson(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'GET_STATE', pad: 'x'.repeat(LIMIT) }),
      timeoutMs: 60_000,
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ message: 'request entity too large', limit: LIMIT });
  });

  for (const [name, endpoint] of Object.entries(ENDPOINTS))
    it(`${name}: ${RUNS} hostile requests, none answered ≥ 500`, async () => {
      await fuzzer.run(name, fuzzRequest(endpoint));
    });

  it('is healthy afterwards and still serves a normal request', async () => {
    await expectHealthy(master.url);
    const r = await httpJson(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ type: 'GET_HEALTH' }),
    });
    // 2xx: Mesos answers 200 (this API gives 201 until the operator-call fix is merged).
    expect(r.status).toBeGreaterThanOrEqual(200);
    expect(r.status).toBeLessThan(300);
    expect(r.body).toMatchObject({ type: 'GET_HEALTH', get_health: { healthy: true } });
  });
});

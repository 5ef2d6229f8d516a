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
 * The storage service's HTTP API under hostile input (random JSON, wrong types, truncated and
 * binary bodies, deep nesting, huge strings, every content type, odd methods and paths): never
 * an answer ≥ 500, and healthy afterwards. FUZZ_RUNS overrides the cases per endpoint.
 */
jest.setTimeout(180_000);

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const LIMIT = 1024 * 1024;

const provider = {
  name: 'pool-1',
  spec: {
    plugin: { name: 'loop' },
    node: 'agent-1',
    'plugin-configuration': { devices: ['disk0'] },
    labels: { tier: 'fast' },
  },
};
const profile = {
  name: 'fast',
  spec: {
    'provider-selector': { plugin: 'loop', matches: { labels: { tier: 'fast' } } },
    mount: { filesystem: 'ext4' },
  },
};
const volume = { name: 'vol-1', 'capacity-mb': 256, profile: 'fast' };

const ENDPOINTS: Record<string, FuzzEndpoint> = {
  'GET /v1/devices': { methods: ['GET'], paths: ['/v1/devices'], queryKeys: ['node'] },
  '/v1/providers': {
    methods: ['GET', 'POST'],
    paths: ['/v1/providers'],
    body: { fields: ['name', 'spec', 'description'], samples: [provider], limitBytes: LIMIT },
  },
  '/v1/providers/{name}': {
    methods: ['PUT', 'DELETE'],
    paths: ['/v1/providers/{name}'],
    body: { fields: ['name', 'spec'], samples: [provider], limitBytes: LIMIT },
  },
  '/v1/profiles': {
    methods: ['GET', 'POST'],
    paths: ['/v1/profiles'],
    body: { fields: ['name', 'spec', 'description'], samples: [profile], limitBytes: LIMIT },
  },
  '/v1/profiles/{name}/(de|re)activate': {
    methods: ['POST'],
    paths: ['/v1/profiles/{name}/deactivate', '/v1/profiles/{name}/reactivate'],
  },
  '/v1/volumes': {
    methods: ['GET', 'POST'],
    paths: ['/v1/volumes'],
    body: {
      fields: ['name', 'capacity-mb', 'profile', 'node'],
      samples: [volume],
      limitBytes: LIMIT,
    },
  },
  'DELETE /v1/volumes/{name}': { methods: ['DELETE'], paths: ['/v1/volumes/{name}'] },
};

describe('dss HTTP API under fuzzing', () => {
  let db: TestDatabase;
  let dss: TestService;
  let fuzzer: HttpFuzzer;

  beforeAll(async () => {
    db = await createTestDatabase('dss_fuzz');
    dss = await startService('dss', {
      DATABASE_URL: db.url,
      NATS_PREFIX: uniquePrefix('dssfuzz'),
      DSS_AGENT_TIMEOUT_MS: '100',
    });
    fuzzer = new HttpFuzzer(dss.url, { numRuns: RUNS });
  });

  afterAll(async () => {
    fuzzer?.close();
    await stopAllServices();
    await db?.drop();
  });

  it.each(['/v1/profiles', '/v1/providers', '/v1/volumes'])(
    'POST %s with a 5 MB body is 413 naming the limit, not 500',
    async (path) => {
      const r = await httpJson(`${dss.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(5_000_000) }),
        timeoutMs: 30_000,
      });
      expect(r.status).toBe(413);
      expect(r.body).toMatchObject({ message: 'request entity too large', limit: LIMIT });
    },
  );

  it('a malformed JSON body is 400 naming the body', async () => {
    const r = await httpJson(`${dss.url}/v1/volumes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(r.status).toBe(400);
    expect(String((r.body as { message: string }).message)).toMatch(
      /^request body is not valid JSON/,
    );
  });

  for (const [name, endpoint] of Object.entries(ENDPOINTS))
    it(`${name}: ${RUNS} hostile requests, none answered ≥ 500`, async () => {
      // Device listings wait for the agents' answers (none here): more in flight at once.
      await fuzzer.run(name, fuzzRequest(endpoint), {
        concurrency: name.includes('devices') ? 32 : 8,
      });
    });

  it('is healthy afterwards and still serves a normal request', async () => {
    await expectHealthy(dss.url);
    const r = await httpJson(`${dss.url}/v1/profiles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...profile, name: 'after-fuzz' }),
    });
    expect(r.status).toBeLessThan(300);
    const list = await httpJson(`${dss.url}/v1/profiles`);
    expect(JSON.stringify(list.body)).toContain('after-fuzz');
  });
});

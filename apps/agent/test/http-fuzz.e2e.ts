import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  expectHealthy,
  fuzzRequest,
  httpJson,
  HttpFuzzer,
  killAgentTaskLeftovers,
  startService,
  stopAllServices,
  uniquePrefix,
  type FuzzEndpoint,
  type TestService,
} from '@dcos/testing';

/**
 * The agent's HTTP API (v1 operator API, /files/*, state endpoints) under hostile input
 * (random JSON, wrong types, truncated and binary bodies, deep nesting, huge strings, every
 * content type incl. protobuf, odd methods and encoded paths): never an answer ≥ 500 (any 4xx
 * is fine), and healthy afterwards. No master runs. FUZZ_RUNS overrides the cases per endpoint.
 */
jest.setTimeout(180_000);

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const LIMIT = 1024 * 1024;

const calls = [
  { type: 'GET_STATE' },
  { type: 'GET_HEALTH' },
  { type: 'GET_CONTAINERS', get_containers: { show_nested: true } },
  { type: 'LIST_FILES', list_files: { path: '/' } },
  { type: 'READ_FILE', read_file: { path: '/etc/passwd', offset: 0, length: 10 } },
  { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 1 } } },
];

const ENDPOINTS: Record<string, FuzzEndpoint> = {
  'POST /api/v1 (agent operator)': {
    methods: ['POST'],
    paths: ['/api/v1', '/slave(1)/api/v1', '/api/v1/{name}'],
    body: {
      fields: ['type', 'list_files', 'read_file', 'get_containers'],
      samples: calls,
      limitBytes: LIMIT,
    },
  },
  '/files/{browse,read,download}': {
    methods: ['GET'],
    paths: ['/files/browse', '/files/read', '/files/download', '/files/{name}'],
    queryKeys: ['path', 'offset', 'length'],
  },
  '/state, /flags, /containers, ...': {
    methods: ['GET'],
    paths: [
      '/state',
      '/state.json',
      '/slave(1)/state',
      '/flags',
      '/version',
      '/metrics/snapshot',
      '/containers',
      '/{name}',
    ],
  },
};

describe('agent HTTP API under fuzzing', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'agent-fuzz-'));
  let agent: TestService;
  let fuzzer: HttpFuzzer;

  beforeAll(async () => {
    agent = await startService('agent', {
      NATS_PREFIX: uniquePrefix('agfuzz'),
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: 'node-fuzz',
      AGENT_IP: '127.0.0.1',
      AGENT_RESOURCES: 'cpus:1;mem:512;disk:512;ports:[31900-31909]',
    });
    fuzzer = new HttpFuzzer(agent.url, { numRuns: RUNS });
  });

  afterAll(async () => {
    fuzzer?.close();
    await stopAllServices();
    killAgentTaskLeftovers(workDir);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('a body over the limit is 413 naming the limit, not 500', async () => {
    const r = await httpJson(`${agent.url}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'GET_STATE', pad: 'x'.repeat(5_000_000) }),
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ message: 'request entity too large', limit: LIMIT });
  });

  for (const [name, endpoint] of Object.entries(ENDPOINTS))
    it(`${name}: ${RUNS} hostile requests, none answered ≥ 500`, async () => {
      await fuzzer.run(name, fuzzRequest(endpoint));
    });

  it('is healthy afterwards and still serves a normal request', async () => {
    await expectHealthy(agent.url);
    const r = await httpJson(`${agent.url}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ type: 'GET_HEALTH' }),
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ type: 'GET_HEALTH', get_health: { healthy: true } });
  });
});

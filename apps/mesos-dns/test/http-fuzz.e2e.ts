import {
  expectHealthy,
  freePort,
  fuzzRequest,
  httpJson,
  HttpFuzzer,
  startService,
  stopAllServices,
  uniquePrefix,
  type FuzzEndpoint,
  type TestService,
} from '@dcos/testing';

/**
 * Mesos-DNS' HTTP API (/v1/hosts, /v1/services, /v1/enumerate, ...) under hostile input (odd
 * and encoded names, bodies of every kind, odd methods): never an answer ≥ 500, healthy
 * afterwards. External resolution is off: no lookup leaves the machine. FUZZ_RUNS overrides
 * the cases per endpoint.
 */
jest.setTimeout(180_000);

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);

const ENDPOINTS: Record<string, FuzzEndpoint> = {
  '/v1/hosts/{host}': {
    methods: ['GET'],
    paths: [
      '/v1/hosts/{host}',
      '/v1/hosts/{host}.mesos',
      '/v1/hosts/{host}/ports',
      '/v1/hosts/leader.mesos.',
    ],
  },
  '/v1/services/{service}': {
    methods: ['GET'],
    paths: [
      '/v1/services/{service}',
      '/v1/services/_{name}._tcp.marathon.mesos',
      '/v1/services/_{name}._{proto}.{fw}.mesos.',
    ],
  },
  '/v1/{version,config,enumerate,axfr}': {
    methods: ['GET'],
    paths: ['/v1/version', '/v1/config', '/v1/enumerate', '/v1/axfr', '/v1/{name}'],
  },
};

describe('mesos-dns HTTP API under fuzzing', () => {
  let dns: TestService;
  let fuzzer: HttpFuzzer;

  beforeAll(async () => {
    dns = await startService('mesos-dns', {
      NATS_PREFIX: uniquePrefix('dnsfuzz'),
      MESOS_DNS_PORT: String(await freePort()),
      MESOS_DNS_RESOLVERS: '',
      MESOS_DNS_EXTERNAL_ON: 'false',
    });
    fuzzer = new HttpFuzzer(dns.url, { numRuns: RUNS });
  });

  afterAll(async () => {
    fuzzer?.close();
    await stopAllServices();
  });

  for (const [name, endpoint] of Object.entries(ENDPOINTS))
    it(`${name}: ${RUNS} hostile requests, none answered ≥ 500`, async () => {
      await fuzzer.run(name, fuzzRequest(endpoint), {
        // Mesos-DNS answers GET /v1/hosts/{host}/ports with 501 "To be implemented...": ours too.
        allow: (r, status) =>
          status === 501 &&
          /^(GET|HEAD)$/.test(r.method) &&
          /^\/v1\/hosts\/[^/]+\/ports\/?(\?|$)/.test(r.path),
      });
    });

  it('is healthy afterwards and still serves a normal request', async () => {
    await expectHealthy(dns.url);
    const r = await httpJson(`${dns.url}/v1/version`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ Service: expect.any(String) });
  });
});

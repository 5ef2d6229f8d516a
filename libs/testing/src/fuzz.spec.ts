import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpFuzzer, fuzzRequest, type FuzzEndpoint } from './fuzz';

/** A server with one planted bug: a body longer than 3 bytes to PUT /things/<x> answers 500. */
function buggyServer(): Promise<Server> {
  const s = createServer((req, res) => {
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => {
      const bug = req.method === 'PUT' && (req.url ?? '').startsWith('/things/') && size > 3;
      res.writeHead(bug ? 500 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: bug ? 'boom' : 'not found' }));
    });
  });
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}

describe('HttpFuzzer', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = await buggyServer();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const endpoint: FuzzEndpoint = {
    methods: ['PUT'],
    paths: ['/things/{id}'],
    body: { fields: ['name'], limitBytes: 10_000 },
  };

  it('finds a planted 5xx and fails with a shrunk counterexample', async () => {
    const f = new HttpFuzzer(base, { numRuns: 300, seed: 42 });
    try {
      await expect(f.run('PUT /things', fuzzRequest(endpoint))).rejects.toThrow(
        /requests failed \(seed 42\)[\s\S]*Shrunk counterexample:\n {2}PUT \/things\/[\s\S]*→ 500/,
      );
    } finally {
      f.close();
    }
  });

  it('passes 1,000 hostile requests to an endpoint that never fails', async () => {
    const f = new HttpFuzzer(base, { numRuns: 1_000, concurrency: 4 });
    try {
      const report = await f.run(
        'GET /other',
        fuzzRequest({ methods: ['GET', 'POST'], paths: ['/other/{*rest}'] }),
      );
      expect(report.runs).toBe(1_000);
      expect(report.failures).toEqual([]);
      expect(Object.values(report.statuses).reduce((a, b) => a + b, 0)).toBe(1_000);
    } finally {
      f.close();
    }
  });
});

import { Agent, METHODS, request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { httpJson } from './wait';

/**
 * HTTP fuzzing: arbitraries for hostile requests (random JSON, wrong types, truncated and
 * binary bodies, deep nesting, huge strings, every content type, odd methods and encoded
 * paths) and a runner that sends them to a running service and fails on any answer ≥ 500,
 * with the shrunk request that caused it.
 */

/** One request as it goes on the wire (bytes, not objects: the point is to send nonsense). */
export interface FuzzRequest {
  method: string;
  /** Path and query, already encoded (or deliberately mis-encoded). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What kind of body this is, for reports (`json`, `truncated`, `deep(10000)`, ...). */
  kind: string;
}

export interface FuzzAnswer {
  status: number;
  body: string;
}

/** A request that got ≥ 500, no answer, or a cut connection. */
export interface FuzzFailure {
  request: FuzzRequest;
  outcome: string;
}

// ---------------------------------------------------------------------------------------
// Paths

const ODD_SEGMENTS = [
  '%',
  '%zz',
  '%00',
  '%2F',
  '%2f..%2f',
  '..',
  '.',
  '%2e%2e',
  '%E0%A4%A',
  '%C0%AF',
  '%FF%FE',
  "'%22%3Cscript%3E",
  '%20',
  '~',
  '*',
  '(1)',
  ';x=1',
  '%u0041',
  '-1',
  '0',
  '1e999',
  'NaN',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'hasOwnProperty',
];

/** One path segment: plain names, percent-encoded unicode, broken escapes, very long ones. */
export const fuzzSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }).map(encodeURIComponent) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_SEGMENTS) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'a'.repeat(n)) },
);

const ODD_QUERIES = [
  '?',
  '?%',
  '?a=%zz',
  '?&&&',
  '?=',
  '?a[b][c]=d',
  '?__proto__[x]=1',
  '?a=1&a=2',
];

/** A query string: the endpoint's known keys with odd values, repeated keys, qs brackets. */
export function fuzzQuery(keys: string[] = []): fc.Arbitrary<string> {
  const key = fc.oneof(
    ...(keys.length ? [{ weight: 3, arbitrary: fc.constantFrom(...keys) }] : []),
    { weight: 1, arbitrary: fuzzSegment },
  );
  const value = fc.oneof(
    fc.constantFrom('true', 'false', '0', '-1', '1e309', '', 'null', '[]', '%', 'x%zz'),
    fuzzSegment,
  );
  const pair = fc
    .tuple(key, fc.constantFrom('', '[]', '[x]', '[0][y]'), value)
    .map(([k, b, v]) => `${k}${b}=${v}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    {
      weight: 3,
      arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((p) => `?${p.join('&')}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_QUERIES) },
  );
}

/**
 * Paths from templates: `{name}` is one fuzzed segment, `{*name}` one to three of them.
 * Templates without placeholders are used as they are (plus an odd query).
 */
export function fuzzPath(templates: string[], queryKeys: string[] = []): fc.Arbitrary<string> {
  const fill = (t: string): fc.Arbitrary<string> => {
    const parts = t.split(/(\{\*?[^}]+\})/).filter((p) => p !== '');
    return fc
      .tuple(
        ...parts.map((p) =>
          p.startsWith('{*')
            ? fc.array(fuzzSegment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'))
            : p.startsWith('{')
              ? fuzzSegment
              : fc.constant(p),
        ),
      )
      .map((s) => s.join(''));
  };
  const filled = fc.oneof(...templates.map(fill));
  const suffix = fc.constantFrom('', '', '', '/', '//', '/..', '/%2e%2e/x');
  return fc.tuple(filled, suffix, fuzzQuery(queryKeys)).map(([p, s, q]) => `${p}${s}${q}`);
}

// ---------------------------------------------------------------------------------------
// Bodies

export interface FuzzBodyOptions {
  /** Field names the endpoint knows: objects with them and values of the wrong type. */
  fields?: string[];
  /** Valid bodies to mutate (one value replaced somewhere inside by something wrong). */
  samples?: unknown[];
  /** The service's body limit: huge bodies go up to a bit above it (413 expected). */
  limitBytes?: number;
}

interface Body {
  kind: string;
  bytes?: Buffer;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Any JSON-able value, with the odd ones JSON has (huge numbers, empty keys, unicode). */
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      true,
      0,
      -1,
      1e308,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      0.1,
      '',
      ' ',
      '\u0000',
      '\ud800',
      [],
      {},
      [null],
      { '': null },
      { __proto__: null, constructor: 1 },
    ),
  },
);

/** Replace the value at a random place inside `v` (objects and arrays walked from the top). */
function mutate(v: unknown, at: number[], replacement: unknown): unknown {
  if (at.length === 0 || v === null || typeof v !== 'object') return replacement;
  const [i, ...rest] = at as [number, ...number[]];
  if (Array.isArray(v)) {
    if (v.length === 0) return replacement;
    const k = i % v.length;
    return v.map((x, j) => (j === k ? mutate(x, rest, replacement) : x));
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return replacement;
  const k = keys[i % keys.length] as string;
  return {
    ...(v as Record<string, unknown>),
    [k]: mutate((v as Record<string, unknown>)[k], rest, replacement),
  };
}

/** `{"<field>":"xxx…"}` with `n` x's, built in one buffer (these are megabytes). */
function hugeString(field: string, n: number): Buffer {
  const head = utf8(`{${JSON.stringify(field)}:"`);
  const out = Buffer.alloc(head.length + n + 2, 'x');
  head.copy(out, 0);
  out.write('"}', head.length + n);
  return out;
}

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + 'null' + '}'.repeat(depth);
}

/** Bodies of every kind a hostile or careless client sends. */
export function fuzzBody(o: FuzzBodyOptions = {}): fc.Arbitrary<Body> {
  const limit = o.limitBytes ?? 1024 * 1024;
  const json = (kind: string, a: fc.Arbitrary<unknown>) =>
    a.map((v): Body => ({ kind, bytes: utf8(JSON.stringify(v) ?? 'null') }));
  const fields = o.fields ?? [];
  const choices: fc.WeightedArbitrary<Body>[] = [
    { weight: 2, arbitrary: fc.constant<Body>({ kind: 'none' }) },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: 'empty', bytes: Buffer.alloc(0) }) },
    { weight: 4, arbitrary: json('json', jsonish) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.string(), fc.nat()).map(([s, n]): Body => ({
        kind: 'truncated',
        bytes: utf8(s.slice(0, n % (s.length + 1))),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .uint8Array({ maxLength: 2048 })
        .map((b): Body => ({ kind: 'binary', bytes: Buffer.from(b) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 2, max: 10_000 }),
          fc.constantFrom<'array' | 'object'>('array', 'object'),
        )
        .map(([d, k]): Body => ({ kind: `deep-${k}(${d})`, bytes: utf8(nested(d, k)) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          // Mostly big-but-allowed; a few around the limit (just under, just over): those
          // cost a megabyte each to build and send, and the limit has its own tests.
          fc.oneof(
            { weight: 30, arbitrary: fc.integer({ min: 1, max: 64 * 1024 }) },
            {
              weight: 1,
              arbitrary: fc.integer({
                min: Math.round(limit * 0.9),
                max: Math.round(limit * 1.25),
              }),
            },
          ),
          fc.constantFrom(...(fields.length ? fields : ['x'])),
        )
        .map(([n, f]): Body => ({ kind: `huge-string(${n})`, bytes: hugeString(f, n) })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Body>(
        { kind: 'form', bytes: utf8('a=1&b[c]=2&b[c]=3&__proto__[x]=1&d') },
        {
          kind: 'multipart',
          bytes: utf8(
            '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n{"x":1}\r\n--xyz--\r\n',
          ),
        },
        { kind: 'text', bytes: utf8('hello') },
        { kind: 'bom-json', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('{}')]) },
        { kind: 'utf16', bytes: Buffer.from('{"a":1}', 'utf16le') },
      ),
    },
  ];
  if (fields.length)
    choices.push({
      weight: 4,
      arbitrary: json(
        'wrong-types',
        fc.dictionary(fc.constantFrom(...fields), jsonish, { maxKeys: 5 }),
      ),
    });
  if (o.samples?.length)
    choices.push({
      weight: 5,
      arbitrary: json(
        'mutated-sample',
        fc
          .tuple(fc.constantFrom(...o.samples), fc.array(fc.nat(), { maxLength: 4 }), jsonish)
          .map(([s, at, r]) => mutate(s, at, r)),
      ),
    });
  return fc.oneof(...choices);
}

// ---------------------------------------------------------------------------------------
// Requests

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=nonsense',
  'application/x-protobuf',
  'application/vnd.dcos.foo+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'multipart/form-data',
  'application/octet-stream',
  'application/recordio',
  ';;;',
  '*/*',
  'application/',
];
const ACCEPTS = [
  'application/json',
  'application/x-protobuf',
  'text/html',
  'text/event-stream',
  'application/recordio',
  '*/*',
  'image/png',
  ';q=x',
];

export interface FuzzEndpoint {
  /** Methods the endpoint serves (most requests use them; the rest use odd ones). */
  methods: string[];
  /** Path templates (see fuzzPath). */
  paths: string[];
  queryKeys?: string[];
  body?: FuzzBodyOptions;
  /** Headers every request carries (e.g. an auth token), unless the fuzzer drops them. */
  headers?: Record<string, string>;
}

/** Whole requests for one endpoint: method, path, headers and body all fuzzed together. */
export function fuzzRequest(e: FuzzEndpoint): fc.Arbitrary<FuzzRequest> {
  const method = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...e.methods) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'GET',
        'HEAD',
        'POST',
        'PUT',
        'PATCH',
        'DELETE',
        'OPTIONS',
        'TRACE',
        'PROPFIND',
        'FOO',
      ),
    },
  );
  const contentType = fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 5 });
  const accept = fc.option(fc.constantFrom(...ACCEPTS), { freq: 2 });
  const encoding = fc.oneof(
    { weight: 12, arbitrary: fc.constant<string | null>(null) },
    { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'x-nonsense', 'identity') },
  );
  return fc
    .record({
      method,
      path: fuzzPath(e.paths, e.queryKeys),
      body: fuzzBody(e.body),
      contentType,
      accept,
      encoding,
      keepHeaders: fc.boolean(),
      chunked: fc.boolean(),
      compress: fc.boolean(),
    })
    .map((r): FuzzRequest => {
      const headers: Record<string, string> =
        r.keepHeaders || !e.headers ? { ...(e.headers ?? {}) } : {};
      if (r.contentType !== null) headers['content-type'] = r.contentType;
      if (r.accept !== null) headers['accept'] = r.accept;
      let body = r.body.bytes;
      let kind = r.body.kind;
      if (r.encoding !== null && body) {
        headers['content-encoding'] = r.encoding;
        // Half the time a real gzip of the body, otherwise the body as it is (a lie).
        if (r.encoding === 'gzip' && r.compress) {
          body = gzipSync(body);
          kind = `gzip(${kind})`;
        }
      }
      if (body && r.chunked) headers['transfer-encoding'] = 'chunked';
      return { method: r.method, path: r.path, headers, body, kind };
    });
}

/** A request for a report: method, path, headers and the start of the body. */
export function describeRequest(r: FuzzRequest): string {
  const path = r.path.length > 300 ? `${r.path.slice(0, 300)}…(${r.path.length} chars)` : r.path;
  const body = r.body
    ? `${r.kind} ${r.body.length} bytes: ${JSON.stringify(r.body.subarray(0, 200).toString('latin1'))}`
    : r.kind;
  return `${r.method} ${path} ${JSON.stringify(r.headers)} body=${body}`;
}

// ---------------------------------------------------------------------------------------
// Runner

export interface FuzzOptions {
  /** Cases (≥ 1,000 per endpoint is the bar). */
  numRuns?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  seed?: number;
  /** One request without an answer this long is a failure (a hung handler). */
  requestTimeoutMs?: number;
  /**
   * A ≥ 500 answer that is the compatible system's own (e.g. Mesos-DNS' 501 for
   * /v1/hosts/{host}/ports): true lets it pass. Keep it as narrow as the original's answer.
   */
  allow?: (r: FuzzRequest, status: number, body: string) => boolean;
}

export interface FuzzReport {
  runs: number;
  statuses: Record<number, number>;
  failures: FuzzFailure[];
}

/**
 * Sends fuzzed requests over one keep-alive agent. A request whose socket was reused and
 * closed by the server in between (keep-alive race) is retried once, as HTTP clients do.
 */
export class HttpFuzzer {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly o: FuzzOptions = {},
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 64 });
  }

  close(): void {
    this.agent.destroy();
  }

  send(r: FuzzRequest, retry = true): Promise<FuzzAnswer | { error: string }> {
    const url = new URL(this.baseUrl);
    return new Promise((resolve) => {
      let settled = false;
      const done = (v: FuzzAnswer | { error: string }) => {
        if (!settled) {
          settled = true;
          resolve(v);
        }
      };
      let req: ReturnType<typeof httpRequest>;
      try {
        req = httpRequest({
          host: url.hostname,
          port: url.port,
          method: r.method,
          path: r.path,
          headers:
            r.body && !r.headers['transfer-encoding']
              ? { ...r.headers, 'content-length': String(r.body.length) }
              : r.headers,
          agent: this.agent,
          timeout: this.o.requestTimeoutMs ?? 30_000,
        });
      } catch (e) {
        // The client refused to send it (e.g. a method Node will not write): not the service's fault.
        done({ status: 0, body: `not sent: ${(e as Error).message}` });
        return;
      }
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        // Streams (SSE, RecordIO) never end: the status is what matters; stop reading.
        const streaming = /event-stream|recordio/.test(String(res.headers['content-type']));
        if (streaming) {
          done({ status: res.statusCode ?? 0, body: '' });
          res.destroy();
          return;
        }
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8', 0, 4096),
          }),
        );
        res.on('error', () =>
          done({ status: res.statusCode ?? 0, body: '(cut while reading the answer)' }),
        );
      });
      req.on('timeout', () => {
        req.destroy(new Error(`no answer within ${this.o.requestTimeoutMs ?? 30_000} ms`));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        if (retry && req.reusedSocket && e.code === 'ECONNRESET' && !process.env.FUZZ_NO_RETRY) {
          void this.send(r, false).then(done);
          return;
        }
        done({ error: `${e.code ?? ''} ${e.message}`.trim() });
      });
      if (r.body) req.end(r.body);
      else req.end();
    });
  }

  /**
   * Whether an answer is a failure: ≥ 500, or no answer at all. A connection reset is no
   * failure when the server had every right to stop reading: a method its HTTP parser does
   * not know (Node answers 400 and closes), or a body big enough to be refused before it is
   * all sent (the client may see the reset before the early 4xx). A crashed service is still
   * caught: every request after it, and the health check, fail.
   */
  static failed(
    a: FuzzAnswer | { error: string },
    r?: FuzzRequest,
    allow?: FuzzOptions['allow'],
  ): string | undefined {
    if ('error' in a) {
      const reset = /ECONNRESET|EPIPE/.test(a.error);
      // Node refuses request heads over 16 KiB (431) and unknown methods (400) and closes.
      const refusable =
        r &&
        (!METHODS.includes(r.method) ||
          r.path.length > 8 * 1024 ||
          (r.body?.length ?? 0) > 64 * 1024);
      return reset && refusable ? undefined : `no answer: ${a.error}`;
    }
    if (a.status >= 500 && !(r && allow?.(r, a.status, a.body)))
      return `${a.status} ${a.body.slice(0, 500)}`;
    return undefined;
  }

  /**
   * Run `numRuns` fuzzed requests, `concurrency` at a time. On failures, replay the first one
   * through fast-check (same seed and path) so that it shrinks, and throw with every failure
   * and the shrunk counterexample.
   */
  async run(
    name: string,
    arb: fc.Arbitrary<FuzzRequest>,
    overrides: Pick<FuzzOptions, 'numRuns' | 'concurrency' | 'allow'> = {},
  ): Promise<FuzzReport> {
    const allow = overrides.allow ?? this.o.allow;
    const numRuns = overrides.numRuns ?? this.o.numRuns ?? 1_000;
    const concurrency = overrides.concurrency ?? this.o.concurrency ?? 8;
    const seed = this.o.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
    const samples = fc.sample(arb, { numRuns, seed });
    const statuses: Record<number, number> = {};
    const failures: (FuzzFailure & { index: number })[] = [];
    let next = 0;
    const worker = async () => {
      for (;;) {
        const index = next++;
        if (index >= samples.length) return;
        const request = samples[index] as FuzzRequest;
        const answer = await this.send(request);
        const status = 'error' in answer ? -1 : answer.status;
        statuses[status] = (statuses[status] ?? 0) + 1;
        const outcome = HttpFuzzer.failed(answer, request, allow);
        if (outcome) failures.push({ request, outcome, index });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (process.env.FUZZ_VERBOSE)
      process.stderr.write(
        `[fuzz] ${name}: ${numRuns} runs, statuses ${JSON.stringify(statuses)}\n`,
      );
    if (failures.length === 0) return { runs: numRuns, statuses, failures: [] };

    failures.sort((a, b) => a.index - b.index);
    const first = failures[0] as FuzzFailure & { index: number };
    let shrunk = describeRequest(first.request);
    let shrunkOutcome = first.outcome;
    const replay = await fc.check(
      fc.asyncProperty(arb, async (r) => {
        const outcome = HttpFuzzer.failed(await this.send(r), r, allow);
        if (outcome) {
          shrunkOutcome = outcome;
          return false;
        }
        return true;
      }),
      { seed, path: String(first.index), numRuns: 1 },
    );
    if (replay.failed && replay.counterexample) shrunk = describeRequest(replay.counterexample[0]);
    const list = failures
      .slice(0, 10)
      .map(
        (f) =>
          `  - ${f.outcome.split('\n')[0]?.slice(0, 200)}\n    ← ${describeRequest(f.request)}`,
      )
      .join('\n');
    throw new Error(
      `${name}: ${failures.length} of ${numRuns} requests failed (seed ${seed}).\n` +
        `Shrunk counterexample${replay.failed ? '' : ' (did not fail again on replay; the original)'}:\n` +
        `  ${shrunk}\n  → ${shrunkOutcome.slice(0, 500)}\n` +
        `Failures:\n${list}`,
    );
  }
}

/** After fuzzing: the service still answers /health with 200. */
export async function expectHealthy(baseUrl: string): Promise<void> {
  const h = await httpJson(`${baseUrl}/health`, { timeoutMs: 10_000 });
  if (h.status !== 200)
    throw new Error(`${baseUrl}/health is ${h.status}: ${JSON.stringify(h.body)}`);
}

import 'reflect-metadata';
import { gzipSync } from 'node:zlib';
import { Body, Controller, Module, Param, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configureBodyParsing, refuseDeepJson, requestBodyError } from './body';

@Controller()
class EchoController {
  @Post('echo/:name')
  echo(@Param('name') name: string, @Body() body: unknown) {
    return { name, body: body ?? null };
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

/** A real Nest app (Nest's own exception filter) with the shared body parsing, on a free port. */
async function start(opts: Parameters<typeof configureBodyParsing>[1]) {
  const app = await NestFactory.create(EchoModule, { logger: false, bodyParser: false });
  configureBodyParsing(app, opts);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

async function post(url: string, body: Buffer | string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('shared request body parsing', () => {
  let app: INestApplication;
  let url: string;
  const JSON_TYPE = { 'content-type': 'application/json' };

  beforeAll(async () => {
    ({ app, url } = await start({ limitBytes: 1024 }));
  });
  afterAll(() => app.close());

  it('a body over the limit is 413 "request entity too large" naming the limit', async () => {
    const r = await post(`${url}/echo/a`, JSON.stringify({ x: 'y'.repeat(5_000) }), JSON_TYPE);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ message: 'request entity too large', limit: 1024 });
    expect(String(r.body['description'])).toContain('1024 bytes');
  });

  it('a chunked body that grows over the limit is 413 too', async () => {
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(' '.repeat(500)));
        c.close();
      },
    });
    const res = await fetch(`${url}/echo/a`, {
      method: 'POST',
      body: chunks,
      headers: JSON_TYPE,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('malformed JSON is 400 naming the body', async () => {
    const r = await post(`${url}/echo/a`, '{"x":', JSON_TYPE);
    expect(r.status).toBe(400);
    expect(String(r.body['message'])).toMatch(/^request body is not valid JSON: /);
  });

  it('JSON nested deeper than 512 levels is refused as a 400 before parsing; brackets in strings are no nesting', () => {
    const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));
    const thrown = (b: Buffer) => {
      try {
        refuseDeepJson(undefined, undefined, b);
        return undefined;
      } catch (e) {
        return e as { status: number; message: string };
      }
    };
    expect(thrown(deep(512))).toBeUndefined();
    expect(thrown(deep(513))).toMatchObject({ status: 400 });
    expect(thrown(deep(513))?.message).toContain('nested deeper than 512 levels');
    // As the parser maps it: a 400 naming the body.
    expect(requestBodyError(thrown(deep(10_000)), true)?.getStatus()).toBe(400);
    expect(thrown(Buffer.from(JSON.stringify({ s: '[{'.repeat(600) + '\\"[' })))).toBeUndefined();
  });

  it('a charset or content encoding it cannot read is 415', async () => {
    const latin = await post(`${url}/echo/a`, '{}', {
      'content-type': 'application/json; charset=latin1',
    });
    expect(latin.status).toBe(415);
    const enc = await post(`${url}/echo/a`, '{}', {
      ...JSON_TYPE,
      'content-encoding': 'x-nonsense',
    });
    expect(enc.status).toBe(415);
  });

  it('a body that lies about its gzip encoding is 400, not 500', async () => {
    const r = await post(`${url}/echo/a`, '{"not":"gzip"}', {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });
    expect(r.status).toBe(400);
    expect(String(r.body['message'])).toMatch(/^request body cannot be read/);
    const ok = await post(`${url}/echo/a`, gzipSync('{"is":"gzip"}'), {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });
    expect(ok).toEqual({ status: 201, body: { name: 'a', body: { is: 'gzip' } } });
  });

  it('NUL characters and unpaired surrogates (which Postgres cannot store) are 400 in JSON, forms, paths and queries', async () => {
    const inJson = await post(`${url}/echo/a`, '{"name":"a\\u0000b"}', JSON_TYPE);
    expect(inJson.status).toBe(400);
    expect(String(inJson.body['message'])).toContain('NUL');
    const inKey = await post(`${url}/echo/a`, '{"a\\u0000":1}', JSON_TYPE);
    expect(inKey.status).toBe(400);
    // Nor can it store an unpaired surrogate: valid JSON, no text (jsonb: "invalid input syntax").
    const surrogate = await post(`${url}/echo/a`, '{"labels":{"tier":"\\ud800"}}', JSON_TYPE);
    expect(surrogate.status).toBe(400);
    expect(String(surrogate.body['message'])).toContain('unpaired surrogate');
    const pair = await post(`${url}/echo/a`, '{"x":"\\ud83d\\ude00"}', JSON_TYPE);
    expect(pair.body).toEqual({ name: 'a', body: { x: '\u{1F600}' } });
    const inForm = await post(`${url}/echo/a`, 'a[b]=x%00y', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(inForm.status).toBe(400);
    const inPath = await post(`${url}/echo/a%00b`, '{}', JSON_TYPE);
    expect(inPath.status).toBe(400);
    const inQuery = await post(`${url}/echo/a?x=%00`, '{}', JSON_TYPE);
    expect(inQuery.status).toBe(400);
  });

  it('good bodies still parse: JSON, +json, forms; other types are left alone', async () => {
    expect(await post(`${url}/echo/a`, '{"x":[1]}', JSON_TYPE)).toEqual({
      status: 201,
      body: { name: 'a', body: { x: [1] } },
    });
    expect(
      (await post(`${url}/echo/a`, '{"x":1}', { 'content-type': 'application/vnd.x+json' })).body,
    ).toEqual({ name: 'a', body: { x: 1 } });
    expect(
      (await post(`${url}/echo/a`, 'x=1', { 'content-type': 'application/x-www-form-urlencoded' }))
        .body,
    ).toEqual({ name: 'a', body: { x: '1' } });
    expect((await post(`${url}/echo/a`, 'hello', { 'content-type': 'text/plain' })).body).toEqual({
      name: 'a',
      body: null,
    });
  });

  it('json "any" parses every body as JSON (Marathon); raw types stay Buffers', async () => {
    const other = await start({ json: 'any', strict: false, raw: ['application/x-protobuf'] });
    try {
      expect(
        (await post(`${other.url}/echo/a`, '"s"', { 'content-type': 'text/plain' })).body,
      ).toEqual({ name: 'a', body: 's' });
      const raw = await post(`${other.url}/echo/a`, Buffer.from([1, 2]), {
        'content-type': 'application/x-protobuf',
      });
      expect(raw.body).toEqual({ name: 'a', body: { type: 'Buffer', data: [1, 2] } });
    } finally {
      await other.app.close();
    }
  });

  it('requestBodyError leaves other errors alone', () => {
    expect(requestBodyError(new Error('boom'))).toBeUndefined();
    expect(requestBodyError({ status: 400, expose: true, message: 'x' })).toBeUndefined();
    expect(requestBodyError({ status: 400, expose: true, message: 'x' }, true)?.getStatus()).toBe(
      400,
    );
    expect(requestBodyError({ type: 'stream.not.readable', status: 500 })).toBeUndefined();
  });
});

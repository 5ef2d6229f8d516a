import { BadRequestException, HttpException, type INestApplication } from '@nestjs/common';
import { json, raw, urlencoded } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** 1 MiB: NATS' default max_payload (and Marathon's default zk_max_node_size). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface BodyParsingOptions {
  /** Largest request body accepted, in bytes (after decompression); larger → 413. */
  limitBytes?: number;
  /**
   * Which bodies are JSON: `'json'` (application/json and `+json` types, the default) or
   * `'any'` (every body, whatever its content type: Marathon's clients often send none).
   */
  json?: 'json' | 'any';
  /** Only objects and arrays at the top (body-parser's strict mode, Nest's default); default true. */
  strict?: boolean;
  /** Also parse `application/x-www-form-urlencoded` bodies (Nest's default does). */
  urlencoded?: boolean;
  /** Content types whose bodies stay raw `Buffer`s in `req.body` (e.g. application/x-protobuf). */
  raw?: string[];
}

/** What the body parser (body-parser/raw-body) reports: an `http-errors` error with a `type`. */
interface ParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  message?: string;
  limit?: number;
  expose?: boolean;
}

/**
 * A request body the service could not read: too large (413), not what its content type
 * says (400), or in an encoding or charset the service does not speak (415). An
 * HttpException, so every service's exception filter answers it with its status; `type` is
 * the body parser's own (`entity.too.large`, `entity.parse.failed`, ...) and `limit` the
 * limit in bytes, for filters that shape bodies their own way.
 */
export class RequestBodyError extends HttpException {
  readonly type: string;
  readonly limit?: number;
  constructor(status: number, type: string, body: { message: string; [k: string]: unknown }) {
    super(body, status);
    this.type = type;
    if (typeof body['limit'] === 'number') this.limit = body['limit'];
  }
}

/**
 * The error a body parser reported, as the 4xx it is; undefined when it is no parser error.
 * `fromParser`: `e` surely comes from a body parser, so any 4xx it carries is the client's
 * fault even without a `type` (a broken gzip body is a bare zlib error with status 400).
 */
export function requestBodyError(e: unknown, fromParser = false): RequestBodyError | undefined {
  if (e instanceof RequestBodyError) return e;
  if (e instanceof HttpException) return undefined;
  const p = e as ParserError | null;
  if (!p || typeof p !== 'object') return undefined;
  if (typeof p.type !== 'string' && !(fromParser && p.expose === true)) return undefined;
  const status = p.status ?? p.statusCode;
  if (typeof status !== 'number') return undefined;
  switch (p.type) {
    case 'entity.too.large':
      return new RequestBodyError(413, p.type, {
        message: 'request entity too large',
        description: `the request body is larger than the limit of ${p.limit ?? '?'} bytes`,
        ...(typeof p.limit === 'number' ? { limit: p.limit } : {}),
      });
    case 'entity.parse.failed':
      return new RequestBodyError(400, p.type, {
        message: `request body is not valid JSON: ${p.message ?? 'malformed'}`,
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new RequestBodyError(415, p.type, {
        message: `request body cannot be read: ${p.message ?? 'unsupported encoding'}`,
      });
    default:
      // request.aborted, request.size.invalid, parameters.too.many, ...: the client's fault
      // whenever the parser says 4xx; anything else is ours and stays an unexpected error.
      if (status >= 400 && status < 500)
        return new RequestBodyError(status, p.type ?? 'entity.unreadable', {
          message: `request body cannot be read: ${p.message ?? p.type ?? 'unreadable'}`,
        });
      return undefined;
  }
}

const NUL = '\u0000';

/** NUL, or half of a surrogate pair (`"\\ud800"` is valid JSON but no text). */
function unstorable(s: string): boolean {
  return s.includes(NUL) || LONE_SURROGATE.test(s);
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * JSON.parse reviver refusing strings and keys Postgres can store neither in text nor in
 * jsonb (NUL characters, unpaired surrogates): such a body would fail deep inside as a 500.
 */
function refuseUnstorable(key: string, value: unknown): unknown {
  if (unstorable(key) || (typeof value === 'string' && unstorable(value)))
    throw new SyntaxError(
      'a string contains a NUL character (\\u0000) or an unpaired surrogate (\\ud800-\\udfff), which is not accepted',
    );
  return value;
}

/** Whether a parsed form (strings, arrays and objects of them, at most 32 deep) holds a NUL. */
function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return unstorable(v);
  if (v === null || typeof v !== 'object') return false;
  return Object.entries(v).some(([k, x]) => unstorable(k) || hasNul(x));
}

const nulInForm = () =>
  new RequestBodyError(400, 'entity.invalid', {
    message: 'request body is not a valid form: it contains a NUL character, which is not accepted',
  });

/** `%00` in a path or query: refused for the same reason as NUL in a JSON body. */
export function refuseNulInUrl(req: Request, _res: Response, next: NextFunction): void {
  if (/%00/.test(req.url ?? ''))
    next(
      new BadRequestException({
        message: 'the request path or query contains a NUL character (%00), which is not accepted',
      }),
    );
  else next();
}

/** A body parser whose errors leave it as RequestBodyErrors; `name` lets Nest see it is there. */
function mapped(name: string, parser: RequestHandler): RequestHandler {
  const handler = (req: Request, res: Response, next: NextFunction): void => {
    void parser(req, res, (err?: unknown) =>
      next(err ? (requestBodyError(err, true) ?? err) : undefined),
    );
  };
  // Nest adds its own json/urlencoded parsers at init unless one of that name is registered.
  Object.defineProperty(handler, 'name', { value: name });
  return handler;
}

/** JSON nested deeper than this is refused before parsing (recursion would exhaust the stack). */
export const MAX_JSON_DEPTH = 512;

/**
 * body-parser's `verify` hook: refuses a JSON body nested deeper than MAX_JSON_DEPTH with a
 * 400 naming the body, by one pass over its bytes (strings and escapes skipped).
 */
export function refuseDeepJson(_req: unknown, _res: unknown, buf: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH)
        throw Object.assign(
          new Error(`request body is nested deeper than ${MAX_JSON_DEPTH} levels`),
          { status: 400, statusCode: 400, expose: true, type: 'entity.too.deep' },
        );
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/**
 * The request body parsing every service shares: one limit (413 naming it), malformed bodies
 * 400 naming the body, unsupported encodings 415. Call before the app is initialised.
 */
export function configureBodyParsing(app: INestApplication, o: BodyParsingOptions = {}): void {
  const limit = o.limitBytes ?? DEFAULT_MAX_BODY_BYTES;
  app.use(refuseNulInUrl);
  if (o.raw?.length) app.use(mapped('rawParser', raw({ limit, type: o.raw })));
  app.use(
    mapped(
      'jsonParser',
      json({
        limit,
        strict: o.strict ?? true,
        reviver: refuseUnstorable,
        verify: refuseDeepJson,
        type: o.json === 'any' ? () => true : ['application/json', 'application/*+json'],
      }),
    ),
  );
  if (o.urlencoded ?? true) {
    const form = urlencoded({ limit, extended: true });
    app.use(
      mapped('urlencodedParser', (req, res, next) =>
        form(req, res, (err?: unknown) =>
          next(err ?? (hasNul(req.body) ? nulInForm() : undefined)),
        ),
      ),
    );
  }
}

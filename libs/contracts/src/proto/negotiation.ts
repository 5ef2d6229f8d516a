import { decodeMesos, encodeMesos, MesosDecodeError, type MesosTypeName } from './codec';

/**
 * Content negotiation of the Mesos v1 HTTP APIs (operator and scheduler), as the Mesos master
 * does it: the request body is JSON or protobuf by `Content-Type` (anything else 415); the
 * answer is JSON when `Accept` allows it (absent, `*∕*`, `application/*` or
 * `application/json`), else protobuf when it allows `application/x-protobuf`, else 406.
 */

export const APPLICATION_JSON = 'application/json';
export const APPLICATION_PROTOBUF = 'application/x-protobuf';

export type MesosFormat = 'json' | 'protobuf';

export const MESOS_MEDIA_TYPE: Record<MesosFormat, string> = {
  json: APPLICATION_JSON,
  protobuf: APPLICATION_PROTOBUF,
};

/** A refusal at the edge: HTTP status and a message naming the header or field. */
export interface MesosHttpError {
  status: 400 | 406 | 415;
  field: string;
  message: string;
}

const mediaType = (header: string): string => header.split(';')[0].trim().toLowerCase();

/** The body format a `Content-Type` announces, or undefined (→ 415). */
export function requestFormat(contentType: string | undefined): MesosFormat | undefined {
  const t = mediaType(contentType ?? '');
  if (t === APPLICATION_JSON) return 'json';
  if (t === APPLICATION_PROTOBUF) return 'protobuf';
  return undefined;
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';');
    const [type, subtype] = range.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k === 'q') q = Number.isFinite(Number(v)) ? Number(v) : 0;
    }
    out.push({ type, subtype, q });
  }
  return out;
}

/** Whether `Accept` allows a media type: its most specific matching range has q > 0. */
export function accepts(accept: string | undefined, media: string): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const [type, subtype] = media.split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const r of parseAccept(accept)) {
    const specificity =
      r.type === type && r.subtype === subtype
        ? 3
        : r.type === type && r.subtype === '*'
          ? 2
          : r.type === '*' && r.subtype === '*'
            ? 1
            : 0;
    if (specificity > 0 && (!best || specificity > best.specificity))
      best = { specificity, q: r.q };
  }
  return best !== undefined && best.q > 0;
}

/** The answer's format for an `Accept` header, or undefined (→ 406). JSON first, as Mesos. */
export function responseFormat(accept: string | undefined): MesosFormat | undefined {
  if (accepts(accept, APPLICATION_JSON)) return 'json';
  if (accepts(accept, APPLICATION_PROTOBUF)) return 'protobuf';
  return undefined;
}

export interface MesosRequest {
  contentType: string | undefined;
  accept: string | undefined;
  /** The parsed JSON body (application/json) or the raw bytes (application/x-protobuf). */
  body: unknown;
}

export type NegotiatedCall =
  | { ok: true; call: Record<string, unknown>; requestFormat: MesosFormat; format: MesosFormat }
  | ({ ok: false } & MesosHttpError);

export interface NegotiationOptions {
  /**
   * Whether this call answers with a body, so that `Accept` matters. The scheduler API checks
   * `Accept` only for SUBSCRIBE (Mesos, for backwards compatibility: other calls answer 202
   * with no body); the operator API always does.
   */
  answers?: (call: Record<string, unknown>) => boolean;
}

/**
 * Negotiates a call as Mesos does, in its order: Content-Type (415), the body (a protobuf body
 * is decoded into Mesos JSON so one validation serves both encodings; 400), then Accept (406).
 */
export function negotiateMesosCall(
  callType: MesosTypeName,
  req: MesosRequest,
  opts: NegotiationOptions = {},
): NegotiatedCall {
  const inFormat = requestFormat(req.contentType);
  if (!inFormat) {
    return {
      ok: false,
      status: 415,
      field: 'Content-Type',
      message: `Content-Type: expecting '${APPLICATION_JSON}' or '${APPLICATION_PROTOBUF}'`,
    };
  }
  let call: Record<string, unknown>;
  if (inFormat === 'protobuf') {
    const bytes = req.body instanceof Uint8Array ? req.body : new Uint8Array(0);
    try {
      call = decodeMesos(callType, bytes);
    } catch (e) {
      if (!(e instanceof MesosDecodeError)) throw e;
      return { ok: false, status: 400, field: 'body', message: e.message };
    }
  } else {
    const body = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return {
        ok: false,
        status: 400,
        field: 'body',
        message: `body: expected a JSON ${callType} object`,
      };
    }
    call = body as Record<string, unknown>;
  }
  const format = responseFormat(req.accept);
  if (!format && (opts.answers?.(call) ?? true)) {
    return {
      ok: false,
      status: 406,
      field: 'Accept',
      message: `Accept: expecting it to allow '${APPLICATION_JSON}' or '${APPLICATION_PROTOBUF}'`,
    };
  }
  return { ok: true, call, requestFormat: inFormat, format: format ?? 'json' };
}

/** A JSON answer in the negotiated format: its Content-Type and body bytes. */
export function mesosBody(
  format: MesosFormat,
  messageType: MesosTypeName,
  json: unknown,
): { contentType: string; body: Buffer } {
  return format === 'protobuf'
    ? { contentType: APPLICATION_PROTOBUF, body: Buffer.from(encodeMesos(messageType, json)) }
    : { contentType: APPLICATION_JSON, body: Buffer.from(JSON.stringify(json), 'utf8') };
}

/** One RecordIO record (`<length>\n<bytes>`) holding an event in the negotiated format. */
export function mesosRecord(format: MesosFormat, eventType: MesosTypeName, event: unknown): Buffer {
  const { body } = mesosBody(format, eventType, event);
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

/** Incremental RecordIO reader: whole records as they complete (bytes, any encoding). */
export class RecordIoReader {
  private buf = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer[] {
    this.buf = Buffer.concat([this.buf, Buffer.from(chunk)]);
    const out: Buffer[] = [];
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) break;
      const len = Number(this.buf.subarray(0, nl).toString('ascii'));
      if (!Number.isSafeInteger(len) || len < 0) throw new Error('invalid RecordIO length');
      if (this.buf.length < nl + 1 + len) break;
      out.push(Buffer.from(this.buf.subarray(nl + 1, nl + 1 + len)));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
    return out;
  }
}

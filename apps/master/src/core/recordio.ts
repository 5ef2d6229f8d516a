/** Mesos RecordIO framing: `<decimal byte length>\n<bytes>` per record. */
export function recordio(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

/** Incremental RecordIO decoder (for tests and NATS-less clients). */
export class RecordIoDecoder {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer | Uint8Array): unknown[] {
    this.buf = Buffer.concat([this.buf, Buffer.from(chunk)]);
    const out: unknown[] = [];
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) break;
      const len = Number(this.buf.subarray(0, nl).toString('ascii'));
      if (!Number.isSafeInteger(len) || len < 0) throw new Error('invalid RecordIO length');
      if (this.buf.length < nl + 1 + len) break;
      out.push(JSON.parse(this.buf.subarray(nl + 1, nl + 1 + len).toString('utf8')));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
    return out;
  }
}

/** Mesos JSON: `null` means absent. Drops null members (recursively) before validation. */
export function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(stripNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== null) out[k] = stripNulls(x);
    }
    return out;
  }
  return v;
}

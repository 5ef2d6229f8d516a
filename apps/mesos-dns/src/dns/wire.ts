/**
 * The response encoder: DNS wire format with name compression (RFC 1035 §4.1.4), for the
 * record types this server answers with (A, AAAA, SRV, SOA, NS, OPT). dns-packet, which
 * decodes our requests, writes every name in full; Mesos-DNS compresses (miekg/dns with
 * `Compress = true`), and uncompressed answers are 40-70 % larger, so a truncated UDP
 * answer would hold fewer records than Mesos-DNS's.
 *
 * Compression follows miekg/dns: every name written, question included, offers its
 * suffixes to later names (exact bytes, offsets below 16384); owner names and SOA/NS names
 * point to the longest earlier suffix; SRV targets are never compressed (RFC 2782) but can
 * be pointed to. The question is copied from the request byte for byte.
 *
 * The answer cache shuffles the answer records of a cached response by moving their byte
 * ranges, so names inside the answer section only point before it (to the question: answer
 * owners are the question's name, and SRV targets are not compressed anyway, so no byte is
 * lost against Mesos-DNS), and every pointer from a later section into the answer section
 * is listed as a relocation, to be re-aimed after the shuffle.
 */
import type { Answer } from 'dns-packet';

const QR = 0x8000;
/** miekg/dns maxCompressionOffset: a pointer holds 14 bits. */
const MAX_POINTER = 0x4000;
const TYPE = { A: 1, NS: 2, SOA: 6, AAAA: 28, SRV: 33, OPT: 41 } as const;
const CLASS_IN = 1;

/** A pointer written after the answer section into answer record `rec`, `off` bytes in. */
export interface Relocation {
  at: number;
  rec: number;
  off: number;
}

export interface EncodedResponse {
  buf: Buffer;
  /** Offset of each answer record, and of the first byte after the answer section. */
  starts: number[];
  end: number;
  relocs: Relocation[];
}

export interface ResponseParts {
  id: number;
  /** Header flags and RCODE; QR is added. */
  flags: number;
  /** The request's question section, raw (its end offset, from 12). */
  request: Buffer;
  questionEnd: number;
  answers: readonly Answer[];
  authorities: readonly Answer[];
  additionals: readonly Answer[];
}

/** Where the (single) question of a request ends, or -1 when it is not well formed. */
export function questionEnd(req: Buffer): number {
  let at = 12;
  for (let guard = 0; guard < 128; guard++) {
    if (at >= req.length) return -1;
    const len = req[at];
    if (len === 0) return at + 5 <= req.length ? at + 5 : -1;
    if ((len & 0xc0) !== 0) return -1; // a pointer in a lone question can only point back into the header
    at += 1 + len;
  }
  return -1;
}

/** One scratch buffer, large enough for any response before compression. */
let scratch = Buffer.allocUnsafe(1 << 17);

class Writer {
  at = 0;
  private readonly names = new Map<string, number>();
  /** Pointers may only target offsets below this (set while in the answer section). */
  limit = Infinity;
  answersStart = -1;
  answersEnd = -1;
  starts: number[] = [];
  relocs: Relocation[] = [];

  constructor(readonly b: Buffer) {}

  u8(v: number): void {
    this.b[this.at++] = v;
  }
  u16(v: number): void {
    this.b.writeUInt16BE(v & 0xffff, this.at);
    this.at += 2;
  }
  u32(v: number): void {
    this.b.writeUInt32BE(v >>> 0, this.at);
    this.at += 4;
  }

  /** Offers the suffixes of the question's name (raw labels from 12 to `end`). */
  question(req: Buffer, end: number): void {
    req.copy(this.b, this.at, 12, end);
    const labels: { at: number; label: string }[] = [];
    for (let p = 12; req[p] !== 0; p += 1 + req[p]) {
      labels.push({ at: this.at + (p - 12), label: req.toString('utf8', p + 1, p + 1 + req[p]) });
    }
    for (let i = 0; i < labels.length; i++) {
      // A label with a dot in it cannot be told from two labels in a key: never offer it.
      if (labels.slice(i).some((l) => l.label.includes('.'))) continue;
      const key = labels
        .slice(i)
        .map((l) => l.label)
        .join('.');
      if (!this.names.has(key) && labels[i].at < MAX_POINTER) this.names.set(key, labels[i].at);
    }
    this.at += end - 12;
  }

  /** A name, compressed against earlier ones unless `compress` is false. */
  name(fqdn: string, compress: boolean): void {
    const n = fqdn.endsWith('.') ? fqdn.slice(0, -1) : fqdn;
    if (n === '' || n === '.') return this.u8(0);
    const labels = n.split('.');
    for (let i = 0; i < labels.length; i++) {
      const key = i === 0 ? n : labels.slice(i).join('.');
      const p = this.names.get(key);
      if (p !== undefined && compress && p < this.limit) {
        if (this.answersEnd >= 0 && p >= this.answersStart && p < this.answersEnd) {
          const rec = this.recordAt(p);
          this.relocs.push({ at: this.at, rec, off: p - this.starts[rec] });
        }
        return this.u16(0xc000 | p);
      }
      if (p === undefined && this.at < MAX_POINTER) this.names.set(key, this.at);
      const len = this.b.write(labels[i], this.at + 1, 'utf8');
      if (len === 0 || len > 63) throw new Error(`cannot encode the name ${fqdn}: bad label`);
      this.b[this.at] = len;
      this.at += 1 + len;
    }
    this.u8(0);
  }

  private recordAt(p: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  record(r: Answer): void {
    if (r.type === 'OPT') {
      this.u8(0);
      this.u16(TYPE.OPT);
      this.u16(r.udpPayloadSize);
      this.u8(r.extendedRcode ?? 0);
      this.u8(r.ednsVersion ?? 0);
      this.u16((r.flags ?? 0) | (r.flag_do ? 0x8000 : 0));
      this.u16(0); // no options
      return;
    }
    this.name(r.name, true);
    const type = TYPE[r.type as keyof typeof TYPE];
    if (type === undefined) throw new Error(`cannot encode a ${r.type} record`);
    this.u16(type);
    this.u16(CLASS_IN);
    this.u32(r.ttl ?? 0);
    const lenAt = this.at;
    this.at += 2;
    switch (r.type) {
      case 'A':
        this.at += writeIpv4(r.data, this.b, this.at);
        break;
      case 'AAAA':
        this.at += writeIpv6(r.data, this.b, this.at);
        break;
      case 'SRV':
        this.u16(r.data.priority ?? 0);
        this.u16(r.data.weight ?? 0);
        this.u16(r.data.port);
        this.name(r.data.target, false);
        break;
      case 'NS':
        this.name(r.data, true);
        break;
      case 'SOA':
        this.name(r.data.mname, true);
        this.name(r.data.rname, true);
        this.u32(r.data.serial ?? 0);
        this.u32(r.data.refresh ?? 0);
        this.u32(r.data.retry ?? 0);
        this.u32(r.data.expire ?? 0);
        this.u32(r.data.minimum ?? 0);
        break;
      default:
        break;
    }
    this.b.writeUInt16BE(this.at - lenAt - 2, lenAt);
  }
}

/** Encodes a response; throws on a name or address that cannot be written. */
export function encodeResponse(p: ResponseParts): EncodedResponse {
  const w = new Writer(scratch);
  w.u16(p.id);
  w.u16(p.flags | QR);
  w.u16(1);
  w.u16(p.answers.length);
  w.u16(p.authorities.length);
  w.u16(p.additionals.length);
  w.question(p.request, p.questionEnd);
  w.answersStart = w.at;
  w.limit = w.at;
  for (const r of p.answers) {
    w.starts.push(w.at);
    w.record(r);
    if (w.at > scratch.length - 1024) throw new Error('response too large');
  }
  w.answersEnd = w.at;
  w.limit = Infinity;
  for (const r of p.authorities) w.record(r);
  for (const r of p.additionals) {
    w.record(r);
    if (w.at > scratch.length - 1024) throw new Error('response too large');
  }
  const buf = Buffer.from(scratch.subarray(0, w.at));
  return { buf, starts: w.starts, end: w.answersEnd, relocs: w.relocs };
}

/** Grows the scratch buffer (tests with huge record sets). */
export function ensureScratch(bytes: number): void {
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(bytes);
}

function writeIpv4(ip: string, b: Buffer, at: number): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  for (let i = 0; i < 4; i++) {
    const v = Number(parts[i]);
    if (!Number.isInteger(v) || v < 0 || v > 255 || parts[i] === '')
      throw new Error(`not an IPv4 address: ${ip}`);
    b[at + i] = v;
  }
  return 4;
}

function writeIpv6(ip: string, b: Buffer, at: number): number {
  const bad = () => new Error(`not an IPv6 address: ${ip}`);
  const groups: number[] = [];
  const parse = (s: string): number[] => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = Buffer.alloc(4);
        writeIpv4(part, v4, 0);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) throw bad();
        out.push(parseInt(part, 16));
      }
    }
    return out;
  };
  const dbl = ip.indexOf('::');
  if (dbl >= 0) {
    if (ip.indexOf('::', dbl + 1) >= 0) throw bad();
    const head = parse(ip.slice(0, dbl));
    const tail = parse(ip.slice(dbl + 2));
    const fill = 8 - head.length - tail.length;
    if (fill < 1) throw bad();
    groups.push(...head, ...new Array<number>(fill).fill(0), ...tail);
  } else groups.push(...parse(ip));
  if (groups.length !== 8) throw bad();
  for (let i = 0; i < 8; i++) b.writeUInt16BE(groups[i], at + 2 * i);
  return 16;
}

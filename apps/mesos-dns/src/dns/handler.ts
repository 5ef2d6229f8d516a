/**
 * Answers one DNS message the way Mesos-DNS's resolver does (resolver/resolver.go):
 * authoritative for the cluster domain from the in-memory record store, everything
 * else forwarded to upstream resolvers. Pure request → response; no sockets here
 * except the forwarder's.
 */
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Question } from 'dns-packet';
import type { NameRecords } from '@dcos/mesos-dns-records';
import type { MesosDnsSettings, Upstream } from '../settings';
import { AnswerCache, dependencyOf, materialize, type Dependency } from './answer-cache';
import { exchangeTcp, exchangeUdp } from './forwarder';
import { encodeResponse, questionEnd, type EncodedResponse } from './wire';

export type Proto = 'udp' | 'tcp';

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;
const QR = 1 << 15;

/**
 * Where answers come from: a lower-cased FQDN lookup, and the SOA serial. A name's value
 * lists must be replaced, not mutated, whenever they change, also when the name goes
 * away, and a name that comes back must be a new NameRecords: the answer cache tells
 * changes by identity (RecordStore works this way).
 */
export interface RecordSource {
  get(name: string): NameRecords | undefined;
  readonly serial: number;
}

export type Outcome =
  'answer' | 'nodata' | 'nxdomain' | 'forward' | 'refused' | 'servfail' | 'formerr' | 'notimp';

/** A decoded request with its raw bytes and where its question ends (the reply copies it). */
interface Request {
  q: DecodedPacket;
  req: Buffer;
  qEnd: number;
}

export interface HandlerResult {
  response?: Buffer;
  outcome: Outcome;
}

/** Lower-case, drop every `.*` (Mesos-DNS cleanWild) and make it an FQDN. */
export function cleanName(name: string): string {
  const n = name.toLowerCase().split('.*').join('');
  return n.endsWith('.') ? n : `${n}.`;
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}

export class DnsHandler {
  forwardUdp = exchangeUdp;
  forwardTcp = exchangeTcp;
  readonly cache: AnswerCache;

  constructor(
    private readonly s: MesosDnsSettings,
    private readonly records: RecordSource,
    opts: { cacheEntries?: number } = {},
  ) {
    this.cache = new AnswerCache(opts.cacheEntries);
  }

  inZone(name: string): boolean {
    return name === `${this.s.domain}.` || name.endsWith(this.s.zoneSuffix);
  }

  /**
   * The answer to one request: synchronous when it is answered here (in-zone names and
   * errors, the hot path), a promise when it is forwarded upstream.
   */
  handle(req: Buffer, proto: Proto): HandlerResult | Promise<HandlerResult> {
    if (req.length < 12) return { outcome: 'formerr' }; // not even a header: drop
    const key = AnswerCache.key(req, proto);
    const hit = this.cache.answer(key, req, this.records);
    if (hit) return hit;
    const flags = req.readUInt16BE(2);
    if (flags & QR) return { outcome: 'formerr' }; // a response: never answer it
    let q: DecodedPacket;
    try {
      q = packet.decode(req);
    } catch {
      return { outcome: 'formerr', response: headerOnly(req, RCODE.FORMERR) };
    }
    const opcode = (flags >> 11) & 0xf;
    if (opcode !== 0) return { outcome: 'notimp', response: headerOnly(req, RCODE.NOTIMP) };
    const questions = q.questions ?? [];
    if (questions.length !== 1)
      return { outcome: 'formerr', response: headerOnly(req, RCODE.FORMERR) };
    const question = questions[0];
    const qEnd = questionEnd(req);
    if (qEnd < 0) return { outcome: 'formerr', response: headerOnly(req, RCODE.FORMERR) };
    const name = cleanName(question.name);
    if (this.inZone(name)) return this.answer({ q, req, qEnd }, question, name, proto, key);
    return this.forward(req, q, name, proto);
  }

  private answer(
    q: Request,
    question: Question,
    name: string,
    proto: Proto,
    key: string,
  ): HandlerResult {
    const ttl = this.s.ttl;
    // Every name looked at, for the cache to know when this answer goes stale.
    const deps: Dependency[] = [];
    const lookup = (n: string) => {
      const rec = this.records.get(n);
      deps.push(dependencyOf(n, rec));
      return rec;
    };
    const entry = lookup(name);
    const answers: Answer[] = [];
    const authorities: Answer[] = [];
    const additionals: Answer[] = [];
    const qname = question.name;
    const type = question.type as string;
    const cls = question.class === 'ANY' ? 'IN' : (question.class ?? 'IN');
    if (cls !== 'IN') return this.reply(q, RCODE.REFUSED, [], [], [], proto, 'refused');

    const a = () => {
      for (const ip of entry?.a ?? [])
        answers.push({ type: 'A', name: qname, ttl, class: 'IN', data: ip });
    };
    const aaaa = () => {
      for (const ip of entry?.aaaa ?? [])
        answers.push({ type: 'AAAA', name: qname, ttl, class: 'IN', data: ip });
    };
    const srv = () => {
      const added = new Set<string>();
      for (const t of entry?.srv ?? []) {
        answers.push({
          type: 'SRV',
          name: qname,
          ttl,
          class: 'IN',
          data: { priority: 0, weight: this.s.srvWeight, port: t.port, target: t.target },
        });
        if (added.has(t.target)) continue;
        added.add(t.target);
        const target = lookup(t.target.toLowerCase());
        const v4 = target?.a[0];
        const v6 = target?.aaaa[0];
        if (v4) additionals.push({ type: 'A', name: t.target, ttl, class: 'IN', data: v4 });
        if (v6) additionals.push({ type: 'AAAA', name: t.target, ttl, class: 'IN', data: v6 });
      }
    };
    const soa = () => authorities.push(this.soa(qname));
    const ns = () =>
      authorities.push({ type: 'NS', name: qname, ttl, class: 'IN', data: this.s.soaMname });

    switch (type) {
      case 'A':
        a();
        break;
      case 'AAAA':
        aaaa();
        break;
      case 'SRV':
        srv();
        break;
      case 'SOA':
        soa();
        break;
      case 'NS':
        ns();
        break;
      case 'ANY':
        srv();
        a();
        aaaa();
        soa();
        ns();
        break;
      default:
        break;
    }

    const done = (rcode: number, outcome: Outcome): HandlerResult =>
      this.replyAndCache(key, deps, q, rcode, answers, authorities, additionals, proto, outcome);
    if (answers.length > 0) return done(RCODE.NOERROR, 'answer');
    // Empty answer (handleEmpty): SOA/NS/SRV queries are NOERROR without more.
    if (type === 'SOA' || type === 'NS' || type === 'SRV') return done(RCODE.NOERROR, 'nodata');
    // The apex is NODATA, not NXDOMAIN as in Mesos-DNS: an NXDOMAIN there would deny the
    // whole zone to resolvers that follow RFC 8020.
    const exists = (entry !== undefined && entry.size > 0) || name === `${this.s.domain}.`;
    // handleEmpty: the SOA owned by the name as asked (an empty ANY so carries it twice,
    // once from handleSOA and once here, as Mesos-DNS does).
    authorities.push(this.soa(qname));
    return exists ? done(RCODE.NOERROR, 'nodata') : done(RCODE.NXDOMAIN, 'nxdomain');
  }

  /**
   * Encodes the reply and keeps it in the answer cache. Several answers are encoded in
   * record order and shuffled per query from their byte ranges; when they do not all fit
   * (truncation), the reply is shuffled before trimming, uncached, as Mesos-DNS does.
   */
  private replyAndCache(
    key: string,
    deps: Dependency[],
    q: Request,
    rcode: number,
    answers: Answer[],
    authorities: Answer[],
    additionals: Answer[],
    proto: Proto,
    outcome: Outcome,
  ): HandlerResult {
    const serial = authorities.some((r) => r.type === 'SOA') ? this.records.serial : undefined;
    const all = [...answers];
    const enc = this.encode(q, rcode, answers, authorities, additionals, proto);
    const buf = enc.buf;
    if (answers.length < 2) {
      this.cache.set(key, { response: buf, outcome, deps, serial });
      return { response: buf, outcome };
    }
    if (buf.readUInt16BE(6) !== all.length || buf.readUInt16BE(2) & packet.TRUNCATED_RESPONSE) {
      shuffle(all);
      return this.reply(q, rcode, all, authorities, additionals, proto, outcome);
    }
    const entry = {
      response: buf,
      outcome,
      deps,
      serial,
      shuffle: { starts: enc.starts, end: enc.end, relocs: enc.relocs },
    };
    this.cache.set(key, entry);
    return { response: materialize(entry, buf), outcome };
  }

  private soa(owner: string): Answer {
    return {
      type: 'SOA',
      name: owner,
      ttl: this.s.ttl,
      class: 'IN',
      data: {
        mname: this.s.soaMname,
        rname: this.s.soaRname,
        serial: this.records.serial >>> 0,
        refresh: this.s.soaRefresh,
        retry: this.s.soaRetry,
        expire: this.s.soaExpire,
        minimum: this.s.ttl, // Mesos-DNS: Minttl = ttl (SOAMinttl is not used)
      },
    };
  }

  private reply(
    q: Request,
    rcode: number,
    answers: Answer[],
    authorities: Answer[],
    additionals: Answer[],
    proto: Proto,
    outcome: Outcome,
  ): HandlerResult {
    return {
      response: this.encode(q, rcode, answers, authorities, additionals, proto).buf,
      outcome,
    };
  }

  /**
   * The encoded, compressed response, truncated as Mesos-DNS's truncate() does when it is
   * over the UDP limit (512, or the EDNS0 size): extras go first, then answers from the
   * back until the message is shorter than the limit; TC when SetTruncateBit.
   */
  private encode(
    q: Request,
    rcode: number,
    answers: Answer[],
    authorities: Answer[],
    additionals: Answer[],
    proto: Proto,
  ): EncodedResponse {
    const reqOpt = (q.q.additionals ?? []).find((r): r is OptAnswer => r.type === 'OPT');
    const max =
      proto === 'tcp'
        ? 65535
        : reqOpt
          ? Math.min(Math.max(reqOpt.udpPayloadSize, 512), 65535)
          : 512;
    const opt: Answer[] = reqOpt
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: 4096,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ]
      : [];
    let flags =
      packet.AUTHORITATIVE_ANSWER |
      (this.s.recurseOn ? packet.RECURSION_AVAILABLE : 0) |
      ((q.q.flags ?? 0) & (packet.RECURSION_DESIRED | packet.CHECKING_DISABLED)) |
      rcode;
    const parts = {
      id: q.q.id ?? 0,
      flags,
      request: q.req,
      questionEnd: q.qEnd,
      answers,
      authorities,
      additionals: [...additionals, ...opt],
    };
    let enc = encodeResponse(parts);
    if (enc.buf.length <= max) return enc;
    if (this.s.setTruncateBit) flags |= packet.TRUNCATED_RESPONSE;
    parts.flags = flags;
    parts.additionals = opt;
    enc = encodeResponse(parts);
    if (enc.buf.length < max) return enc;
    // The fewest answers to drop from the back for the message to be shorter than max.
    let lo = 0;
    let hi = answers.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      parts.answers = answers.slice(0, mid);
      if (encodeResponse(parts).buf.length < max) lo = mid;
      else hi = mid - 1;
    }
    parts.answers = answers.slice(0, lo);
    enc = encodeResponse(parts);
    if (enc.buf.length > max) {
      parts.authorities = [];
      enc = encodeResponse(parts);
    }
    return enc;
  }

  upstreamsFor(name: string): Upstream[] {
    let best: string | undefined;
    for (const zone of Object.keys(this.s.zoneResolvers)) {
      if (
        (name === `${zone}.` || name.endsWith(`.${zone}.`)) &&
        (!best || zone.length > best.length)
      )
        best = zone;
    }
    // Mesos-DNS builds no forwarder at all, zone ones included, when ExternalOn is off.
    if (!this.s.externalOn) return [];
    if (best) return this.s.zoneResolvers[best];
    return this.s.resolvers;
  }

  private async forward(
    req: Buffer,
    q: DecodedPacket,
    name: string,
    proto: Proto,
  ): Promise<HandlerResult> {
    const ups = this.upstreamsFor(name);
    if (ups.length === 0)
      return { outcome: 'refused', response: headerOnly(req, RCODE.REFUSED, q) };
    for (const u of ups) {
      try {
        let res =
          proto === 'udp'
            ? await this.forwardUdp(u, req, this.s.timeoutMs)
            : await this.forwardTcp(u, req, this.s.timeoutMs);
        // A truncated UDP reply from upstream: retry it over TCP, as Mesos-DNS does,
        // and let truncation towards the client happen below if it is still too big.
        if (proto === 'udp' && res.length >= 4 && res.readUInt16BE(2) & packet.TRUNCATED_RESPONSE) {
          try {
            const full = await this.forwardTcp(u, req, this.s.timeoutMs);
            const limit = udpLimit(q);
            if (full.length <= limit) res = full;
          } catch {
            // keep the truncated UDP reply
          }
        }
        return { outcome: 'forward', response: res };
      } catch {
        // next upstream
      }
    }
    return { outcome: 'servfail', response: headerOnly(req, RCODE.SERVFAIL, q) };
  }
}

function udpLimit(q: DecodedPacket): number {
  const opt = (q.additionals ?? []).find((r): r is OptAnswer => r.type === 'OPT');
  return opt ? Math.max(opt.udpPayloadSize, 512) : 512;
}

/**
 * A reply with only a header (and the question when it decoded): for FORMERR,
 * NOTIMP, REFUSED and SERVFAIL. Built by hand so that it works for any input.
 */
export function headerOnly(req: Buffer, rcode: number, q?: DecodedPacket): Buffer {
  const reqFlags = req.readUInt16BE(2);
  // SetRcode/SetReply: the request's opcode, RD and CD, nothing else.
  const flags = QR | (reqFlags & 0x7800) | (reqFlags & (packet.RECURSION_DESIRED | 0x10)) | rcode;
  if (q && q.questions && q.questions.length === 1) {
    try {
      return packet.encode({ id: q.id, type: 'response', flags, questions: q.questions });
    } catch {
      // fall through to a bare header
    }
  }
  const out = Buffer.alloc(12);
  out.writeUInt16BE(req.readUInt16BE(0), 0);
  out.writeUInt16BE(flags, 2);
  return out;
}

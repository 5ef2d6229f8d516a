/**
 * Encoded answers by query, so that a repeated query costs a map lookup and a copy
 * instead of a decode, a record walk and an encode (the hot path under load).
 *
 * The key is the request itself minus its ID (and the transport, which sets the size
 * limit), so an entry is exactly what the handler would answer to that request. An entry
 * stays valid while the records it was built from are the same objects: the record store
 * replaces a name's value lists whenever they change (removal included), so identity is
 * a precise change test per name, and a change elsewhere in the cluster (a task event
 * every few milliseconds in a busy one) leaves the entry alone. Entries
 * that carry the SOA also check its serial. Answers with several records are kept in
 * record order with their byte ranges and shuffled per query, as the slow path does; names in
 * the answer section point only before it, and pointers into it from the sections after it
 * (SRV targets' addresses) are re-aimed at the records' new places.
 */
import type { NameRecords, SrvTarget } from '@dcos/mesos-dns-records';
import type { Outcome, Proto, RecordSource } from './handler';
import type { Relocation } from './wire';

/** One name an answer was built from, with its record lists as they were then. */
export interface Dependency {
  name: string;
  rec: NameRecords | undefined;
  a?: readonly string[];
  aaaa?: readonly string[];
  srv?: readonly SrvTarget[];
}

export function dependencyOf(name: string, rec: NameRecords | undefined): Dependency {
  return rec ? { name, rec, a: rec.a, aaaa: rec.aaaa, srv: rec.srv } : { name, rec };
}

export interface CachedAnswer {
  /** The encoded response; its first two bytes (the ID) are replaced per query. */
  response: Buffer;
  outcome: Outcome;
  deps: Dependency[];
  /** The SOA serial the response carries, if it carries the SOA. */
  serial?: number;
  /**
   * Offsets of the answer records (two or more) and of what follows them, and the
   * compression pointers after them that point into an answer record (re-aimed per shuffle).
   */
  shuffle?: { starts: number[]; end: number; relocs?: readonly Relocation[] };
}

export class AnswerCache {
  private readonly entries = new Map<string, CachedAnswer>();

  /** At most `max` entries: random names from a client must not grow memory without bound. */
  constructor(private readonly max = 50_000) {}

  get size(): number {
    return this.entries.size;
  }

  static key(req: Buffer, proto: Proto): string {
    return (proto === 'udp' ? 'u' : 't') + req.toString('latin1', 2);
  }

  /** The response for `req` (ID set), or undefined when there is none or it is stale. */
  answer(
    key: string,
    req: Buffer,
    records: RecordSource,
  ): { response: Buffer; outcome: Outcome } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (!fresh(e, records)) {
      this.entries.delete(key);
      return undefined;
    }
    return { response: materialize(e, req), outcome: e.outcome };
  }

  set(key: string, entry: CachedAnswer): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, entry);
  }

  clear(): void {
    this.entries.clear();
  }
}

function fresh(e: CachedAnswer, records: RecordSource): boolean {
  if (e.serial !== undefined && e.serial !== records.serial) return false;
  for (const d of e.deps) {
    const r = d.rec;
    // A name that had records: the store replaces its lists on every change, removal
    // included (a re-added name is a new object), so no lookup is needed to see it.
    if (r) {
      if (r.a !== d.a || r.aaaa !== d.aaaa || r.srv !== d.srv) return false;
    } else if (records.get(d.name) !== undefined) return false;
  }
  return true;
}

/** A copy of the cached response with the request's ID and, if several, shuffled answers. */
export function materialize(e: CachedAnswer, req: Buffer): Buffer {
  const src = e.response;
  const out = Buffer.allocUnsafe(src.length);
  const s = e.shuffle;
  if (!s) src.copy(out);
  else {
    const n = s.starts.length;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    const relocs = s.relocs ?? [];
    const moved = new Array<number>(n);
    let at = src.copy(out, 0, 0, s.starts[0]);
    for (const i of order) {
      moved[i] = at;
      at += src.copy(out, at, s.starts[i], i + 1 < n ? s.starts[i + 1] : s.end);
    }
    src.copy(out, at, s.end);
    for (const r of relocs) out.writeUInt16BE(0xc000 | (moved[r.rec] + r.off), r.at);
  }
  out[0] = req[0];
  out[1] = req[1];
  return out;
}

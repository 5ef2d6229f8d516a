/**
 * An in-memory record set indexed by name, built from the contributions of owners
 * (one task, one agent, one framework, the masters, the listener). Replacing one
 * owner's records touches only the names that owner contributes, so applying a
 * single task or agent change costs O(records of that owner), not a rebuild.
 * Several owners may contribute the same record (two agents on one IP); records
 * are reference-counted and disappear with their last owner.
 */
export type RRType = 'A' | 'AAAA' | 'SRV';

/** One generated record. SRV values are `target:port`, the target an FQDN with trailing dot. */
export interface DnsRecord {
  name: string;
  type: RRType;
  value: string;
}

export interface SrvTarget {
  target: string;
  port: number;
}

export function parseSrvValue(value: string): SrvTarget {
  const i = value.lastIndexOf(':');
  return { target: value.slice(0, i), port: Number(value.slice(i + 1)) };
}

/** The records of one name, with their value lists cached until the name next changes. */
export class NameRecords {
  private readonly sets: Record<RRType, Map<string, number>> = {
    A: new Map(),
    AAAA: new Map(),
    SRV: new Map(),
  };
  private cache: Partial<Record<RRType, readonly string[]>> = {};
  private srvCache?: readonly SrvTarget[];

  constructor(readonly name: string) {}

  /** Values of one type, in insertion order. */
  values(type: RRType): readonly string[] {
    let v = this.cache[type];
    if (!v) {
      v = [...this.sets[type].keys()];
      this.cache[type] = v;
    }
    return v;
  }

  get a(): readonly string[] {
    return this.values('A');
  }
  get aaaa(): readonly string[] {
    return this.values('AAAA');
  }
  get srv(): readonly SrvTarget[] {
    if (!this.srvCache) this.srvCache = this.values('SRV').map(parseSrvValue);
    return this.srvCache;
  }

  get size(): number {
    return this.sets.A.size + this.sets.AAAA.size + this.sets.SRV.size;
  }

  has(type: RRType): boolean {
    return this.sets[type].size > 0;
  }

  /** @internal */
  add(type: RRType, value: string): void {
    const m = this.sets[type];
    m.set(value, (m.get(value) ?? 0) + 1);
    if (m.get(value) === 1) this.invalidate(type);
  }

  /** @internal */
  remove(type: RRType, value: string): void {
    const m = this.sets[type];
    const n = m.get(value);
    if (n === undefined) return;
    if (n <= 1) {
      m.delete(value);
      this.invalidate(type);
    } else m.set(value, n - 1);
  }

  private invalidate(type: RRType): void {
    delete this.cache[type];
    if (type === 'SRV') this.srvCache = undefined;
  }
}

const key = (r: DnsRecord): string => `${r.type}\u0000${r.name}\u0000${r.value}`;

export class RecordStore {
  private readonly names = new Map<string, NameRecords>();
  private readonly owners = new Map<string, Map<string, DnsRecord>>();
  /** Bumped on every change; caches outside the store may key on it. */
  version = 0;

  /** The records of a name, looked up exactly (names are stored as generated, FQDN). */
  get(name: string): NameRecords | undefined {
    return this.names.get(name);
  }

  /** Replace everything `owner` contributes with `records`; returns the names that changed. */
  setOwner(owner: string, records: readonly DnsRecord[]): Set<string> {
    const next = new Map<string, DnsRecord>();
    for (const r of records) next.set(key(r), r);
    const prev = this.owners.get(owner);
    const changed = new Set<string>();
    if (prev) {
      for (const [k, r] of prev) {
        if (!next.has(k)) {
          this.removeOne(r);
          changed.add(r.name);
        }
      }
    }
    for (const [k, r] of next) {
      if (!prev?.has(k)) {
        this.addOne(r);
        changed.add(r.name);
      }
    }
    if (next.size > 0) this.owners.set(owner, next);
    else this.owners.delete(owner);
    if (changed.size > 0) this.version++;
    return changed;
  }

  removeOwner(owner: string): Set<string> {
    return this.setOwner(owner, []);
  }

  ownerRecords(owner: string): DnsRecord[] {
    return [...(this.owners.get(owner)?.values() ?? [])];
  }

  ownerKeys(): IterableIterator<string> {
    return this.owners.keys();
  }

  /** Every name with at least one record. */
  entries(): IterableIterator<NameRecords> {
    return this.names.values();
  }

  get nameCount(): number {
    return this.names.size;
  }

  /** Every record (deduplicated across owners). */
  records(): DnsRecord[] {
    const out: DnsRecord[] = [];
    for (const n of this.names.values()) {
      for (const type of ['A', 'AAAA', 'SRV'] as const) {
        for (const value of n.values(type)) out.push({ name: n.name, type, value });
      }
    }
    return out;
  }

  private addOne(r: DnsRecord): void {
    let n = this.names.get(r.name);
    if (!n) {
      n = new NameRecords(r.name);
      this.names.set(r.name, n);
    }
    n.add(r.type, r.value);
  }

  private removeOne(r: DnsRecord): void {
    const n = this.names.get(r.name);
    if (!n) return;
    n.remove(r.type, r.value);
    if (n.size === 0) this.names.delete(r.name);
  }
}

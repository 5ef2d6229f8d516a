/**
 * A keyed cache whose loads are shared: however many requests miss at once, one load runs
 * per key (no lookup storm). Failed loads fall back to the last good value when there is one.
 */
export class SharedCache<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();
  private readonly inflight = new Map<string, Promise<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value when fresh, else the (shared) result of `load`. */
  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    return this.refresh(key, load);
  }

  /** Load now (joining a load already running for the key). */
  refresh(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = load()
      .then((value) => {
        if (this.entries.size >= this.maxEntries) this.entries.clear();
        this.entries.set(key, { value, at: this.now() });
        return value;
      })
      .catch((e: unknown) => {
        const stale = this.entries.get(key);
        if (stale) return stale.value;
        throw e;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  peek(key: string): T | undefined {
    return this.entries.get(key)?.value;
  }

  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StatusUpdate } from '@dcos/contracts';
import { writeAtomic } from './checkpoint';

export interface StatusQueueOptions {
  /** Where unsent updates are checkpointed (one file each); absent = memory only (hollow agents). */
  dir?: string;
  /** Resolves once the update is durably accepted (JetStream ack); rejects to retry it. */
  publish: (u: StatusUpdate) => Promise<void>;
  /** Updates in flight at once (at most one per task, so a task's updates stay in order). */
  maxInFlight?: number;
  /** First retry delay after a failed publish; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  onError?: (e: Error, u: StatusUpdate) => void;
  onAck?: (u: StatusUpdate) => void;
}

interface Entry {
  seq: number;
  update: StatusUpdate;
  file?: string;
}

const taskKey = (u: StatusUpdate) => `${u.framework_id.value}\u0000${u.status.task_id.value}`;

/**
 * The agent's outbox of status updates: each update is checkpointed before it is sent and
 * removed only once the master's stream acknowledged it, so none is lost while the master
 * or NATS is away or the agent restarts. Updates of one task go out one at a time in order;
 * different tasks go out in parallel.
 */
export class StatusUpdateQueue {
  private entries: Entry[] = [];
  private nextSeq = 1;
  private flushing = false;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private delayMs: number;
  private acked = 0;
  private failures = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly o: StatusQueueOptions) {
    this.delayMs = o.retryMs ?? 250;
    if (o.dir) this.load(o.dir);
  }

  /** Updates not acknowledged yet. */
  get pending(): number {
    return this.entries.length;
  }

  get stats(): { pending: number; acked: number; failures: number } {
    return { pending: this.entries.length, acked: this.acked, failures: this.failures };
  }

  pendingUpdates(): StatusUpdate[] {
    return this.entries.map((e) => e.update);
  }

  /** Checkpoints the update (synchronously) and schedules its delivery. */
  enqueue(update: StatusUpdate): void {
    const seq = this.nextSeq++;
    const entry: Entry = { seq, update };
    if (this.o.dir) {
      entry.file = path.join(this.o.dir, `${String(seq).padStart(12, '0')}.json`);
      writeAtomic(entry.file, JSON.stringify(update));
    }
    this.entries.push(entry);
    this.kick();
  }

  /** Try again now (e.g. the connection came back). */
  kick(): void {
    if (this.stopped) return;
    if (this.retryTimer) {
      // Waiting out a backoff: skip the rest of it.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.flushing = false;
    }
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => void this.flush());
  }

  /** Resolves when nothing is pending. */
  drained(): Promise<void> {
    if (this.entries.length === 0) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private load(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const files = fs
      .readdirSync(dir)
      .filter((f) => /^\d{12}\.json$/.test(f))
      .sort();
    for (const f of files) {
      const file = path.join(dir, f);
      try {
        const update = JSON.parse(fs.readFileSync(file, 'utf8')) as StatusUpdate;
        const seq = Number(f.slice(0, 12));
        this.entries.push({ seq, update, file });
        this.nextSeq = Math.max(this.nextSeq, seq + 1);
      } catch {
        // A torn write can only be the last update, written while the agent died: it was
        // never handed to anyone, and the task's state is re-derived on recovery.
        fs.rmSync(file, { force: true });
      }
    }
  }

  private async flush(): Promise<void> {
    const max = this.o.maxInFlight ?? 256;
    try {
      while (!this.stopped && this.entries.length > 0) {
        // The head update of each task, up to `max` tasks.
        const seen = new Set<string>();
        const batch: Entry[] = [];
        for (const e of this.entries) {
          const k = taskKey(e.update);
          if (seen.has(k)) continue;
          seen.add(k);
          batch.push(e);
          if (batch.length >= max) break;
        }
        const results = await Promise.allSettled(batch.map((e) => this.o.publish(e.update)));
        const done = new Set<Entry>();
        let failed = false;
        results.forEach((r, i) => {
          const e = batch[i] as Entry;
          if (r.status === 'fulfilled') done.add(e);
          else {
            failed = true;
            this.failures++;
            this.o.onError?.(r.reason as Error, e.update);
          }
        });
        if (done.size > 0) {
          // One pass (a splice per acked entry made a round quadratic in the queue length).
          const left: Entry[] = [];
          const acked: Entry[] = [];
          for (const e of this.entries) (done.has(e) ? acked : left).push(e);
          this.entries = left;
          for (const e of acked) {
            if (e.file) fs.rmSync(e.file, { force: true });
            this.acked++;
            this.o.onAck?.(e.update);
          }
        }
        if (failed) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.flushing = false;
            this.kick();
          }, this.delayMs);
          this.delayMs = Math.min(this.delayMs * 2, this.o.maxRetryMs ?? 2_000);
          return;
        }
        this.delayMs = this.o.retryMs ?? 250;
      }
      if (this.entries.length === 0) {
        const waiters = this.drainWaiters.splice(0);
        for (const w of waiters) w();
      }
      this.flushing = false;
    } catch (e) {
      // Only a bug gets here (publish errors are settled above): retry later, never stall.
      this.o.onError?.(e as Error, this.entries[0]?.update as StatusUpdate);
      this.retryTimer = setTimeout(() => {
        this.flushing = false;
        this.kick();
      }, this.delayMs);
    }
  }
}

import { createInbox, headers, type Msg, type Subscription } from 'nats';
import type { NatsClient } from './nats-client';

interface Waiting {
  resolve: () => void;
  reject: (e: Error) => void;
  deadline: number;
}

const MSG_ID = 'Nats-Msg-Id';
const decoder = new TextDecoder();

/**
 * JetStream publishes awaiting their PubAck on one inbox subscription: a plain publish with a
 * reply subject (and `Nats-Msg-Id` for the stream's de-duplication) instead of `js.publish`,
 * which makes a request per message (its own timer, a mux entry and an Error built on every
 * success). Timeouts are swept by one timer, every quarter second at most.
 */
export class StreamAcks {
  private inbox?: string;
  private sub?: Subscription;
  private seq = 0;
  private readonly waiting = new Map<string, Waiting>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly nats: NatsClient,
    private readonly timeoutMs: number,
  ) {}

  get inFlight(): number {
    return this.waiting.size;
  }

  publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    const nc = this.nats.connection;
    if (!this.sub || this.sub.isClosed()) {
      this.inbox = createInbox();
      const prefix = `${this.inbox}.`;
      this.sub = nc.subscribe(`${this.inbox}.*`, {
        callback: (err, msg) => {
          if (err) return; // the waiting publishes time out and are retried
          this.answer(msg.subject.slice(prefix.length), msg);
        },
      });
    }
    const id = String(++this.seq);
    const h = headers();
    h.set(MSG_ID, msgId);
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        nc.publish(subject, data, { reply: `${this.inbox}.${id}`, headers: h });
      } catch (e) {
        this.waiting.delete(id);
        reject(e as Error);
        return;
      }
      this.sweep();
    });
  }

  private answer(id: string, msg: Msg): void {
    const w = this.waiting.get(id);
    if (!w) return; // answered after its timeout: it was retried (a duplicate to the stream)
    this.waiting.delete(id);
    if (msg.headers?.hasError || msg.data.length === 0) {
      const code = msg.headers?.code ?? 0;
      w.reject(new Error(`JetStream publish failed: ${code} ${msg.headers?.description ?? ''}`));
      return;
    }
    let ack: { stream?: string; error?: { code?: number; description?: string } };
    try {
      ack = JSON.parse(decoder.decode(msg.data)) as typeof ack;
    } catch {
      w.reject(new Error('JetStream publish failed: the ack is not JSON'));
      return;
    }
    if (ack.error) {
      w.reject(new Error(`JetStream publish failed: ${ack.error.code} ${ack.error.description}`));
    } else if (!ack.stream) {
      w.reject(new Error('JetStream publish failed: the ack names no stream'));
    } else w.resolve();
  }

  /** One timer for all the waiting publishes; stops when none waits. */
  private sweep(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(
      () => {
        const now = Date.now();
        for (const [id, w] of this.waiting) {
          if (w.deadline > now) continue;
          this.waiting.delete(id);
          w.reject(new Error(`JetStream publish timed out after ${this.timeoutMs} ms`));
        }
        if (this.waiting.size === 0 && this.sweeper) {
          clearInterval(this.sweeper);
          this.sweeper = undefined;
        }
      },
      Math.min(250, this.timeoutMs),
    );
    this.sweeper.unref();
  }
}

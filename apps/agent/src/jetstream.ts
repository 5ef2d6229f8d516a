import {
  RetentionPolicy,
  StorageType,
  JSONCodec,
  createInbox,
  headers,
  type Msg,
  type Subscription,
} from 'nats';
import {
  statusStream,
  subjectFor,
  subjectPattern,
  StatusUpdateContract,
  wellFormedStatusUpdate,
  type StatusUpdate,
} from '@dcos/contracts';
import type { NatsClient } from '@dcos/nats';

const codec = JSONCodec<StatusUpdate>();

/**
 * Creates the status stream when it does not exist yet (the master owns its settings and
 * may update them; an existing stream is left alone), so updates sent before the master's
 * first boot are kept.
 */
export async function ensureStatusStream(nats: NatsClient): Promise<void> {
  const jsm = await nats.jetstreamManager();
  const name = statusStream(nats.prefix);
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({
        name,
        subjects: [subjectPattern(nats.prefix, 'agentStatusUpdate')],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: 7 * 24 * 3600 * 1e9,
        duplicate_window: 120 * 1e9,
      });
    } catch (e) {
      // Another agent or the master created it in between: fine.
      if (!/already in use|exists/i.test((e as Error).message)) throw e;
    }
  }
}

/**
 * Publishes one update to JetStream; resolves on the stream's ack. `msgID` = the status
 * uuid, so a retry after a lost ack is dropped as a duplicate by the stream.
 *
 * A plain publish with a reply subject under one inbox subscription, not `js.publish`: that
 * makes a request per update (its own timer, a mux entry and an Error built on every success,
 * ~15 % of a hollow agent's CPU). Timeouts are swept every quarter second instead.
 */
export function statusPublisher(
  nats: NatsClient,
  timeoutMs = 3_000,
): (u: StatusUpdate) => Promise<void> {
  const acks = new StreamAcks(nats, timeoutMs);
  return async (u) => {
    const body = wellFormedStatusUpdate(u) ?? StatusUpdateContract.parse(u);
    await acks.publish(
      subjectFor(nats.prefix, 'agentStatusUpdate', u.agent_id.value),
      codec.encode(body),
      u.status.uuid,
    );
  };
}

interface Waiting {
  resolve: () => void;
  reject: (e: Error) => void;
  deadline: number;
}

const MSG_ID = 'Nats-Msg-Id';
const decoder = new TextDecoder();

/** JetStream publishes awaiting their PubAck on one inbox subscription. */
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

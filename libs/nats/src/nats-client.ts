import {
  connect,
  createInbox,
  JSONCodec,
  type ConnectionOptions,
  type JetStreamClient,
  type JetStreamManager,
  type Msg,
  type NatsConnection,
  type Subscription,
  type StreamConfig,
  RetentionPolicy,
  StorageType,
} from 'nats';
import {
  ContractError,
  ReplyEnvelopeSchema,
  subjects,
  type Contract,
  type Reply,
  type Subjects,
} from '@dcos/contracts';

export interface NatsClientOptions {
  /** One URL or a comma-separated list. */
  url: string;
  /** Subject prefix of this cluster (NATS_PREFIX). */
  prefix: string;
  /** Connection name shown by the server, e.g. `master-1`. */
  name: string;
  /** How long to wait for the first connection before giving up (ms). 0 = forever. */
  connectTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/** A failed request: the remote answered with an error envelope, or nobody answered. */
export class NatsRequestError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly fields?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'NatsRequestError';
  }
}

const codec = JSONCodec<unknown>();

/**
 * One NATS connection per service: reconnects forever, tracks whether it is up
 * (for /health), and speaks JSON with validated payloads.
 */
export class NatsClient {
  readonly subjects: Subjects;
  private nc?: NatsConnection;
  private up = false;
  private lastProblem = 'not connected yet';
  private closed = false;
  private readonly reconnectListeners = new Set<() => void>();

  constructor(readonly options: NatsClientOptions) {
    this.subjects = subjects(options.prefix);
  }

  get prefix(): string {
    return this.options.prefix;
  }

  /** The raw connection, for code that needs the full nats.js API. */
  get connection(): NatsConnection {
    if (!this.nc) throw new Error('NATS is not connected');
    return this.nc;
  }

  async connect(): Promise<void> {
    const log = this.options.log ?? (() => undefined);
    const servers = this.options.url.split(',').map((s) => s.trim());
    const opts: ConnectionOptions = {
      servers,
      name: this.options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // A busy service (a master launching thousands of tasks) may answer pings late; a
      // dead socket is noticed at once anyway, so be patient with pings (15 s to give up).
      pingInterval: 5_000,
      maxPingOut: 3,
      // No stack trace captured per request: a hot path cost, and our errors name the subject.
      noAsyncTraces: true,
      waitOnFirstConnect: true,
      timeout: 2_000,
    };
    const deadline = this.options.connectTimeoutMs ?? 30_000;
    const started = Date.now();
    for (;;) {
      try {
        this.nc = await connect(opts);
        break;
      } catch (e) {
        this.lastProblem = `cannot connect to ${this.options.url}: ${(e as Error).message}`;
        if (deadline > 0 && Date.now() - started > deadline) throw new Error(this.lastProblem);
        log('warn', this.lastProblem + '; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    this.up = true;
    log('info', `connected to NATS ${this.nc.getServer()} with prefix ${this.prefix}`);
    void this.watch(this.nc, log);
  }

  private async watch(nc: NatsConnection, log: NonNullable<NatsClientOptions['log']>) {
    for await (const s of nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.up = false;
          this.lastProblem = `disconnected from NATS ${String(s.data)}`;
          log('warn', this.lastProblem);
          break;
        case 'reconnect':
          this.up = true;
          log('info', `reconnected to NATS ${String(s.data)}`);
          for (const l of this.reconnectListeners) l();
          break;
        case 'error':
          this.lastProblem = `NATS error: ${String(s.data)}`;
          log('error', this.lastProblem);
          break;
        default:
          break;
      }
    }
    // The status iterator ends when the connection closes for good.
    this.up = false;
    if (!this.closed) this.lastProblem = 'NATS connection closed';
  }

  /**
   * Called after every reconnect: core NATS drops messages while disconnected, so
   * followers of events reload full state here.
   */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Is the connection usable right now? Confirms with a round trip to the server. */
  async check(timeoutMs = 1_000): Promise<{ up: true } | { up: false; reason: string }> {
    if (!this.nc || this.nc.isClosed()) return { up: false, reason: this.lastProblem };
    if (!this.up) return { up: false, reason: this.lastProblem };
    try {
      await Promise.race([
        this.nc.flush(),
        new Promise((_, rej) =>
          setTimeout(() => rej(new Error('NATS round trip timed out')), timeoutMs),
        ),
      ]);
      return { up: true };
    } catch (e) {
      return { up: false, reason: (e as Error).message };
    }
  }

  publish<T>(subject: string, payload: T, contract?: Contract<T>): void {
    const body = contract ? contract.parse(payload) : payload;
    this.connection.publish(subject, codec.encode(body));
  }

  /** Request/reply with the reply envelope; validates the answer with `answer` when given. */
  async request<Req, Res>(
    subject: string,
    payload: Req,
    opts: { timeoutMs?: number; answer?: Contract<Res> } = {},
  ): Promise<Res> {
    let msg: Msg;
    try {
      msg = await this.connection.request(subject, codec.encode(payload), {
        timeout: opts.timeoutMs ?? 5_000,
      });
    } catch (e) {
      const m = (e as Error).message;
      throw new NatsRequestError(`${subject}: ${m}`, (e as { code?: string }).code);
    }
    const envelope = ReplyEnvelopeSchema.safeParse(codec.decode(msg.data));
    if (!envelope.success) throw new NatsRequestError(`${subject}: malformed reply`);
    const reply = envelope.data as Reply<unknown>;
    if (!reply.ok)
      throw new NatsRequestError(reply.error.message, reply.error.code, reply.error.fields);
    return opts.answer ? opts.answer.parse(reply.data) : (reply.data as Res);
  }

  /**
   * Scatter-gather: publish one request and collect every reply that arrives within
   * `waitMs` (e.g. a ping that every instance of every service answers).
   */
  async gather<Res>(
    subject: string,
    payload: unknown,
    waitMs: number,
    answer?: Contract<Res>,
  ): Promise<Res[]> {
    const nc = this.connection;
    const inbox = createInbox();
    const out: Res[] = [];
    const sub = nc.subscribe(inbox, {
      callback: (err, msg) => {
        // Status messages (e.g. 503 no responders) carry no payload: not an answer.
        if (err || msg.data.length === 0) return;
        let decoded: unknown;
        try {
          decoded = codec.decode(msg.data);
        } catch {
          return;
        }
        const envelope = ReplyEnvelopeSchema.safeParse(decoded);
        if (!envelope.success || !envelope.data.ok) return;
        const data = (envelope.data as { data: unknown }).data;
        if (!answer) out.push(data as Res);
        else {
          const r = answer.safeParse(data);
          if (r.ok) out.push(r.value);
        }
      },
    });
    nc.publish(subject, codec.encode(payload), { reply: inbox });
    await new Promise((r) => setTimeout(r, waitMs));
    sub.unsubscribe();
    return out;
  }

  /**
   * Serve requests on a subject; the handler's result (or thrown error) becomes the
   * reply envelope. Payloads failing `input` get an error naming the field.
   */
  serve<Req, Res>(
    subject: string,
    handler: (payload: Req, msg: Msg) => Promise<Res> | Res,
    opts: { queue?: string; input?: Contract<Req> } = {},
  ): Subscription {
    return this.connection.subscribe(subject, {
      queue: opts.queue,
      callback: (err, msg) => {
        if (err) return;
        void (async () => {
          let reply: Reply<unknown>;
          try {
            const raw = decodeOrThrow(msg.data);
            const input = opts.input ? opts.input.parse(raw) : (raw as Req);
            reply = { ok: true, data: await handler(input, msg) };
          } catch (e) {
            reply = toErrorReply(e);
          }
          if (msg.reply) msg.respond(this.encodeReply(reply));
        })();
      },
    });
  }

  /**
   * Encode a reply envelope; one larger than the server's max_payload could not be sent
   * (the requester would just time out), so it becomes an error saying so.
   */
  encodeReply(reply: Reply<unknown>): Uint8Array {
    const bytes = codec.encode(reply);
    const max = this.nc?.info?.max_payload ?? Number.MAX_SAFE_INTEGER;
    if (bytes.length <= max) return bytes;
    return codec.encode({
      ok: false,
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: `the reply (${bytes.length} bytes) exceeds the NATS max_payload of ${max} bytes; use the HTTP API`,
      },
    } satisfies Reply<never>);
  }

  /** Subscribe to events; bad payloads are reported to `onInvalid` and dropped. */
  subscribe<T>(
    subject: string,
    handler: (payload: T, msg: Msg) => void | Promise<void>,
    opts: { queue?: string; input?: Contract<T>; onInvalid?: (e: Error) => void } = {},
  ): Subscription {
    return this.connection.subscribe(subject, {
      queue: opts.queue,
      callback: (err, msg) => {
        if (err) return;
        try {
          const raw = decodeOrThrow(msg.data);
          const payload = opts.input ? opts.input.parse(raw) : (raw as T);
          void Promise.resolve(handler(payload, msg)).catch((e) => opts.onInvalid?.(e as Error));
        } catch (e) {
          opts.onInvalid?.(e as Error);
        }
      },
    });
  }

  jetstream(): JetStreamClient {
    return this.connection.jetstream();
  }

  async jetstreamManager(): Promise<JetStreamManager> {
    return this.connection.jetstreamManager();
  }

  /** Create or update a file-backed work-queue/limits stream. */
  async ensureStream(
    config: Partial<StreamConfig> & { name: string; subjects: string[] },
  ): Promise<void> {
    const jsm = await this.jetstreamManager();
    const full: Partial<StreamConfig> = {
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      ...config,
    };
    try {
      await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, full);
    } catch {
      await jsm.streams.add(full);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.lastProblem = 'NATS connection closed';
    if (this.nc && !this.nc.isClosed()) {
      try {
        await this.nc.drain();
      } catch {
        await this.nc.close();
      }
    }
    this.up = false;
  }
}

export function decodeOrThrow(data: Uint8Array): unknown {
  if (data.length === 0) return undefined;
  try {
    return codec.decode(data);
  } catch {
    throw new ContractError('payload', [{ field: '(root)', message: 'is not valid JSON' }]);
  }
}

export function toErrorReply(e: unknown): Reply<never> {
  if (e instanceof ContractError) {
    return { ok: false, error: { message: e.message, code: 'INVALID_PAYLOAD', fields: e.issues } };
  }
  const err = e as { message?: string; code?: string };
  return { ok: false, error: { message: err.message ?? String(e), code: err.code } };
}

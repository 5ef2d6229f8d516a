import {
  IamAuthorizeReplyContract,
  IamChangedContract,
  type IamAction,
  type IamAuthorizeRequest,
  type IamChanged,
} from '@dcos/contracts';
import type { NatsClient } from '@dcos/nats';

export interface IamAuthorizerOptions {
  /** How long a decision is reused (default 2 s; 0 = never cached). */
  cacheTtlMs?: number;
  /** NATS request timeout (default 2 s). */
  timeoutMs?: number;
  /** Upper bound on cached decisions (default 10 000). */
  maxEntries?: number;
}

type Requester = Pick<NatsClient, 'subjects' | 'request' | 'subscribe'>;

/**
 * Asks IAM over NATS whether `uid` may do `action` on `rid`, caching answers briefly.
 * `watchChanges()` drops the cache whenever IAM announces a change. Failures
 * (IAM down, timeout) throw: callers decide (the Admin Router answers 503).
 */
export class IamAuthorizer {
  private readonly cache = new Map<string, { allowed: boolean; until: number }>();
  private readonly ttl: number;
  private readonly timeoutMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly nats: Requester,
    opts: IamAuthorizerOptions = {},
  ) {
    this.ttl = opts.cacheTtlMs ?? 2_000;
    this.timeoutMs = opts.timeoutMs ?? 2_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  async allowed(uid: string, rid: string, action: IamAction): Promise<boolean> {
    const key = `${uid}\u0000${rid}\u0000${action}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.allowed;
    const req: IamAuthorizeRequest = { uid, rid, action };
    const { allowed } = await this.nats.request(this.nats.subjects.iamAuthorize, req, {
      timeoutMs: this.timeoutMs,
      answer: IamAuthorizeReplyContract,
    });
    if (this.ttl > 0) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(key, { allowed, until: Date.now() + this.ttl });
    }
    return allowed;
  }

  /** Forget every cached decision. */
  clear(): void {
    this.cache.clear();
  }

  /** Drop the cache on every `iamChanged` event. */
  watchChanges(onChange?: (e: IamChanged) => void): void {
    this.nats.subscribe<IamChanged>(
      this.nats.subjects.iamChanged,
      (e) => {
        this.clear();
        onChange?.(e);
      },
      { input: IamChangedContract },
    );
  }
}

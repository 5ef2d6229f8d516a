import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { DcosTokenError, type JwtHeader, type KeyResolver } from './jwt';

/** An RSA public JSON Web Key as IAM publishes it. */
export interface Jwk {
  kty: string;
  kid?: string;
  use?: string;
  alg?: string;
  n?: string;
  e?: string;
  [k: string]: unknown;
}
export interface JwkSet {
  keys: Jwk[];
}

/** RFC 7638 thumbprint (SHA-256, base64url) of an RSA JWK: a stable key id. */
export function jwkThumbprint(jwk: Pick<Jwk, 'e' | 'kty' | 'n'>): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The public JWK of an RSA key (public or private), tagged for RS256 signatures. */
export function publicJwk(key: KeyObject, kid?: string): Jwk {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'rsa') throw new Error('only RSA keys are published');
  const { kty, n, e } = pub.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
  return { kty, kid: kid ?? jwkThumbprint({ kty, n, e }), use: 'sig', alg: 'RS256', n, e };
}

/** Import the usable RS256 signature keys of a JWK set; anything else is skipped. */
export function keysFromJwks(set: unknown): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  const keys = (set as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) return out;
  for (const raw of keys as Jwk[]) {
    if (!raw || raw.kty !== 'RSA' || typeof raw.n !== 'string' || typeof raw.e !== 'string')
      continue;
    if (raw.use !== undefined && raw.use !== 'sig') continue;
    if (raw.alg !== undefined && raw.alg !== 'RS256') continue;
    try {
      const key = createPublicKey({ key: { kty: 'RSA', n: raw.n, e: raw.e }, format: 'jwk' });
      out.set(typeof raw.kid === 'string' ? raw.kid : jwkThumbprint(raw), key);
    } catch {
      // A broken entry must not take the other keys down with it.
    }
  }
  return out;
}

export interface JwksCacheOptions {
  /** Full URL of the set, e.g. `http://127.0.0.1:8101/acs/api/v1/auth/jwks`. */
  url: string;
  /** Re-fetch the set after this long even when every kid is known (default 5 min). */
  maxAgeMs?: number;
  /** Never fetch more often than this, also for unknown kids (default 2 s). */
  minRefreshIntervalMs?: number;
  /** Per-fetch timeout (default 3 s). */
  timeoutMs?: number;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
}

/**
 * A JWK set fetched from IAM and cached: refreshed when older than `maxAgeMs` or
 * when a token names an unknown `kid` (rate-limited), concurrent refreshes shared.
 * When IAM is unreachable the last good set keeps being used.
 */
export class JwksCache {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private lastAttempt = 0;
  private inflight?: Promise<void>;
  private readonly maxAgeMs: number;
  private readonly minRefreshIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: JwksCacheOptions) {
    this.maxAgeMs = opts.maxAgeMs ?? 300_000;
    this.minRefreshIntervalMs = opts.minRefreshIntervalMs ?? 2_000;
    this.timeoutMs = opts.timeoutMs ?? 3_000;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** Use as the `keys` argument of verifyDcosToken. */
  readonly resolver: KeyResolver = (header) => this.keysFor(header);

  /** The keys currently cached, by kid. */
  get known(): ReadonlyMap<string, KeyObject> {
    return this.keys;
  }

  async keysFor(header: Pick<JwtHeader, 'kid'>): Promise<KeyObject[]> {
    const now = Date.now();
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const stale = now - this.fetchedAt > this.maxAgeMs;
    const unknownKid = kid !== undefined && !this.keys.has(kid);
    if (
      (stale || unknownKid) &&
      (this.fetchedAt === 0 || now - this.lastAttempt >= this.minRefreshIntervalMs)
    ) {
      try {
        await this.refresh();
      } catch (e) {
        if (this.fetchedAt === 0)
          throw new DcosTokenError(
            'keys_unavailable',
            `cannot fetch the JWK set: ${(e as Error).message}`,
          );
      }
    }
    if (kid !== undefined) {
      const k = this.keys.get(kid);
      return k ? [k] : [];
    }
    return [...this.keys.values()];
  }

  /** Fetch the set now (shared between concurrent callers). */
  refresh(): Promise<void> {
    if (!this.inflight) {
      this.lastAttempt = Date.now();
      this.inflight = this.load().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async load(): Promise<void> {
    const res = await this.fetchImpl(this.opts.url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`${this.opts.url} answered ${res.status}`);
    const keys = keysFromJwks(await res.json());
    if (keys.size === 0) throw new Error(`${this.opts.url} lists no RS256 key`);
    this.keys = keys;
    this.fetchedAt = Date.now();
  }
}

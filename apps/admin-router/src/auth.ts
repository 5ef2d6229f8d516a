import type { IncomingHttpHeaders } from 'node:http';
import { DcosTokenError, extractToken, verifyDcosToken, type KeyResolver } from '@dcos/auth';

export type AuthnResult =
  | { ok: true; uid: string; token: string; source: 'authorization' | 'cookie' }
  | {
      ok: false;
      code: 'ERR_MISSING_AUTH_TOKEN' | 'ERR_INVALID_AUTH_TOKEN';
      reason: string;
      unavailable?: boolean;
    };

/**
 * Authentication as DC/OS' lib/auth/common.lua: the token from `Authorization: token=`,
 * `Authorization: Bearer`, or (without an Authorization header) the `dcos-acs-auth-cookie`
 * cookie; verified offline against IAM's JWK set (RS256 only, `exp` and `uid` required).
 */
/**
 * Tokens already verified, so the RSA check runs once per token rather than once per request.
 * An entry lives at most `maxAgeMs` (key removal is noticed within that) and never past `exp`.
 */
export class VerifiedTokens {
  private readonly seen = new Map<string, { uid: string; until: number }>();

  constructor(
    private readonly maxAgeMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(token: string, now = Date.now()): string | undefined {
    const hit = this.seen.get(token);
    if (!hit) return undefined;
    if (hit.until > now) return hit.uid;
    this.seen.delete(token);
    return undefined;
  }

  add(token: string, uid: string, exp: number | undefined, now = Date.now()): void {
    if (this.maxAgeMs <= 0) return;
    if (this.seen.size >= this.maxEntries) this.seen.clear();
    const until = Math.min(now + this.maxAgeMs, exp !== undefined ? exp * 1000 : Infinity);
    this.seen.set(token, { uid, until });
  }
}

export async function authenticate(
  headers: IncomingHttpHeaders,
  keys: KeyResolver,
  issuer?: string,
  verified?: VerifiedTokens,
): Promise<AuthnResult> {
  const found = extractToken(headers);
  if (!found) {
    const why = headers.authorization
      ? 'the Authorization header must be "token=<jwt>" or "Bearer <jwt>"'
      : 'a DC/OS authentication token is required';
    return { ok: false, code: 'ERR_MISSING_AUTH_TOKEN', reason: why };
  }
  const cached = verified?.get(found.token);
  if (cached !== undefined)
    return { ok: true, uid: cached, token: found.token, source: found.source };
  try {
    const claims = await verifyDcosToken(found.token, keys, issuer ? { issuer } : {});
    verified?.add(found.token, claims.uid, typeof claims.exp === 'number' ? claims.exp : undefined);
    return { ok: true, uid: claims.uid, token: found.token, source: found.source };
  } catch (e) {
    if (e instanceof DcosTokenError) {
      return {
        ok: false,
        code: 'ERR_INVALID_AUTH_TOKEN',
        reason: `invalid authentication token (${e.reason})`,
        unavailable: e.reason === 'keys_unavailable',
      };
    }
    throw e;
  }
}

/** Does the client prefer HTML (a browser) over JSON? */
export function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim().toLowerCase());
  const html = types.indexOf('text/html');
  const json = types.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}

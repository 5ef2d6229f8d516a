import {
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

/**
 * Minimal RS256-only JWT handling on node:crypto. Only RS256 is ever accepted:
 * `alg: none`, HS256 (also when "signed" with the public key), ES*, PS* are rejected
 * before any key is touched.
 */

export interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
  [k: string]: unknown;
}

/** Claims of a DC/OS authentication token (or a service-account login token). */
export interface DcosTokenClaims {
  uid: string;
  exp: number;
  iat?: number;
  nbf?: number;
  iss?: string;
  [k: string]: unknown;
}

export type DcosTokenErrorReason =
  | 'malformed'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'keys_unavailable'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'missing_claim';

/** Why a token was rejected; `message` never contains the token itself. */
export class DcosTokenError extends Error {
  constructor(
    readonly reason: DcosTokenErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'DcosTokenError';
  }
}

/** Largest token accepted (bytes); DC/OS tokens are well under 2 KiB. */
export const MAX_TOKEN_LENGTH = 8_192;
const B64URL = /^[A-Za-z0-9_-]+$/;

function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function decodePart(part: string, what: string): Buffer {
  if (!B64URL.test(part)) throw new DcosTokenError('malformed', `token ${what} is not base64url`);
  return Buffer.from(part, 'base64url');
}

function jsonObject(buf: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new DcosTokenError('malformed', `token ${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new DcosTokenError('malformed', `token ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

export interface DecodedJwt {
  header: JwtHeader;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Split and decode a compact JWS without verifying it. */
export function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== 'string' || token.length === 0)
    throw new DcosTokenError('malformed', 'token is empty');
  if (token.length > MAX_TOKEN_LENGTH) throw new DcosTokenError('malformed', 'token is too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw new DcosTokenError('malformed', 'token is not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  const header = jsonObject(decodePart(h, 'header'), 'header');
  if (typeof header['alg'] !== 'string')
    throw new DcosTokenError('malformed', 'token header has no alg');
  const payload = jsonObject(decodePart(p, 'payload'), 'payload');
  const signature = s.length > 0 ? decodePart(s, 'signature') : Buffer.alloc(0);
  return { header: header as JwtHeader, payload, signingInput: `${h}.${p}`, signature };
}

function assertRsa(key: KeyObject, type: 'public' | 'private'): void {
  if (key.asymmetricKeyType !== 'rsa') throw new Error('RS256 needs an RSA key');
  if (type === 'private' && key.type !== 'private') throw new Error('signing needs a private key');
}

/** Sign `payload` as an RS256 JWT (header `{alg:"RS256", typ:"JWT", kid?}`). */
export function signRs256(
  payload: Record<string, unknown>,
  privateKey: KeyObject,
  kid?: string,
): string {
  assertRsa(privateKey, 'private');
  const header: JwtHeader = { alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = cryptoSign('sha256', Buffer.from(input), privateKey);
  return `${input}.${b64url(sig)}`;
}

/** Candidate verification keys for a token header (e.g. looked up by `kid`). */
export type KeyResolver = (header: JwtHeader) => Promise<KeyObject[]> | KeyObject[];

export interface VerifyOptions {
  /** Expected `iss`; when set, a token with another (or no) issuer is rejected. */
  issuer?: string | string[];
  /** Allowed clock skew in seconds for exp/nbf/iat (default 5). */
  clockToleranceSec?: number;
  /** Current time in seconds (tests). */
  now?: number;
}

function publicOnly(key: KeyObject): KeyObject | undefined {
  if (key.asymmetricKeyType !== 'rsa') return undefined;
  return key.type === 'private' ? createPublicKey(key) : key.type === 'public' ? key : undefined;
}

/**
 * Verify an RS256 DC/OS token: signature against one of the resolved RSA keys,
 * `exp` required and not passed, `nbf`/`iat` not in the future, `uid` a non-empty
 * string, and `iss` when an issuer is expected. Throws DcosTokenError.
 */
export async function verifyDcosToken(
  token: string,
  keys: KeyResolver | KeyObject | KeyObject[],
  opts: VerifyOptions = {},
): Promise<DcosTokenClaims> {
  const { header, payload, signingInput, signature } = decodeJwt(token);
  if (header.alg !== 'RS256')
    throw new DcosTokenError(
      'unsupported_algorithm',
      `token algorithm ${JSON.stringify(header.alg).slice(0, 20)} is not allowed (RS256 only)`,
    );
  if (header['crit'] !== undefined)
    throw new DcosTokenError('malformed', 'token header "crit" is not supported');
  if (signature.length === 0) throw new DcosTokenError('bad_signature', 'token has no signature');
  const resolved =
    typeof keys === 'function' ? await keys(header) : Array.isArray(keys) ? keys : [keys];
  const candidates = resolved.map(publicOnly).filter((k): k is KeyObject => k !== undefined);
  if (candidates.length === 0)
    throw new DcosTokenError('unknown_key', 'no key is known for this token');
  const data = Buffer.from(signingInput);
  const ok = candidates.some((k) => {
    try {
      return cryptoVerify('sha256', data, k, signature);
    } catch {
      return false;
    }
  });
  if (!ok) throw new DcosTokenError('bad_signature', 'token signature is invalid');
  return checkClaims(payload, opts);
}

/** The claim checks of verifyDcosToken, on an already verified payload. */
export function checkClaims(
  payload: Record<string, unknown>,
  opts: VerifyOptions = {},
): DcosTokenClaims {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const tol = opts.clockToleranceSec ?? 5;
  const num = (name: string): number | undefined => {
    const v = payload[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new DcosTokenError('malformed', `token claim "${name}" is not a number`);
    return v;
  };
  const exp = num('exp');
  const nbf = num('nbf');
  const iat = num('iat');
  if (exp === undefined) throw new DcosTokenError('missing_claim', 'token has no "exp" claim');
  if (now - tol >= exp) throw new DcosTokenError('expired', 'token has expired');
  if (nbf !== undefined && nbf > now + tol)
    throw new DcosTokenError('not_yet_valid', 'token is not valid yet (nbf)');
  if (iat !== undefined && iat > now + tol)
    throw new DcosTokenError('not_yet_valid', 'token was issued in the future (iat)');
  const uid = payload['uid'];
  if (typeof uid !== 'string' || uid.length === 0)
    throw new DcosTokenError('missing_claim', 'token has no "uid" claim');
  if (opts.issuer !== undefined) {
    const allowed = Array.isArray(opts.issuer) ? opts.issuer : [opts.issuer];
    const iss = payload['iss'];
    if (typeof iss !== 'string' || !allowed.includes(iss))
      throw new DcosTokenError('wrong_issuer', 'token issuer is not accepted');
  }
  return payload as DcosTokenClaims;
}

/** Constant-time string equality (for uids, secrets). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

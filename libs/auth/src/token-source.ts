/** The cookie DC/OS keeps the authentication token in. */
export const DCOS_AUTH_COOKIE = 'dcos-acs-auth-cookie';

/** The `WWW-Authenticate` challenge of a 401 (DC/OS Enterprise uses `acsjwt`). */
export const DCOS_AUTH_CHALLENGE = 'acsjwt';

type HeaderValue = string | string[] | undefined;
export interface TokenHeaders {
  authorization?: HeaderValue;
  cookie?: HeaderValue;
}

export interface ExtractedToken {
  token: string;
  source: 'authorization' | 'cookie';
}

function first(v: HeaderValue): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Parse a `Cookie` header into name → value (first occurrence wins). */
export function parseCookies(header: HeaderValue): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = Array.isArray(header) ? header.join('; ') : header;
  if (!raw) return out;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1);
    if (!(name in out)) {
      try {
        out[name] = decodeURIComponent(value);
      } catch {
        out[name] = value;
      }
    }
  }
  return out;
}

/**
 * The token of a request, as the DC/OS Admin Router finds it: `Authorization: token=<jwt>`,
 * else `Authorization: Bearer <jwt>`; only when there is no Authorization header at all,
 * the `dcos-acs-auth-cookie` cookie. An Authorization header in another format yields nothing.
 */
export function extractToken(headers: TokenHeaders): ExtractedToken | undefined {
  const auth = first(headers.authorization);
  if (auth !== undefined && auth !== '') {
    const m = /^token=(\S+)$/.exec(auth.trim()) ?? /^Bearer +(\S+)$/i.exec(auth.trim());
    return m ? { token: m[1] as string, source: 'authorization' } : undefined;
  }
  const cookie = parseCookies(headers.cookie)[DCOS_AUTH_COOKIE];
  return cookie ? { token: cookie, source: 'cookie' } : undefined;
}

/** `Set-Cookie` value carrying a token for `maxAgeSec` seconds. */
export function authCookie(token: string, maxAgeSec: number, opts: { secure?: boolean } = {}) {
  const expires = new Date(Date.now() + maxAgeSec * 1000).toUTCString();
  return `${DCOS_AUTH_COOKIE}=${token}; Path=/; Max-Age=${maxAgeSec}; Expires=${expires}; HttpOnly; SameSite=Strict${opts.secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` value that removes the token cookie (expires in the past). */
export function clearedAuthCookie(): string {
  return `${DCOS_AUTH_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict`;
}

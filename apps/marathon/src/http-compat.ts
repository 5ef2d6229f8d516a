import { hostname } from 'node:os';
import type { NextFunction, Request, Response } from 'express';
import type { MarathonConfig } from './tokens';

/**
 * HTTP details every Marathon client may rely on, outside of any one resource: the leader's
 * address, the headers Marathon's servlet filters put on every answer, and /ping's content
 * negotiation.
 */

/** `host:port` of this Marathon as other machines reach it (never a wildcard bind address). */
export function leaderHostPort(c: Pick<MarathonConfig, 'ADVERTISE_HOST' | 'MARATHON_PORT'>) {
  const wildcard = ['', '0.0.0.0', '::', '[::]'].includes(c.ADVERTISE_HOST);
  return `${wildcard ? hostname() : c.ADVERTISE_HOST}:${c.MARATHON_PORT}`;
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept || !accept.trim()) return [{ type: '*', subtype: '*', q: 1 }];
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';').map((x) => x.trim());
    const [type, subtype] = range.toLowerCase().split('/');
    if (!type || !subtype) continue;
    const qParam = params.find((p) => /^q\s*=/i.test(p));
    const q = qParam ? Number(qParam.split('=')[1]) : 1;
    if (Number.isFinite(q) && q > 0) ranges.push({ type, subtype, q });
  }
  const specificity = (r: MediaRange) => (r.type === '*' ? 0 : r.subtype === '*' ? 1 : 2);
  return ranges.sort((a, b) => b.q - a.q || specificity(b) - specificity(a));
}

/** Marathon's /ping variants, in its order of preference. */
const PING_VARIANTS = ['text/plain', 'text/html', 'application/json', 'text/*'];

/**
 * What Marathon's SystemResource.ping answers for an Accept header (Jersey's variant selection):
 * `pong` as text/plain (no Accept, `*\/*`, `text/*`), text/html, or `"pong"` as application/json;
 * 204 with no body when nothing acceptable is offered.
 */
export function pong(accept: string | undefined): { type: string; body: string } | undefined {
  for (const r of parseAccept(accept)) {
    const variant = PING_VARIANTS.find((v) => {
      const [type, subtype] = v.split('/');
      return (
        (r.type === '*' || type === r.type) &&
        (r.subtype === '*' || subtype === '*' || subtype === r.subtype)
      );
    });
    if (!variant) continue;
    if (variant === 'application/json') return { type: variant, body: '"pong"' };
    return { type: variant === 'text/*' ? 'text/plain' : variant, body: 'pong' };
  }
  return undefined;
}

/** What the middleware needs to know about leadership. */
export interface Leadership {
  readonly isLeader: boolean;
  whenLeading(timeoutMs: number): Promise<boolean>;
}

/** How long a request waits for this instance to lead again after an abdication. */
const LEADERSHIP_WAIT_MS = 10_000;

/**
 * Marathon's LeaderProxyFilter and CacheDisablingFilter for the Marathon API: a request waits
 * while this instance re-takes leadership (Marathon waits for consistent leadership info too),
 * and every answer names the leader and disables caching.
 */
export function marathonFilters(m: Leadership, c: MarathonConfig) {
  const leaderUrl = `http://${leaderHostPort(c)}`;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!/^\/(v2\/|v2$|ping$)/.test(req.path)) return next();
    const go = (): void => {
      res.setHeader('X-Marathon-Leader', leaderUrl);
      res.setHeader('X-Frame-Options', 'DENY');
      res.setHeader('X-XSS-Protection', '1; mode=block');
      res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
      res.setHeader('Pragma', 'no-cache');
      res.setHeader('Expires', '0');
      next();
    };
    if (m.isLeader) return go();
    void m.whenLeading(LEADERSHIP_WAIT_MS).then((leading) => {
      if (leading) go();
      else res.status(503).json({ message: 'Could not determine the current leader' });
    });
  };
}

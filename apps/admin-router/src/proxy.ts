import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Transform } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';

/** Hop-by-hop headers (RFC 9110 7.6.1) plus the legacy ones nginx also drops. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
];

/** One proxied request: where to, and how the route maps paths. */
export interface ProxyTarget {
  /** Upstream origin, optionally with a base path (`http://10.0.0.1:8080`). */
  url: string;
  /** Path + query the upstream sees. */
  path: string;
  /** The route's public prefix (`/service/foo`); upstream `Location`s are rewritten under it. */
  prefix: string;
  /** Label for logs and errors (`marathon`, `agent`, ...). */
  upstream: string;
}

export interface ProxyOptions {
  /** Upstream silent this long → 504 (or the stream is cut once it started). */
  timeoutMs: number;
  maxBodyBytes: number;
  onUpstreamError?: (target: ProxyTarget, err: Error) => void;
}

interface ProxyState {
  target: ProxyTarget;
  timedOut?: boolean;
  tooLarge?: boolean;
}

const STATE = Symbol('adminRouterProxy');
const KEEP_ALIVE_HINT = Symbol('upstreamKeepAlive');
type HintedSocket = Duplex & { [KEEP_ALIVE_HINT]?: string };

/**
 * How long a pooled upstream connection may idle: a second less than the upstream's
 * `Keep-Alive: timeout=N` (what Node's agent does itself, but the proxy strips that header
 * before the agent reads it), and without a hint less than Node's 5 s default. Reusing a
 * connection the upstream is just closing is a 502 ("socket hang up").
 */
export function upstreamIdleMs(hint: string | undefined): number {
  const seconds = Number(/timeout=(\d+)/.exec(hint ?? '')?.[1]);
  return Number.isFinite(seconds) ? Math.max(seconds * 1000 - 1000, 250) : 4_000;
}

function closeIdleBeforeUpstream<A extends HttpAgent>(agent: A): A {
  const keep = agent.keepSocketAlive.bind(agent) as (socket: Duplex) => boolean;
  agent.keepSocketAlive = (socket: Duplex) => {
    const kept = keep(socket);
    if (kept)
      (socket as Socket).setTimeout(upstreamIdleMs((socket as HintedSocket)[KEEP_ALIVE_HINT]));
    return kept;
  };
  return agent;
}
type TaggedReq = IncomingMessage & { [STATE]?: ProxyState };

export class UpstreamError extends Error {}

/** Remove hop-by-hop request headers, including the ones the Connection header names. */
export function stripHopByHop(headers: IncomingMessage['headers'], keepUpgrade = false): void {
  const conn = headers['connection'];
  const named = typeof conn === 'string' ? conn.split(',').map((s) => s.trim().toLowerCase()) : [];
  for (const h of [...HOP_BY_HOP, ...named]) {
    if (keepUpgrade && (h === 'connection' || h === 'upgrade')) continue;
    if (h === '' || h === 'transfer-encoding' || h === 'content-length') continue;
    delete headers[h];
  }
}

/**
 * `Location` of an upstream redirect, put back under the route's prefix: absolute URLs on the
 * upstream's own origin and root-relative paths become `<prefix><path>`; others stay as they are.
 */
export function rewriteLocation(location: string, upstreamUrl: string, prefix: string): string {
  if (prefix === '') return location;
  const upstream = new URL(upstreamUrl);
  let path: string;
  if (location.startsWith('/') && !location.startsWith('//')) {
    path = location;
  } else {
    let u: URL;
    try {
      u = new URL(location);
    } catch {
      return location;
    }
    if (u.origin !== upstream.origin) return location;
    path = `${u.pathname}${u.search}${u.hash}`;
  }
  const base = upstream.pathname.replace(/\/+$/, '');
  if (base && (path === base || path.startsWith(`${base}/`))) path = path.slice(base.length) || '/';
  if (path === prefix || path.startsWith(`${prefix}/`)) return path;
  return `${prefix}${path}`;
}

/**
 * The proxy itself: http-proxy-3 over keep-alive agents, unbuffered both ways (streams, SSE,
 * chunked and websockets pass through as they come), with DC/OS' header handling.
 */
export class Proxy {
  private readonly server: ProxyServer;
  private readonly httpAgent = closeIdleBeforeUpstream(
    new HttpAgent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: 'lifo' }),
  );
  private readonly httpsAgent = closeIdleBeforeUpstream(
    new HttpsAgent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: 'lifo' }),
  );

  constructor(private readonly o: ProxyOptions) {
    this.server = createProxyServer({
      xfwd: false,
      ws: true,
      changeOrigin: false,
      preserveHeaderKeyCase: false,
    });
    this.server.on('proxyReq', (proxyReq, req) => {
      const st = (req as TaggedReq)[STATE];
      proxyReq.setTimeout(this.o.timeoutMs, () => {
        if (st) st.timedOut = true;
        proxyReq.destroy(
          new UpstreamError(
            `no answer from ${st?.target.upstream ?? 'upstream'} within ${this.o.timeoutMs} ms`,
          ),
        );
      });
    });
    this.server.on('proxyRes', (proxyRes, req) => {
      const st = (req as TaggedReq)[STATE];
      const keepAlive = proxyRes.headers['keep-alive'];
      (proxyRes.socket as HintedSocket)[KEEP_ALIVE_HINT] = Array.isArray(keepAlive)
        ? keepAlive[0]
        : keepAlive;
      for (const h of [
        'keep-alive',
        'proxy-connection',
        'proxy-authenticate',
        'trailer',
        'upgrade',
      ])
        delete proxyRes.headers[h];
      const loc = proxyRes.headers['location'];
      if (st && typeof loc === 'string')
        proxyRes.headers['location'] = rewriteLocation(loc, st.target.url, st.target.prefix);
    });
  }

  agentFor(url: string): HttpAgent {
    return url.startsWith('https:') ? this.httpsAgent : this.httpAgent;
  }

  /** Forward an HTTP request; answers 413 / 502 / 504 itself when that is what happened. */
  web(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): void {
    const st: ProxyState = { target };
    (req as TaggedReq)[STATE] = st;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.o.maxBodyBytes) {
      tooLarge(res, this.o.maxBodyBytes);
      req.resume();
      return;
    }
    stripHopByHop(req.headers);
    req.url = target.path;
    let buffer: Transform | undefined;
    if (
      req.headers['transfer-encoding'] !== undefined &&
      req.headers['content-length'] === undefined
    ) {
      // Chunked body of unknown size: count while streaming and stop at the limit.
      let seen = 0;
      const max = this.o.maxBodyBytes;
      buffer = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          seen += chunk.length;
          if (seen > max) {
            st.tooLarge = true;
            cb(new UpstreamError('request body too large'));
          } else cb(null, chunk);
        },
      });
      req.pipe(buffer);
      buffer.on('error', (e) => {
        req.unpipe(buffer as Transform);
        req.resume();
        if (!res.headersSent) tooLarge(res, max);
        else res.destroy(e);
      });
    }
    this.server.web(
      req,
      res,
      { target: target.url, agent: this.agentFor(target.url), buffer },
      (err) => this.fail(err, st, res),
    );
  }

  /** Forward a websocket upgrade. */
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyTarget): void {
    const st: ProxyState = { target };
    (req as TaggedReq)[STATE] = st;
    stripHopByHop(req.headers, true);
    req.url = target.path;
    this.server.ws(
      req,
      socket,
      head,
      { target: target.url, agent: this.agentFor(target.url) },
      (err) => {
        this.o.onUpstreamError?.(target, err);
        socket.destroy();
      },
    );
  }

  private fail(err: Error, st: ProxyState, res: ServerResponse | Duplex): void {
    if (st.tooLarge) return;
    this.o.onUpstreamError?.(st.target, err);
    const r = res as ServerResponse;
    if (typeof r.writeHead !== 'function' || r.headersSent) {
      res.destroy();
      return;
    }
    const status = st.timedOut ? 504 : 502;
    const body = JSON.stringify({
      title: st.timedOut ? 'Gateway Timeout' : 'Bad Gateway',
      description: st.timedOut
        ? `${st.target.upstream} did not answer within ${this.o.timeoutMs} ms`
        : `${st.target.upstream} is unreachable: ${err.message}`,
      code: st.timedOut ? 'ERR_UPSTREAM_TIMEOUT' : 'ERR_UPSTREAM_UNREACHABLE',
    });
    r.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    r.end(body);
  }

  close(): void {
    this.server.close();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function tooLarge(res: ServerResponse, max: number): void {
  const body = JSON.stringify({
    title: 'Payload Too Large',
    description: `request body is larger than ${max} bytes`,
    code: 'ERR_REQUEST_TOO_LARGE',
  });
  res.writeHead(413, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/** UDP and TCP listeners for one DnsHandler, on one port. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { DnsHandler, HandlerResult, Proto } from './handler';

export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  /** A TCP connection idle this long is closed (stalled clients). */
  tcpIdleMs?: number;
  maxTcpConnections?: number;
  /** Queries in flight per TCP connection before it stops reading. */
  maxPipelined?: number;
  onResult?: (proto: Proto, result: HandlerResult, ms: number) => void;
  onError?: (err: Error) => void;
}

const MAX_FRAME = 65535;

export class DnsServer {
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly conns = new Set<Socket>();
  port = 0;

  constructor(
    private readonly handler: DnsHandler,
    private readonly o: DnsServerOptions,
  ) {}

  async start(): Promise<number> {
    // With port 0 the UDP port is chosen first; TCP may find it taken, so retry.
    for (let attempt = 0; ; attempt++) {
      const udpPort = await this.listenUdp(this.o.port);
      try {
        await this.listenTcp(udpPort);
        this.port = udpPort;
        return udpPort;
      } catch (e) {
        await this.closeUdp();
        if (this.o.port !== 0 || attempt >= 10) throw e;
      }
    }
  }

  async stop(): Promise<void> {
    await this.closeUdp();
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r()));
    this.tcp = undefined;
  }

  private closeUdp(): Promise<void> {
    const u = this.udp;
    this.udp = undefined;
    return new Promise((r) => (u ? u.close(() => r()) : r()));
  }

  private listenUdp(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const sock = createSocket(isIPv6(this.o.host) ? 'udp6' : 'udp4');
      sock.once('error', reject);
      sock.bind(port, this.o.host, () => {
        sock.off('error', reject);
        sock.on('error', (e) => this.o.onError?.(e));
        this.udp = sock;
        resolve(sock.address().port);
      });
      sock.on('message', (msg, rinfo) => {
        const t0 = performance.now();
        const done = (res: HandlerResult) => {
          this.o.onResult?.('udp', res, performance.now() - t0);
          if (res.response) sock.send(res.response, rinfo.port, rinfo.address);
        };
        // Answers from memory come back synchronously: no promise per query on the hot path.
        settle(
          () => this.handler.handle(msg, 'udp'),
          done,
          (e) => this.o.onError?.(e),
        );
      });
    });
  }

  private listenTcp(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((conn) => this.serveConnection(conn));
      server.maxConnections = this.o.maxTcpConnections ?? 1024;
      server.once('error', reject);
      server.listen({ port, host: this.o.host, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.o.onError?.(e));
        this.tcp = server;
        resolve();
      });
    });
  }

  private serveConnection(conn: Socket): void {
    this.conns.add(conn);
    conn.setNoDelay(true);
    conn.setTimeout(this.o.tcpIdleMs ?? 10_000, () => conn.destroy());
    conn.on('close', () => this.conns.delete(conn));
    conn.on('error', () => conn.destroy());
    let buf = Buffer.alloc(0);
    let inFlight = 0;
    const maxPipelined = this.o.maxPipelined ?? 32;
    conn.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf.length > MAX_FRAME + 2 + 65536) return conn.destroy(); // never an unbounded buffer
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        inFlight++;
        if (inFlight >= maxPipelined) conn.pause();
        const t0 = performance.now();
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          inFlight--;
          if (inFlight < maxPipelined && conn.isPaused()) conn.resume();
        };
        settle(
          () => this.handler.handle(Buffer.from(msg), 'tcp'),
          (res) => {
            finish();
            this.o.onResult?.('tcp', res, performance.now() - t0);
            if (!res.response) return void conn.destroy();
            if (conn.destroyed) return;
            const len2 = Buffer.alloc(2);
            len2.writeUInt16BE(res.response.length);
            conn.write(Buffer.concat([len2, res.response]));
          },
          (e) => {
            finish();
            this.o.onError?.(e);
            conn.destroy();
          },
        );
      }
    });
  }
}

/** Runs `fn` and hands its result (sync or async) to `ok`, any failure to `fail`. */
function settle(
  fn: () => HandlerResult | Promise<HandlerResult>,
  ok: (r: HandlerResult) => void,
  fail: (e: Error) => void,
): void {
  const run = (r: HandlerResult) => {
    try {
      ok(r);
    } catch (e) {
      fail(e as Error);
    }
  };
  let r: HandlerResult | Promise<HandlerResult>;
  try {
    r = fn();
  } catch (e) {
    return fail(e as Error);
  }
  if (r instanceof Promise) r.then(run, fail);
  else run(r);
}

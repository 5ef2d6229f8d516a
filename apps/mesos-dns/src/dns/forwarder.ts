import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isIPv6 } from 'node:net';
import type { Upstream } from '../settings';

const MAX_TCP_MESSAGE = 65535;

/** Send one raw DNS query to an upstream over UDP; resolves with the first reply carrying the same id. */
export function exchangeUdp(u: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIPv6(u.host) ? 'udp6' : 'udp4');
    const done = (err: Error | undefined, res?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(res ?? Buffer.alloc(0));
    };
    const timer = setTimeout(() => done(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    sock.on('error', (e) => done(e));
    sock.on('message', (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(undefined, msg);
    });
    sock.send(query, u.port, u.host, (e) => e && done(e));
  });
}

/** Send one raw DNS query to an upstream over TCP (2-byte length framing). */
export function exchangeTcp(u: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const sock = connect({ host: u.host, port: u.port });
    const done = (err: Error | undefined, res?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res ?? Buffer.alloc(0));
    };
    const timer = setTimeout(() => done(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error('upstream closed the connection')));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_TCP_MESSAGE + 2) return done(new Error('oversized reply'));
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        done(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
  });
}

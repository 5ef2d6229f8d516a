import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import * as packet from 'dns-packet';

export type DnsReply = packet.DecodedPacket & { rcode?: string };

/** One DNS question over UDP to 127.0.0.1:port (2 s timeout). */
export function udpQuery(
  port: number,
  name: string,
  type: string,
  host = '127.0.0.1',
): Promise<DnsReply> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP DNS reply for ${name} ${type}`));
    }, 2_000);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(packet.decode(msg) as DnsReply);
    });
    sock.send(
      packet.encode({
        id: Math.floor(Math.random() * 65_535),
        type: 'query',
        flags: packet.RECURSION_DESIRED,
        questions: [{ name, type: type as 'A' }],
      }),
      port,
      host,
    );
  });
}

/** One DNS question over TCP (length-prefixed) to 127.0.0.1:port (2 s timeout). */
export function tcpQuery(
  port: number,
  name: string,
  type: string,
  host = '127.0.0.1',
): Promise<DnsReply> {
  return new Promise((resolve, reject) => {
    const c = connect(port, host);
    let buf = Buffer.alloc(0);
    c.setTimeout(2_000, () => c.destroy(new Error(`no TCP DNS reply for ${name} ${type}`)));
    c.on('error', reject);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        c.end();
        resolve(packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as DnsReply);
      }
    });
    c.write(
      packet.streamEncode({ id: 2, type: 'query', questions: [{ name, type: type as 'A' }] }),
    );
  });
}

/** The rdata of every answer (an address string, or the SRV/SOA object). */
export const answerData = (r: DnsReply): unknown[] =>
  (r.answers ?? []).map((a) => (a as { data: unknown }).data);

/** A port free for both TCP and UDP on 127.0.0.1 (a DNS server listens on both). */
export async function freeDnsPort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** A small DNS-over-UDP client on one socket: many queries in flight, matched by id. */
import { createSocket, type Socket } from 'node:dgram';
import * as packet from 'dns-packet';

export interface DnsReply {
  rcode: string;
  /** A/AAAA data of the answer section. */
  addresses: string[];
}

interface Pending {
  resolve(r: DnsReply): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class UdpDnsClient {
  private readonly sock: Socket;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.sock = createSocket('udp4');
    this.sock.on('message', (msg) => this.onMessage(msg));
    this.sock.on('error', () => undefined);
  }

  private onMessage(msg: Buffer): void {
    let res: packet.DecodedPacket & { rcode?: string };
    try {
      res = packet.decode(msg);
    } catch {
      return;
    }
    const id = res.id ?? -1;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    const addresses = (res.answers ?? [])
      .filter((a) => a.type === 'A' || a.type === 'AAAA')
      .map((a) => String((a as { data: unknown }).data));
    p.resolve({ rcode: res.rcode ?? 'NOERROR', addresses });
  }

  query(name: string, type: 'A' | 'AAAA' = 'A', timeoutMs = 1_000): Promise<DnsReply> {
    if (this.pending.size >= 60_000) return Promise.reject(new Error('too many queries in flight'));
    let id = this.nextId;
    while (this.pending.has(id)) id = (id % 65535) + 1;
    this.nextId = (id % 65535) + 1;
    return new Promise<DnsReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer for ${name} from ${this.host}:${this.port}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const buf = packet.encode({
        type: 'query',
        id,
        flags: packet.RECURSION_DESIRED,
        questions: [{ type, name }],
      });
      this.sock.send(buf, this.port, this.host);
    });
  }

  close(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('client closed'));
    }
    this.pending.clear();
    this.sock.close();
  }
}

/**
 * Asks for every `name → ip` with `concurrency` queries in flight and returns the names
 * that did not answer exactly that address (empty: the server serves them all).
 */
export async function mismatches(
  client: UdpDnsClient,
  expected: readonly { name: string; ip: string }[],
  concurrency = 64,
): Promise<string[]> {
  const bad: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < expected.length) {
      const { name, ip } = expected[next++];
      try {
        const r = await client.query(name);
        if (r.rcode !== 'NOERROR' || r.addresses.length !== 1 || r.addresses[0] !== ip)
          bad.push(name);
      } catch {
        bad.push(name);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return bad;
}

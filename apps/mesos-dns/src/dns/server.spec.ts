import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { loadConfig } from '@dcos/config';
import { MesosDnsModel, type MesosState } from '@dcos/mesos-dns-records';
import { mesosDnsConfigShape } from '../config';
import { settingsFrom, type MesosDnsSettings } from '../settings';
import { DnsHandler } from './handler';
import { DnsServer } from './server';

const S1 = 'm-S1';
const state: MesosState = {
  leader: 'master@10.0.0.1:5050',
  slaves: [
    { id: S1, pid: 'slave(1)@10.0.1.1:5051' },
    { id: 'm-S2', pid: 'slave(1)@[fd00::2]:5051' },
  ],
  frameworks: [
    {
      id: 'fw1',
      name: 'marathon',
      pid: 'scheduler@10.0.0.5:38711',
      tasks: [
        {
          id: 'nginx.1f3c2d4e-0000-11e5-a76e-1e7e1b5e6a2e',
          name: 'nginx',
          slave_id: S1,
          state: 'TASK_RUNNING',
          resources: { ports: '[31000-31001]' },
          statuses: [
            {
              state: 'TASK_RUNNING',
              timestamp: 1,
              container_status: { network_infos: [{ ip_addresses: [{ ip_address: '9.0.0.1' }] }] },
            },
          ],
        },
      ],
    },
  ],
};
/** 60 agents on distinct IPs: slave.mesos has 60 A records (too many for 512 bytes). */
const big: MesosState = {
  leader: 'master@10.0.0.1:5050',
  slaves: Array.from({ length: 60 }, (_, i) => ({
    id: `b-S${i}`,
    pid: `slave(1)@10.1.0.${i + 1}:5051`,
  })),
  frameworks: [],
};

function settings(env: Record<string, string> = {}): MesosDnsSettings {
  return settingsFrom(
    loadConfig(mesosDnsConfigShape, {
      MESOS_DNS_LISTENER: '127.0.0.1',
      MESOS_DNS_RESOLVERS: '',
      MESOS_DNS_EXTERNAL_ON: 'false',
      MESOS_DNS_TIMEOUT: '1',
      ...env,
    }),
  );
}

async function startServer(s: MesosDnsSettings, st: MesosState = state) {
  const model = new MesosDnsModel({
    domain: s.domain,
    listenerIPs: s.listenerIPs,
    soaMname: s.soaMname,
  });
  model.loadState(st);
  const source = { get: (n: string) => model.store.get(n), serial: 1700000000 };
  const handler = new DnsHandler(s, source);
  const server = new DnsServer(handler, { host: '127.0.0.1', port: 0, tcpIdleMs: 300 });
  await server.start();
  return { server, model, handler };
}

function rawUdp(port: number, buf: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock: UdpSocket = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve(undefined);
    }, timeoutMs);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m);
    });
    sock.send(buf, port, '127.0.0.1');
  });
}

async function udp(port: number, p: Packet): Promise<DecodedPacket & { rcode?: string }> {
  const res = await rawUdp(
    port,
    packet.encode({ id: 4242, type: 'query', flags: packet.RECURSION_DESIRED, ...p }),
  );
  if (!res) throw new Error('no UDP reply');
  return packet.decode(res) as DecodedPacket & { rcode?: string };
}

function tcp(port: number, p: Packet): Promise<DecodedPacket & { rcode?: string }> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    c.on('error', reject);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        c.destroy();
        resolve(
          packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as DecodedPacket & {
            rcode?: string;
          },
        );
      }
    });
    c.write(packet.streamEncode({ id: 7, type: 'query', ...p }));
  });
}

const q = (name: string, type: string) => ({ questions: [{ name, type: type as 'A' }] });
const data = (rs: Answer[] | undefined) =>
  (rs ?? []).map((r) => ('data' in r ? r.data : undefined));

describe('DnsServer + DnsHandler (in-process, ephemeral port)', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let port: number;
  beforeAll(async () => {
    ctx = await startServer(settings());
    port = ctx.server.port;
  });
  afterAll(() => ctx.server.stop());

  it('answers A authoritatively with the configured TTL, RA and RD echoed', async () => {
    const r = await udp(port, q('nginx.marathon.mesos', 'A'));
    expect(r.rcode).toBe('NOERROR');
    expect(r.flag_aa).toBe(true);
    expect(r.flag_ra).toBe(true);
    expect(r.flag_rd).toBe(true);
    expect(r.id).toBe(4242);
    expect(r.answers).toEqual([
      expect.objectContaining({
        type: 'A',
        name: 'nginx.marathon.mesos',
        ttl: 60,
        data: '9.0.0.1',
      }),
    ]);
  });

  it('is case-insensitive and answers with the name as asked', async () => {
    const r = await udp(port, q('NGINX.Marathon.MESOS', 'A'));
    expect(r.answers?.map((a) => [a.name, 'data' in a && a.data])).toEqual([
      ['NGINX.Marathon.MESOS', '9.0.0.1'],
    ]);
  });

  it('ignores ".*" in query names (cleanWild)', async () => {
    const r = await udp(port, q('nginx.*.marathon.mesos', 'A'));
    expect(data(r.answers)).toEqual(['9.0.0.1']);
  });

  it("SRV answers carry the targets' A records as additionals", async () => {
    const r = await udp(port, q('_nginx._tcp.marathon.mesos', 'SRV'));
    expect(r.rcode).toBe('NOERROR');
    const target = /^nginx-5smd7-s1\.marathon\.slave\.mesos$/;
    expect(
      (r.answers ?? [])
        .map(
          (a) =>
            a.type === 'SRV' &&
            `${a.data.target}:${a.data.port}:${a.data.priority}:${a.data.weight}`,
        )
        .sort(),
    ).toEqual([
      'nginx-5smd7-s1.marathon.slave.mesos:31000:0:1',
      'nginx-5smd7-s1.marathon.slave.mesos:31001:0:1',
    ]);
    expect(r.additionals).toEqual([
      expect.objectContaining({ type: 'A', name: expect.stringMatching(target), data: '10.0.1.1' }),
    ]);
  });

  it('AAAA records', async () => {
    const r = await udp(port, q('slave.mesos', 'AAAA'));
    expect(data(r.answers)).toEqual(['fd00::2']);
  });

  it('NXDOMAIN with the SOA in authority, owned by the name as asked (formatSOA(qname))', async () => {
    const r = await udp(port, q('Nope.Marathon.mesos', 'A'));
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.flag_aa).toBe(true);
    expect(r.answers).toEqual([]);
    expect(r.authorities).toEqual([
      expect.objectContaining({
        type: 'SOA',
        name: 'Nope.Marathon.mesos',
        ttl: 60,
        data: {
          mname: 'ns1.mesos',
          rname: 'root.ns1.mesos',
          serial: 1700000000,
          refresh: 60,
          retry: 600,
          expire: 86400,
          minimum: 60,
        },
      }),
    ]);
  });

  it('NODATA (NOERROR, SOA in authority) when the name has records of another type', async () => {
    const r = await udp(port, q('nginx.marathon.mesos', 'AAAA'));
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers).toEqual([]);
    expect(r.authorities).toEqual([
      expect.objectContaining({
        type: 'SOA',
        name: 'nginx.marathon.mesos',
        ttl: 60,
        data: expect.objectContaining({ mname: 'ns1.mesos', serial: 1700000000, minimum: 60 }),
      }),
    ]);
    const txt = await udp(port, q('nginx.marathon.mesos', 'TXT'));
    expect(txt.rcode).toBe('NOERROR');
    expect(txt.authorities?.map((a) => `${a.type} ${a.name}`)).toEqual([
      'SOA nginx.marathon.mesos',
    ]);
  });

  it('an empty ANY carries SOA and NS from handleSOA/handleNS and the SOA of handleEmpty', async () => {
    const r = await udp(port, q('nope.mesos', 'ANY'));
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.authorities?.map((a) => `${a.type} ${a.name}`)).toEqual([
      'SOA nope.mesos',
      'NS nope.mesos',
      'SOA nope.mesos',
    ]);
  });

  it('SRV, SOA and NS with nothing to say are NOERROR without authority (handleEmpty)', async () => {
    for (const type of ['SRV']) {
      const r = await udp(port, q('nope.mesos', type));
      expect(r.rcode).toBe('NOERROR');
      expect(r.authorities).toEqual([]);
    }
  });

  it('SOA and NS queries are answered in the authority section', async () => {
    const soa = await udp(port, q('mesos', 'SOA'));
    expect(soa.rcode).toBe('NOERROR');
    expect(soa.authorities).toEqual([expect.objectContaining({ type: 'SOA', name: 'mesos' })]);
    const ns = await udp(port, q('mesos', 'NS'));
    expect(ns.authorities).toEqual([
      expect.objectContaining({ type: 'NS', name: 'mesos', data: 'ns1.mesos' }),
    ]);
    const nsA = await udp(port, q('ns1.mesos', 'A'));
    expect(data(nsA.answers)).toEqual(['127.0.0.1']);
  });

  it('ANY is the union of SRV, A, AAAA plus SOA and NS', async () => {
    const r = await udp(port, q('slave.mesos', 'ANY'));
    expect(data(r.answers).sort()).toEqual(['10.0.1.1', 'fd00::2']);
    expect(r.authorities?.map((a) => a.type).sort()).toEqual(['NS', 'SOA']);
  });

  it('compresses names: an SRV answer with its additional is 170 bytes, not 257', async () => {
    const req = packet.encode({
      id: 3,
      type: 'query',
      questions: [{ name: '_nginx._tcp.marathon.mesos', type: 'SRV' }],
    });
    for (let i = 0; i < 3; i++) {
      // The first reply is encoded, the others come from the answer cache, shuffled.
      const raw = (await rawUdp(port, req))!;
      expect(raw.length).toBe(12 + 32 + 2 * 55 + 16);
      const r = packet.decode(raw);
      expect(r.answers?.map((a) => (a.type === 'SRV' ? a.data.port : 0)).sort()).toEqual([
        31000, 31001,
      ]);
      expect(r.additionals).toEqual([
        expect.objectContaining({
          type: 'A',
          name: 'nginx-5smd7-s1.marathon.slave.mesos',
          data: '10.0.1.1',
        }),
      ]);
    }
  });

  it('answers over TCP', async () => {
    const r = await tcp(port, q('leader.mesos', 'A'));
    expect(data(r.answers)).toEqual(['10.0.0.1']);
    const s = await tcp(port, q('_leader._tcp.mesos', 'SRV'));
    expect(s.answers).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ target: 'leader.mesos', port: 5050 }),
      }),
    ]);
  });

  it('answers FORMERR to garbage, NOTIMP to other opcodes, nothing to runts, and keeps serving', async () => {
    const garbage = Buffer.from('12340100000100000000000003', 'hex');
    const fe = await rawUdp(port, garbage);
    expect(fe && fe.readUInt16BE(0)).toBe(0x1234);
    expect(fe && fe.readUInt16BE(2) & 0xf).toBe(1);
    expect(await rawUdp(port, Buffer.from([1, 2, 3]), 300)).toBeUndefined();
    const status = packet.encode({
      id: 9,
      type: 'query',
      questions: [{ name: 'mesos', type: 'A' }],
    });
    status.writeUInt16BE(2 << 11, 2); // opcode STATUS
    const ni = await rawUdp(port, status);
    expect(ni && ni.readUInt16BE(2) & 0xf).toBe(4);
    const two = await udp(port, {
      questions: [
        { name: 'a.mesos', type: 'A' },
        { name: 'b.mesos', type: 'A' },
      ],
    });
    expect(two.rcode).toBe('FORMERR');
    expect((await udp(port, q('leader.mesos', 'A'))).answers).toHaveLength(1);
  });

  it('closes TCP connections that stall', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => c.write(Buffer.from([0, 40, 1]))); // half a frame
      c.on('close', () => resolve(true));
      c.on('error', () => undefined);
      setTimeout(() => resolve(false), 3000).unref();
    });
    expect(closed).toBe(true);
  });

  it('refuses other zones when there are no resolvers', async () => {
    const r = await udp(port, q('example.com', 'A'));
    expect(r.rcode).toBe('REFUSED');
  });
});

describe('truncation and shuffling', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    ctx = await startServer(settings(), big);
  });
  afterAll(() => ctx.server.stop());

  it('sets TC and trims answers over 512 bytes on UDP, compressed: as many as Mesos-DNS', async () => {
    const raw = await rawUdp(
      ctx.server.port,
      packet.encode({ id: 1, type: 'query', questions: [{ name: 'slave.mesos', type: 'A' }] }),
    );
    const r = packet.decode(raw!);
    expect(r.flag_tc).toBe(true);
    // 12 (header) + 17 (question) + 16 per A record whose owner points to the question:
    // 30 records stay under 512 bytes. Written in full (27 bytes each) only 17 would.
    expect(r.answers).toHaveLength(30);
    expect(raw!.length).toBe(12 + 17 + 30 * 16);
    expect(new Set(data(r.answers)).size).toBe(30);
    expect(r.answers!.every((a) => a.name === 'slave.mesos' && a.type === 'A')).toBe(true);
  });

  it('honours the EDNS0 size', async () => {
    const r = await udp(ctx.server.port, {
      ...q('slave.mesos', 'A'),
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 4096,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ],
    });
    expect(r.flag_tc).toBe(false);
    expect(r.answers).toHaveLength(60);
    expect(r.additionals?.some((a) => a.type === 'OPT')).toBe(true);
  });

  it('answers everything over TCP', async () => {
    const r = await tcp(ctx.server.port, q('slave.mesos', 'A'));
    expect(r.flag_tc).toBe(false);
    expect(r.answers).toHaveLength(60);
  });

  it('shuffles answers', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await tcp(ctx.server.port, q('slave.mesos', 'A'));
      orders.add(data(r.answers).join(','));
    }
    expect(orders.size).toBeGreaterThan(1);
  });
});

describe('forwarding', () => {
  /** A loopback upstream that answers every A query with 1.2.3.4, over UDP and TCP. */
  async function upstream() {
    const answer = (buf: Buffer) => {
      const req = packet.decode(buf);
      return packet.encode({
        id: req.id,
        type: 'response',
        flags: packet.RECURSION_AVAILABLE,
        questions: req.questions,
        answers: [{ type: 'A', name: req.questions![0].name, ttl: 30, data: '1.2.3.4' }],
      });
    };
    const u = createSocket('udp4');
    await new Promise<void>((r) => u.bind(0, '127.0.0.1', () => r()));
    u.on('message', (m, ri) => u.send(answer(m), ri.port, ri.address));
    const port = u.address().port;
    const t = createServer((c) =>
      c.on('data', (d) => {
        const res = answer(d.subarray(2));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(res.length);
        c.end(Buffer.concat([len, res]));
      }),
    );
    await new Promise<void>((r) => t.listen(port, '127.0.0.1', () => r()));
    return {
      port,
      close: () =>
        Promise.all([
          new Promise((r) => u.close(() => r(null))),
          new Promise((r) => t.close(() => r(null))),
        ]),
    };
  }

  it('forwards other zones to the resolvers over UDP and TCP', async () => {
    const up = await upstream();
    const ctx = await startServer(
      settings({ MESOS_DNS_EXTERNAL_ON: 'true', MESOS_DNS_RESOLVERS: `127.0.0.1:${up.port}` }),
    );
    try {
      const r = await udp(ctx.server.port, q('example.com', 'A'));
      expect(r.rcode).toBe('NOERROR');
      expect(r.id).toBe(4242);
      expect(data(r.answers)).toEqual(['1.2.3.4']);
      const t = await tcp(ctx.server.port, q('example.com', 'A'));
      expect(data(t.answers)).toEqual(['1.2.3.4']);
    } finally {
      await ctx.server.stop();
      await up.close();
    }
  });

  it('uses zone resolvers with externalOn=true, and SERVFAIL when upstreams fail', async () => {
    const up = await upstream();
    const dead = await upstream();
    await dead.close();
    const ctx = await startServer(
      settings({
        MESOS_DNS_EXTERNAL_ON: 'true',
        MESOS_DNS_ZONE_RESOLVERS: `corp.example=127.0.0.1:${up.port};dead.example=127.0.0.1:${dead.port}`,
      }),
    );
    try {
      expect(data((await udp(ctx.server.port, q('db.corp.example', 'A'))).answers)).toEqual([
        '1.2.3.4',
      ]);
      expect((await udp(ctx.server.port, q('x.dead.example', 'A'))).rcode).toBe('SERVFAIL');
    } finally {
      await ctx.server.stop();
      await up.close();
    }
  });

  it('REFUSED (not SERVFAIL) outside the domain with externalOn=false, zone resolvers too', async () => {
    const up = await upstream();
    const ctx = await startServer(
      settings({
        MESOS_DNS_EXTERNAL_ON: 'false',
        MESOS_DNS_RECURSE_ON: 'false',
        MESOS_DNS_ZONE_RESOLVERS: `corp.example=127.0.0.1:${up.port}`,
      }),
    );
    try {
      for (const name of ['example.org', 'db.corp.example']) {
        for (const ask of [udp, tcp]) {
          const r = await ask(ctx.server.port, q(name, 'A'));
          expect(r.rcode).toBe('REFUSED');
          expect(r.flag_qr).toBe(true);
          expect(r.flag_aa).toBe(false);
          expect(r.flag_ra).toBe(false);
          expect(r.questions).toEqual([expect.objectContaining({ name, type: 'A' })]);
        }
      }
    } finally {
      await ctx.server.stop();
      await up.close();
    }
  });
});

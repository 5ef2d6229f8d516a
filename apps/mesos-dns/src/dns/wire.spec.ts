import * as packet from 'dns-packet';
import type { Answer } from 'dns-packet';
import { encodeResponse, questionEnd } from './wire';

const request = (name: string, type = 'SRV') =>
  packet.encode({ id: 7, type: 'query', questions: [{ name, type: type as 'SRV' }] });

const TARGET = 'nginx-5smd7-s1.marathon.slave.mesos.';
const srv = (port: number): Answer => ({
  type: 'SRV',
  name: '_nginx._tcp.marathon.mesos',
  ttl: 60,
  class: 'IN',
  data: { priority: 0, weight: 1, port, target: TARGET },
});
const soa: Answer = {
  type: 'SOA',
  name: '_nginx._tcp.marathon.mesos',
  ttl: 60,
  class: 'IN',
  data: {
    mname: 'ns1.mesos.',
    rname: 'root.ns1.mesos.',
    serial: 1700000000,
    refresh: 60,
    retry: 600,
    expire: 86400,
    minimum: 60,
  },
};
const ns: Answer = {
  type: 'NS',
  name: '_nginx._tcp.marathon.mesos',
  ttl: 60,
  class: 'IN',
  data: 'ns1.mesos.',
};
const a = (name: string, ip: string): Answer => ({
  type: 'A',
  name,
  ttl: 60,
  class: 'IN',
  data: ip,
});
const aaaa = (name: string, ip: string): Answer => ({
  type: 'AAAA',
  name,
  ttl: 60,
  class: 'IN',
  data: ip,
});

function encode(
  name: string,
  answers: Answer[],
  authorities: Answer[] = [],
  additionals: Answer[] = [],
) {
  const req = request(name);
  return encodeResponse({
    id: 7,
    flags: packet.AUTHORITATIVE_ANSWER,
    request: req,
    questionEnd: questionEnd(req),
    answers,
    authorities,
    additionals,
  });
}

/** What dns-packet writes for the same message: every name in full. */
const uncompressed = (
  name: string,
  answers: Answer[],
  authorities: Answer[],
  additionals: Answer[],
) =>
  packet.encode({
    id: 7,
    type: 'response',
    flags: packet.AUTHORITATIVE_ANSWER,
    questions: [{ name, type: 'SRV' }],
    answers,
    authorities,
    additionals,
  });

describe('response encoder (name compression, RFC 1035 4.1.4)', () => {
  it('an SRV answer is as small as Mesos-DNS writes it, and decodes to the same records', () => {
    const answers = [srv(31000), srv(31001)];
    const extra = [a(TARGET, '10.0.1.1')];
    const enc = encode('_nginx._tcp.marathon.mesos', answers, [], extra);
    // header 12 + question 32 + 2 x (owner pointer 2 + 10 + 6 + target in full 37)
    // + additional A (pointer to the first target 2 + 10 + 4).
    expect(enc.buf.length).toBe(12 + 32 + 2 * 55 + 16);
    const full = uncompressed('_nginx._tcp.marathon.mesos', answers, [], extra);
    expect(full.length).toBe(257);
    expect(packet.decode(enc.buf)).toEqual(packet.decode(full));
  });

  it('never compresses SRV targets (RFC 2782), but later names point into them', () => {
    const enc = encode(
      '_nginx._tcp.marathon.mesos',
      [srv(31000), srv(31001)],
      [],
      [a(TARGET, '10.0.1.1')],
    );
    const target = Buffer.from('\x0enginx-5smd7-s1\x08marathon\x05slave\x05mesos\x00', 'latin1');
    const first = enc.buf.indexOf(target);
    expect(first).toBeGreaterThan(0);
    expect(enc.buf.indexOf(target, first + 1)).toBeGreaterThan(first); // written twice in full
    // The additional's owner is a pointer to the first target, and listed as a relocation.
    expect(enc.relocs).toEqual([{ at: enc.end, rec: 0, off: first - enc.starts[0] }]);
    expect(enc.buf.readUInt16BE(enc.end)).toBe(0xc000 | first);
  });

  it('compresses owners, SOA and NS names against the question and each other', () => {
    const auth = [
      { ...soa, name: 'nope.mesos' },
      { ...ns, name: 'nope.mesos' },
    ];
    const enc = encode('nope.mesos', [], auth);
    const decoded = packet.decode(enc.buf);
    expect(decoded).toEqual(packet.decode(uncompressed('nope.mesos', [], auth, [])));
    // mname "ns1" + pointer to "mesos." of the question, rname "root" + pointer to mname.
    const full = uncompressed('nope.mesos', [], auth, []).length;
    expect(enc.buf.length).toBeLessThan(full);
    expect(enc.buf.length).toBe(12 + 16 + (2 + 10 + 6 + 7 + 20) + (2 + 10 + 2));
  });

  it('keeps names in the answer section pointing before it only', () => {
    const enc = encode('slave.mesos', [
      a('slave.mesos', '10.0.0.1'),
      aaaa('slave.mesos', 'fd00::2'),
    ]);
    for (const s of enc.starts) expect(enc.buf.readUInt16BE(s)).toBe(0xc000 | 12);
    expect(packet.decode(enc.buf).answers).toEqual([
      expect.objectContaining({ name: 'slave.mesos', data: '10.0.0.1' }),
      expect.objectContaining({ name: 'slave.mesos', data: 'fd00::2' }),
    ]);
  });

  it('copies the question as asked, case included', () => {
    const enc = encode('_NGINX._tcp.Marathon.mesos', [srv(31000)]);
    const d = packet.decode(enc.buf);
    expect(d.questions).toEqual([{ name: '_NGINX._tcp.Marathon.mesos', type: 'SRV', class: 'IN' }]);
    expect(d.answers?.[0].name).toBe('_nginx._tcp.marathon.mesos');
  });

  it('writes IPv6 forms and EDNS0 as dns-packet does', () => {
    const ips = ['::1', 'fd00::', '2001:db8:0:0:1:0:0:1', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8'];
    const answers = ips.map((ip) => aaaa('x.mesos', ip));
    const opt: Answer = {
      type: 'OPT',
      name: '.',
      udpPayloadSize: 4096,
      extendedRcode: 0,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: [],
    };
    const enc = encode('x.mesos', answers, [], [opt]);
    expect(packet.decode(enc.buf)).toEqual(
      packet.decode(uncompressed('x.mesos', answers, [], [opt])),
    );
    expect(() => encode('x.mesos', [aaaa('x.mesos', '1::2::3')])).toThrow(/IPv6/);
    expect(() => encode('x.mesos', [a('x.mesos', '10.0.0.256')])).toThrow(/IPv4/);
    expect(() => encode('x.mesos', [a(`${'a'.repeat(64)}.mesos`, '10.0.0.1')])).toThrow(/label/);
  });
});

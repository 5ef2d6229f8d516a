import * as packet from 'dns-packet';
import type { DecodedPacket, Packet } from 'dns-packet';
import { loadConfig } from '@dcos/config';
import { MesosDnsModel, type MesosTask } from '@dcos/mesos-dns-records';
import { mesosDnsConfigShape } from '../config';
import { settingsFrom } from '../settings';
import { DnsHandler, type HandlerResult } from './handler';

type Reply = DecodedPacket & { rcode?: string };

function task(id: string, name: string, ip: string, agent = 'S1'): MesosTask {
  return {
    id,
    name,
    slave_id: agent,
    state: 'TASK_RUNNING',
    resources: { ports: '[31000-31000]' },
    statuses: [
      {
        state: 'TASK_RUNNING',
        timestamp: 1,
        container_status: { network_infos: [{ ip_addresses: [{ ip_address: ip }] }] },
      },
    ],
  };
}

function setup(cacheEntries?: number) {
  const s = settingsFrom(
    loadConfig(mesosDnsConfigShape, {
      MESOS_DNS_LISTENER: '127.0.0.1',
      MESOS_DNS_RESOLVERS: '',
      MESOS_DNS_EXTERNAL_ON: 'false',
    }),
  );
  const model = new MesosDnsModel({
    domain: s.domain,
    listenerIPs: s.listenerIPs,
    soaMname: s.soaMname,
  });
  model.loadState({
    leader: 'master@10.0.0.1:5050',
    slaves: [
      { id: 'S1', pid: 'slave(1)@10.0.1.1:5051' },
      { id: 'S2', pid: 'slave(1)@10.0.1.2:5051' },
    ],
    frameworks: [
      {
        id: 'fw1',
        name: 'marathon',
        tasks: [
          task('web.1', 'web', '9.0.0.1'),
          task('app.1', 'app', '9.0.1.1'),
          task('app.2', 'app', '9.0.1.2'),
          task('app.3', 'app', '9.0.1.3'),
        ],
      },
    ],
  });
  const source = { get: (n: string) => model.store.get(n), serial: 1_700_000_000 };
  const handler = new DnsHandler(s, source, { cacheEntries });
  let id = 1;
  const ask = (p: Packet, proto: 'udp' | 'tcp' = 'udp'): Reply => {
    const req = packet.encode({ id: id++, type: 'query', flags: packet.RECURSION_DESIRED, ...p });
    const res = handler.handle(req, proto) as HandlerResult;
    if (res instanceof Promise) throw new Error('an in-zone answer must be synchronous');
    const reply = packet.decode(res.response as Buffer) as Reply;
    expect(reply.id).toBe(id - 1);
    return reply;
  };
  const a = (name: string, type = 'A') => ask({ questions: [{ name, type: type as 'A' }] });
  return { model, source, handler, ask, a };
}

const data = (r: Reply) => (r.answers ?? []).map((x) => String((x as { data: unknown }).data));

describe('answer cache', () => {
  it('answers a repeated query from the cache, with its own ID', () => {
    const { handler, a } = setup();
    const first = a('web.marathon.mesos');
    expect(handler.cache.size).toBe(1);
    const again = a('web.marathon.mesos');
    expect(handler.cache.size).toBe(1);
    expect({ ...again, id: 0 }).toEqual({ ...first, id: 0 });
    expect(data(again)).toEqual(['9.0.0.1']);
    expect(again.flag_aa).toBe(true);
  });

  it('sees a changed, removed and re-added task on the very next query', () => {
    const { model, a } = setup();
    expect(data(a('web.marathon.mesos'))).toEqual(['9.0.0.1']);
    model.upsertTask('fw1', task('web.1', 'web', '9.0.0.9'));
    expect(data(a('web.marathon.mesos'))).toEqual(['9.0.0.9']);
    model.removeTask('fw1', 'web.1');
    expect(a('web.marathon.mesos').rcode).toBe('NXDOMAIN');
    expect(a('web.marathon.mesos').rcode).toBe('NXDOMAIN');
    model.upsertTask('fw1', task('web.1', 'web', '9.0.0.7'));
    expect(data(a('web.marathon.mesos'))).toEqual(['9.0.0.7']);
  });

  it('a cached NXDOMAIN gives way when the name appears, and carries the current serial', () => {
    const { model, source, a } = setup();
    const nx = a('new.marathon.mesos');
    expect(nx.rcode).toBe('NXDOMAIN');
    source.serial += 1;
    const soa = a('new.marathon.mesos').authorities?.[0] as { data: { serial: number } };
    expect(soa.data.serial).toBe(1_700_000_001);
    model.upsertTask('fw1', task('new.1', 'new', '9.0.2.1'));
    expect(data(a('new.marathon.mesos'))).toEqual(['9.0.2.1']);
  });

  it('an unrelated change does not invalidate a cached answer', () => {
    const { model, handler, a } = setup();
    a('web.marathon.mesos');
    const spy = jest.spyOn(packet, 'decode');
    model.upsertTask('fw1', task('other.1', 'other', '9.0.3.1'));
    expect(data(a('web.marathon.mesos'))).toEqual(['9.0.0.1']);
    // Only the test decoded the reply: the handler answered from the cache.
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(handler.cache.size).toBe(1);
  });

  it('shuffles several answers per query, always all of them', () => {
    const { a } = setup();
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const got = data(a('app.marathon.mesos'));
      expect([...got].sort()).toEqual(['9.0.1.1', '9.0.1.2', '9.0.1.3']);
      orders.add(got.join(','));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('shuffles compressed SRV answers, their additionals still pointing at the right targets', () => {
    const { model, a } = setup();
    // Targets on two agents: each additional's name must match its own address.
    model.upsertTask('fw1', task('app.2', 'app', '9.0.1.2', 'S2'));
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = a('_app._tcp.marathon.mesos', 'SRV');
      const targets = (r.answers ?? []).map((x) => (x as { data: { target: string } }).data.target);
      expect(targets).toHaveLength(3);
      expect(new Set(targets).size).toBe(3);
      expect(targets.every((t) => /^app-[a-z0-9]{5}-s[12]\.marathon\.slave\.mesos$/.test(t))).toBe(
        true,
      );
      // Each additional's owner is a pointer into a (moved) SRV record's target.
      const extra = (r.additionals ?? []).map(
        (x) => `${x.name} ${String((x as { data: unknown }).data)}`,
      );
      expect(extra.sort()).toEqual(
        [...targets].sort().map((t) => `${t} 10.0.1.${t.includes('-s2.') ? 2 : 1}`),
      );
      orders.add(targets.join(','));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it("SRV additionals follow a change of the target's address alone", () => {
    const { model, a } = setup();
    const srv = (r: Reply) =>
      (r.additionals ?? []).map((x) => String((x as { data: unknown }).data));
    const first = a('_web._tcp.marathon.mesos', 'SRV');
    expect(first.answers).toHaveLength(1);
    // Host ports: the target is the task's name under .slave., with the agent's address.
    expect(srv(first)).toEqual(['10.0.1.1']);
    model.upsertAgent({ id: 'S1', pid: 'slave(1)@10.0.1.9:5051' });
    const after = a('_web._tcp.marathon.mesos', 'SRV');
    expect(after.answers).toEqual(first.answers);
    expect(srv(after)).toEqual(['10.0.1.9']);
  });

  it('keeps the case of each question, and UDP and TCP apart', () => {
    const { handler, a, ask } = setup();
    expect(a('WEB.Marathon.mesos').answers?.[0].name).toBe('WEB.Marathon.mesos');
    expect(a('web.marathon.mesos').answers?.[0].name).toBe('web.marathon.mesos');
    ask({ questions: [{ name: 'web.marathon.mesos', type: 'A' }] }, 'tcp');
    expect(handler.cache.size).toBe(3);
  });

  it('is bounded: random names cannot grow it without limit', () => {
    const { handler, a } = setup(10);
    for (let i = 0; i < 25; i++) expect(a(`nope-${i}.marathon.mesos`).rcode).toBe('NXDOMAIN');
    expect(handler.cache.size).toBeLessThanOrEqual(10);
    expect(data(a('web.marathon.mesos'))).toEqual(['9.0.0.1']);
  });
});

import { BOX_ID, DB_ID, NGINX_ID, S1, S2, masterState } from './__fixtures__/master-state';
import { generatorContext, masterRecords } from './generator';
import { MesosDnsModel, generateRecords } from './model';
import type { DnsRecord } from './record-store';
import type { GeneratorOptions } from './generator';

/** name -> sorted "TYPE value" list, for readable exact comparisons. */
function table(records: DnsRecord[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[r.name] ??= []).push(`${r.type} ${r.value}`);
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

const opts: GeneratorOptions = { domain: 'mesos', listenerIPs: ['192.168.0.53'] };

describe('generateRecords from a /master/state fixture', () => {
  const t = table(generateRecords(masterState, opts));

  it('produces exactly the names Mesos-DNS would', () => {
    expect(Object.keys(t).sort()).toEqual(
      [
        // masters and the SOA name
        'leader.mesos.',
        'master.mesos.',
        'master0.mesos.',
        '_leader._tcp.mesos.',
        '_leader._udp.mesos.',
        'ns1.mesos.',
        // agents
        'slave.mesos.',
        '_slave._tcp.mesos.',
        // frameworks
        'marathon.mesos.',
        '_framework._tcp.marathon.mesos.',
        'chronoswithaspace.prod.mesos.',
        // nginx: no DiscoveryInfo, host ports
        'nginx.marathon.mesos.',
        'nginx-5smd7-s1.marathon.mesos.',
        'nginx.marathon.slave.mesos.',
        'nginx-5smd7-s1.marathon.slave.mesos.',
        '_nginx._tcp.marathon.mesos.',
        '_nginx._udp.marathon.mesos.',
        '_nginx._tcp.marathon.slave.mesos.',
        '_nginx._udp.marathon.slave.mesos.',
        // web: DiscoveryInfo "Web.Prod": legacy raw-name records, then sanitised ones
        'Web.Prod.marathon.mesos.',
        'Web.Prod-fhwen-s2.marathon.mesos.',
        'Web.Prod.marathon.slave.mesos.',
        'Web.Prod-fhwen-s2.marathon.slave.mesos.',
        '_Web.Prod._tcp.marathon.slave.mesos.',
        '_Web.Prod._udp.marathon.slave.mesos.',
        '_Web.Prod._tcp.marathon.mesos.',
        '_Web.Prod._udp.marathon.mesos.',
        '_http._Web.Prod._tcp.marathon.mesos.',
        'web-prod.marathon.mesos.',
        'web-prod-fhwen-s2.marathon.mesos.',
        'web-prod.marathon.slave.mesos.',
        'web-prod-fhwen-s2.marathon.slave.mesos.',
        '_web-prod._tcp.marathon.slave.mesos.',
        '_web-prod._udp.marathon.slave.mesos.',
        '_web-prod._tcp.marathon.mesos.',
        '_web-prod._udp.marathon.mesos.',
        '_http._web-prod._tcp.marathon.mesos.',
        // chronos tasks (framework name with spaces, mixed case and a dot)
        'some-box.chronoswithaspace.prod.mesos.',
        'some-box-cix6y-s3.chronoswithaspace.prod.mesos.',
        'some-box.chronoswithaspace.prod.slave.mesos.',
        'some-box-cix6y-s3.chronoswithaspace.prod.slave.mesos.',
        'db.chronoswithaspace.prod.mesos.',
        'db-b3y4s-s1.chronoswithaspace.prod.mesos.',
        'db.chronoswithaspace.prod.slave.mesos.',
        'db-b3y4s-s1.chronoswithaspace.prod.slave.mesos.',
      ].sort(),
    );
  });

  it('masters, leader and SOA name', () => {
    expect(t['leader.mesos.']).toEqual(['A 10.0.0.1']);
    expect(t['master.mesos.']).toEqual(['A 10.0.0.1']);
    expect(t['master0.mesos.']).toEqual(['A 10.0.0.1']);
    expect(t['_leader._tcp.mesos.']).toEqual(['SRV leader.mesos.:5050']);
    expect(t['_leader._udp.mesos.']).toEqual(['SRV leader.mesos.:5050']);
    expect(t['ns1.mesos.']).toEqual(['A 192.168.0.53']);
  });

  it('agents: slave.D from the agent pid, _slave._tcp; no agent.D nor per-agent names', () => {
    expect(t['slave.mesos.']).toEqual(['A 10.0.1.1', 'A 10.0.1.2', 'AAAA fd00::3']);
    expect(t['agent.mesos.']).toBeUndefined();
    expect(t['_slave._tcp.mesos.']).toEqual(['SRV slave.mesos.:5051', 'SRV slave.mesos.:5052']);
  });

  it('agentAlias (a dcos-ts extra, off by default) adds agent.D beside slave.D', () => {
    const withAlias = table(generateRecords(masterState, { ...opts, agentAlias: true }));
    expect(withAlias['agent.mesos.']).toEqual(t['slave.mesos.']);
    expect(Object.keys(withAlias).sort()).toEqual([...Object.keys(t), 'agent.mesos.'].sort());
  });

  it('frameworks: scheduler pid host, else hostname; SRV only with a pid', () => {
    expect(t['marathon.mesos.']).toEqual(['A 10.0.0.5']);
    expect(t['_framework._tcp.marathon.mesos.']).toEqual(['SRV marathon.mesos.:38711']);
    expect(t['chronoswithaspace.prod.mesos.']).toEqual(['A 10.0.0.6']);
  });

  it('a task without DiscoveryInfo: netinfo IP of the latest TASK_RUNNING status, host-port SRVs', () => {
    expect(t['nginx.marathon.mesos.']).toEqual(['A 9.0.0.1']);
    expect(t['nginx-5smd7-s1.marathon.mesos.']).toEqual(['A 9.0.0.1']);
    expect(t['nginx.marathon.slave.mesos.']).toEqual(['A 10.0.1.1']);
    expect(t['nginx-5smd7-s1.marathon.slave.mesos.']).toEqual(['A 10.0.1.1']);
    const srv = [
      'SRV nginx-5smd7-s1.marathon.slave.mesos.:31000',
      'SRV nginx-5smd7-s1.marathon.slave.mesos.:31001',
    ];
    for (const n of [
      '_nginx._tcp.marathon.mesos.',
      '_nginx._udp.marathon.mesos.',
      '_nginx._tcp.marathon.slave.mesos.',
      '_nginx._udp.marathon.slave.mesos.',
    ]) {
      expect(t[n]).toEqual(srv);
    }
  });

  it('a task with DiscoveryInfo: every container IP of the source (0.8), DI ports, named ports', () => {
    const all = ['A 172.17.0.2', 'A 172.17.0.3', 'AAAA fd01::2'];
    expect(t['web-prod.marathon.mesos.']).toEqual(all);
    expect(t['web-prod-fhwen-s2.marathon.mesos.']).toEqual(all);
    expect(t['web-prod.marathon.slave.mesos.']).toEqual(['A 10.0.1.2']);
    expect(t['_web-prod._tcp.marathon.slave.mesos.']).toEqual([
      'SRV web-prod-fhwen-s2.marathon.slave.mesos.:31005',
    ]);
    expect(t['_web-prod._udp.marathon.slave.mesos.']).toEqual([
      'SRV web-prod-fhwen-s2.marathon.slave.mesos.:31005',
    ]);
    expect(t['_web-prod._tcp.marathon.mesos.']).toEqual([
      'SRV web-prod-fhwen-s2.marathon.mesos.:8080',
      'SRV web-prod-fhwen-s2.marathon.mesos.:9090',
    ]);
    expect(t['_web-prod._udp.marathon.mesos.']).toEqual([
      'SRV web-prod-fhwen-s2.marathon.mesos.:9090',
    ]);
    expect(t['_http._web-prod._tcp.marathon.mesos.']).toEqual([
      'SRV web-prod-fhwen-s2.marathon.mesos.:8080',
    ]);
    expect(t['_Web.Prod._tcp.marathon.mesos.']).toEqual([
      'SRV Web.Prod-fhwen-s2.marathon.mesos.:8080',
      'SRV Web.Prod-fhwen-s2.marathon.mesos.:9090',
    ]);
    // The task name (app.web) is not used when DiscoveryInfo names the task.
    expect(t['app-web.marathon.mesos.']).toBeUndefined();
  });

  it('IPv6-only agent: host IP source gives AAAA records', () => {
    expect(t['some-box.chronoswithaspace.prod.mesos.']).toEqual(['AAAA fd00::3']);
    expect(t['some-box-cix6y-s3.chronoswithaspace.prod.slave.mesos.']).toEqual(['AAAA fd00::3']);
  });

  it('legacy single ip_address in network_infos is read by netinfo', () => {
    expect(t['db.chronoswithaspace.prod.mesos.']).toEqual(['A 10.8.8.8']);
  });

  it('skips tasks that are not TASK_RUNNING or whose agent is unknown', () => {
    expect(Object.keys(t).some((n) => n.includes('staging') || n.includes('orphan'))).toBe(false);
  });
});

describe('IP sources order', () => {
  const ipOf = (ipSources: string[], name: string) =>
    table(generateRecords(masterState, { ...opts, ipSources }))[name];

  it.each([
    [['netinfo', 'mesos', 'host'], ['A 10.8.8.8']],
    [['mesos', 'netinfo', 'host'], ['A 10.9.9.9']],
    [['host', 'netinfo'], ['A 10.0.1.1']],
    [['docker', 'host'], ['A 10.0.1.1']],
  ])('%j', (sources, want) => {
    expect(ipOf(sources, 'db.chronoswithaspace.prod.mesos.')).toEqual(want);
  });

  it('DC/OS order host,netinfo puts every task on its agent IP', () => {
    expect(ipOf(['host', 'netinfo'], 'nginx.marathon.mesos.')).toEqual(['A 10.0.1.1']);
    expect(ipOf(['host', 'netinfo'], 'web-prod.marathon.mesos.')).toEqual(['A 10.0.1.2']);
  });
});

describe('RFC952 mode', () => {
  it('truncates and strips leading digits in task and framework labels', () => {
    const t = table(
      generateRecords(
        {
          leader: 'master@10.0.0.1:5050',
          slaves: [{ id: S1, pid: 'slave(1)@10.0.1.1:5051' }],
          frameworks: [
            {
              name: 'Chronos With A Space AND MIXED CASE-2.0.1.Prod',
              hostname: '10.0.0.6',
              tasks: [
                {
                  id: 'x',
                  name: '2-Very_Long.Task.Name.That-Exceeds',
                  slave_id: S1,
                  state: 'TASK_RUNNING',
                },
              ],
            },
          ],
        },
        { domain: 'mesos', enforceRFC952: true, ipSources: ['host'] },
      ),
    );
    expect(t['very-long-task-name-that.chronoswithaspaceandmixe.prod.mesos.']).toEqual([
      'A 10.0.1.1',
    ]);
    expect(t['chronoswithaspaceandmixe.prod.mesos.']).toEqual(['A 10.0.0.6']);
  });
});

describe('masterRecords (mesos-dns TestMasterRecord cases)', () => {
  const run = (masters: string[], leader: string) =>
    table(masterRecords(leader, generatorContext({ domain: 'foo.com', masters })));

  it.each([[''], ['@'], ['1@'], ['@2'], ['3@4']])('no records for leader %j', (leader) => {
    expect(run([], leader)).toEqual({});
  });

  it('leader only', () => {
    expect(run([], '5@6.0.0.6:7')).toEqual({
      'leader.foo.com.': ['A 6.0.0.6'],
      'master.foo.com.': ['A 6.0.0.6'],
      'master0.foo.com.': ['A 6.0.0.6'],
      '_leader._tcp.foo.com.': ['SRV leader.foo.com.:7'],
      '_leader._udp.foo.com.': ['SRV leader.foo.com.:7'],
    });
  });

  it.each([
    [['8.0.0.8:9']],
    [['8.0.0.8:9', '8.0.0.8:9']],
    [['8.0.0.8:9', '6.0.0.6:7']],
    [['8.0.0.8:9', '6.0.0.6:7', '6.0.0.6:7']],
  ])('masters %j: listed masters first, leader gets index 1', (masters) => {
    const t = run(masters, '5@6.0.0.6:7');
    expect(t['master.foo.com.']).toEqual(['A 6.0.0.6', 'A 8.0.0.8']);
    expect(t['master0.foo.com.']).toEqual(['A 8.0.0.8']);
    expect(t['master1.foo.com.']).toEqual(['A 6.0.0.6']);
    expect(t['master2.foo.com.']).toBeUndefined();
  });

  it('leader in the middle of the list', () => {
    const t = run(['8.0.0.8:9', '6.0.0.6:7', '7.0.0.7:0'], '5@6.0.0.6:7');
    expect(t['master0.foo.com.']).toEqual(['A 8.0.0.8']);
    expect(t['master1.foo.com.']).toEqual(['A 6.0.0.6']);
    expect(t['master2.foo.com.']).toEqual(['A 7.0.0.7']);
  });
});

describe('host names resolve only through resolveHost', () => {
  it('publishes an HTTP framework on a host name once resolved', () => {
    const t = table(
      generateRecords(masterState, {
        ...opts,
        resolveHost: (h) => (h === 'sched.example' ? ['10.0.0.7', '10.0.0.8', '::7'] : undefined),
      }),
    );
    // Every address of the host (Mesos-DNS 0.8's hostToIPs).
    expect(t['my.framework.mesos.']).toEqual(['A 10.0.0.7', 'A 10.0.0.8', 'AAAA ::7']);
    expect(t['_framework._tcp.my.framework.mesos.']).toBeUndefined();
  });
});

describe('MesosDnsModel incremental updates', () => {
  const fresh = () => {
    const m = new MesosDnsModel(opts);
    m.loadState(masterState);
    return m;
  };
  const nginx = masterState.frameworks![0].tasks![0];

  it('equals a full rebuild after each single change', () => {
    const m = fresh();
    const full = (s: typeof masterState) => table(generateRecords(s, opts));
    expect(table(m.store.records())).toEqual(full(masterState));

    // task ends
    m.upsertTask('fw-marathon', { ...nginx, state: 'TASK_FINISHED' });
    expect(m.store.get('nginx.marathon.mesos.')).toBeUndefined();
    expect(m.store.get('_nginx._tcp.marathon.mesos.')).toBeUndefined();

    // a new task starts on S2
    m.upsertTask('fw-marathon', {
      id: 'redis.1',
      name: 'redis',
      slave_id: S2,
      state: 'TASK_RUNNING',
      resources: { ports: '[31100-31100]' },
    });
    expect(m.store.get('redis.marathon.mesos.')?.a).toEqual(['10.0.1.2']);
    expect(m.store.get('_redis._tcp.marathon.mesos.')?.srv).toEqual([
      {
        target: expect.stringMatching(/^redis-[a-z0-9]{5}-s2\.marathon\.slave\.mesos\.$/),
        port: 31100,
      },
    ]);

    // the agent's address changes: tasks on it follow
    m.upsertAgent({ id: S2, pid: 'slave(1)@10.0.2.2:5051' });
    expect(m.store.get('redis.marathon.mesos.')?.a).toEqual(['10.0.2.2']);
    expect(m.store.get('slave.mesos.')?.a).toEqual(['10.0.1.1', '10.0.2.2']);

    // agent removed: its tasks lose their records, slave.D loses its IP
    m.removeAgent(S2);
    expect(m.store.get('redis.marathon.mesos.')).toBeUndefined();
    expect(m.store.get('web-prod.marathon.mesos.')).toBeUndefined();
    expect(m.store.get('slave.mesos.')?.a).toEqual(['10.0.1.1']);

    // leader change
    m.setLeader('master@10.0.0.2:5050');
    expect(m.store.get('leader.mesos.')?.a).toEqual(['10.0.0.2']);

    // and a full load brings everything back exactly
    m.loadState(masterState);
    expect(table(m.store.records())).toEqual(full(masterState));
  });

  it('keeps shared records until their last owner goes', () => {
    const m = fresh();
    m.upsertAgent({ id: 'dup-S9', pid: 'slave(1)@10.0.1.1:5051' }); // same IP as S1
    m.removeAgent('dup-S9');
    expect(m.store.get('slave.mesos.')?.a).toContain('10.0.1.1');
  });

  it("a task event's framework (id and name) keeps the framework's host names", () => {
    const m = fresh();
    m.noteFramework('fw-marathon', 'marathon');
    expect(m.store.get('marathon.mesos.')?.a).toEqual(['10.0.0.5']);
    expect(m.store.get('_framework._tcp.marathon.mesos.')?.srv).toEqual([
      { target: 'marathon.mesos.', port: 38711 },
    ]);
    // A new name moves F.D with the framework's host, and its tasks.
    m.noteFramework('fw-marathon', 'marathon-user');
    expect(m.store.get('marathon.mesos.')).toBeUndefined();
    expect(m.store.get('marathon-user.mesos.')?.a).toEqual(['10.0.0.5']);
    expect(m.store.get('nginx.marathon-user.mesos.')?.a).toEqual(['9.0.0.1']);
    // A framework first seen in a task event has no host yet, and gets F.D once one is known.
    m.noteFramework('fw-new', 'spark');
    expect(m.store.get('spark.mesos.')).toBeUndefined();
    m.upsertFramework({ id: 'fw-new', name: 'spark', hostname: '10.0.0.9' });
    expect(m.store.get('spark.mesos.')?.a).toEqual(['10.0.0.9']);
  });

  it('renaming a framework moves its tasks', () => {
    const m = fresh();
    m.upsertFramework({ id: 'fw-chronos', name: 'metronome', hostname: '10.0.0.6' });
    expect(m.store.get('db.metronome.mesos.')?.a).toEqual(['10.8.8.8']);
    expect(m.store.get('db.chronoswithaspace.prod.mesos.')).toBeUndefined();
    m.removeFramework('fw-chronos');
    expect(m.store.get('db.metronome.mesos.')).toBeUndefined();
    expect(m.store.get('metronome.mesos.')).toBeUndefined();
  });

  it('loadState drops vanished tasks, frameworks and agents', () => {
    const m = fresh();
    m.loadState({ leader: masterState.leader, slaves: [], frameworks: [] });
    const names = [...m.store.entries()].map((e) => e.name).sort();
    expect(names).toEqual(
      [
        '_leader._tcp.mesos.',
        '_leader._udp.mesos.',
        'leader.mesos.',
        'master.mesos.',
        'master0.mesos.',
        'ns1.mesos.',
      ].sort(),
    );
  });

  it('enumerates running tasks with their records', () => {
    const e = fresh().enumerate();
    expect(e.frameworks.map((f) => f.name)).toEqual([
      'marathon',
      'Chronos With A Space.Prod',
      'My.Framework',
    ]);
    const marathon = e.frameworks[0];
    expect(marathon.tasks.map((t) => t.id)).toEqual([NGINX_ID, expect.any(String)]);
    expect(marathon.tasks[0].records).toContainEqual({
      name: 'nginx.marathon.mesos.',
      host: '9.0.0.1',
      rtype: 'A',
    });
    expect(e.frameworks[1].tasks.map((t) => t.id)).toEqual([BOX_ID, DB_ID]);
  });

  it('enumerates each record once, under the first task that made it (insertTaskRR)', () => {
    const m = new MesosDnsModel(opts);
    const nginx = (id: string) => ({
      id,
      name: 'nginx',
      slave_id: 'S1',
      state: 'TASK_RUNNING',
      resources: { ports: '[31000-31000]' },
    });
    m.loadState({
      leader: 'master@10.0.0.1:5050',
      slaves: [{ id: 'S1', pid: 'slave(1)@10.0.1.1:5051' }],
      frameworks: [
        {
          id: 'fw',
          name: 'marathon',
          tasks: [
            nginx('nginx.1'),
            nginx('nginx.2'),
            { ...nginx('nginx.3'), state: 'TASK_KILLED' },
          ],
        },
      ],
    });
    const [fw] = m.enumerate().frameworks;
    expect(fw.tasks.map((t) => t.id)).toEqual(['nginx.1', 'nginx.2']);
    const all = fw.tasks.flatMap((t) => t.records.map((r) => `${r.rtype} ${r.name} ${r.host}`));
    expect(all).toHaveLength(new Set(all).size);
    const first = fw.tasks[0].records.map((r) => `${r.rtype} ${r.name} ${r.host}`);
    expect(first).toEqual(
      expect.arrayContaining([
        'A nginx.marathon.mesos. 10.0.1.1',
        'A nginx.marathon.slave.mesos. 10.0.1.1',
      ]),
    );
    // The second task adds only its own canonical names and SRV targets.
    for (const r of fw.tasks[1].records) expect(r.name).not.toMatch(/^nginx\.marathon\./);
    expect(fw.tasks[1].records.length).toBeGreaterThan(0);
  });

  it('a single task change touches only its own records', () => {
    const m = fresh();
    const before = m.store.version;
    const changed = m.store.setOwner(
      `task:fw-marathon\u0000${NGINX_ID}`,
      m.taskRecordsOf('fw-marathon', NGINX_ID),
    );
    expect(changed.size).toBe(0);
    expect(m.store.version).toBe(before);
  });
});

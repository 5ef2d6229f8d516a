/**
 * Mesos-DNS following the master over NATS (the default, event-driven mode): the built
 * service as a real process; the master's side of the protocol (the `masterState`
 * request and the task/agent/leader events) is played by this test over real NATS.
 */
import type { StateTask, TaskEvent } from '@dcos/contracts';
import { createServer } from 'node:http';
import { NatsClient } from '@dcos/nats';
import {
  TEST_NATS_URL,
  TcpProxy,
  answerData,
  freePort,
  httpJson,
  startService,
  stopAllServices,
  udpQuery,
  uniquePrefix,
  waitFor,
  type DnsReply,
  type TestService,
} from '@dcos/testing';

const query = (port: number, name: string, type: string) => udpQuery(port, name, type);

const addresses = (r: DnsReply) => answerData(r).map(String).sort();
/** The container IP (netinfo comes first among Mesos-DNS's default IP sources). */
const TASK_IP = '10.9.0.7';

function task(id: string, name: string, state: StateTask['state'], agent = 'agent-1'): StateTask {
  return {
    id,
    name,
    framework_id: 'fw-marathon',
    executor_id: '',
    slave_id: agent,
    state,
    resources: { cpus: 0.1, mem: 32, disk: 0, gpus: 0, ports: '[31000-31000]' },
    statuses: [
      {
        task_id: { value: id },
        state,
        timestamp: 1,
        container_status: { network_infos: [{ ip_addresses: [{ ip_address: TASK_IP }] }] },
      },
    ],
  };
}

describe('mesos-dns follows the master over NATS', () => {
  const prefix = uniquePrefix('dnsfollow');
  let master: NatsClient;
  let dns: TestService;
  let dnsPort: number;
  let proxy: TcpProxy;
  const state = {
    leader: 'master@127.0.0.1:5050',
    slaves: [
      { id: 'agent-1', hostname: '127.0.0.21', pid: 'slave(1)@127.0.0.21:5051', port: 5051 },
    ],
    frameworks: [
      {
        id: 'fw-marathon',
        name: 'marathon',
        hostname: '127.0.0.31',
        tasks: [task('web.1', 'web', 'TASK_RUNNING')],
      },
    ],
  };

  beforeAll(async () => {
    master = new NatsClient({ url: TEST_NATS_URL, prefix, name: 'fake-master' });
    await master.connect();
    master.serve(master.subjects.masterState, () => state);
    const nats = new URL(TEST_NATS_URL);
    proxy = new TcpProxy(nats.hostname, Number(nats.port || 4222));
    await proxy.listen();
    dnsPort = await freePort();
    dns = await startService('mesos-dns', {
      NATS_URL: `nats://127.0.0.1:${proxy.port}`,
      NATS_PREFIX: prefix,
      MESOS_DNS_PORT: String(dnsPort),
      MESOS_DNS_RESOLVERS: '',
      MESOS_DNS_EXTERNAL_ON: 'false',
    });
  });

  afterAll(async () => {
    await stopAllServices();
    await master?.close();
    await proxy?.close();
  });

  const publishTask = (type: TaskEvent['type'], t: StateTask) =>
    master.publish(master.subjects.masterTaskEvents, { type, task: t, framework_name: 'marathon' });

  it('loads the full state from the master at start', async () => {
    await waitFor('web.marathon.mesos from the initial state', async () =>
      addresses(await query(dnsPort, 'web.marathon.mesos', 'A')).includes(TASK_IP),
    );
    expect(addresses(await query(dnsPort, 'leader.mesos', 'A'))).toEqual(['127.0.0.1']);
    expect(addresses(await query(dnsPort, 'slave.mesos', 'A'))).toEqual(['127.0.0.21']);
  });

  it('a task resolves as soon as its TASK_RUNNING event arrives, and disappears when it ends', async () => {
    expect((await query(dnsPort, 'api.marathon.mesos', 'A')).rcode).toBe('NXDOMAIN');
    publishTask('TASK_ADDED', task('api.1', 'api', 'TASK_STAGING'));
    publishTask('TASK_UPDATED', task('api.1', 'api', 'TASK_RUNNING'));
    await waitFor(
      'api.marathon.mesos after TASK_RUNNING',
      async () => addresses(await query(dnsPort, 'api.marathon.mesos', 'A')).includes(TASK_IP),
      { intervalMs: 5 },
    );
    const srv = await query(dnsPort, '_api._tcp.marathon.mesos', 'SRV');
    expect((srv.answers ?? []).map((a) => (a as { data: { port: number } }).data.port)).toEqual([
      31000,
    ]);
    publishTask('TASK_UPDATED', task('api.1', 'api', 'TASK_FINISHED'));
    await waitFor(
      'api.marathon.mesos gone after TASK_FINISHED',
      async () => (await query(dnsPort, 'api.marathon.mesos', 'A')).rcode === 'NXDOMAIN',
    );
  });

  it('<framework>.mesos: the framework host, kept through task events, from framework events', async () => {
    // The task events of the previous test named the framework by id and name only.
    expect(addresses(await query(dnsPort, 'marathon.mesos', 'A'))).toEqual(['127.0.0.31']);
    expect((await httpJson(`${dns.url}/v1/hosts/marathon.mesos`)).body).toEqual([
      { host: 'marathon.mesos.', ip: '127.0.0.31' },
    ]);
    const framework = { id: 'fw-spark', name: 'Spark', active: true, hostname: '127.0.0.32' };
    master.publish(master.subjects.masterFrameworkEvents, { type: 'FRAMEWORK_ADDED', framework });
    await waitFor('spark.mesos after FRAMEWORK_ADDED', async () =>
      addresses(await query(dnsPort, 'spark.mesos', 'A')).includes('127.0.0.32'),
    );
    master.publish(master.subjects.masterFrameworkEvents, { type: 'FRAMEWORK_REMOVED', framework });
    await waitFor(
      'spark.mesos gone after FRAMEWORK_REMOVED',
      async () => (await query(dnsPort, 'spark.mesos', 'A')).rcode === 'NXDOMAIN',
    );
  });

  it('follows agent removal and leader changes', async () => {
    master.publish(master.subjects.masterLeaderEvents, {
      leader: 'master@127.0.0.9:5050',
      leader_info: { id: 'm2', hostname: '127.0.0.9', ip: '127.0.0.9', port: 5050 },
      http_url: 'http://127.0.0.9:5050',
    });
    await waitFor('leader.mesos to follow the leader event', async () =>
      addresses(await query(dnsPort, 'leader.mesos', 'A')).includes('127.0.0.9'),
    );
    master.publish(master.subjects.masterAgentEvents, {
      type: 'AGENT_REMOVED',
      agent: {
        id: 'agent-1',
        hostname: '127.0.0.21',
        pid: 'slave(1)@127.0.0.21:5051',
        resources: {},
        active: false,
      },
    });
    await waitFor(
      'slave.mesos gone after AGENT_REMOVED',
      async () => (await query(dnsPort, 'slave.mesos', 'A')).rcode === 'NXDOMAIN',
    );
  });

  it('drops malformed events without harm', async () => {
    master.publish(master.subjects.masterTaskEvents, { type: 'TASK_ADDED', task: { id: 42 } });
    expect((await query(dnsPort, 'leader.mesos', 'A')).rcode).toBe('NOERROR');
  });

  it('reloads the full state after NATS reconnects, so events lost meanwhile leave no gap', async () => {
    proxy.cut();
    await waitFor(
      'mesos-dns to notice it lost NATS',
      async () => (await httpJson(`${dns.url}/health`)).status === 503,
    );
    // While mesos-dns is cut off, the master's state moves on and the event is lost to it.
    state.frameworks[0].tasks.push(task('late.1', 'late', 'TASK_RUNNING'));
    publishTask('TASK_ADDED', task('late.1', 'late', 'TASK_RUNNING'));
    await new Promise((r) => setTimeout(r, 200));
    // DNS keeps answering from memory while NATS is gone; the lost event is not there.
    expect((await query(dnsPort, 'late.marathon.mesos', 'A')).rcode).toBe('NXDOMAIN');
    proxy.restore();
    await waitFor(
      'late.marathon.mesos after the reconnect reload',
      async () => addresses(await query(dnsPort, 'late.marathon.mesos', 'A')).includes(TASK_IP),
      { timeoutMs: 20_000 },
    );
    // The reload also reverts what the snapshot says: agent-1 is back.
    expect(addresses(await query(dnsPort, 'slave.mesos', 'A'))).toEqual(['127.0.0.21']);
  });

  it("loads a state too large for a NATS message over the leader's HTTP API instead", async () => {
    // 15,000 running tasks: several MB of /master/state, beyond NATS' 1 MB max_payload.
    for (let i = 0; i < 15_000; i++)
      state.frameworks[0].tasks.push(task(`bulk-${i}.1`, `bulk-${i}`, 'TASK_RUNNING'));
    const http = createServer((req, res) => {
      if (req.url !== '/master/state') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as { port: number }).port;
    try {
      master.publish(master.subjects.masterLeaderEvents, {
        leader: 'master@127.0.0.8:5050',
        leader_info: { id: 'm1', hostname: '127.0.0.8', ip: '127.0.0.8', port },
        http_url: `http://127.0.0.1:${port}`,
      });
      await waitFor('the leader event', async () =>
        addresses(await query(dnsPort, 'leader.mesos', 'A')).includes('127.0.0.8'),
      );
      proxy.cut();
      await waitFor(
        'mesos-dns to notice it lost NATS',
        async () => (await httpJson(`${dns.url}/health`)).status === 503,
      );
      proxy.restore();
      await waitFor(
        'bulk-14999.marathon.mesos from the HTTP state',
        async () =>
          addresses(await query(dnsPort, 'bulk-14999.marathon.mesos', 'A')).includes(TASK_IP),
        { timeoutMs: 30_000 },
      );
    } finally {
      http.close();
    }
  }, 60_000);
});

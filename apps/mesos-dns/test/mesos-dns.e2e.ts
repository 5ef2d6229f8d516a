/**
 * The built Mesos-DNS service as a real child process, polling a fixture
 * `/master/state` from a tiny HTTP server in this test, answering DNS over UDP and
 * TCP (checked with dns-packet, and with `dig` when it is installed) and serving
 * the Mesos-DNS HTTP API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { Answer } from 'dns-packet';
import { freeDnsPort, httpJson, tcpQuery, udpQuery, waitFor } from '@dcos/testing';

const getJson = async (url: string) => {
  const { status, body } = await httpJson(url);
  return { status, body };
};

const ROOT = resolve(__dirname, '../../..');
const MAIN = resolve(ROOT, 'dist/apps/mesos-dns/src/main.js');
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const HAS_DIG = spawnSync('sh', ['-c', 'command -v dig']).status === 0;

const values = (rs: Answer[] | undefined) =>
  (rs ?? [])
    .map((r) =>
      r.type === 'SRV' ? `${r.data.target}:${r.data.port}` : 'data' in r ? String(r.data) : '',
    )
    .sort();

function stateFor(masterPort: number, running: boolean) {
  const S1 = '20160107-001256-134875658-5050-27524-S1';
  return {
    version: '1.11.0',
    leader: `master@127.0.0.1:${masterPort}`,
    slaves: [{ id: S1, hostname: 'localhost', pid: 'slave(1)@127.0.0.2:5051', port: 5051 }],
    frameworks: [
      {
        id: 'fw-1',
        name: 'marathon',
        pid: 'scheduler-1@127.0.0.3:38711',
        tasks: [
          {
            id: 'nginx.1f3c2d4e-0000-11e5-a76e-1e7e1b5e6a2e',
            name: 'nginx',
            framework_id: 'fw-1',
            slave_id: S1,
            state: running ? 'TASK_RUNNING' : 'TASK_FINISHED',
            resources: { cpus: 0.1, mem: 32, disk: 0, gpus: 0, ports: '[31000-31001]' },
            statuses: [{ state: 'TASK_RUNNING', timestamp: 1700000000.1 }],
          },
        ],
      },
    ],
    completed_frameworks: [],
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

describe('mesos-dns (built service, real process)', () => {
  let master: Server;
  let masterPort: number;
  let running = true;
  let child: ChildProcess;
  let output = '';
  let dnsPort: number;
  let httpPort: number;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
    master = createHttpServer((req, res) => {
      if (req.url?.split('?')[0] !== '/master/state') {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(stateFor(masterPort, running)));
    });
    await new Promise<void>((r) => master.listen(0, '127.0.0.1', () => r()));
    masterPort = (master.address() as { port: number }).port;
    dnsPort = await freeDnsPort();
    httpPort = await freeDnsPort();
    base = `http://127.0.0.1:${httpPort}`;
    child = spawn(
      process.execPath,
      ['--enable-source-maps', MAIN, '--masters', `127.0.0.1:${masterPort}`],
      {
        env: {
          PATH: process.env.PATH,
          NATS_URL,
          NATS_PREFIX: `t${Date.now()}mdns`,
          BIND_HOST: '127.0.0.1',
          ADVERTISE_HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          MESOS_DNS_HTTP_PORT: String(httpPort),
          MESOS_DNS_PORT: String(dnsPort),
          MESOS_DNS_LISTENER: '127.0.0.1',
          MESOS_DNS_REFRESH_SECONDS: '1',
          MESOS_DNS_EXTERNAL_ON: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const exited = new Promise<never>((_, rej) =>
      child.once('exit', (code) => rej(new Error(`mesos-dns exited with ${code}:\n${output}`))),
    );
    await Promise.race([
      waitFor('/health 200', async () => (await getJson(`${base}/health`)).status === 200),
      exited,
    ]);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    master?.closeAllConnections();
    await new Promise((r) => master?.close(r));
  });

  it('is healthy', async () => {
    expect((await getJson(`${base}/health`)).status).toBe(200);
  });

  it('resolves the polled state over UDP and TCP', async () => {
    const a = await waitFor('nginx.marathon.mesos to resolve', async () => {
      const r = await udpQuery(dnsPort, 'nginx.marathon.mesos', 'A');
      return r.answers?.length ? r : undefined;
    });
    expect(a.flag_aa).toBe(true);
    expect(values(a.answers)).toEqual(['127.0.0.2']);
    expect(values((await tcpQuery(dnsPort, 'nginx-5smd7-s1.marathon.mesos', 'A')).answers)).toEqual(
      ['127.0.0.2'],
    );
    const srv = await udpQuery(dnsPort, '_nginx._tcp.marathon.mesos', 'SRV');
    expect(values(srv.answers)).toEqual([
      'nginx-5smd7-s1.marathon.slave.mesos:31000',
      'nginx-5smd7-s1.marathon.slave.mesos:31001',
    ]);
    expect(values(srv.additionals)).toEqual(['127.0.0.2']);
    expect(values((await udpQuery(dnsPort, 'leader.mesos', 'A')).answers)).toEqual(['127.0.0.1']);
    expect(values((await udpQuery(dnsPort, 'marathon.mesos', 'A')).answers)).toEqual(['127.0.0.3']);
    const soa = await udpQuery(dnsPort, 'mesos', 'SOA');
    expect(soa.authorities?.[0]).toMatchObject({
      type: 'SOA',
      data: { mname: 'ns1.mesos', rname: 'root.ns1.mesos' },
    });
    const nx = await udpQuery(dnsPort, 'NotHere.mesos', 'A');
    expect(nx.rcode).toBe('NXDOMAIN');
    // Negative answers: the SOA owned by the name as asked (Mesos-DNS formatSOA(qname)).
    expect(nx.authorities).toEqual([
      expect.objectContaining({ type: 'SOA', name: 'NotHere.mesos', ttl: 60 }),
    ]);
    const nodata = await udpQuery(dnsPort, 'nginx.marathon.mesos', 'AAAA');
    expect(nodata.rcode).toBe('NOERROR');
    expect(nodata.answers).toEqual([]);
    expect(nodata.authorities).toEqual([
      expect.objectContaining({
        type: 'SOA',
        name: 'nginx.marathon.mesos',
        data: expect.objectContaining({ mname: 'ns1.mesos', minimum: 60 }),
      }),
    ]);
    // Mesos-DNS's agent names only: slave.mesos, no agent.mesos (MESOS_DNS_AGENT_ALIAS is off).
    expect((await udpQuery(dnsPort, 'agent.mesos', 'A')).rcode).toBe('NXDOMAIN');
    expect((await udpQuery(dnsPort, 'example.com', 'A')).rcode).toBe('REFUSED');
  });

  it('answers compressed, as Mesos-DNS (dig sees the message size)', () => {
    expect(HAS_DIG).toBe(true);
    const out = spawnSync(
      'dig',
      ['@127.0.0.1', '-p', String(dnsPort), '+noedns', 'SRV', '_nginx._tcp.marathon.mesos'],
      { encoding: 'utf8' },
    ).stdout;
    expect(out).toContain('status: NOERROR');
    // 12 header + 32 question + 2 SRV x 55 (owner a pointer, target in full) + 16 for the
    // target's A (a pointer to the target): 170 bytes; 257 with every name in full.
    expect(out).toMatch(/MSG SIZE\s+rcvd: 170\b/);
  });

  it('answers dig (dnsutils; .ci/run installs it)', () => {
    expect(HAS_DIG).toBe(true);
    const out = spawnSync(
      'dig',
      ['@127.0.0.1', '-p', String(dnsPort), '+short', 'nginx.marathon.mesos'],
      { encoding: 'utf8' },
    );
    expect(out.stdout.trim()).toBe('127.0.0.2');
    const tcp = spawnSync(
      'dig',
      ['@127.0.0.1', '-p', String(dnsPort), '+tcp', '+short', 'SRV', '_nginx._tcp.marathon.mesos'],
      {
        encoding: 'utf8',
      },
    );
    expect(tcp.stdout.trim().split('\n').sort()).toEqual([
      '0 1 31000 nginx-5smd7-s1.marathon.slave.mesos.',
      '0 1 31001 nginx-5smd7-s1.marathon.slave.mesos.',
    ]);
  });

  it('serves the Mesos-DNS HTTP API', async () => {
    const version = await getJson(`${base}/v1/version`);
    expect(version).toEqual({
      status: 200,
      body: {
        Service: 'Mesos-DNS',
        Version: expect.any(String),
        URL: 'https://github.com/mesosphere/mesos-dns',
      },
    });
    // A Go map: sorted keys.
    expect(Object.keys(version.body as object)).toEqual(['Service', 'URL', 'Version']);
    const cfg = await getJson(`${base}/v1/config`);
    expect(cfg.body).toMatchObject({
      ZkDetectionTimeout: 30,
      CACertFile: '',
      CertFile: '',
      KeyFile: '',
      IAMConfigFile: '',
      MesosCredentials: { Principal: '', Secret: '' },
      Domain: 'mesos',
      TTL: 60,
      Port: dnsPort,
      HttpPort: httpPort,
      RefreshSeconds: 1,
      Masters: [`127.0.0.1:${masterPort}`],
    });
    expect((await getJson(`${base}/v1/hosts/nginx.marathon.mesos`)).body).toEqual([
      { host: 'nginx.marathon.mesos.', ip: '127.0.0.2' },
    ]);
    expect((await getJson(`${base}/v1/hosts/nope.mesos`)).body).toEqual([{ host: '', ip: '' }]);
    const svc = (await getJson(`${base}/v1/services/_nginx._tcp.marathon.mesos`)).body as {
      port: string;
    }[];
    expect(svc.map((s) => s.port).sort()).toEqual(['31000', '31001']);
    expect(svc[0]).toMatchObject({
      service: '_nginx._tcp.marathon.mesos',
      host: 'nginx-5smd7-s1.marathon.slave.mesos.',
      ip: '127.0.0.2',
    });
    expect((await getJson(`${base}/v1/services/_nope._tcp.mesos`)).body).toEqual([
      { service: '', host: '', ip: '', port: '' },
    ]);
    expect((await getJson(`${base}/v1/hosts/nginx.marathon.mesos/ports`)).status).toBe(501);
    const paths = (
      (await getJson(`${base}/openapi.json`)).body as { paths: Record<string, unknown> }
    ).paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/v1/version',
        '/v1/config',
        '/v1/hosts/{host}',
        '/v1/services/{service}',
      ]),
    );
  });

  it('drops the name once the task is no longer running', async () => {
    running = false;
    await waitFor(
      'nginx.marathon.mesos to be NXDOMAIN',
      async () => (await udpQuery(dnsPort, 'nginx.marathon.mesos', 'A')).rcode === 'NXDOMAIN',
      { timeoutMs: 10_000 },
    );
    // The agent is still there.
    expect(values((await udpQuery(dnsPort, 'slave.mesos', 'A')).answers)).toEqual(['127.0.0.2']);
  });
});

describe('mesos-dns config errors', () => {
  it('stops with a message naming the variable', () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
    const r = spawnSync(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NATS_URL,
        MESOS_DNS_TTL: 'sixty',
        MESOS_DNS_IP_SOURCES: 'netinfo,rkt',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('MESOS_DNS_TTL');
    expect(r.stderr).toContain('MESOS_DNS_IP_SOURCES');
  });
});

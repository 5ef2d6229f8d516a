/**
 * Mesos-DNS on the real kernel: master + a real agent + a v1 HTTP framework. A task's name
 * resolves once it is RUNNING (event-driven, no polling) and disappears when it is killed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpScheduler,
  REPO_ROOT,
  answerData,
  createTestDatabase,
  freeDnsPort,
  launchCall,
  startService,
  stopAllServices,
  taskInfo,
  udpQuery,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

const query = (port: number, name: string, type: string) => udpQuery(port, name, type);
const data = answerData;

describe('mesos-dns config file', () => {
  it('a bad value in the JSON config stops the service naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdns-cfg-'));
    const configFile = join(dir, 'bad.json');
    writeFileSync(configFile, JSON.stringify({ ttl: -5 }));
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'dist/apps/mesos-dns/src/main.js'), `-config=${configFile}`],
      {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, NATS_PREFIX: uniquePrefix('kdnscfg') },
      },
    );
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('ttl:');
    expect(r.stderr).toContain(configFile);
  });
});

describe('mesos-dns names tasks of the real kernel', () => {
  let db: TestDatabase;
  let master: TestService;
  let workDir: string;
  let dnsPort: number;
  let framework: HttpScheduler;
  const prefix = uniquePrefix('kdns');

  beforeAll(async () => {
    db = await createTestDatabase('kdns');
    workDir = mkdtempSync(join(tmpdir(), 'kdns-agent-'));
    master = await startService('master', {
      DATABASE_URL: db.url,
      NATS_PREFIX: prefix,
      MASTER_ALLOCATION_INTERVAL_MS: '200',
    });
    await startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: 'node-a',
      AGENT_RESOURCES: 'cpus:2;mem:1024;disk:1024;ports:[31000-31100]',
    });
    dnsPort = await freeDnsPort();
    // Configured as Mesos-DNS is: a JSON file with its keys (env still wins for the port).
    const configFile = join(workDir, 'mesos-dns.json');
    writeFileSync(
      configFile,
      JSON.stringify({ domain: 'mesos', ttl: 7, resolvers: [], IPSources: ['netinfo', 'host'] }),
    );
    await startService('mesos-dns', {
      NATS_PREFIX: prefix,
      MESOS_DNS_PORT: String(dnsPort),
      MESOS_DNS_CONFIG: configFile,
    });
    framework = new HttpScheduler(master.url, {
      name: 'dnstest',
      user: 'root',
      roles: ['*'],
      hostname: '127.0.0.1',
    });
    await framework.subscribe();
  }, 120_000);

  afterAll(async () => {
    framework?.close();
    await stopAllServices();
    await db?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('leader and agent names come from the master', async () => {
    await waitFor('leader.mesos', async () =>
      data(await query(dnsPort, 'leader.mesos', 'A')).includes('127.0.0.1'),
    );
    await waitFor('slave.mesos', async () =>
      data(await query(dnsPort, 'slave.mesos', 'A')).includes('127.0.0.1'),
    );
  });

  it('a running task resolves (A and SRV with its host port) and stops resolving when killed', async () => {
    const offer = await framework.takeOffer(
      (await waitFor('an offer', () => framework.offers()[0])).agent_id.value,
      new Set(),
    );
    const task = taskInfo('web-1', offer.agent_id.value, {
      ports: [31005, 31005],
      cmd: 'sleep 300',
    });
    expect((await framework.call(launchCall(offer, [task]))).status).toBe(202);
    await framework.waitUpdate('web-1', 'TASK_RUNNING');
    await waitFor(
      'web-1.dnstest.mesos to resolve after TASK_RUNNING',
      async () => data(await query(dnsPort, 'web-1.dnstest.mesos', 'A')).includes('127.0.0.1'),
      { intervalMs: 10 },
    );
    // <framework>.mesos: the scheduler's host, still there after the task's events.
    expect(data(await query(dnsPort, 'dnstest.mesos', 'A'))).toEqual(['127.0.0.1']);
    const srv = await query(dnsPort, '_web-1._tcp.dnstest.mesos', 'SRV');
    expect(data(srv)).toEqual([expect.objectContaining({ port: 31005 })]);
    expect((srv.answers?.[0] as { ttl?: number } | undefined)?.ttl).toBe(7);
    // As a user would check it: dig, over UDP and TCP.
    const dig = (...args: string[]) =>
      spawnSync('dig', ['@127.0.0.1', '-p', String(dnsPort), '+short', ...args], {
        encoding: 'utf8',
      }).stdout.trim();
    expect(dig('web-1.dnstest.mesos')).toBe('127.0.0.1');
    expect(dig('+tcp', 'SRV', '_web-1._tcp.dnstest.mesos')).toMatch(
      /^0 1 31005 web-1-[a-z0-9]+-s\d+\.dnstest\.slave\.mesos\.$/,
    );

    expect(
      (
        await framework.call({
          type: 'KILL',
          kill: { task_id: { value: 'web-1' }, agent_id: offer.agent_id },
        })
      ).status,
    ).toBe(202);
    await framework.waitUpdate('web-1', 'TASK_KILLED');
    await waitFor(
      'web-1.dnstest.mesos to be gone after TASK_KILLED',
      async () => (await query(dnsPort, 'web-1.dnstest.mesos', 'A')).rcode === 'NXDOMAIN',
    );
  });
});

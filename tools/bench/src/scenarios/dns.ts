/**
 * `dns`: our Mesos-DNS (the built service, a child process) serving the records of
 * 10,000 RUNNING tasks, side by side with dnsmasq serving the same names from a hosts
 * file, both measured with dnsperf over loopback in the same run (quick: 500 tasks).
 *
 * Mesos-DNS is fed as in the cluster: this process plays the master over NATS, answers
 * its `masterState` request with a /master/state document (as many tasks as fit in one
 * NATS message) and publishes the other tasks as TASK_RUNNING `masterTaskEvents`. Both
 * servers must answer every name with its one address before anything is timed.
 *
 * Per run: dnsperf at full speed for `--dns-seconds` (default 10; qps, the ratio
 * ours/dnsmasq); dnsperf `-v` at a fixed `--dns-latency-qps` (default 5,000) for the
 * p99 latency from its per-query lines; and freshness: `--dns-freshness` (default 200)
 * new tasks, one at a time, from publishing TASK_RUNNING to the name resolving (a tight
 * UDP query loop), p50/p99. Anchors: Mesos-DNS ~8.5k qps per core, 60 s refresh.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, SupervisedChild } from '@dcos/supervisor';
import { NatsClient } from '@dcos/nats';
import type { StateTask } from '@dcos/contracts';
import { waitFor, waitForHealthy } from '@dcos/testing';
import { ProcessGroup, builtService, exitedEarly, findExecutable } from '../processes';
import { RunResult, Scenario, ScenarioOptions, SkipScenario, percentile } from '../scenario';
import {
  FRAMEWORK_ID,
  FRAMEWORK_NAME,
  agents as makeAgents,
  hostsFile,
  nameOf,
  queryFile,
  task,
  taskIp,
  type NamedAddress,
  type StateAgent,
} from './dns/cluster';
import { latencyPercentiles, runDnsperf, type DnsperfResult } from './dns/dnsperf';
import { UdpDnsClient, mismatches } from './dns/udp-client';

const INSTALL = 'apt-get install -y dnsperf dnsmasq';
const MESOS_DNS_QPS = 8_500;
const MESOS_DNS_REFRESH_MS = 60_000;

interface Sizes {
  tasks: number;
  agents: number;
  seconds: number;
  latencyQps: number;
  latencySeconds: number;
  freshness: number;
}

function sizesOf(opts: ScenarioOptions): Sizes {
  const q = opts.quick;
  const int = (key: string, dflt: number): number => {
    const raw = opts.args[key];
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${key} must be a positive integer`);
    return n;
  };
  return {
    tasks: int('dns-tasks', q ? 500 : 10_000),
    agents: q ? 10 : 100,
    seconds: int('dns-seconds', q ? 2 : 10),
    latencyQps: int('dns-latency-qps', q ? 1_000 : 5_000),
    latencySeconds: q ? 1 : 3,
    freshness: int('dns-freshness', q ? 20 : 200),
  };
}

interface Server {
  label: 'ours' | 'dnsmasq';
  port: number;
  child: SupervisedChild;
  client: UdpDnsClient;
}

interface DnsCtx {
  sizes: Sizes;
  group: ProcessGroup;
  dir: string;
  master: NatsClient;
  dnsperf: string;
  queryFile: string;
  agents: StateAgent[];
  ours: Server;
  dnsmasq: Server;
  runs: number;
}

const natsUrl = () => process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

async function startDnsmasq(
  group: ProcessGroup,
  exe: string,
  dir: string,
  hosts: string,
): Promise<Server> {
  const port = await freePort();
  const child = group.start({
    name: 'dnsmasq',
    command: exe,
    args: [
      '--no-daemon',
      '--conf-file=/dev/null', // not the system's /etc/dnsmasq.conf
      `--pid-file=${join(dir, 'dnsmasq.pid')}`,
      '--no-resolv', // no upstream: it answers only from the hosts file
      '--no-hosts',
      `--addn-hosts=${hosts}`,
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--local-ttl=60', // the TTL our answers carry (Mesos-DNS default)
      '--cache-size=10000',
    ],
    keepLines: 200,
  });
  return { label: 'dnsmasq', port, child, client: new UdpDnsClient('127.0.0.1', port) };
}

async function startMesosDns(group: ProcessGroup, entry: string, prefix: string): Promise<Server> {
  const port = await freePort();
  const httpPort = await freePort();
  const child = group.start({
    name: 'mesos-dns',
    command: process.execPath,
    args: ['--enable-source-maps', entry],
    env: {
      NATS_URL: natsUrl(),
      NATS_PREFIX: prefix,
      BIND_HOST: '127.0.0.1',
      ADVERTISE_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      MESOS_DNS_PORT: String(port),
      MESOS_DNS_HTTP_PORT: String(httpPort),
      MESOS_DNS_LISTENER: '127.0.0.1',
      MESOS_DNS_RESOLVERS: '',
      MESOS_DNS_EXTERNAL_ON: 'false',
    },
    keepLines: 200,
  });
  await Promise.race([waitForHealthy(`http://127.0.0.1:${httpPort}`, 60_000), exitedEarly(child)]);
  return { label: 'ours', port, child, client: new UdpDnsClient('127.0.0.1', port) };
}

/** Waits until `name` answers `ip` on `server` (and the server is still running). */
async function resolves(server: Server, name: string, ip: string, timeoutMs = 30_000) {
  await Promise.race([
    waitFor(
      `${name} on ${server.label}`,
      async () => (await server.client.query(name, 'A', 500)).addresses.includes(ip),
      { timeoutMs, intervalMs: 20 },
    ),
    exitedEarly(server.child),
  ]);
}

function taskEvent(t: StateTask) {
  return { type: 'TASK_UPDATED' as const, task: t, framework_name: FRAMEWORK_NAME };
}

async function setup(opts: ScenarioOptions): Promise<DnsCtx> {
  const sizes = sizesOf(opts);
  const dnsperf = findExecutable('dnsperf');
  const dnsmasqExe = findExecutable('dnsmasq');
  if (!dnsperf || !dnsmasqExe) throw new SkipScenario(INSTALL);
  const entry = builtService('mesos-dns');
  if (!entry) throw new SkipScenario('mesos-dns is not built: npm run build');

  const group = new ProcessGroup();
  const prefix = `bench-dns-${process.pid}-${Date.now().toString(36)}`;
  const master = new NatsClient({
    url: natsUrl(),
    prefix,
    name: 'bench-dns-master',
    connectTimeoutMs: 3_000,
  });
  try {
    await master.connect();
  } catch (e) {
    throw new SkipScenario(`NATS is not reachable (${(e as Error).message})`);
  }
  // dnsmasq drops root for its own user, which must still read the hosts file.
  const dir = mkdtempSync(join(tmpdir(), 'bench-dns-'));
  chmodSync(dir, 0o755);
  const servers: Server[] = [];
  try {
    const agentList = makeAgents(sizes.agents);
    const tasks = Array.from({ length: sizes.tasks }, (_, i) =>
      task(i, 'web', 'TASK_RUNNING', agentList),
    );
    const names: NamedAddress[] = tasks.map((t, i) => ({ name: nameOf(t), ip: taskIp(i) }));
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, hostsFile(names), { mode: 0o644 });
    const queries = join(dir, 'queries');
    writeFileSync(queries, queryFile(names), { mode: 0o644 });

    // The state goes in one NATS reply (max_payload, 1 MB by default): as many tasks as
    // fit with room to spare; the rest reach Mesos-DNS as TASK_RUNNING events.
    const budget = 0.8 * (master.connection.info?.max_payload ?? 1_048_576);
    let used = 0;
    let inState = 0;
    while (inState < tasks.length) {
      used += JSON.stringify(tasks[inState]).length + 1;
      if (used > budget) break;
      inState++;
    }
    const state = {
      leader: 'master@127.0.0.1:5050',
      slaves: agentList,
      frameworks: [{ id: FRAMEWORK_ID, name: FRAMEWORK_NAME, tasks: tasks.slice(0, inState) }],
    };
    master.serve(master.subjects.masterState, () => state);

    const dnsmasq = await startDnsmasq(group, dnsmasqExe, dir, hosts);
    servers.push(dnsmasq);
    const ours = await startMesosDns(group, entry, prefix);
    servers.push(ours);
    const last = names[names.length - 1];
    await resolves(dnsmasq, last.name, last.ip);
    if (inState > 0) await resolves(ours, names[inState - 1].name, names[inState - 1].ip);
    for (let i = inState; i < tasks.length; i += 500) {
      for (const t of tasks.slice(i, i + 500))
        master.publish(master.subjects.masterTaskEvents, taskEvent(t));
      await master.connection.flush();
    }
    await resolves(ours, last.name, last.ip);
    opts.log(`dns: ${inState} tasks from masterState, ${tasks.length - inState} from events`);
    for (const s of [ours, dnsmasq]) {
      const bad = await mismatches(s.client, names);
      if (bad.length > 0)
        throw new Error(
          `${s.label} does not serve ${bad.length} names, e.g. ${bad.slice(0, 3).join(', ')}`,
        );
    }
    return {
      sizes,
      group,
      dir,
      master,
      dnsperf,
      queryFile: queries,
      agents: agentList,
      ours,
      dnsmasq,
      runs: 0,
    };
  } catch (e) {
    for (const s of servers) s.client.close();
    await group.stopAll();
    await master.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function throughput(ctx: DnsCtx, s: Server): Promise<DnsperfResult> {
  const { sizes } = ctx;
  const r = await runDnsperf(ctx.group, {
    dnsperf: ctx.dnsperf,
    port: s.port,
    queryFile: ctx.queryFile,
    seconds: sizes.seconds,
    // Bounded in count too: no server here answers 500k qps.
    maxPasses: Math.max(1, Math.ceil((500_000 * sizes.seconds) / sizes.tasks)),
    clients: 2,
    label: s.label,
  });
  if (!s.child.running) throw new Error(`${s.label} exited during dnsperf`);
  const noerror = r.rcodes['NOERROR'] ?? 0;
  if (r.completed === 0 || noerror !== r.completed)
    throw new Error(`${s.label}: not every answer was NOERROR: ${JSON.stringify(r.rcodes)}`);
  if (r.lost > r.sent * 0.01) throw new Error(`${s.label} lost ${r.lost} of ${r.sent} queries`);
  return r;
}

async function latencyP99(ctx: DnsCtx, s: Server): Promise<number> {
  const { sizes } = ctx;
  const r = await runDnsperf(ctx.group, {
    dnsperf: ctx.dnsperf,
    port: s.port,
    queryFile: ctx.queryFile,
    seconds: sizes.latencySeconds,
    maxPasses: Math.max(1, Math.ceil((sizes.latencyQps * sizes.latencySeconds) / sizes.tasks) + 1),
    clients: 2,
    maxQps: sizes.latencyQps,
    perQuery: true,
    label: `${s.label} -v`,
  });
  return latencyPercentiles(r.latenciesMs).p99;
}

/** ms from publishing each new task's TASK_RUNNING to its name answering, sorted. */
async function freshness(ctx: DnsCtx, run: number): Promise<number[]> {
  const { master, ours, sizes } = ctx;
  const out: number[] = [];
  const base = sizes.tasks + run * sizes.freshness;
  const started: StateTask[] = [];
  try {
    for (let k = 0; k < sizes.freshness; k++) {
      const i = base + k;
      const t = task(i, `fresh${run}`, 'TASK_RUNNING', ctx.agents);
      const name = nameOf(t);
      const ip = taskIp(i);
      const t0 = performance.now();
      master.publish(master.subjects.masterTaskEvents, taskEvent(t));
      started.push(t);
      for (;;) {
        const r = await ours.client.query(name, 'A', 1_000);
        if (r.addresses.includes(ip)) break;
        if (performance.now() - t0 > 5_000) throw new Error(`${name} did not resolve within 5 s`);
      }
      out.push(performance.now() - t0);
    }
  } finally {
    // Back to the measured record set: the fresh tasks end.
    for (const t of started)
      master.publish(master.subjects.masterTaskEvents, taskEvent({ ...t, state: 'TASK_KILLED' }));
    await master.connection.flush();
  }
  return out.sort((a, b) => a - b);
}

export const scenario: Scenario<DnsCtx> = {
  name: 'dns',
  description:
    'Mesos-DNS vs dnsmasq with dnsperf over loopback, 10,000 RUNNING task names: qps (-l, -c 2), ' +
    'ratio ours/dnsmasq, p99 ms from dnsperf -v per-query latencies at a fixed --dns-latency-qps; ' +
    'freshness: TASK_RUNNING event published -> name resolves (UDP poll), p50/p99 ms',
  order: 50,
  runs: 3,
  warmup: 1,
  setup,
  async run(opts, ctx): Promise<RunResult> {
    const run = ctx.runs++;
    // Alternate who goes first, so neither always runs on a warmer machine.
    const order = run % 2 === 0 ? [ctx.ours, ctx.dnsmasq] : [ctx.dnsmasq, ctx.ours];
    const qps: Record<string, number> = {};
    const p99: Record<string, number> = {};
    for (const s of order) {
      const r = await throughput(ctx, s);
      qps[s.label] = r.qps;
      opts.log(`dns: ${s.label} ${r.qps.toFixed(0)} qps, avg ${r.avgLatencyMs.toFixed(3)} ms`);
    }
    for (const s of order) p99[s.label] = await latencyP99(ctx, s);
    const fresh = await freshness(ctx, run);
    opts.log(
      `dns: freshness slowest ${fresh
        .slice(-5)
        .map((v) => v.toFixed(2))
        .join(', ')} ms`,
    );
    return {
      'ours qps': {
        value: qps['ours'],
        unit: 'qps',
        better: 'higher',
        baseline: { value: MESOS_DNS_QPS, label: 'Mesos-DNS ~8.5k qps/core' },
      },
      'dnsmasq qps': { value: qps['dnsmasq'], unit: 'qps', better: 'higher' },
      'ours/dnsmasq': { value: qps['ours'] / qps['dnsmasq'], unit: 'x', better: 'higher' },
      'ours p99': { value: p99['ours'], unit: 'ms' },
      'dnsmasq p99': { value: p99['dnsmasq'], unit: 'ms' },
      'freshness p50': { value: percentile(fresh, 0.5), unit: 'ms' },
      'freshness p99': {
        value: percentile(fresh, 0.99),
        unit: 'ms',
        baseline: { value: MESOS_DNS_REFRESH_MS, label: 'Mesos-DNS 60 s refresh' },
      },
    };
  },
  async teardown(ctx) {
    ctx.ours.client.close();
    ctx.dnsmasq.client.close();
    await ctx.group.stopAll();
    await ctx.master.close().catch(() => undefined);
    rmSync(ctx.dir, { recursive: true, force: true });
  },
};

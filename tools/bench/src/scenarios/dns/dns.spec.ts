import { agents, hostsFile, nameOf, queryFile, task, taskIp } from './cluster';
import { latencyPercentiles, parseQueryLine, parseSummary } from './dnsperf';

/** What dnsperf 2.10 prints at the end of a run. */
const SUMMARY = `[Status] Testing complete (time limit)

Statistics:

  Queries sent:         464858
  Queries completed:    464850 (100.00%)
  Queries lost:         8 (0.00%)

  Response codes:       NOERROR 464800 (99.99%), NXDOMAIN 50 (0.01%)
  Average packet size:  request 35, response 51
  Run time (s):         2.002308
  Queries per second:   232161.086107

  Average Latency (s):  0.000369 (min 0.000005, max 0.029261)
  Latency StdDev (s):   0.000647
`;

describe('dns scenario helpers', () => {
  it('reads the dnsperf summary', () => {
    const s = parseSummary(SUMMARY);
    expect(s).toMatchObject({
      sent: 464858,
      completed: 464850,
      lost: 8,
      qps: 232161.086107,
      rcodes: { NOERROR: 464800, NXDOMAIN: 50 },
    });
    expect(s.avgLatencyMs).toBeCloseTo(0.369);
    expect(() => parseSummary('[Status] Sending queries')).toThrow(/Queries sent/);
  });

  it('reads per-query latencies of dnsperf -v and their percentiles', () => {
    expect(parseQueryLine('> NOERROR web-1.marathon.mesos A 0.000250')).toBeCloseTo(0.25);
    expect(parseQueryLine('[Status] Started at: Sun Nov 22 03:08:14 2026')).toBeUndefined();
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyPercentiles(sorted)).toEqual({ p50: 50.5, p99: 99.01 });
    expect(() => latencyPercentiles([])).toThrow(/no per-query/);
  });

  it('gives dnsmasq and dnsperf the names and addresses the tasks have', () => {
    const list = agents(3);
    const tasks = [0, 1, 2, 255, 256, 70_000].map((i) => task(i, 'web', 'TASK_RUNNING', list));
    const ips = [0, 1, 2, 255, 256, 70_000].map(taskIp);
    expect(new Set(ips).size).toBe(ips.length);
    expect(tasks[1].statuses[0].container_status).toEqual({
      network_infos: [{ ip_addresses: [{ ip_address: ips[1] }] }],
    });
    const names = tasks.map((t, i) => ({ name: nameOf(t), ip: ips[i] }));
    expect(names[0]).toEqual({ name: 'web-0.marathon.mesos', ip: '10.64.0.1' });
    expect(hostsFile(names).split('\n')[1]).toBe('10.64.0.2 web-1.marathon.mesos');
    const queries = queryFile(names).trim().split('\n');
    expect(queries).toHaveLength(names.length);
    expect([...queries].sort()).toEqual(names.map((n) => `${n.name} A`).sort());
    expect(queryFile(names)).toBe(queryFile(names)); // same order every run
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterStartError, SERVICE_STAGES, agentStorageEnv, planPorts } from './cluster';

describe('agent storage env (--disks)', () => {
  it('gives every agent the disks and one shared external-volume pool under the data dir', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'launcher-disks-'));
    try {
      expect(agentStorageEnv({ dataDir })).toEqual({});
      expect(agentStorageEnv({ dataDir, disks: '2x1G' })).toEqual({
        AGENT_DISKS: '2x1G',
        AGENT_EXTERNAL_VOLUMES_DIR: join(dataDir, 'external-volumes'),
      });
      expect(existsSync(join(dataDir, 'external-volumes'))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('port plan (planPorts)', () => {
  const all = { agents: 2, services: SERVICE_STAGES.flat() };
  const defaults = {
    master: 5050,
    'agent-1': 5051,
    'agent-2': 5052,
    marathon: 8080,
    'mesos-dns': 8123,
    iam: 8101,
    dss: 8105,
    'admin-router': 8000,
    'mesos-dns-dns': 8053,
  };
  // Every port variable a user can set, the component it moves, and the port it gets.
  const variables: [string, string, number][] = [
    ['MASTER_PORT', 'master', 15050],
    ['AGENT_PORT', 'agent-1', 15051],
    ['MARATHON_PORT', 'marathon', 18080],
    ['MESOS_DNS_HTTP_PORT', 'mesos-dns', 18123],
    ['MESOS_DNS_PORT', 'mesos-dns-dns', 18053],
    ['IAM_PORT', 'iam', 18101],
    ['DSS_PORT', 'dss', 18105],
    ['ADMIN_ROUTER_PORT', 'admin-router', 18000],
  ];
  let next = 40_000;
  const pickFree = () => Promise.resolve(next++);

  it('uses the documented defaults without variables', async () => {
    expect(await planPorts({ ...all, ports: 'default', env: {} })).toEqual(defaults);
  });

  it.each(variables)('%s wins over the default and over --free-ports', async (v, key, port) => {
    const env = { [v]: String(port) };
    const plan = await planPorts({ ...all, ports: 'default', env });
    expect(plan).toEqual({
      ...defaults,
      [key]: port,
      ...(v === 'AGENT_PORT' ? { 'agent-2': port + 1 } : {}),
    });
    const free = await planPorts({ ...all, ports: 'free', env }, pickFree);
    expect(free[key]).toBe(port);
    for (const [k, p] of Object.entries(free)) {
      if (k !== key && !(v === 'AGENT_PORT' && k === 'agent-2'))
        expect(p).toBeGreaterThanOrEqual(40_000);
    }
  });

  it('all variables at once move every port', async () => {
    const env = Object.fromEntries(variables.map(([v, , p]) => [v, String(p)]));
    const plan = await planPorts({ ...all, ports: 'free', env }, pickFree);
    expect(plan).toEqual({
      ...Object.fromEntries(variables.map(([, k, p]) => [k, p])),
      'agent-2': 15052,
    });
  });

  it('--free-ports gives every component its own OS-chosen port, asking again on a repeat', async () => {
    const answers = [
      41_000, 41_000, 41_001, 41_002, 41_003, 41_004, 41_005, 41_006, 41_007, 41_008,
    ];
    const plan = await planPorts({ ...all, ports: 'free', env: {} }, () =>
      Promise.resolve(answers.shift()!),
    );
    expect(Object.keys(plan).sort()).toEqual(Object.keys(defaults).sort());
    const ports = Object.values(plan);
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(41_000);
  });

  it('a free port is never one a variable asked for', async () => {
    const answers = [18080, 42_000, 42_001, 42_002, 42_003, 42_004, 42_005, 42_006, 42_007, 42_008];
    const plan = await planPorts({ ...all, ports: 'free', env: { MARATHON_PORT: '18080' } }, () =>
      Promise.resolve(answers.shift()!),
    );
    expect(plan.marathon).toBe(18080);
    expect(Object.values(plan).filter((p) => p === 18080)).toHaveLength(1);
  });

  it('plans only the services that start, and the agents asked for', async () => {
    const plan = await planPorts({ agents: 3, services: ['marathon'], ports: 'default', env: {} });
    expect(plan).toEqual({
      master: 5050,
      'agent-1': 5051,
      'agent-2': 5052,
      'agent-3': 5053,
      marathon: 8080,
    });
  });

  it.each([
    [
      { MARATHON_PORT: 'eighty' },
      'MARATHON_PORT must be a port number between 1 and 65535 (got "eighty")',
    ],
    [{ IAM_PORT: '0' }, 'IAM_PORT must be a port number between 1 and 65535 (got "0")'],
    [{ DSS_PORT: '70000' }, 'DSS_PORT must be a port number between 1 and 65535 (got "70000")'],
    [{ AGENT_PORT: '65535' }, 'AGENT_PORT must be a port number between 1 and 65534 (got "65535")'],
    [
      { MARATHON_PORT: '5050' },
      'marathon (MARATHON_PORT) and master (the default of MASTER_PORT) would both listen on port 5050',
    ],
    [
      { MASTER_PORT: '9000', IAM_PORT: '9000' },
      'master (MASTER_PORT) and iam (IAM_PORT) would both listen on port 9000',
    ],
  ])('refuses %j before anything starts', async (env, message) => {
    const plan = planPorts({ ...all, ports: 'default', env });
    await expect(plan).rejects.toBeInstanceOf(ClusterStartError);
    await expect(plan).rejects.toThrow(message);
  });
});

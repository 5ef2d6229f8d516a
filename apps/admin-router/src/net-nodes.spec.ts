import { hostOfPid, iso8601, netNodes } from './net-nodes';

const now = new Date('2026-12-05T08:00:00.000Z');
const noResolve = async () => undefined;

describe('hostOfPid', () => {
  it('takes the host of master and agent pids, IPv6 brackets removed', () => {
    expect(hostOfPid('master@10.0.0.1:5050')).toBe('10.0.0.1');
    expect(hostOfPid('slave(1)@[fd00::2]:5051')).toBe('fd00::2');
    expect(hostOfPid('slave(1)@node-3.example:5051')).toBe('node-3.example');
    expect(hostOfPid('nope')).toBeUndefined();
    expect(hostOfPid(42)).toBeUndefined();
  });
});

describe('iso8601', () => {
  it("formats Mesos' float seconds as dcos-net does (milliseconds, Z)", () => {
    expect(iso8601(1_764_921_600.1234)).toBe('2025-12-05T08:00:00.123Z');
    expect(iso8601(undefined)).toBeUndefined();
    expect(iso8601(-1)).toBeUndefined();
  });
});

describe('netNodes', () => {
  const state = {
    pid: 'master@10.0.0.1:5050',
    hostname: 'm1.example',
    start_time: 1_764_921_000,
    elected_time: 1_764_921_600,
    slaves: [
      {
        id: 'a-S0',
        pid: 'slave(1)@10.0.0.2:5051',
        hostname: 'a1.example',
        registered_time: 1_764_921_700.5,
        active: true,
      },
      {
        id: 'a-S1',
        pid: 'slave(1)@10.0.0.3:5051',
        hostname: 'a2.example',
        registered_time: 1_764_921_700,
        reregistered_time: 1_764_921_800,
        active: true,
      },
    ],
  };

  it('lists the master (with its public IP) and each agent with the fields dcos-net has', async () => {
    const nodes = await netNodes(state, {
      masterPublicIps: ['203.0.113.7'],
      resolve: noResolve,
      now,
    });
    expect(nodes).toEqual([
      {
        updated: '2025-12-05T08:00:00.000Z',
        public_ips: ['203.0.113.7'],
        private_ip: '10.0.0.1',
        hostname: 'm1.example',
      },
      {
        updated: '2025-12-05T08:01:40.500Z',
        public_ips: [],
        private_ip: '10.0.0.2',
        hostname: 'a1.example',
      },
      {
        updated: '2025-12-05T08:03:20.000Z',
        public_ips: [],
        private_ip: '10.0.0.3',
        hostname: 'a2.example',
      },
    ]);
    // Exactly dcos-net's keys, nothing more.
    for (const n of nodes)
      expect(Object.keys(n).sort()).toEqual(['hostname', 'private_ip', 'public_ips', 'updated']);
  });

  it('resolves pid host names to the private IP and drops nodes without one', async () => {
    const nodes = await netNodes(
      {
        pid: 'master@master.local:5050',
        slaves: [
          { pid: 'slave(1)@agent.local:5051', hostname: 'agent' },
          { pid: 'slave(1)@gone.local:5051', hostname: 'gone' },
          { pid: 'garbage', hostname: 'x' },
          { pid: 'slave(1)@10.0.0.9:5051', hostname: 'off', active: false },
        ],
      },
      {
        masterPublicIps: ['not-an-ip'],
        resolve: async (h) =>
          ({ 'master.local': '10.1.0.1', 'agent.local': '10.1.0.2' })[h] ?? undefined,
        now,
      },
    );
    expect(nodes).toEqual([
      {
        updated: now.toISOString(),
        public_ips: [],
        private_ip: '10.1.0.1',
        hostname: 'master.local',
      },
      { updated: now.toISOString(), public_ips: [], private_ip: '10.1.0.2', hostname: 'agent' },
    ]);
  });

  it('lists a node once when master and agent share its address and name', async () => {
    const nodes = await netNodes(
      {
        pid: 'master@10.0.0.1:5050',
        hostname: 'n1',
        elected_time: 100,
        slaves: [
          { pid: 'slave(1)@10.0.0.1:5051', hostname: 'n1', registered_time: 200 },
          { pid: 'slave(1)@10.0.0.1:5052', hostname: 'n1-b', registered_time: 300 },
        ],
      },
      { masterPublicIps: ['198.51.100.1'], resolve: noResolve, now },
    );
    expect(nodes).toEqual([
      {
        updated: '1970-01-01T00:03:20.000Z',
        public_ips: ['198.51.100.1'],
        private_ip: '10.0.0.1',
        hostname: 'n1',
      },
      {
        updated: '1970-01-01T00:05:00.000Z',
        public_ips: [],
        private_ip: '10.0.0.1',
        hostname: 'n1-b',
      },
    ]);
  });

  it('answers an empty list for a state without a master pid or agents', async () => {
    expect(await netNodes({}, { masterPublicIps: [], resolve: noResolve, now })).toEqual([]);
    expect(await netNodes(undefined, { masterPublicIps: [], resolve: noResolve, now })).toEqual([]);
  });
});

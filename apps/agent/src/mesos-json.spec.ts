import { agentResourcesToMesos, flattenResources, makeStatus, taskResources } from './mesos-json';

describe('Mesos JSON helpers', () => {
  it('flattens resources as the legacy /state JSON does', () => {
    expect(
      flattenResources([
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.25 } },
        {
          name: 'ports',
          type: 'RANGES',
          ranges: {
            range: [
              { begin: 31000, end: 31000 },
              { begin: 31005, end: 31006 },
            ],
          },
        },
      ]),
    ).toEqual({ cpus: 0.75, gpus: 0, mem: 0, disk: 0, ports: '[31000-31000, 31005-31006]' });
  });

  it('expands task ports in order for PORT0..n and refuses absurd ranges', () => {
    expect(
      taskResources([
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
        {
          name: 'ports',
          type: 'RANGES',
          ranges: {
            range: [
              { begin: 31002, end: 31003 },
              { begin: 31000, end: 31000 },
            ],
          },
        },
      ]),
    ).toEqual({ mem: 64, ports: [31002, 31003, 31000] });
    expect(() =>
      taskResources([
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 0, end: 1e9 }] } },
      ]),
    ).toThrow(/too large/);
  });

  it('renders agent resources with roles as static reservations', () => {
    const r = agentResourcesToMesos({
      cpus: 2,
      mem: 100,
      disk: 10,
      ports: [{ begin: 1, end: 2 }],
      other: [{ name: 'gpus', type: 'SCALAR', role: 'ml', scalar: { value: 1 } }],
    });
    expect(r.at(-1)).toEqual({
      name: 'gpus',
      type: 'SCALAR',
      scalar: { value: 1 },
      reservations: [{ type: 'STATIC', role: 'ml' }],
    });
  });

  it('gives every status a fresh Base64 uuid of 16 bytes and the agent IP', () => {
    const a = makeStatus({
      taskId: 't',
      state: 'TASK_RUNNING',
      agentId: 'a',
      source: 'SOURCE_EXECUTOR',
      ip: '10.0.0.5',
      timestamp: 1,
    });
    const b = makeStatus({
      taskId: 't',
      state: 'TASK_RUNNING',
      agentId: 'a',
      source: 'SOURCE_EXECUTOR',
      ip: '10.0.0.5',
      timestamp: 1,
    });
    expect(Buffer.from(a.uuid, 'base64')).toHaveLength(16);
    expect(a.uuid).not.toBe(b.uuid);
    expect(a.container_status?.network_infos).toEqual([
      { ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.0.5' }] },
    ]);
  });
});

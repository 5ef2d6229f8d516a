import type { TaskInfo } from '@dcos/contracts';
import { taskVolumes } from './storage';

const task = (resources: unknown[]): TaskInfo =>
  ({
    name: 't',
    task_id: { value: 't' },
    agent_id: { value: 'a' },
    resources,
    command: { value: 'true' },
  }) as TaskInfo;
const disk = (type: string, containerPath?: string, id = 'vol-1') => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: 256 },
  provider_id: { value: 'rp' },
  disk: {
    source: { type, id, mount: { root: '/s/vol-1' } },
    ...(containerPath !== undefined
      ? { volume: { container_path: containerPath, mode: 'RW' } }
      : {}),
  },
});

describe('task volumes', () => {
  it('MOUNT and BLOCK disks with a container path go under the sandbox; others are not volumes', () => {
    expect(
      taskVolumes(
        task([
          { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } },
          { name: 'disk', type: 'SCALAR', scalar: { value: 10 } },
          disk('MOUNT', 'data'),
          disk('BLOCK', 'dev/blk', 'vol-2'),
          disk('MOUNT', undefined, 'vol-3'),
          disk('RAW', 'raw'),
        ]),
        '/sb',
      ),
    ).toEqual([
      { volumeId: 'vol-1', type: 'MOUNT', target: '/sb/data' },
      { volumeId: 'vol-2', type: 'BLOCK', target: '/sb/dev/blk' },
    ]);
  });

  it('refuses paths outside the sandbox and disks without an id', () => {
    expect(taskVolumes(task([disk('MOUNT', '/etc')]), '/sb')).toMatch(/relative path/);
    expect(taskVolumes(task([disk('MOUNT', 'a/../../x')]), '/sb')).toMatch(/relative path/);
    expect(taskVolumes(task([disk('MOUNT', '')]), '/sb')).toMatch(/relative path/);
    expect(taskVolumes(task([disk('MOUNT', 'data', '')]), '/sb')).toMatch(/disk.source.id/);
  });

  it('external (DOCKER_VOLUME) volumes: name, sandbox path and the driver size option', () => {
    const withContainer = (volumes: unknown[]): TaskInfo =>
      ({ ...task([]), container: { type: 'MESOS', volumes } }) as TaskInfo;
    const ext = (name: unknown, cp: unknown, size?: string) => ({
      container_path: cp,
      mode: 'RW',
      source: {
        type: 'DOCKER_VOLUME',
        docker_volume: {
          driver: 'rexray',
          name,
          ...(size ? { driver_options: { parameter: [{ key: 'size', value: size }] } } : {}),
        },
      },
    });
    expect(
      taskVolumes(
        withContainer([ext('pg', 'data', '64M'), ext('logs', 'l/x', '2'), ext('n', 'n')]),
        '/sb',
      ),
    ).toEqual([
      { volumeId: 'pg', type: 'EXTERNAL', target: '/sb/data', sizeMb: 64 },
      { volumeId: 'logs', type: 'EXTERNAL', target: '/sb/l/x', sizeMb: 2048 },
      { volumeId: 'n', type: 'EXTERNAL', target: '/sb/n' },
    ]);
    expect(taskVolumes(withContainer([ext('pg', '/abs')]), '/sb')).toMatch(/relative path/);
    expect(taskVolumes(withContainer([ext('', 'd')]), '/sb')).toMatch(/docker_volume.name/);
    expect(taskVolumes(withContainer([ext('pg', 'd', 'big')]), '/sb')).toMatch(/not a size/);
  });
});

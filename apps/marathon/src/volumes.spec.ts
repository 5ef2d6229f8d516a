import { readApp, type AppDefinition } from './app-definition';
import { buildTaskInfo } from './task-builder';
import { appVolumes, persistentVolumesOf } from './volumes';

const base = { id: '/db', cmd: 'sleep 100', cpus: 0.1, mem: 32 };
const external = (over: Record<string, unknown> = {}) => ({
  containerPath: 'data',
  mode: 'RW',
  external: {
    name: 'pg-data',
    provider: 'dvdi',
    options: { 'dvdi/driver': 'rexray', size: '64M' },
    ...over,
  },
});
const withVolumes = (volumes: unknown[], over: Record<string, unknown> = {}) =>
  readApp({ ...base, container: { type: 'MESOS', volumes }, ...over });
const pathsOf = (r: ReturnType<typeof readApp>) =>
  r.ok ? [] : r.violations.map((v) => `${v.path}: ${v.errors.join('; ')}`);

describe('container.volumes', () => {
  it('external dvdi volumes become Mesos DOCKER_VOLUME sources, as Marathon sends them', () => {
    const r = withVolumes([external({ size: 2 })]);
    expect(r.ok).toBe(true);
    const app = { ...(r.ok ? r.app : {}), version: 'v', versionInfo: {} } as AppDefinition;
    // Apps with volumes default to replacing the old task first (one user per volume).
    expect(app.upgradeStrategy).toEqual({ minimumHealthCapacity: 0.5, maximumOverCapacity: 0 });
    const offer = { hostname: 'h', agent_id: { value: 'a1' } } as never;
    const task = buildTaskInfo(app, 't1', offer, { resources: [], hostPorts: [] }, []);
    expect(task.container).toEqual({
      type: 'MESOS',
      volumes: [
        {
          container_path: 'data',
          mode: 'RW',
          source: {
            type: 'DOCKER_VOLUME',
            docker_volume: {
              driver: 'rexray',
              name: 'pg-data',
              driver_options: {
                parameter: [{ key: 'size', value: '2' }],
              },
            },
          },
        },
      ],
    });
    // Apps without volumes send no container.
    const plain = readApp(base);
    const t2 = buildTaskInfo(
      { ...(plain.ok ? plain.app : {}), version: 'v' } as AppDefinition,
      't2',
      offer,
      { resources: [], hostPorts: [] },
      [],
    );
    expect(t2.container).toBeUndefined();
  });

  it('names every bad field with Marathon’s paths', () => {
    expect(pathsOf(withVolumes([external({ provider: 'nfs', name: '' })]))).toEqual([
      '/container/volumes(0)/external/name: error.path.missing',
      '/container/volumes(0)/external/provider: is unknown provider',
    ]);
    expect(pathsOf(withVolumes([{ ...external(), containerPath: '/abs', mode: 'XX' }]))).toEqual([
      '/container/volumes(0)/mode: error.expected.enum: RO, RW',
      '/container/volumes(0)/containerPath: must be a relative path inside the sandbox (no leading "/" and no "..")',
    ]);
    expect(pathsOf(withVolumes([external({ options: { size: 'lots' } })]))).toEqual([
      '/container/volumes(0)/external/options/size: must be a size such as "1", "64M" or "2G" (plain = GiB)',
    ]);
    expect(pathsOf(withVolumes([external()], { instances: 2 }))).toEqual([
      '/instances: Number of instances is limited to 1 when declaring external volumes in app definitions',
    ]);
    expect(pathsOf(withVolumes([external(), external()]))).toEqual([
      '/container/volumes: Volume name must be unique',
    ]);
  });

  it('persistent volumes: size required, single-segment path, RW, no over-capacity', () => {
    const good = withVolumes([
      {
        containerPath: 'data',
        mode: 'RW',
        persistent: { type: 'mount', size: 100, profileName: 'fast' },
      },
    ]);
    expect(good.ok).toBe(true);
    expect(appVolumes(good.ok ? good.app : {})).toEqual([
      {
        kind: 'persistent',
        containerPath: 'data',
        mode: 'RW',
        type: 'mount',
        size: 100,
        profileName: 'fast',
      },
    ]);
    expect(
      pathsOf(
        withVolumes([{ containerPath: 'a/b', mode: 'RO', persistent: { type: 'mount' } }], {
          upgradeStrategy: { maximumOverCapacity: 0.5 },
        }),
      ),
    ).toEqual([
      '/container/volumes(0)/containerPath: value must not contain "/" and must not be empty',
      '/container/volumes(0)/mode: is not equal to RW',
      '/container/volumes(0)/persistent/size: error.path.missing',
    ]);
    expect(
      pathsOf(
        withVolumes([{ containerPath: 'data', persistent: { type: 'mount', size: 1 } }], {
          upgradeStrategy: { maximumOverCapacity: 0.5 },
        }),
      ),
    ).toEqual(['/upgradeStrategy/maximumOverCapacity: got 0.5, expected 0 for resident apps']);
  });

  it('root (the default type) and block volumes, several per app, each at its own containerPath', () => {
    const r = withVolumes([
      { containerPath: 'data', persistent: { size: 64 } },
      {
        containerPath: 'dev',
        mode: 'RW',
        persistent: { type: 'block', size: 32, profileName: 'raw' },
      },
      { containerPath: 'more', persistent: { type: 'root', size: 8 } },
    ]);
    expect(pathsOf(r)).toEqual([]);
    expect(persistentVolumesOf(r.ok ? r.app : {})).toEqual([
      { kind: 'persistent', containerPath: 'data', mode: 'RW', type: 'root', size: 64 },
      {
        kind: 'persistent',
        containerPath: 'dev',
        mode: 'RW',
        type: 'block',
        size: 32,
        profileName: 'raw',
      },
      { kind: 'persistent', containerPath: 'more', mode: 'RW', type: 'root', size: 8 },
    ]);
    expect(
      pathsOf(
        withVolumes([
          { containerPath: 'data', persistent: { size: 8, profileName: 'fast' } },
          { containerPath: 'data', persistent: { type: 'tape', size: 8 } },
        ]),
      ),
    ).toEqual([
      '/container/volumes(0)/persistent/profileName: profileName is only allowed for mount and block volumes',
      '/container/volumes(1)/persistent/type: error.expected.enum: root, mount, block',
    ]);
    expect(
      pathsOf(
        withVolumes([
          { containerPath: 'data', persistent: { size: 8 } },
          { containerPath: 'data', persistent: { type: 'mount', size: 8 } },
        ]),
      ),
    ).toEqual(['/container/volumes: persistent volume containerPath must be unique']);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TaskInfo } from '@dcos/contracts';
import { PersistentVolumes, planVolumeSync } from './persistent-volumes';
import { taskVolumes } from './storage';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const workDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-unit-'));
  dirs.push(d);
  return d;
};
const volume = (id: string, containerPath?: string) => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: 64 },
  reservations: [{ type: 'DYNAMIC', role: 'marathon' }],
  disk: {
    persistence: { id },
    ...(containerPath !== undefined
      ? { volume: { container_path: containerPath, mode: 'RW' } }
      : {}),
  },
});
const task = (resources: unknown[]): TaskInfo =>
  ({
    name: 't',
    task_id: { value: 't' },
    agent_id: { value: 'a' },
    resources,
    command: { value: 'true' },
  }) as TaskInfo;

describe('persistent volumes on the agent', () => {
  it('live under <work_dir>/volumes/roles/<role>/<persistence_id>', () => {
    const pv = new PersistentVolumes('/w', () => undefined);
    expect(pv.dir('marathon', 'db#data#1')).toBe('/w/volumes/roles/marathon/db#data#1');
    expect(pv.dir('a/b', 'x')).toBe('/w/volumes/roles/a b/x');
    expect(() => pv.dir('marathon', '..')).toThrow(/disk.persistence.id/);
    expect(() => pv.dir('marathon', 'a/b')).toThrow(/disk.persistence.id/);
    expect(() => pv.dir('*', 'x')).toThrow(/cannot hold a persistent volume/);
  });

  it('a task resource with disk.persistence and a container path is a PERSISTENT volume', () => {
    const pv = new PersistentVolumes('/w', () => undefined);
    const dir = (role: string, id: string) => pv.dir(role, id);
    expect(taskVolumes(task([volume('v1', 'data'), volume('v2')]), '/sb', dir)).toEqual([
      {
        volumeId: 'v1',
        type: 'PERSISTENT',
        hostPath: '/w/volumes/roles/marathon/v1',
        target: '/sb/data',
      },
    ]);
    expect(taskVolumes(task([volume('v1', '../x')]), '/sb', dir)).toMatch(/inside the sandbox/);
    expect(taskVolumes(task([volume('../v', 'data')]), '/sb', dir)).toMatch(/persistence.id/);
    expect(taskVolumes(task([volume('v1', 'data')]), '/sb')).toMatch(/not supported/);
  });

  it('CREATE makes the directory, DESTROY removes it with its data, never while a task uses it', async () => {
    const w = workDir();
    const pv = new PersistentVolumes(w, () => undefined);
    const ref = { role: 'marathon', persistence_id: 'db#data#1' };
    const dir = pv.dir(ref.role, ref.persistence_id);
    await pv.apply({ create: [ref], destroy: [] }, () => false);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    fs.writeFileSync(path.join(dir, 'file'), 'kept');
    // CREATE again (a repeat) keeps the data.
    await pv.apply({ create: [ref], destroy: [] }, () => false);
    expect(fs.readFileSync(path.join(dir, 'file'), 'utf8')).toBe('kept');
    await expect(pv.apply({ create: [], destroy: [ref] }, (d) => d === dir)).rejects.toThrow(
      /in use by a task: db#data#1/,
    );
    expect(fs.existsSync(path.join(dir, 'file'))).toBe(true);
    await pv.apply({ create: [], destroy: [ref] }, () => false);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("an empty volume is handed to the task's user on first use; one with data keeps its owner", async () => {
    const pv = new PersistentVolumes(workDir(), () => undefined);
    const dir = pv.dir('marathon', 'v1');
    await pv.create(dir);
    await pv.create(dir, { uid: 4321, gid: 4322 });
    expect(fs.statSync(dir)).toMatchObject({ uid: 4321, gid: 4322 });
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    await pv.create(dir, { uid: 1, gid: 1 });
    expect(fs.statSync(dir)).toMatchObject({ uid: 4321, gid: 4322 });
  });
});

describe('persistent volume sync with the master (full set on re-registration)', () => {
  it('plans: make the missing, remove the ones not in the set, keep those a task uses', () => {
    const plan = planVolumeSync(
      ['/w/volumes/roles/r/keep', '/w/volumes/roles/r/gone', '/w/volumes/roles/s/busy'],
      ['/w/volumes/roles/r/keep', '/w/volumes/roles/r/new'],
      new Set(['/w/volumes/roles/s/busy', '/w/volumes/roles/r/keep']),
    );
    expect(plan).toEqual({
      create: ['/w/volumes/roles/r/new'],
      remove: ['/w/volumes/roles/r/gone'],
      inUse: ['/w/volumes/roles/s/busy'],
    });
    // In step: nothing to do; an empty set removes everything not in use.
    expect(planVolumeSync(['/a'], ['/a'], new Set())).toEqual({
      create: [],
      remove: [],
      inUse: [],
    });
    expect(planVolumeSync(['/a', '/b'], [], new Set(['/b']))).toEqual({
      create: [],
      remove: ['/a'],
      inUse: ['/b'],
    });
  });

  it('applies the plan on disk: data of kept volumes stays, destroyed ones go, in-use ones stay', async () => {
    const w = workDir();
    const logs: string[] = [];
    const pv = new PersistentVolumes(w, (_l, m) => void logs.push(m));
    const keep = pv.dir('marathon', 'keep');
    const gone = pv.dir('marathon', 'gone');
    const busy = pv.dir('a/b', 'busy');
    for (const d of [keep, gone, busy]) {
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'data'), 'x');
    }
    const reply = await pv.sync(
      {
        volumes: [
          { role: 'marathon', persistence_id: 'keep' },
          { role: 'other', persistence_id: 'new' },
          { role: '*', persistence_id: 'bad' },
        ],
      },
      (d) => d === busy,
    );
    expect(reply).toEqual({ created: [pv.dir('other', 'new')], removed: [gone], in_use: [busy] });
    expect(fs.readFileSync(path.join(keep, 'data'), 'utf8')).toBe('x');
    expect(fs.existsSync(gone)).toBe(false);
    expect(fs.readFileSync(path.join(busy, 'data'), 'utf8')).toBe('x');
    expect(fs.statSync(pv.dir('other', 'new')).isDirectory()).toBe(true);
    expect(logs.some((m) => m.includes(`removed ${gone}`))).toBe(true);
    // A work dir without volumes: nothing to remove.
    const empty = new PersistentVolumes(workDir(), () => undefined);
    await expect(empty.sync({ volumes: [] }, () => false)).resolves.toEqual({
      created: [],
      removed: [],
      in_use: [],
    });
  });
});

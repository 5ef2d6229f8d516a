import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  StorageEngine,
  StorageError,
  attachLoop,
  deviceMapperAvailable,
  filesystemOf,
  isMounted,
  listLoops,
  listMounts,
  mount,
  run,
} from '../src';

/** Real loop devices, mkfs and mounts (needs root). Every suite cleans up after itself. */
jest.setTimeout(60_000);

let base: string;
let a: StorageEngine;
let b: StorageEngine;
const dirs = () => ({
  a: join(base, 'node-a'),
  b: join(base, 'node-b'),
  pool: join(base, 'shared-pool'),
});

async function leftovers(): Promise<string[]> {
  const loops = (await listLoops())
    .filter((l) => l.backingFile.startsWith(base))
    .map((l) => `${l.device} ${l.backingFile}`);
  const mounts = (await listMounts()).filter((m) => m.target.startsWith(base)).map((m) => m.target);
  return [...loops, ...mounts];
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vp-e2e-'));
  a = new StorageEngine({
    workDir: dirs().a,
    fileDisks: [400, 400],
    externalPoolDir: dirs().pool,
    nodeId: 'node-a',
  });
  b = new StorageEngine({
    workDir: dirs().b,
    fileDisks: [64],
    externalPoolDir: dirs().pool,
    nodeId: 'node-b',
  });
  await a.open();
  await b.open();
});

afterAll(async () => {
  await a?.purge().catch((e: unknown) => console.error(e));
  await b?.purge().catch((e: unknown) => console.error(e));
  const left = await leftovers();
  await rm(base, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe('devices and the loop provider', () => {
  it('reports the two file-backed disks as loop devices', async () => {
    const devs = await a.listDevices();
    expect(devs.map((d) => [d.name, d.status, d.sizeMb, d.type, d.backing])).toEqual([
      ['disk0', 'ONLINE', 400, 'loop', 'file'],
      ['disk1', 'ONLINE', 400, 'loop', 'file'],
    ]);
    expect(devs[0].path).toMatch(/^\/dev\/loop\d+$/);
  });

  it('never touches a device that is not configured', async () => {
    await expect(
      a.createProvider({ name: 'bad', plugin: 'loop', devices: ['vda'] }),
    ).rejects.toMatchObject({
      status: 404,
      message: expect.stringMatching(/device "vda" is not configured/),
    });
    expect((await a.listProviders()).length).toBe(0);
  });

  let freeBefore = 0;
  it('creates a loop pool over both disks', async () => {
    const p = await a.createProvider({
      id: 'rp-1',
      name: 'pool1',
      plugin: 'loop',
      devices: ['disk0', 'disk1'],
      labels: { tier: 'fast' },
    });
    expect(p.status).toEqual({ state: 'ONLINE' });
    expect(p.capacity.totalMb).toBeGreaterThan(700);
    expect(p.capacity.largestFreeMb).toBeGreaterThan(300);
    freeBefore = p.capacity.freeMb;
    expect((await a.listDevices()).map((d) => d.provider)).toEqual(['pool1', 'pool1']);
    // idempotent by name + id; a device cannot serve two providers
    expect(
      (
        await a.createProvider({
          id: 'rp-1',
          name: 'pool1',
          plugin: 'loop',
          devices: ['disk0', 'disk1'],
        })
      ).id,
    ).toBe('rp-1');
    await expect(
      a.createProvider({ name: 'pool2', plugin: 'loop', devices: ['disk1'] }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it('makes a 256 MB ext4 MOUNT volume that refuses writes past its size', async () => {
    const v = await a.createVolume({
      id: 'vol-m',
      provider: 'pool1',
      sizeMb: 256,
      type: 'MOUNT',
      profile: 'fast',
    });
    expect(v.device).toMatch(/^\/dev\/loop\d+$/);
    expect(await filesystemOf(v.device!)).toBe('ext4');
    expect(await isMounted(v.mountPoint!)).toBe(true);
    const sandbox = join(base, 'sandbox-1', 'data');
    const att = await a.attach('vol-m', sandbox);
    expect(att.target).toBe(sandbox);
    await writeFile(join(sandbox, 'hello.txt'), 'kept');
    await expect(
      run('dd', ['if=/dev/zero', `of=${join(sandbox, 'big')}`, 'bs=1M', 'count=300']),
    ).rejects.toThrow(/No space left/);
    await rm(join(sandbox, 'big'));
    // the same id again is the same volume (retry after a crash)
    const again = await a.createVolume({
      id: 'vol-m',
      provider: 'pool1',
      sizeMb: 256,
      type: 'MOUNT',
    });
    expect(again.device).toBe(v.device);
    expect(again.attachedAt).toEqual([sandbox]);
    await expect(
      a.createVolume({ id: 'vol-m', provider: 'pool1', sizeMb: 128, type: 'MOUNT' }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it('refuses to remove a volume in use, and a volume that does not fit', async () => {
    await expect(a.removeVolume('vol-m')).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/in use/),
    });
    await expect(
      a.createVolume({ id: 'too-big', provider: 'pool1', sizeMb: 500, type: 'MOUNT' }),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringMatching(/does not fit/),
    });
    await expect(a.removeProvider('pool1')).rejects.toMatchObject({ status: 409 });
    expect(await a.getVolume('too-big')).toBeUndefined();
  });

  it('exposes a BLOCK volume as its device path', async () => {
    const v = await a.createVolume({ id: 'vol-b', provider: 'pool1', sizeMb: 64, type: 'BLOCK' });
    expect(v.mountPoint).toBeUndefined();
    const att = await a.attach('vol-b', join(base, 'sandbox-2', 'blk'));
    expect(att.device).toBe(v.device);
    expect((await run('blockdev', ['--getsize64', v.device!])).trim()).toBe(
      String(64 * 1024 * 1024),
    );
  });

  it('brings volumes back after a reboot-like loss of loops and mounts, data intact', async () => {
    const sandbox = join(base, 'sandbox-1', 'data');
    const st = a.journalState();
    // What a reboot does: every mount and loop device is gone.
    const detachUnder = async (dir: string) => {
      for (const l of (await listLoops()).filter((x) => x.backingFile.startsWith(dir)))
        await run('losetup', ['-d', l.device]);
    };
    for (const t of [sandbox, st.volumes['vol-m'].staging!]) await run('umount', [t]);
    await detachUnder(join(a.root, 'providers'));
    for (const pool of st.providers.pool1.pools) await run('umount', [pool.mountPoint]);
    await detachUnder(dirs().a);
    expect((await leftovers()).filter((x) => x.includes(dirs().a))).toEqual([]);
    const again = new StorageEngine({
      workDir: dirs().a,
      fileDisks: [400, 400],
      externalPoolDir: dirs().pool,
      nodeId: 'node-a',
    });
    const report = await again.open();
    expect(report.restored).toEqual(
      expect.arrayContaining([
        'provider pool1',
        'volume vol-m',
        'volume vol-b',
        `attachment ${sandbox}`,
      ]),
    );
    expect(await readFile(join(sandbox, 'hello.txt'), 'utf8')).toBe('kept');
    a = again;
  });

  it('removing gives the capacity back', async () => {
    await a.detach(join(base, 'sandbox-1', 'data'));
    expect(await isMounted(join(base, 'sandbox-1', 'data'))).toBe(false);
    await a.removeVolume('vol-m');
    await a.removeVolume('vol-b');
    await a.removeVolume('vol-b'); // idempotent
    const [p] = await a.listProviders();
    expect(p.volumes).toBe(0);
    expect(Math.abs(p.capacity.freeMb - freeBefore)).toBeLessThanOrEqual(1);
  });

  it('reconciles leftovers of a crash in the middle of a creation', async () => {
    // A crash after the journal said "creating" and after fallocate, losetup and mount ran.
    const st = a.journalState();
    const pool = st.providers.pool1.pools[0].mountPoint;
    const file = join(pool, 'volumes', 'half.img');
    const staging = join(a.root, 'volumes', 'half');
    await run('fallocate', ['-l', String(32 * 1024 * 1024), file]);
    const dev = await attachLoop(file);
    await run('mkfs.ext4', ['-q', '-F', dev]);
    await run('mkdir', ['-p', staging]);
    await mount(dev, staging);
    // ...and one that never reached the journal at all.
    const orphan = join(pool, 'volumes', 'orphan.img');
    await run('fallocate', ['-l', String(16 * 1024 * 1024), orphan]);
    const orphanDev = await attachLoop(orphan);
    const journal = JSON.parse(await readFile(join(a.root, 'journal.json'), 'utf8'));
    journal.volumes.half = {
      id: 'half',
      provider: 'pool1',
      type: 'MOUNT',
      sizeMb: 32,
      filesystem: 'ext4',
      file,
      staging,
      phase: 'creating',
    };
    await writeFile(join(a.root, 'journal.json'), JSON.stringify(journal));

    const restarted = new StorageEngine({
      workDir: dirs().a,
      fileDisks: [400, 400],
      externalPoolDir: dirs().pool,
      nodeId: 'node-a',
    });
    const report = await restarted.open();
    expect(report.rolledBack).toContain('volume half');
    expect(report.swept).toEqual(expect.arrayContaining([`file ${orphan}`]));
    const loops = await listLoops();
    expect(loops.some((l) => l.device === dev || l.device === orphanDev)).toBe(false);
    expect(await isMounted(staging)).toBe(false);
    expect(restarted.journalState().volumes).toEqual({});
    const [p] = await restarted.listProviders();
    expect(Math.abs(p.capacity.freeMb - freeBefore)).toBeLessThanOrEqual(1);
    a = restarted;
  });
});

describe('external volumes', () => {
  it('follow their task between two nodes, exclusively attached, with their data', async () => {
    const onA = join(base, 'a-task', 'data');
    const onB = join(base, 'b-task', 'data');
    const first = await a.attachExternal('shared-1', { target: onA, sizeMb: 64 });
    expect(first.created).toBe(true);
    await writeFile(join(onA, 'state.txt'), 'written on node-a');
    expect(await a.externalHolder('shared-1')).toBe('node-a');
    await expect(b.attachExternal('shared-1', { target: onB })).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/attached on node node-a/),
    });
    expect(await isMounted(onB)).toBe(false);
    // idempotent on the holder
    expect((await a.attachExternal('shared-1', { target: onA })).device).toBe(first.device);

    await a.detachExternal('shared-1');
    expect(await isMounted(onA)).toBe(false);
    expect(await a.externalHolder('shared-1')).toBeUndefined();

    const second = await b.attachExternal('shared-1', { target: onB, sizeMb: 64 });
    expect(second.created).toBe(false);
    expect(await readFile(join(onB, 'state.txt'), 'utf8')).toBe('written on node-a');
    expect(await b.externalHolder('shared-1')).toBe('node-b');
    await expect(a.attachExternal('shared-1', { target: onA })).rejects.toMatchObject({
      status: 409,
    });
    await b.detachExternal('shared-1');
  });

  it('releases a lease a crashed node took but never recorded', async () => {
    await writeFile(
      join(dirs().pool, 'ghost.lock'),
      JSON.stringify({ node: 'node-b', since: 'x' }),
    );
    const report = await b.reconcile();
    expect(report.swept).toContain('lease ghost');
    expect(await b.externalHolder('ghost')).toBeUndefined();
  });
});

describe('the lvm provider', () => {
  it('reports device-mapper unavailable where the kernel lacks it, and leaves the devices alone', async () => {
    const dm = await deviceMapperAvailable();
    const p = await b.createProvider({ name: 'vg1', plugin: 'lvm', devices: ['disk0'] });
    const [dev] = await b.listDevices();
    if (!dm) {
      expect(p.status).toEqual({ state: 'ERROR', message: 'device-mapper unavailable' });
      expect(await filesystemOf(dev.path)).toBeUndefined();
      const err = await b
        .createVolume({ id: 'lv1', provider: 'vg1', sizeMb: 16, type: 'BLOCK' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(err).toMatchObject({
        status: 503,
        message: 'provider "vg1": device-mapper unavailable',
      });
    } else {
      expect(p.status.state).toBe('ONLINE');
      expect(await filesystemOf(dev.path)).toBe('LVM2_member');
    }
    await b.removeProvider('vg1');
    expect(await b.listProviders()).toEqual([]);
  });
});

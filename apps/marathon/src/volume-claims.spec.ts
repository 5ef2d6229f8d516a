import type { DataSource } from 'typeorm';
import type { Offer } from '@dcos/contracts';
import { offerPool } from '@dcos/placement';
import type { Repository } from './repository';
import { VolumeClaims } from './volume-claims';
import type { PersistentVolume } from './volumes';

const mount = (id: string, mb: number, profile = 'fast') => ({
  name: 'disk',
  type: 'SCALAR' as const,
  scalar: { value: mb },
  role: '*',
  provider_id: { value: 'rp' },
  disk: { source: { type: 'MOUNT', id, profile, mount: { root: `/m/${id}` } } },
});
const offerWith = (...disks: ReturnType<typeof mount>[]) =>
  offerPool({ resources: disks } as Pick<Offer, 'resources'>);
const volume: PersistentVolume = {
  kind: 'persistent',
  containerPath: 'data',
  mode: 'RW',
  type: 'mount',
  size: 100,
  profileName: 'fast',
};

describe('volume claims', () => {
  // Writes are recorded, not stored: the matching rules are what is under test here.
  const written: unknown[][] = [];
  const ds = {
    options: { schema: 'marathon' },
    query: (sql: string, params: unknown[]) => (written.push([sql, params]), Promise.resolve([])),
  } as unknown as DataSource;
  const repo = { alsoFlush: () => undefined } as unknown as Repository;
  const now = new Date(0);
  const a1 = { agentId: 'a1', host: 'h1' };
  const a2 = { agentId: 'a2', host: 'h2' };

  it('claims a disk of the profile, then keeps the instance (and its successor) on it', () => {
    const claims = new VolumeClaims(ds, repo);
    const live = new Set<string>(['i1']);
    const isLive = (id: string) => live.has(id);
    const first = claims.match(
      '/db',
      volume,
      1,
      'i1',
      isLive,
      a1,
      offerWith(mount('slow', 500, 'slow'), mount('v1', 128)),
      ['*'],
      now,
    );
    expect(first.ok && first.claim).toMatchObject({
      sourceId: 'v1',
      agentId: 'a1',
      instanceId: 'i1',
    });
    expect(first.ok && first.resource.disk).toMatchObject({
      volume: { container_path: 'data', mode: 'RW' },
    });
    if (first.ok) claims.bind(first.claim);
    expect(written).toHaveLength(1);

    // The holder is relaunched only on its agent and its disk, even if a smaller one is free.
    expect(
      claims.match('/db', volume, 1, 'i1', isLive, a2, offerWith(mount('v2', 100)), ['*'], now).ok,
    ).toBe(false);
    const again = claims.match(
      '/db',
      volume,
      1,
      'i1',
      isLive,
      a1,
      offerWith(mount('v0', 100), mount('v1', 128)),
      ['*'],
      now,
    );
    expect(again.ok && again.claim.sourceId).toBe('v1');

    // A replacement waits while the old instance still exists (one claim per instance)...
    live.add('i2');
    expect(
      claims.match(
        '/db',
        volume,
        1,
        'i2',
        isLive,
        a1,
        offerWith(mount('v0', 100), mount('v1', 128)),
        ['*'],
        now,
      ).ok,
    ).toBe(false);
    // ...and takes the claim over once it is gone.
    live.delete('i1');
    const next = claims.match(
      '/db',
      volume,
      1,
      'i2',
      isLive,
      a1,
      offerWith(mount('v0', 100), mount('v1', 128)),
      ['*'],
      now,
    );
    expect(next.ok && next.claim).toMatchObject({ sourceId: 'v1', instanceId: 'i2' });

    // Wiped: the app may claim a fresh disk.
    if (next.ok) claims.bind(next.claim);
    expect(claims.releaseInstance('i2').map((c) => c.sourceId)).toEqual(['v1']);
    expect(claims.of('/db')).toEqual([]);
    const fresh = claims.match(
      '/db',
      volume,
      1,
      'i2',
      isLive,
      a2,
      offerWith(mount('v9', 100)),
      ['*'],
      now,
    );
    expect(fresh.ok && fresh.claim.sourceId).toBe('v9');
  });

  it('never takes a disk that is too small, of another profile, or of a role not accepted', () => {
    const claims = new VolumeClaims(ds, repo);
    const m = (pool: ReturnType<typeof offerWith>, roles = ['*']) =>
      claims.match('/x', volume, 1, 'i', () => true, a1, pool, roles, now).ok;
    expect(m(offerWith(mount('v', 99)))).toBe(false);
    expect(m(offerWith(mount('v', 500, 'slow')))).toBe(false);
    expect(m(offerWith(mount('v', 500)), ['prod'])).toBe(false);
    expect(m(offerWith(mount('v', 500)))).toBe(true);
  });

  it('a released reserved disk waits for its UNRESERVE (for a while); an unreserved one does not', () => {
    const claims = new VolumeClaims(ds, repo);
    const base = { host: 'h1', containerPath: 'data', sizeMb: 128, claimedAt: now.toISOString() };
    claims.bind({ ...base, appId: '/db', sourceId: 'v1', agentId: 'a1', reserved: true });
    claims.bind({ ...base, appId: '/other', sourceId: 'v2', agentId: 'a1' });
    expect(claims.isClaimed('v1')).toBe(true);
    claims.releaseApp('/db');
    claims.releaseApp('/other');
    expect(claims.isClaimed('v1')).toBe(false);
    expect(claims.pendingUnreserves(Date.now())).toBe(1);
    claims.unreserved('v1');
    expect(claims.pendingUnreserves(Date.now())).toBe(0);
    claims.bind({ ...base, appId: '/db', sourceId: 'v3', agentId: 'a1', reserved: true });
    claims.releaseApp('/db');
    expect(claims.pendingUnreserves(Date.now() + 121_000)).toBe(0);
  });

  describe("root volumes (a slice of the agent's plain disk)", () => {
    const root: PersistentVolume = {
      kind: 'persistent',
      containerPath: 'data',
      mode: 'RW',
      type: 'root',
      size: 64,
    };
    const plain = (mb: number, role = '*') => ({
      name: 'disk',
      type: 'SCALAR' as const,
      scalar: { value: mb },
      ...(role === '*' ? { role } : { reservations: [{ type: 'DYNAMIC' as const, role }] }),
    });
    const persistent = (id: string, mb: number) => ({
      name: 'disk',
      type: 'SCALAR' as const,
      scalar: { value: mb },
      reservations: [{ type: 'DYNAMIC' as const, role: 'marathon' }],
      disk: { persistence: { id } },
    });
    const offer = (...r: object[]) => offerPool({ resources: r } as Pick<Offer, 'resources'>);
    const roles = ['*', 'marathon'];

    it('a new claim takes `size` of plain disk to be made a volume; once made, the holder gets the volume back', () => {
      const claims = new VolumeClaims(ds, repo);
      const pool = offer(plain(100));
      const m = claims.match('/db/pg', root, 1, 'i1', () => true, a1, pool, roles, now);
      expect(m.ok).toBe(true);
      if (!m.ok) return;
      expect(m.create).toBe(true);
      expect(m.resource).toEqual({ name: 'disk', type: 'SCALAR', scalar: { value: 64 } });
      expect(m.claim).toMatchObject({
        type: 'root',
        created: false,
        reserved: true,
        agentId: 'a1',
        sizeMb: 64,
        sourceId: expect.stringMatching(/^db_pg#data#[0-9a-f-]{36}$/),
      });
      // Probed: the offer's pool is untouched; the match's copy has 36 MiB left.
      expect(pool.scalars.get('disk')?.get('*')).toBe(100);
      expect(m.plainDisk?.get('*')).toBe(36);
      expect(VolumeClaims.localVolume(m.claim)).toEqual({
        runSpecId: '/db/pg',
        containerPath: 'data',
        uuid: m.claim.sourceId.split('#')[2],
        persistenceId: m.claim.sourceId,
      });
      claims.bind(m.claim);
      claims.created(m.claim.sourceId);
      const id = m.claim.sourceId;

      // Made: only the volume itself will do, on its agent, never a fresh slice.
      expect(
        claims.match('/db/pg', root, 1, 'i1', () => true, a1, offer(plain(500)), roles, now).ok,
      ).toBe(false);
      expect(
        claims.match('/db/pg', root, 1, 'i1', () => true, a2, offer(persistent(id, 64)), roles, now)
          .ok,
      ).toBe(false);
      const back = claims.match(
        '/db/pg',
        root,
        1,
        'i1',
        () => true,
        a1,
        offer(plain(500), persistent(id, 64)),
        roles,
        now,
      );
      expect(back.ok && back.create).toBeFalsy();
      expect(back.ok && back.resource.disk).toEqual({
        persistence: { id },
        volume: { container_path: 'data', mode: 'RW' },
      });
    });

    it('a claim whose volume was never made (its ACCEPT failed) is made again, with the same id', () => {
      const claims = new VolumeClaims(ds, repo);
      const m = claims.match('/db', root, 1, 'i1', () => true, a1, offer(plain(100)), roles, now);
      if (!m.ok) throw new Error('no match');
      claims.bind(m.claim);
      const again = claims.match(
        '/db',
        root,
        1,
        'i1',
        () => true,
        a2,
        offer(plain(64)),
        roles,
        now,
      );
      expect(again.ok && again.create).toBe(true);
      expect(again.ok && again.claim).toMatchObject({ sourceId: m.claim.sourceId, agentId: 'a2' });
    });

    it("needs the whole size from one role; `*` disk only when the offer's role can reserve it", () => {
      const claims = new VolumeClaims(ds, repo);
      const m = (pool: ReturnType<typeof offer>, canReserve = true) =>
        claims.match('/x', root, 1, 'i', () => true, a1, pool, roles, now, canReserve);
      expect(m(offer(plain(40), plain(40, 'marathon'))).ok).toBe(false);
      expect(m(offer(plain(100)), false).ok).toBe(false);
      const reserved = m(offer(plain(100), plain(64, 'marathon')), false);
      expect(reserved.ok && reserved.resource.reservations).toEqual([
        { type: 'DYNAMIC', role: 'marathon' },
      ]);
    });
  });

  it('block volumes claim BLOCK disks of the profile, never MOUNT ones', () => {
    const claims = new VolumeClaims(ds, repo);
    const block = (id: string, mb: number) => ({
      ...mount(id, mb, 'raw'),
      disk: { source: { type: 'BLOCK', id, profile: 'raw' } },
    });
    const v: PersistentVolume = { ...volume, type: 'block', profileName: 'raw', size: 32 };
    const m = (...d: object[]) =>
      claims.match('/b', v, 1, 'i', () => true, a1, offerWith(...(d as never[])), ['*'], now);
    expect(m(mount('m1', 64, 'raw')).ok).toBe(false);
    const got = m(mount('m1', 64, 'raw'), block('b1', 48));
    expect(got.ok && got.claim).toMatchObject({ sourceId: 'b1', type: 'block' });
    expect(got.ok && got.resource.disk).toMatchObject({
      source: { type: 'BLOCK', id: 'b1' },
      volume: { container_path: 'data', mode: 'RW' },
    });
  });
});

import fc from 'fast-check';
import { formatSizeMb, parseDiskSpec, parseSizeMb } from './size';
import {
  checkProfile,
  checkProvider,
  checkProviderModification,
  checkVolume,
  profileSelects,
} from './specs';
import { createdDisk, rawDisk, volumeUsers } from './resources';
import {
  MAX_CREATE_ATTEMPTS,
  applyChange,
  destroyOperationId,
  expireOperations,
  onOperationStatus,
  planOffers,
  wantsOffers,
  type OfferView,
  type PlannedVolume,
} from './volume-machine';

describe('sizes', () => {
  it('parses CLI capacities into MiB', () => {
    expect(parseSizeMb('100M')).toEqual({ ok: true, value: 100 });
    expect(parseSizeMb('10G')).toEqual({ ok: true, value: 10240 });
    expect(parseSizeMb('1T')).toEqual({ ok: true, value: 1048576 });
    expect(parseSizeMb('1.5G')).toEqual({ ok: true, value: 1536 });
    expect(parseSizeMb('256')).toEqual({ ok: true, value: 256 });
    expect(parseSizeMb('2GiB')).toEqual({ ok: true, value: 2048 });
    for (const bad of ['', 'G', '-1G', '0', '1X', '1.1M', 'abc'])
      expect(parseSizeMb(bad).ok).toBe(false);
  });
  it('round-trips formatted sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 30 }), (mb) => {
        expect(parseSizeMb(formatSizeMb(mb))).toEqual({ ok: true, value: mb });
      }),
    );
  });
  it('parses the --disks spec', () => {
    expect(parseDiskSpec('2x2G')).toEqual({ ok: true, value: [2048, 2048] });
    expect(parseDiskSpec('1G, 2x512M')).toEqual({ ok: true, value: [1024, 512, 512] });
    expect(parseDiskSpec('')).toEqual({ ok: true, value: [] });
    expect(parseDiskSpec('0x1G').ok).toBe(false);
    expect(parseDiskSpec('2x8M').ok).toBe(false);
    expect(parseDiskSpec('65x1G').ok).toBe(false);
    expect(parseDiskSpec('2y1G').ok).toBe(false);
  });
});

const provider = (over: Record<string, unknown> = {}) => ({
  name: 'pool-1',
  description: 'two disks',
  spec: {
    plugin: { name: 'loop', 'config-version': 'latest' },
    node: 'agent-1',
    'plugin-configuration': { devices: ['disk0', '/dev/disk1'] },
    labels: { rotational: 'false' },
  },
  ...over,
});

describe('provider, profile and volume specs', () => {
  it('accepts the DC/OS provider JSON and normalises device names', () => {
    const r = checkProvider(provider());
    expect(r.ok && r.value.spec['plugin-configuration'].devices).toEqual(['disk0', 'disk1']);
  });
  it('names the field of every problem', () => {
    const r = checkProvider({
      name: '1bad',
      spec: {
        plugin: { name: 'zfs' },
        'plugin-configuration': { devices: [], extra: 1 },
        labels: { a: 1 },
      },
    });
    expect(r.ok).toBe(false);
    const fields = !r.ok ? r.problems.map((p) => p.field) : [];
    expect(fields).toEqual(
      expect.arrayContaining([
        'name',
        'spec.plugin.name',
        'spec.node',
        'spec.plugin-configuration.devices',
        'spec.plugin-configuration.extra',
        'spec.labels.a',
      ]),
    );
    expect(!r.ok && r.problems.find((p) => p.field === 'spec.plugin.name')?.message).toMatch(
      /unknown plugin "zfs"/,
    );
  });
  it('rejects duplicate devices and over-long names', () => {
    const r = checkProvider(provider({ name: 'a'.repeat(129) }));
    expect(!r.ok && r.problems[0].field).toBe('name');
    const d = checkProvider({
      ...provider(),
      spec: { ...provider().spec, 'plugin-configuration': { devices: ['x', 'x'] } },
    });
    expect(!d.ok && d.problems[0].message).toMatch(/twice/);
  });
  it('lets modify change only description and labels', () => {
    const cur = checkProvider(provider());
    if (!cur.ok) throw new Error('bad fixture');
    expect(checkProviderModification(cur.value, provider({ description: 'new' })).ok).toBe(true);
    const moved = checkProviderModification(cur.value, {
      ...provider(),
      spec: { ...provider().spec, node: 'agent-2' },
    });
    expect(!moved.ok && moved.problems[0].field).toBe('spec.node');
  });
  it('requires exactly one of mount or block', () => {
    const base = { name: 'fast', spec: { 'provider-selector': { plugin: 'loop' } } };
    expect(checkProfile(base).ok).toBe(false);
    expect(checkProfile({ ...base, spec: { ...base.spec, mount: {}, block: {} } }).ok).toBe(false);
    const m = checkProfile({ ...base, spec: { ...base.spec, mount: {} } });
    expect(m.ok && m.value.spec.mount).toEqual({ filesystem: 'ext4' });
    const b = checkProfile({ ...base, spec: { ...base.spec, block: {} } });
    expect(b.ok && b.value.spec.block).toEqual({});
    const fs = checkProfile({ ...base, spec: { ...base.spec, mount: { filesystem: 'ntfs' } } });
    expect(!fs.ok && fs.problems[0].field).toBe('spec.mount.filesystem');
  });
  it('checks lvm volume-configuration', () => {
    const lvm = (vc: unknown) =>
      checkProfile({
        name: 'r',
        spec: { 'provider-selector': { plugin: 'lvm' }, 'volume-configuration': vc, block: {} },
      });
    expect(lvm({ type: 'raid1', mirrors: '1' }).ok).toBe(true);
    expect(lvm({ type: 'linear', mirrors: '1' }).ok).toBe(false);
    expect(lvm({ type: 'raid5' }).ok).toBe(false);
  });
  it('matches providers by plugin and every label', () => {
    const prov = checkProvider(provider());
    const sel = (labels: Record<string, string>, plugin = 'loop') =>
      checkProfile({
        name: 'p',
        spec: { 'provider-selector': { plugin, matches: { labels } }, mount: {} },
      });
    if (!prov.ok) throw new Error('bad fixture');
    const a = sel({ rotational: 'false' });
    const b = sel({ rotational: 'true' });
    const c = sel({}, 'lvm');
    expect(a.ok && profileSelects(a.value, prov.value)).toBe(true);
    expect(b.ok && profileSelects(b.value, prov.value)).toBe(false);
    expect(c.ok && profileSelects(c.value, prov.value)).toBe(false);
  });
  it('checks volume requests', () => {
    expect(checkVolume({ name: 'v1', 'capacity-mb': 256, profile: 'fast' }).ok).toBe(true);
    const r = checkVolume({ name: 'v1', 'capacity-mb': 0.5, profile: '', size: 3 });
    expect(!r.ok && r.problems.map((p) => p.field)).toEqual(['capacity-mb', 'profile', 'size']);
  });
});

describe('volume usage', () => {
  it('finds a volume in tasks or reservations, not in offers', () => {
    const d = createdDisk({
      providerId: 'p',
      volumeId: 'a1',
      sizeMb: 10,
      type: 'MOUNT',
      mountRoot: '/x',
    });
    expect(volumeUsers({ slaves: [{ offered_resources_full: [d] }] }, 'a1')).toEqual([]);
    expect(volumeUsers({ slaves: [{ used_resources_full: [d] }] }, 'a1')).toEqual([
      'slaves.0.used_resources_full.0',
    ]);
    expect(volumeUsers({ frameworks: [{ tasks: [{ resources: [d] }] }] }, 'a1')).toHaveLength(1);
    expect(volumeUsers({ frameworks: [{ tasks: [{ resources: [d] }] }] }, 'other')).toEqual([]);
    // An agent's free (unreserved) resources are not a use.
    expect(volumeUsers({ slaves: [{ unreserved_resources_full: [d] }] }, 'a1')).toEqual([]);
    expect(volumeUsers({ slaves: [{ reserved_resources_full: { web: [d] } }] }, 'a1')).toEqual([
      'slaves.0.reserved_resources_full.web.0',
    ]);
  });
});

// ---- the framework's state machine ----

const P1 = { providerId: 'rp-1', provider: 'pool-1', node: 'a1' };
const P2 = { providerId: 'rp-2', provider: 'pool-2', node: 'a2' };

const vol = (
  name: string,
  capacityMb: number,
  over: Partial<PlannedVolume> = {},
): PlannedVolume => ({
  name,
  assetId: `asset-${name}`,
  capacityMb,
  profile: 'fast',
  type: 'MOUNT',
  eligible: [P1, P2],
  state: 'PENDING',
  attempts: 0,
  ...over,
});
const offer = (id: string, agent: string, resources: unknown[]): OfferView => ({
  id: { value: id },
  agent_id: { value: agent },
  resources,
});

describe('volume creation as a framework', () => {
  it('accepts a RAW offer of an eligible provider with CREATE_DISK of exactly the capacity', () => {
    const v = vol('v1', 256);
    const d = planOffers([v], [offer('o1', 'a1', [rawDisk('rp-1', 'pool-1', 1000)])], 5);
    expect(d.declines).toEqual([]);
    expect(d.accepts).toHaveLength(1);
    const op = d.accepts[0].operations[0] as {
      type: string;
      id: { value: string };
      create_disk: {
        source: { scalar: { value: number }; provider_id: { value: string } };
        target_type: string;
        target_profile: string;
      };
    };
    expect(op.type).toBe('CREATE_DISK');
    expect(op.id.value).toBe('asset-v1');
    expect(op.create_disk.source.scalar.value).toBe(256);
    expect(op.create_disk.source.provider_id.value).toBe('rp-1');
    expect(op.create_disk.target_type).toBe('MOUNT');
    expect(op.create_disk.target_profile).toBe('fast');
    expect(d.changes).toEqual([
      expect.objectContaining({
        name: 'v1',
        state: 'CREATING',
        pinned: P1,
        attempts: 1,
        operationSentAt: 5,
      }),
    ]);
  });
  it('declines offers that do not fit or come from other providers', () => {
    const d = planOffers(
      [vol('v1', 256)],
      [
        offer('o1', 'a1', [rawDisk('rp-1', 'pool-1', 100)]),
        offer('o2', 'a3', [rawDisk('rp-9', 'x', 5000)]),
      ],
      0,
    );
    expect(d.accepts).toEqual([]);
    expect(d.declines).toEqual(['o1', 'o2']);
  });
  it('goes ONLINE on OPERATION_FINISHED with the converted disk', () => {
    const v = applyChange(vol('v1', 256), {
      name: 'v1',
      state: 'CREATING',
      pinned: P1,
      attempts: 1,
      operationSentAt: 1,
    });
    const disk = createdDisk({
      providerId: 'rp-1',
      volumeId: 'asset-v1',
      sizeMb: 256,
      type: 'MOUNT',
      profile: 'fast',
      mountRoot: '/m',
    });
    const c = onOperationStatus([v], {
      operation_id: { value: 'asset-v1' },
      state: 'OPERATION_FINISHED',
      converted_resources: [disk],
    });
    expect(c).toMatchObject({ name: 'v1', state: 'ONLINE', resource: disk });
    const online = applyChange(v, c!);
    expect(online.operationSentAt).toBeUndefined();
    expect(wantsOffers([online])).toBe(false);
  });
  it('retries a failed create elsewhere, then gives up with the reason', () => {
    let v = applyChange(vol('v1', 256), { name: 'v1', state: 'CREATING', pinned: P1, attempts: 1 });
    const failed = {
      operation_id: { value: 'asset-v1' },
      state: 'OPERATION_FAILED',
      message: 'mkfs failed',
    };
    v = applyChange(v, onOperationStatus([v], failed)!);
    expect(v.state).toBe('PENDING');
    expect(v.pinned).toBeUndefined();
    v = applyChange(v, { name: 'v1', state: 'CREATING', attempts: MAX_CREATE_ATTEMPTS });
    v = applyChange(v, onOperationStatus([v], failed)!);
    expect(v.state).toBe('ERROR');
    expect(v.message).toBe('OPERATION_FAILED: mkfs failed');
  });
  it('after a lost answer retries on the same provider with the same operation id, or adopts the disk', () => {
    let v = applyChange(vol('v1', 256), {
      name: 'v1',
      state: 'CREATING',
      pinned: P2,
      attempts: 1,
      operationSentAt: 0,
    });
    expect(expireOperations([v], 1000, 30_000)).toEqual([]);
    v = applyChange(v, expireOperations([v], 30_000, 30_000)[0]);
    expect(v.state).toBe('PENDING');
    // Only pool-2 may take it now, even though pool-1 has room.
    const d = planOffers(
      [v],
      [
        offer('o1', 'a1', [rawDisk('rp-1', 'pool-1', 9999)]),
        offer('o2', 'a2', [rawDisk('rp-2', 'pool-2', 300)]),
      ],
      31_000,
    );
    expect(d.accepts.map((a) => a.offerId)).toEqual(['o2']);
    expect((d.accepts[0].operations[0] as { id: { value: string } }).id.value).toBe('asset-v1');
    // The disk shows up in an offer: it exists, no second CREATE_DISK.
    const disk = createdDisk({
      providerId: 'rp-2',
      volumeId: 'asset-v1',
      sizeMb: 256,
      type: 'MOUNT',
    });
    const d2 = planOffers([v], [offer('o3', 'a2', [disk, rawDisk('rp-2', 'pool-2', 300)])], 32_000);
    expect(d2.accepts).toEqual([]);
    expect(d2.changes).toEqual([expect.objectContaining({ name: 'v1', state: 'ONLINE' })]);
  });
  it('removes an ONLINE volume with DESTROY_DISK of the offered disk', () => {
    const disk = createdDisk({
      providerId: 'rp-1',
      volumeId: 'asset-v1',
      sizeMb: 256,
      type: 'BLOCK',
    });
    let v = vol('v1', 256, { state: 'REMOVING', resource: disk, pinned: P1 });
    expect(wantsOffers([v])).toBe(true);
    const d = planOffers([v], [offer('o1', 'a1', [disk])], 7);
    expect(d.accepts[0].operations[0]).toEqual({
      type: 'DESTROY_DISK',
      id: { value: destroyOperationId('asset-v1') },
      destroy_disk: { source: disk },
    });
    v = applyChange(v, d.changes[0]);
    expect(wantsOffers([v])).toBe(false);
    expect(planOffers([v], [offer('o2', 'a1', [disk])], 8).accepts).toEqual([]);
    const c = onOperationStatus([v], {
      operation_id: { value: destroyOperationId('asset-v1') },
      state: 'OPERATION_FINISHED',
    });
    expect(c).toMatchObject({ state: 'REMOVED' });
  });
  it('never over-commits an offer (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 4 }),
        (sizes, pools) => {
          const vols = sizes.map((s, i) =>
            vol(`v${i}`, s, {
              eligible: pools.map((_, j) => ({
                providerId: `rp${j}`,
                provider: `p${j}`,
                node: 'a',
              })),
            }),
          );
          const offers = [
            offer(
              'o',
              'a',
              pools.map((free, j) => rawDisk(`rp${j}`, `p${j}`, free)),
            ),
          ];
          const d = planOffers(vols, offers, 0);
          const used = new Map<string, number>();
          for (const a of d.accepts)
            for (const op of a.operations as {
              create_disk: {
                source: { provider_id: { value: string }; scalar: { value: number } };
              };
            }[])
              used.set(
                op.create_disk.source.provider_id.value,
                (used.get(op.create_disk.source.provider_id.value) ?? 0) +
                  op.create_disk.source.scalar.value,
              );
          pools.forEach((free, j) => expect(used.get(`rp${j}`) ?? 0).toBeLessThanOrEqual(free));
          // Every volume is either placed once or still pending; none twice.
          const placed = d.changes.filter((c) => c.state === 'CREATING').map((c) => c.name);
          expect(new Set(placed).size).toBe(placed.length);
          // A pending volume that fits in some pool's leftovers would have been placed.
          const left = pools.map((free, j) => free - (used.get(`rp${j}`) ?? 0));
          for (const v of vols)
            if (!placed.includes(v.name)) expect(left.every((l) => l < v.capacityMb)).toBe(true);
        },
      ),
    );
  });
});

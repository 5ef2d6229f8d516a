import {
  PERSISTENCE_ID_PATTERN,
  resourceRole,
  rootVolumeId,
  volumeSourceOf,
} from './persistent-volumes';

describe('persistent volumes in resource JSON', () => {
  const vol = {
    name: 'disk',
    type: 'SCALAR' as const,
    scalar: { value: 64 },
    reservations: [{ type: 'DYNAMIC' as const, role: 'prod' }],
    disk: { persistence: { id: 'p1' }, volume: { container_path: 'data', mode: 'RW' } },
  };

  it('resourceRole: the innermost reservation, else the static role, else *', () => {
    expect(resourceRole(vol)).toBe('prod');
    expect(resourceRole({ role: 'static' })).toBe('static');
    expect(resourceRole({})).toBe('*');
    expect(resourceRole({ role: 'x', reservations: [{ role: 'a' }, { role: 'a/b' }] })).toBe('a/b');
  });

  it('rootVolumeId: only a persistent volume on the plain disk', () => {
    expect(rootVolumeId(vol)).toBe('p1');
    expect(rootVolumeId({ ...vol, name: 'mem' })).toBeUndefined();
    expect(rootVolumeId({ ...vol, provider_id: { value: 'rp' } })).toBeUndefined();
    expect(
      rootVolumeId({ ...vol, disk: { ...vol.disk, source: { type: 'MOUNT', id: 'm' } } }),
    ).toBeUndefined();
    expect(rootVolumeId({ ...vol, disk: {} })).toBeUndefined();
  });

  it('volumeSourceOf: the disk without persistence and volume', () => {
    const { disk: _d, ...plain } = vol;
    void _d;
    expect(volumeSourceOf(vol)).toEqual(plain);
    const sourced = { ...vol, disk: { ...vol.disk, source: { type: 'MOUNT' } } };
    expect(volumeSourceOf(sourced)).toEqual({ ...plain, disk: { source: { type: 'MOUNT' } } });
    expect(vol.disk.persistence).toEqual({ id: 'p1' }); // the input is not changed
  });

  it('PERSISTENCE_ID_PATTERN: one path segment of safe characters', () => {
    expect(PERSISTENCE_ID_PATTERN.test('app#data#0f3c-1')).toBe(true);
    for (const bad of ['', 'a/b', 'a b', 'x'.repeat(256)])
      expect(PERSISTENCE_ID_PATTERN.test(bad)).toBe(false);
  });
});

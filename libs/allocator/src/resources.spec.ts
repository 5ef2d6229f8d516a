import fc from 'fast-check';
import {
  Range,
  formatRanges,
  normalizeRanges,
  parseRanges,
  rangesAdd,
  rangesContains,
  rangesIntersect,
  rangesSize,
  rangesSubtract,
} from './ranges';
import {
  ResourceError,
  add,
  allocatableTo,
  contains,
  equals,
  flatten,
  flattenReservations,
  formatResources,
  fromMesosResources,
  getRanges,
  getScalar,
  intersect,
  isEmpty,
  makeResources,
  parseResources,
  reservationRoles,
  scalarQuantities,
  subtract,
  toMesosResources,
  unreserved,
} from './resources';

describe('ranges', () => {
  it('normalizes: sorts and merges overlapping and adjacent ranges', () => {
    expect(
      normalizeRanges([
        [5, 6],
        [1, 2],
        [3, 3],
        [10, 12],
        [11, 20],
      ]),
    ).toEqual([
      [1, 3],
      [5, 6],
      [10, 20],
    ]);
    expect(() => normalizeRanges([[3, 1]])).toThrow(ResourceError);
    expect(() => normalizeRanges([[1.5, 2]])).toThrow(ResourceError);
  });

  it('adds, subtracts, intersects and checks containment', () => {
    const a: Range[] = [[31000, 32000]];
    expect(
      rangesSubtract(a, [
        [31000, 31000],
        [31500, 31600],
      ]),
    ).toEqual([
      [31001, 31499],
      [31601, 32000],
    ]);
    expect(rangesSubtract(a, [[30000, 40000]])).toEqual([]);
    expect(
      rangesSubtract(
        [
          [1, 5],
          [10, 15],
        ],
        [[4, 11]],
      ),
    ).toEqual([
      [1, 3],
      [12, 15],
    ]);
    expect(
      rangesAdd(
        [[1, 3]],
        [
          [4, 6],
          [10, 10],
        ],
      ),
    ).toEqual([
      [1, 6],
      [10, 10],
    ]);
    expect(
      rangesIntersect(
        [
          [1, 10],
          [20, 30],
        ],
        [[5, 25]],
      ),
    ).toEqual([
      [5, 10],
      [20, 25],
    ]);
    expect(
      rangesContains(a, [
        [31000, 31005],
        [31999, 32000],
      ]),
    ).toBe(true);
    expect(rangesContains(a, [[30999, 31000]])).toBe(false);
    expect(
      rangesContains(
        [
          [1, 2],
          [4, 5],
        ],
        [[2, 4]],
      ),
    ).toBe(false);
    expect(
      rangesSize([
        [1, 2],
        [4, 5],
      ]),
    ).toBe(4);
  });

  it('formats and parses the Mesos text form', () => {
    expect(
      formatRanges([
        [31000, 31000],
        [31005, 31006],
      ]),
    ).toBe('[31000-31000, 31005-31006]');
    expect(formatRanges([])).toBe('[]');
    expect(parseRanges('[31000-31000, 31005-31006]')).toEqual([
      [31000, 31000],
      [31005, 31006],
    ]);
    expect(parseRanges('8080')).toEqual([[8080, 8080]]);
    expect(parseRanges('[]')).toEqual([]);
    expect(() => parseRanges('[a-b]')).toThrow(ResourceError);
  });

  const rangeList = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20 })), {
      maxLength: 6,
    })
    .map((xs) => normalizeRanges(xs.map(([b, len]) => [b, b + len] as Range)));
  const members = (rs: Range[]): Set<number> => {
    const s = new Set<number>();
    for (const [b, e] of rs) for (let i = b; i <= e; i++) s.add(i);
    return s;
  };

  it('behaves like set algebra (property)', () => {
    fc.assert(
      fc.property(rangeList, rangeList, (a, b) => {
        const A = members(a);
        const B = members(b);
        expect(members(rangesAdd(a, b))).toEqual(new Set([...A, ...B]));
        expect(members(rangesSubtract(a, b))).toEqual(new Set([...A].filter((x) => !B.has(x))));
        expect(members(rangesIntersect(a, b))).toEqual(new Set([...A].filter((x) => B.has(x))));
        expect(rangesContains(a, b)).toBe([...B].every((x) => A.has(x)));
        const sub = rangesSubtract(a, b);
        expect(normalizeRanges(sub)).toEqual(sub);
      }),
    );
  });
});

describe('resources', () => {
  const agent = makeResources({ cpus: 4, mem: 8192, disk: 10000, ports: '[31000-32000]' });

  it('parses the agent flag format, with roles', () => {
    const r = parseResources('cpus:4;mem:8192;disk:10000;ports:[31000-32000];cpus(web):2');
    expect(getScalar(r, 'cpus')).toBe(6);
    expect(getScalar(r, 'cpus', 'web')).toBe(2);
    expect(getRanges(r, 'ports')).toEqual([[31000, 32000]]);
    expect(reservationRoles(r)).toEqual(['web']);
    expect(() => parseResources('cpus:abc')).toThrow(ResourceError);
    expect(() => parseResources('cpus')).toThrow(ResourceError);
    expect(formatResources(r)).toBe('cpus:4;mem:8192;disk:10000;ports:[31000-32000];cpus(web):2');
  });

  it('adds and subtracts with fixed-point precision', () => {
    let r = makeResources({ cpus: 0 });
    for (let i = 0; i < 10; i++) r = add(r, makeResources({ cpus: 0.1 }));
    expect(getScalar(r, 'cpus')).toBe(1);
    for (let i = 0; i < 10; i++) r = subtract(r, makeResources({ cpus: 0.1 }));
    expect(isEmpty(r)).toBe(true);
  });

  it('subtract is saturating and removes ranges', () => {
    const used = makeResources({ cpus: 1, mem: 100, ports: [[31000, 31001]] });
    const left = subtract(agent, used);
    expect(flatten(left)).toEqual({
      cpus: 3,
      gpus: 0,
      mem: 8092,
      disk: 10000,
      ports: '[31002-32000]',
    });
    expect(getScalar(subtract(used, agent), 'cpus')).toBe(0);
    expect(isEmpty(subtract(used, agent))).toBe(true);
  });

  it('contains respects names, roles and ranges', () => {
    expect(contains(agent, makeResources({ cpus: 4, ports: '[31500-31600]' }))).toBe(true);
    expect(contains(agent, makeResources({ cpus: 4.001 }))).toBe(false);
    expect(contains(agent, makeResources({ gpus: 1 }))).toBe(false);
    expect(contains(agent, makeResources({ cpus: 1 }, 'web'))).toBe(false);
    expect(contains(agent, makeResources({ ports: '[30000-31000]' }))).toBe(false);
    expect(equals(add(agent, makeResources({})), agent)).toBe(true);
  });

  it('separates reservations by role', () => {
    const r = add(agent, makeResources({ cpus: 2, mem: 512 }, 'web'));
    expect(getScalar(unreserved(r), 'cpus')).toBe(4);
    expect(getScalar(allocatableTo(r, 'web'), 'cpus')).toBe(6);
    expect(getScalar(allocatableTo(r, 'web/prod'), 'cpus')).toBe(6);
    expect(getScalar(allocatableTo(r, 'db'), 'cpus')).toBe(4);
    expect(flattenReservations(r)).toEqual({ web: { cpus: 2, gpus: 0, mem: 512, disk: 0 } });
    expect(scalarQuantities(r)).toEqual({ cpus: 6, mem: 8704, disk: 10000 });
  });

  it('intersects', () => {
    const r = intersect(agent, makeResources({ cpus: 10, mem: 1, ports: '[31999-32005]' }));
    expect(flatten(r)).toEqual({ cpus: 4, gpus: 0, mem: 1, disk: 0, ports: '[31999-32000]' });
  });

  it('converts to and from Mesos JSON', () => {
    const r = add(agent, makeResources({ cpus: 1 }, 'web'));
    const json = toMesosResources(r);
    expect(json).toContainEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*' });
    expect(json).toContainEqual({
      name: 'ports',
      type: 'RANGES',
      ranges: { range: [{ begin: 31000, end: 32000 }] },
      role: '*',
    });
    expect(json[json.length - 1].type).toBe('RANGES');
    expect(equals(fromMesosResources(json), r)).toBe(true);
    const refined = fromMesosResources([
      {
        name: 'mem',
        type: 'SCALAR',
        scalar: { value: 64 },
        reservations: [{ type: 'DYNAMIC', role: 'db' }],
      },
    ]);
    expect(getScalar(refined, 'mem', 'db')).toBe(64);
    expect(fromMesosResources(null)).toEqual([]);
    expect(() =>
      fromMesosResources([{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }]),
    ).toThrow(ResourceError);
    expect(() => fromMesosResources([{ name: 'x', type: 'SET' as 'SCALAR' }])).toThrow(
      ResourceError,
    );
  });

  it('flattens with cpus/gpus/mem/disk always present', () => {
    expect(flatten([])).toEqual({ cpus: 0, gpus: 0, mem: 0, disk: 0 });
    expect(
      flatten(
        makeResources({
          ports: [
            [31000, 31000],
            [31005, 31006],
          ],
        }),
      ),
    ).toEqual({
      cpus: 0,
      gpus: 0,
      mem: 0,
      disk: 0,
      ports: '[31000-31000, 31005-31006]',
    });
  });

  it('add/subtract round-trip and containment (property)', () => {
    const res = fc
      .record({
        cpus: fc.integer({ min: 0, max: 8000 }).map((v) => v / 1000),
        mem: fc.integer({ min: 0, max: 4096 }),
        lo: fc.integer({ min: 31000, max: 31500 }),
        len: fc.integer({ min: 0, max: 100 }),
        role: fc.constantFrom('*', 'web'),
      })
      .map(({ cpus, mem, lo, len, role }) =>
        makeResources({ cpus, mem, ports: [[lo, lo + len]] }, role),
      );
    fc.assert(
      fc.property(res, res, (a, b) => {
        const sum = add(a, b);
        expect(contains(sum, a)).toBe(true);
        expect(contains(sum, b)).toBe(true);
        const i = intersect(a, b);
        expect(contains(a, i) && contains(b, i)).toBe(true);
        expect(equals(add(subtract(a, i), i), a)).toBe(true);
        if (contains(a, b)) expect(equals(add(subtract(a, b), b), a)).toBe(true);
      }),
    );
  });
});

describe('disk resources with a source (storage)', () => {
  const raw = (mb: number, provider = 'p1') => ({
    name: 'disk',
    type: 'SCALAR' as const,
    scalar: { value: mb },
    provider_id: { value: provider },
    disk: { source: { type: 'RAW', vendor: 'dcos-ts' } },
  });
  const mount = (id: string, mb: number, extra: Record<string, unknown> = {}) => ({
    name: 'disk',
    type: 'SCALAR' as const,
    scalar: { value: mb },
    provider_id: { value: 'p1' },
    disk: { source: { type: 'MOUNT', id, profile: 'fast', mount: { root: `/v/${id}` } }, ...extra },
  });
  const agent = fromMesosResources([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
    { name: 'disk', type: 'SCALAR', scalar: { value: 1000 } },
    raw(700),
    mount('vol-a', 256),
    mount('vol-b', 128),
  ]);

  it('keeps plain disk, each RAW pool and each volume apart, and round-trips the JSON', () => {
    expect(agent.filter((r) => r.name === 'disk')).toHaveLength(4);
    expect(getScalar(agent, 'disk')).toBe(1000 + 700 + 256 + 128);
    expect(flatten(agent).disk).toBe(2084);
    const json = toMesosResources(agent);
    expect(json).toContainEqual({ ...mount('vol-a', 256), role: '*' });
    expect(json).toContainEqual({ ...raw(700), role: '*' });
    expect(json).toContainEqual({
      name: 'disk',
      type: 'SCALAR',
      scalar: { value: 1000 },
      role: '*',
    });
    expect(equals(fromMesosResources(json), agent)).toBe(true);
    expect(formatResources(agent)).toContain('disk[MOUNT:vol-a]:256');
  });

  it('a RAW pool is divisible: parts are contained and subtract leaves the rest', () => {
    const part = fromMesosResources([raw(300)]);
    expect(contains(agent, part)).toBe(true);
    const left = subtract(agent, part);
    expect(getScalar(left, 'disk')).toBe(2084 - 300);
    expect(toMesosResources(left)).toContainEqual({ ...raw(400), role: '*' });
    // Another provider's pool is not this one.
    expect(contains(agent, fromMesosResources([raw(10, 'p2')]))).toBe(false);
    // Plain disk never stands in for a pool, nor a pool for plain disk.
    expect(contains(fromMesosResources([raw(50)]), makeResources({ disk: 10 }))).toBe(false);
  });

  it('a MOUNT disk is used whole; the task mount point (disk.volume) is not part of its identity', () => {
    const taskUse = fromMesosResources([
      mount('vol-a', 256, { volume: { container_path: 'data', mode: 'RW' } }),
    ]);
    expect(contains(agent, taskUse)).toBe(true);
    expect(contains(agent, fromMesosResources([mount('vol-a', 100)]))).toBe(false);
    expect(contains(agent, fromMesosResources([mount('vol-c', 256)]))).toBe(false);
    const left = subtract(agent, taskUse);
    expect(
      left.some((r) => r.disk?.info['source'] && JSON.stringify(r.disk.info).includes('vol-a')),
    ).toBe(false);
    expect(equals(add(left, taskUse), agent)).toBe(true);
    expect(intersect(agent, taskUse)[0]?.disk?.indivisible).toBe(true);
    // The task's own JSON keeps its mount point.
    expect(toMesosResources(taskUse)[0]?.disk).toMatchObject({
      volume: { container_path: 'data' },
    });
  });

  it('persistent volumes are distinct by persistence id; bad disk info is refused', () => {
    const pv = (id: string) =>
      fromMesosResources([
        {
          ...mount('vol-a', 256, { persistence: { id } }),
          reservations: [{ type: 'DYNAMIC', role: 'web' }],
        },
      ]);
    expect(equals(pv('x'), pv('y'))).toBe(false);
    expect(reservationRoles(pv('x'))).toEqual(['web']);
    expect(() =>
      fromMesosResources([
        { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, provider_id: { value: 'p' } },
      ]),
    ).toThrow(ResourceError);
    expect(() =>
      fromMesosResources([
        { name: 'disk', type: 'SCALAR', scalar: { value: 1 }, disk: { source: { type: 'TAPE' } } },
      ]),
    ).toThrow(/disk.source.type/);
    expect(() =>
      fromMesosResources([
        { name: 'disk', type: 'SCALAR', scalar: { value: 1 }, disk: { persistence: {} } },
      ]),
    ).toThrow(/persistence.id/);
  });
});

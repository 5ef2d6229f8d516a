import fc from 'fast-check';
import {
  constraintErrors,
  meetsConstraint,
  violatedConstraint,
  type AgentView,
  type Constraint,
} from './constraints';
import {
  offerPool,
  persistenceIdOf,
  takeFromPool,
  takeMountVolume,
  takePersistentVolume,
  takePlainDisk,
  volumeSourceId,
} from './resources';

const agent = (i: number, rack: string, extra: Record<string, string> = {}): AgentView => ({
  agentId: `a${i}`,
  hostname: `host${i}`,
  attributes: { rack, ...extra },
});

describe('constraints', () => {
  const a = agent(1, 'r1');
  const b = agent(2, 'r2');
  it('UNIQUE hostname refuses a host already used', () => {
    expect(meetsConstraint(['hostname', 'UNIQUE'], a, [a])).toBe(false);
    expect(meetsConstraint(['hostname', 'UNIQUE'], b, [a])).toBe(true);
  });
  it('CLUSTER pins to a value, or to the first one used', () => {
    expect(meetsConstraint(['rack', 'CLUSTER', 'r1'], a, [])).toBe(true);
    expect(meetsConstraint(['rack', 'CLUSTER', 'r1'], b, [])).toBe(false);
    expect(meetsConstraint(['rack', 'CLUSTER'], b, [a])).toBe(false);
    expect(meetsConstraint(['rack', 'CLUSTER'], b, [])).toBe(true);
  });
  it('LIKE/UNLIKE match the whole value; UNLIKE accepts agents without the attribute', () => {
    expect(meetsConstraint(['rack', 'LIKE', 'r[12]'], b, [])).toBe(true);
    expect(meetsConstraint(['rack', 'LIKE', 'r'], b, [])).toBe(false);
    expect(meetsConstraint(['rack', 'UNLIKE', 'r1'], a, [])).toBe(false);
    expect(meetsConstraint(['gpu', 'UNLIKE', 'x'], a, [])).toBe(true);
    expect(meetsConstraint(['gpu', 'LIKE', '.*'], a, [])).toBe(false);
  });
  it('MAX_PER and IS', () => {
    expect(meetsConstraint(['rack', 'MAX_PER', '2'], a, [a])).toBe(true);
    expect(meetsConstraint(['rack', 'MAX_PER', '2'], a, [a, a])).toBe(false);
    expect(meetsConstraint(['rack', 'IS', 'r1'], a, [])).toBe(true);
    expect(meetsConstraint(['cores', 'IS', '2'], agent(3, 'r', { cores: '2.0' }), [])).toBe(true);
  });
  it('GROUP_BY spreads evenly and opens new groups first when a count is given', () => {
    expect(meetsConstraint(['rack', 'GROUP_BY'], a, [a, b])).toBe(true);
    expect(meetsConstraint(['rack', 'GROUP_BY'], a, [a, a, b])).toBe(false);
    expect(meetsConstraint(['rack', 'GROUP_BY', '2'], a, [a])).toBe(false);
    expect(meetsConstraint(['rack', 'GROUP_BY', '2'], b, [a])).toBe(true);
  });
  it('validates like Marathon', () => {
    expect(constraintErrors(['hostname', 'UNIQUE'])).toEqual([]);
    expect(constraintErrors(['hostname'])).toEqual([
      'Each constraint must have either 2 or 3 fields',
    ]);
    expect(constraintErrors(['hostname', 'NOPE'])[0]).toMatch(/operator must be one of/);
    expect(constraintErrors(['rack', 'MAX_PER', 'x'])[0]).toMatch(/not an integer/);
    expect(constraintErrors(['rack', 'LIKE', '('])[0]).toMatch(/regular expression/);
  });

  const constraintArb: fc.Arbitrary<Constraint> = fc.oneof(
    fc.constant<Constraint>(['hostname', 'UNIQUE']),
    fc.constant<Constraint>(['rack', 'UNIQUE']),
    fc.constantFrom('1', '2', '3').map<Constraint>((n) => ['rack', 'MAX_PER', n]),
    fc.constantFrom('r0', 'r1').map<Constraint>((v) => ['rack', 'CLUSTER', v]),
    fc.constantFrom('r[01]', 'r2').map<Constraint>((v) => ['rack', 'LIKE', v]),
    fc.constantFrom('r0', 'r3').map<Constraint>((v) => ['rack', 'UNLIKE', v]),
    fc.constantFrom('r1', 'r2').map<Constraint>((v) => ['rack', 'IS', v]),
  );

  it('greedy placement through violatedConstraint never breaks a constraint (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
        fc.array(constraintArb, { maxLength: 3 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(7), { minLength: 12, maxLength: 12 }),
        (racks, constraints, want, order) => {
          const agents = racks.map((r, i) => agent(i, `r${r}`));
          const placed: AgentView[] = [];
          for (let k = 0; k < want; k++) {
            const cand = agents[order[k] % agents.length];
            if (!violatedConstraint(constraints, cand, placed)) placed.push(cand);
          }
          // Every instance, judged against all the others, still satisfies the hard limits.
          for (const c of constraints) {
            const [field, op, value] = c;
            const vals = placed.map((p) =>
              field === 'hostname' ? p.hostname : p.attributes[field],
            );
            if (op === 'UNIQUE') expect(new Set(vals).size).toBe(vals.length);
            if (op === 'MAX_PER') {
              const counts = new Map<string, number>();
              for (const v of vals) counts.set(v, (counts.get(v) ?? 0) + 1);
              for (const n of counts.values()) expect(n).toBeLessThanOrEqual(Number(value));
            }
            if (op === 'CLUSTER' || op === 'IS') for (const v of vals) expect(v).toBe(value);
            if (op === 'LIKE')
              for (const v of vals) expect(v).toMatch(new RegExp(`^(?:${value})$`));
            if (op === 'UNLIKE')
              for (const v of vals) expect(v).not.toMatch(new RegExp(`^(?:${value})$`));
          }
        },
      ),
    );
  });
});

describe('offer matching', () => {
  const offer = (cpus: number, mem: number, ports: [number, number][], role = '*') => ({
    resources: [
      { name: 'cpus', type: 'SCALAR' as const, scalar: { value: cpus }, role },
      { name: 'mem', type: 'SCALAR' as const, scalar: { value: mem }, role },
      { name: 'disk', type: 'SCALAR' as const, scalar: { value: 1000 }, role },
      {
        name: 'ports',
        type: 'RANGES' as const,
        ranges: { range: ports.map(([begin, end]) => ({ begin, end })) },
        role,
      },
    ],
  });
  const needs = { cpus: 1, mem: 128, disk: 0, gpus: 0, ports: [0], roles: ['*'] };

  it('names the short resource', () => {
    expect(takeFromPool(offerPool(offer(0.5, 512, [[1, 10]])), needs)).toEqual({
      ok: false,
      reason: 'InsufficientCpus',
    });
    expect(takeFromPool(offerPool(offer(2, 64, [[1, 10]])), needs)).toMatchObject({
      reason: 'InsufficientMemory',
    });
    expect(takeFromPool(offerPool(offer(2, 512, [])), needs)).toMatchObject({
      reason: 'InsufficientPorts',
    });
    expect(takeFromPool(offerPool(offer(2, 512, [[1, 10]], 'prod')), needs)).toMatchObject({
      reason: 'UnfulfilledRole',
    });
  });

  it('honours required host ports', () => {
    const r = takeFromPool(offerPool(offer(2, 512, [[31000, 31010]])), {
      ...needs,
      ports: [31005, 0],
    });
    expect(r.ok && r.picked.hostPorts).toEqual([31005, 31000]);
    expect(
      takeFromPool(offerPool(offer(2, 512, [[31000, 31010]])), { ...needs, ports: [80] }).ok,
    ).toBe(false);
  });

  it('never hands out more than the offer holds, nor a port twice (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 8, noNaN: true }),
        fc.integer({ min: 0, max: 4096 }),
        fc.integer({ min: 0, max: 6 }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 512 }),
        fc.integer({ min: 0, max: 3 }),
        (cpus, mem, nPorts, needCpus, needMem, needPorts) => {
          const pool = offerPool(offer(cpus, mem, nPorts ? [[100, 99 + nPorts]] : []));
          let usedCpus = 0;
          let usedMem = 0;
          const ports: number[] = [];
          for (let i = 0; i < 50; i++) {
            const r = takeFromPool(pool, {
              ...needs,
              cpus: needCpus,
              mem: needMem,
              ports: Array(needPorts).fill(0),
            });
            if (!r.ok) break;
            usedCpus += needCpus;
            usedMem += needMem;
            ports.push(...r.picked.hostPorts);
          }
          expect(usedCpus).toBeLessThanOrEqual(cpus + 1e-6);
          expect(usedMem).toBeLessThanOrEqual(mem);
          expect(new Set(ports).size).toBe(ports.length);
          for (const p of ports) expect(p >= 100 && p < 100 + nPorts).toBe(true);
        },
      ),
    );
  });

  describe('storage disks', () => {
    const mount = (id: string, mb: number, profile: string) => ({
      name: 'disk',
      type: 'SCALAR' as const,
      scalar: { value: mb },
      role: '*',
      provider_id: { value: 'rp-1' },
      disk: { source: { type: 'MOUNT', id, profile, mount: { root: '/x' } } },
    });
    const withStorage = {
      resources: [
        { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 2 }, role: '*' },
        { name: 'mem', type: 'SCALAR' as const, scalar: { value: 512 }, role: '*' },
        { name: 'disk', type: 'SCALAR' as const, scalar: { value: 100 }, role: '*' },
        { name: 'ports', type: 'RANGES' as const, ranges: { range: [{ begin: 1, end: 9 }] } },
        mount('big', 900, 'fast'),
        mount('small', 200, 'fast'),
        mount('slow', 300, 'slow'),
        {
          name: 'disk',
          type: 'SCALAR' as const,
          scalar: { value: 5000 },
          role: '*',
          provider_id: { value: 'rp-1' },
          disk: { source: { type: 'RAW' } },
        },
      ],
    };

    it('plain disk is never sized against RAW pools or MOUNT volumes', () => {
      expect(takeFromPool(offerPool(withStorage), { ...needs, disk: 150 })).toEqual({
        ok: false,
        reason: 'InsufficientDisk',
      });
      const r = takeFromPool(offerPool(withStorage), { ...needs, disk: 100 });
      expect(r.ok).toBe(true);
      const disks = r.ok ? r.picked.resources.filter((x) => x.name === 'disk') : [];
      expect(disks).toEqual([{ name: 'disk', type: 'SCALAR', scalar: { value: 100 } }]);
    });

    it('a persistent volume takes the smallest fitting MOUNT disk of its profile, once', () => {
      const pool = offerPool(withStorage);
      const one = takeMountVolume(pool, { sizeMb: 100, profile: 'fast', roles: ['*'] });
      expect(one && volumeSourceId(one)).toBe('small');
      const two = takeMountVolume(pool, { sizeMb: 100, profile: 'fast', roles: ['*'] });
      expect(two && volumeSourceId(two)).toBe('big');
      expect(takeMountVolume(pool, { sizeMb: 100, profile: 'fast', roles: ['*'] })).toBe(undefined);
      expect(takeMountVolume(offerPool(withStorage), { sizeMb: 1000, roles: ['*'] })).toBe(
        undefined,
      );
      const pinned = takeMountVolume(offerPool(withStorage), {
        sizeMb: 0,
        roles: ['*'],
        sourceId: 'slow',
      });
      expect(pinned && volumeSourceId(pinned)).toBe('slow');
      // BLOCK disks are asked for by type: a MOUNT disk never stands in for one.
      expect(
        takeMountVolume(offerPool(withStorage), { sizeMb: 1, roles: ['*'], type: 'BLOCK' }),
      ).toBe(undefined);
      const block = {
        ...mount('raw-1', 64, 'raw'),
        disk: { source: { type: 'BLOCK', id: 'raw-1', profile: 'raw' } },
      };
      const b = takeMountVolume(offerPool({ resources: [...withStorage.resources, block] }), {
        sizeMb: 32,
        roles: ['*'],
        type: 'BLOCK',
      });
      expect(b && volumeSourceId(b)).toBe('raw-1');
    });

    it('a root volume: a slice of plain disk from one role; once made, found by its persistence id', () => {
      const pool = offerPool(withStorage);
      expect(takePlainDisk(pool, 200, ['*'])).toBe(undefined);
      expect(takePlainDisk(pool, 64, ['prod', '*'])).toEqual({
        role: '*',
        resource: { name: 'disk', type: 'SCALAR', scalar: { value: 64 } },
      });
      expect(pool.scalars.get('disk')?.get('*')).toBe(36);
      const vol = {
        name: 'disk',
        type: 'SCALAR' as const,
        scalar: { value: 64 },
        reservations: [{ type: 'DYNAMIC' as const, role: 'prod' }],
        disk: { persistence: { id: 'p1' } },
      };
      const withVol = offerPool({ resources: [...withStorage.resources, vol] });
      expect(takePersistentVolume(withVol, 'p1', ['*'])).toBe(undefined);
      expect(takePersistentVolume(withVol, 'p2', ['prod'])).toBe(undefined);
      expect(takePersistentVolume(withVol, 'p1', ['prod'])).toEqual(vol);
      expect(takePersistentVolume(withVol, 'p1', ['prod'])).toBe(undefined);
      expect(persistenceIdOf(vol)).toBe('p1');
    });
  });
});

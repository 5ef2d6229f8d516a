import { AllocatorError, DrfAllocator } from './allocator';
import {
  Resources,
  add,
  equals,
  flatten,
  getScalar,
  isEmpty,
  makeResources,
  parseResources,
} from './resources';

const AGENT = 'cpus:4;mem:8192;disk:10000;ports:[31000-32000]';
const T0 = 1_000_000;

function cluster(agents: number, frameworks: number, opts: { roles?: string[] } = {}) {
  const a = new DrfAllocator();
  for (let i = 0; i < agents; i++) {
    a.addAgent({ id: `a${i}`, hostname: `host${i}`, resources: parseResources(AGENT) });
  }
  for (let i = 0; i < frameworks; i++) {
    a.addFramework({ id: `f${i}`, roles: [opts.roles?.[i] ?? 'default'] });
  }
  return a;
}

describe('DrfAllocator: offers', () => {
  it('offers all of an agent in one offer to one framework, never twice', () => {
    const a = cluster(2, 1);
    const offers = a.allocate(T0);
    expect(offers).toHaveLength(2);
    for (const o of offers) {
      expect(o.frameworkId).toBe('f0');
      expect(o.role).toBe('default');
      expect(flatten(o.resources)).toEqual({
        cpus: 4,
        gpus: 0,
        mem: 8192,
        disk: 10000,
        ports: '[31000-32000]',
      });
    }
    expect(new Set(offers.map((o) => o.agentId))).toEqual(new Set(['a0', 'a1']));
    expect(a.allocate(T0)).toEqual([]);
    expect(a.getOffers({ frameworkId: 'f0' })).toHaveLength(2);
    expect(a.getOffer(offers[0].id)).toBe(offers[0]);
  });

  it('spreads agents across frameworks by dominant share', () => {
    const a = cluster(4, 2);
    const offers = a.allocate(T0);
    const byFw = new Map<string, number>();
    for (const o of offers) byFw.set(o.frameworkId, (byFw.get(o.frameworkId) ?? 0) + 1);
    expect(byFw).toEqual(
      new Map([
        ['f0', 2],
        ['f1', 2],
      ]),
    );
    expect(a.dominantShare('f0')).toBeCloseTo(0.5);
  });

  it('gives a framework with a lower share the next agent', () => {
    const a = new DrfAllocator();
    a.addAgent({
      id: 'a0',
      resources: parseResources(AGENT),
      used: [{ frameworkId: 'f0', role: 'r', resources: makeResources({ cpus: 2 }) }],
    });
    a.addAgent({ id: 'a1', resources: parseResources(AGENT) });
    a.addFramework({ id: 'f0', roles: ['r'] });
    a.addFramework({ id: 'f1', roles: ['r'] });
    const [first] = a.allocate(T0, { agentIds: ['a1'] });
    expect(first.frameworkId).toBe('f1');
    const [second] = a.allocate(T0, { agentIds: ['a0'] });
    expect(second.frameworkId).toBe('f0');
    expect(getScalar(second.resources, 'cpus')).toBe(2);
  });

  it('does not offer crumbs below the minimum allocatable size', () => {
    const a = new DrfAllocator();
    a.addAgent({ id: 'a0', resources: makeResources({ cpus: 0.005, mem: 16, disk: 100 }) });
    a.addFramework({ id: 'f0', roles: ['r'] });
    expect(a.allocate(T0)).toEqual([]);
    const b = new DrfAllocator();
    b.addAgent({ id: 'a0', resources: makeResources({ cpus: 0.005, mem: 32 }) });
    b.addFramework({ id: 'f0', roles: ['r'] });
    expect(b.allocate(T0)).toHaveLength(1);
  });

  it('offers nothing to inactive frameworks or to inactive agents', () => {
    const a = cluster(1, 1);
    a.deactivateFramework('f0');
    expect(a.allocate(T0)).toEqual([]);
    a.activateFramework('f0');
    a.deactivateAgent('a0');
    expect(a.allocate(T0)).toEqual([]);
    a.activateAgent('a0');
    expect(a.allocate(T0)).toHaveLength(1);
  });

  it('rescinds offers when a framework deactivates or an agent deactivates', () => {
    const a = cluster(2, 1);
    const offers = a.allocate(T0);
    const rescinded = a.deactivateAgent('a0');
    expect(rescinded.map((o) => o.agentId)).toEqual(['a0']);
    expect(a.deactivateFramework('f0').map((o) => o.agentId)).toEqual(['a1']);
    expect(a.getOffers()).toEqual([]);
    expect(a.getOffer(offers[0].id)).toBeUndefined();
  });

  it('keeps agents with GPUs for GPU_RESOURCES frameworks', () => {
    const a = new DrfAllocator();
    a.addAgent({ id: 'gpu', resources: parseResources('cpus:4;mem:4096;gpus:1') });
    a.addFramework({ id: 'plain', roles: ['r'] });
    expect(a.allocate(T0)).toEqual([]);
    a.addFramework({ id: 'ml', roles: ['r'], capabilities: ['GPU_RESOURCES'] });
    expect(a.allocate(T0).map((o) => o.frameworkId)).toEqual(['ml']);
  });

  it('seeded shuffles are reproducible', () => {
    const run = (seed: number) =>
      cluster(20, 5)
        .allocate(T0, { seed })
        .map((o) => o.agentId);
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});

describe('DrfAllocator: decline, filters, revive, suppress', () => {
  it('declined resources are filtered for refuse_seconds (default 5 s)', () => {
    const a = cluster(1, 2);
    const [o] = a.allocate(T0);
    expect(a.decline(o.id, T0)).toBe(true);
    expect(a.decline(o.id, T0)).toBe(false);
    const [o2] = a.allocate(T0 + 1000);
    expect(o2.frameworkId).not.toBe(o.frameworkId);
    a.decline(o2.id, T0 + 1000, 60);
    expect(a.allocate(T0 + 4999)).toEqual([]);
    const [o3] = a.allocate(T0 + 5000);
    expect(o3.frameworkId).toBe(o.frameworkId);
  });

  it('a filter does not hide more resources than were declined', () => {
    const a = cluster(1, 1);
    const [o] = a.allocate(T0);
    const { unused } = a.accept(o.id, makeResources({ cpus: 1, mem: 1024 }), T0);
    expect(getScalar(unused, 'cpus')).toBe(3);
    expect(a.allocate(T0 + 1)).toEqual([]);
    a.recoverResources('f0', 'a0', makeResources({ cpus: 1, mem: 1024 }));
    const [again] = a.allocate(T0 + 2);
    expect(getScalar(again.resources, 'cpus')).toBe(4);
  });

  it('refuse_seconds 0 installs no filter', () => {
    const a = cluster(1, 1);
    const [o] = a.allocate(T0);
    a.decline(o.id, T0, 0);
    expect(a.allocate(T0)).toHaveLength(1);
  });

  it('revive clears filters and unsuppresses', () => {
    const a = cluster(1, 1);
    const [o] = a.allocate(T0);
    a.decline(o.id, T0, 3600);
    expect(a.allocate(T0 + 1)).toEqual([]);
    a.revive('f0');
    expect(a.allocate(T0 + 2)).toHaveLength(1);
  });

  it('suppressed frameworks and roles get no offers until revived', () => {
    const a = new DrfAllocator();
    a.addAgent({ id: 'a0', resources: parseResources(AGENT) });
    a.addAgent({ id: 'a1', resources: parseResources(AGENT) });
    a.addFramework({ id: 'f0', roles: ['x', 'y'] });
    a.suppress('f0', ['x']);
    const offers = a.allocate(T0);
    expect(offers.map((o) => o.role)).toEqual(['y', 'y']);
    for (const o of offers) a.decline(o.id, T0, 0);
    a.suppress('f0');
    expect(a.allocate(T0)).toEqual([]);
    a.revive('f0', ['x']);
    expect(a.allocate(T0).map((o) => o.role)).toEqual(['x', 'x']);
    expect(a.getFramework('f0')!.suppressedRoles).toEqual(['y']);
  });

  it('framework initially subscribed with suppressed roles', () => {
    const a = cluster(1, 0);
    a.addFramework({ id: 'f', roles: ['r'], suppressedRoles: ['r'] });
    expect(a.allocate(T0)).toEqual([]);
    a.revive('f');
    expect(a.allocate(T0)).toHaveLength(1);
  });
});

describe('DrfAllocator: accept, recover, removal', () => {
  it('accept allocates the used part and returns the rest to the pool', () => {
    const a = cluster(1, 1);
    const [o] = a.allocate(T0);
    const task = parseResources('cpus:1;mem:512;ports:[31000-31000]');
    a.accept(o.id, task, T0, 0);
    const view = a.getAgent('a0')!;
    expect(equals(view.used, task)).toBe(true);
    expect(isEmpty(view.offered)).toBe(true);
    expect(flatten(view.available)).toEqual({
      cpus: 3,
      gpus: 0,
      mem: 7680,
      disk: 10000,
      ports: '[31001-32000]',
    });
    expect(() => a.accept(o.id, task, T0)).toThrow(AllocatorError);
    const [o2] = a.allocate(T0);
    expect(getScalar(o2.resources, 'cpus')).toBe(3);
    expect(equals(a.usedResources('f0'), task)).toBe(true);
  });

  it('rejects an accept that does not fit and changes nothing', () => {
    const a = cluster(1, 1);
    const [o] = a.allocate(T0);
    try {
      a.accept(o.id, makeResources({ cpus: 5 }), T0);
      throw new Error('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(AllocatorError);
      expect((e as AllocatorError).code).toBe('INVALID');
    }
    expect(a.getOffer(o.id)).toBe(o);
    expect(() => a.accept('nope', [], T0)).toThrow(/unknown/);
  });

  it('accepts several offers of the same agent at once', () => {
    const a = new DrfAllocator();
    a.addAgent({
      id: 'a0',
      resources: add(parseResources(AGENT), makeResources({ cpus: 2, mem: 1024 }, 's')),
    });
    a.addFramework({ id: 'f', roles: ['r', 's'] });
    const offers = a.allocate(T0);
    expect(offers.map((o) => o.role).sort()).toEqual(['r', 's']);
    const ids = offers.map((o) => o.id);
    expect(() => a.accept([...ids, 'missing'], makeResources({ cpus: 1 }), T0)).toThrow(
      AllocatorError,
    );
    const used = add(makeResources({ cpus: 4 }), makeResources({ cpus: 1 }, 's'));
    const { unused } = a.accept(ids, used, T0, 0);
    expect(flatten(unused)).toMatchObject({ cpus: 1, mem: 9216 });
    expect(getScalar(a.usedResources('f'), 'cpus')).toBe(5);
    expect(getScalar(a.usedResources('f', 'a0', 's'), 'cpus')).toBe(1);
    expect(a.getOffers()).toEqual([]);
  });

  it('rescind returns resources without a filter', () => {
    const a = cluster(1, 1);
    const [o] = a.allocate(T0);
    expect(a.rescind(o.id)).toBe(o);
    expect(a.rescind(o.id)).toBeUndefined();
    expect(a.allocate(T0)).toHaveLength(1);
  });

  it('recoverResources frees task resources, only once', () => {
    const a = cluster(1, 1);
    const [o] = a.allocate(T0);
    const task = makeResources({ cpus: 2, mem: 100 });
    a.accept(o.id, task, T0, 0);
    a.allocate(T0).forEach((x) => a.decline(x.id, T0, 0));
    expect(equals(a.recoverResources('f0', 'a0', task), task)).toBe(true);
    expect(isEmpty(a.recoverResources('f0', 'a0', task))).toBe(true);
    expect(isEmpty(a.getAgent('a0')!.used)).toBe(true);
    expect(a.dominantShare('f0')).toBe(0);
    expect(getScalar(a.allocate(T0)[0].resources, 'cpus')).toBe(4);
  });

  it('removing an agent returns its outstanding offers and drops allocations', () => {
    const a = cluster(2, 1);
    const offers = a.allocate(T0);
    const onA0 = offers.find((o) => o.agentId === 'a0')!;
    const onA1 = offers.find((o) => o.agentId === 'a1')!;
    a.accept(onA1.id, makeResources({ cpus: 1 }), T0);
    expect(a.removeAgent('a0')).toEqual([onA0]);
    expect(a.removeAgent('a0')).toEqual([]);
    expect(a.getOffer(onA0.id)).toBeUndefined();
    expect(a.removeAgent('a1')).toEqual([]);
    expect(isEmpty(a.usedResources('f0'))).toBe(true);
    expect(a.dominantShare('f0')).toBe(0);
    expect(a.clusterResources()).toEqual({});
  });

  it('removing a framework frees its allocations and offers', () => {
    const a = cluster(2, 2);
    const offers = a.allocate(T0);
    const mine = offers.filter((o) => o.frameworkId === 'f0');
    a.accept(mine[0].id, makeResources({ cpus: 4, mem: 8192 }), T0);
    expect(a.removeFramework('f0')).toEqual(mine.slice(1));
    expect(a.hasFramework('f0')).toBe(false);
    const view = a.getAgent(mine[0].agentId)!;
    expect(equals(view.available, view.total)).toBe(true);
    expect(a.allocate(T0).map((o) => o.frameworkId)).toEqual(['f1']);
  });

  it('updateAgent rescinds its offers and keeps used resources', () => {
    const a = cluster(1, 1);
    const [o] = a.allocate(T0);
    a.accept(o.id, makeResources({ cpus: 1 }), T0, 0);
    const [o2] = a.allocate(T0);
    expect(a.updateAgent('a0', parseResources('cpus:8;mem:8192'))).toEqual([o2]);
    expect(getScalar(a.getAgent('a0')!.available, 'cpus')).toBe(7);
  });

  it('tracks tasks of frameworks that have not re-subscribed yet', () => {
    const a = new DrfAllocator();
    a.addAgent({
      id: 'a0',
      resources: parseResources(AGENT),
      used: [{ frameworkId: 'old', role: 'r', resources: makeResources({ cpus: 3 }) }],
    });
    a.addFramework({ id: 'new', roles: ['r'] });
    expect(a.getFramework('old')!.registered).toBe(false);
    const [o] = a.allocate(T0);
    expect(o.frameworkId).toBe('new');
    expect(getScalar(o.resources, 'cpus')).toBe(1);
    a.addFramework({ id: 'old', roles: ['r'] });
    expect(a.getFramework('old')!.registered).toBe(true);
    expect(getScalar(a.usedResources('old'), 'cpus')).toBe(3);
  });

  it('rescinds offers of roles a framework leaves', () => {
    const a = new DrfAllocator();
    a.addAgent({ id: 'a0', resources: parseResources(AGENT) });
    a.addFramework({ id: 'f', roles: ['x'] });
    const [o] = a.allocate(T0);
    expect(a.updateFramework('f', { roles: ['y'] })).toEqual([o]);
    expect(a.allocate(T0).map((x) => x.role)).toEqual(['y']);
  });
});

describe('DrfAllocator: roles, weights and reservations', () => {
  it('orders roles by weighted dominant share', () => {
    const a = cluster(12, 2, { roles: ['heavy', 'light'] });
    a.setWeight('heavy', 3);
    const offers = a.allocate(T0);
    const count = (fw: string) => offers.filter((o) => o.frameworkId === fw).length;
    expect(count('f0')).toBe(9);
    expect(count('f1')).toBe(3);
    expect(a.roleShare('heavy').weightedShare).toBeCloseTo(a.roleShare('light').weightedShare);
    expect(a.weights()).toEqual({ heavy: 3 });
    expect(() => a.setWeight('x', 0)).toThrow(AllocatorError);
  });

  it('offers reserved resources only to their role', () => {
    const a = new DrfAllocator();
    const total = add(parseResources(AGENT), parseResources('cpus(db):2;mem(db):1024'));
    a.addAgent({ id: 'a0', resources: total });
    a.addFramework({ id: 'web', roles: ['web'] });
    a.addFramework({ id: 'db', roles: ['db'] });
    a.setWeight('web', 0.5);
    const offers = a.allocate(T0);
    const db = offers.find((o) => o.frameworkId === 'db')!;
    expect(offers).toHaveLength(1);
    expect(getScalar(db.resources, 'cpus')).toBe(6);
  });

  it('offers unreserved resources by share and leftover reservations to their role', () => {
    const a = new DrfAllocator();
    const reservedAgent = add(parseResources(AGENT), parseResources('cpus(db):2;mem(db):1024'));
    a.addAgent({ id: 'a0', resources: reservedAgent });
    a.addAgent({
      id: 'a1',
      resources: parseResources(AGENT),
      used: [{ frameworkId: 'db', role: 'db', resources: makeResources({ cpus: 4 }) }],
    });
    a.addFramework({ id: 'web', roles: ['web'] });
    a.addFramework({ id: 'db', roles: ['db'] });
    const next = a.allocate(T0, { agentIds: ['a0'] });
    expect(next).toHaveLength(2);
    const webOffer = next.find((o) => o.frameworkId === 'web')!;
    const dbOffer = next.find((o) => o.frameworkId === 'db')!;
    expect(getScalar(webOffer.resources, 'cpus')).toBe(4);
    expect(getScalar(webOffer.resources, 'cpus', 'db')).toBe(0);
    expect(getScalar(dbOffer.resources, 'cpus', 'db')).toBe(2);
    expect(getScalar(dbOffer.resources, 'cpus')).toBe(2);
  });

  it('rejects invalid roles', () => {
    const a = new DrfAllocator();
    expect(() => a.addFramework({ id: 'f', roles: ['*'] })).toThrow(AllocatorError);
    expect(() => a.addFramework({ id: 'f', roles: ['a b'] })).toThrow(AllocatorError);
    expect(() => a.addAgent({ id: 'x', resources: [] })).not.toThrow();
    expect(() => a.addAgent({ id: 'x', resources: [] })).toThrow(AllocatorError);
  });

  it('excludes resource names from fairness on request', () => {
    const a = new DrfAllocator({ fairnessExcludedResourceNames: ['disk'] });
    a.addAgent({ id: 'a0', resources: parseResources('cpus:10;mem:1000;disk:100') });
    a.addFramework({ id: 'f', roles: ['r'] });
    const [o] = a.allocate(T0);
    a.accept(o.id, makeResources({ cpus: 1, disk: 90 }), T0);
    expect(a.dominantShare('f')).toBeCloseTo(0.1);
  });
});

export function sum(list: Resources[]): Resources {
  return list.reduce((acc, r) => add(acc, r), [] as Resources);
}

/**
 * Property tests of the DRF allocator: random event sequences never offer a resource
 * twice nor over-allocate an agent; rounds are DRF-fair and weight-proportional.
 */
import fc from 'fast-check';
import { DrfAllocator, Offer } from './allocator';
import { Range, rangesAdd, rangesSize } from './ranges';
import {
  Resource,
  Resources,
  UNRESERVED,
  add,
  equals,
  getRanges,
  getScalar,
  makeResources,
  normalize,
  scalarQuantities,
} from './resources';

type Cmd =
  | { t: 'addAgent'; cpus: number; mem: number; lo: number; len: number; reserve: string | null }
  | { t: 'addFw'; roles: string[]; gpu: boolean }
  | { t: 'allocate'; seed: number }
  | { t: 'accept'; pick: number; frac: number; refuse: number }
  | { t: 'decline'; pick: number; refuse: number }
  | { t: 'rescind'; pick: number }
  | { t: 'recover'; pick: number; frac: number }
  | { t: 'removeAgent'; pick: number }
  | { t: 'deactivateAgent'; pick: number }
  | { t: 'activateAgent'; pick: number }
  | { t: 'removeFw'; pick: number }
  | { t: 'suppress'; pick: number }
  | { t: 'revive'; pick: number }
  | { t: 'deactivateFw'; pick: number }
  | { t: 'activateFw'; pick: number }
  | { t: 'tick'; ms: number };

const ROLES = ['a', 'b', 'c'];
const pick = fc.nat(1000);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    t: fc.constant('addAgent' as const),
    cpus: fc.integer({ min: 1, max: 16000 }).map((v) => v / 1000),
    mem: fc.integer({ min: 0, max: 8192 }),
    lo: fc.integer({ min: 31000, max: 31100 }),
    len: fc.integer({ min: 0, max: 50 }),
    reserve: fc.option(fc.constantFrom(...ROLES)),
  }),
  fc.record({
    t: fc.constant('addFw' as const),
    roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 3 }),
    gpu: fc.boolean(),
  }),
  fc.record({ t: fc.constant('allocate' as const), seed: fc.nat() }),
  fc.record({ t: fc.constant('allocate' as const), seed: fc.nat() }),
  fc.record({
    t: fc.constant('accept' as const),
    pick,
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
    refuse: fc.constantFrom(0, 1, 5),
  }),
  fc.record({ t: fc.constant('decline' as const), pick, refuse: fc.constantFrom(0, 1, 5, 60) }),
  fc.record({ t: fc.constant('rescind' as const), pick }),
  fc.record({
    t: fc.constant('recover' as const),
    pick,
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({ t: fc.constant('removeAgent' as const), pick }),
  fc.record({ t: fc.constant('deactivateAgent' as const), pick }),
  fc.record({ t: fc.constant('activateAgent' as const), pick }),
  fc.record({ t: fc.constant('removeFw' as const), pick }),
  fc.record({ t: fc.constant('suppress' as const), pick }),
  fc.record({ t: fc.constant('revive' as const), pick }),
  fc.record({ t: fc.constant('deactivateFw' as const), pick }),
  fc.record({ t: fc.constant('activateFw' as const), pick }),
  fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 10_000 }) }),
);

/** A part (about `frac`) of `res`: scalars scaled, ranges truncated. */
function part(res: Resources, frac: number): Resources {
  const out: Resource[] = [];
  for (const r of res) {
    if (r.scalar !== undefined) {
      out.push({ ...r, scalar: Math.floor(r.scalar * frac * 1000) / 1000 });
    } else if (r.ranges && r.ranges.length > 0) {
      const [b, e] = r.ranges[0];
      const n = Math.floor((e - b + 1) * frac);
      if (n > 0) out.push({ ...r, ranges: [[b, b + n - 1]] });
    }
  }
  return normalize(out);
}

const at = <T>(list: readonly T[], i: number): T | undefined =>
  list.length === 0 ? undefined : list[i % list.length];

/** Checks the books of every agent: used + offered + available = total, all disjoint. */
function checkAgents(a: DrfAllocator): void {
  const offers = a.getOffers();
  expect(new Set(offers.map((o) => o.id)).size).toBe(offers.length);
  for (const id of a.agentIds()) {
    const view = a.getAgent(id)!;
    const pieces: Resources[] = [view.available];
    for (const o of offers) if (o.agentId === id) pieces.push(o.resources);
    for (const fw of a.frameworkIds()) pieces.push(a.usedResources(fw, id));
    // Scalars: exact sums (no over-allocation, nothing lost).
    const totalQ = scalarQuantities(view.total);
    const sumQ: Record<string, number> = {};
    for (const p of pieces) {
      for (const [n, v] of Object.entries(scalarQuantities(p))) sumQ[n] = (sumQ[n] ?? 0) + v;
    }
    for (const n of new Set([...Object.keys(totalQ), ...Object.keys(sumQ)])) {
      expect(Math.abs((sumQ[n] ?? 0) - (totalQ[n] ?? 0))).toBeLessThan(1e-6);
    }
    // Ranges, per role: pieces are pairwise disjoint and cover the total exactly.
    for (const role of [UNRESERVED, ...ROLES]) {
      let union: Range[] = [];
      let size = 0;
      for (const p of pieces) {
        const rs = getRanges(p, 'ports', role);
        size += rangesSize(rs);
        union = rangesAdd(union, rs);
      }
      const total = getRanges(view.total, 'ports', role);
      expect(size).toBe(rangesSize(total));
      expect(union).toEqual(total);
    }
    let offered: Resources = [];
    for (const o of offers) if (o.agentId === id) offered = add(offered, o.resources);
    expect(equals(offered, view.offered)).toBe(true);
  }
}

describe('DrfAllocator properties', () => {
  it('never offers a resource twice and never over-allocates an agent', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 60 }), (cmds) => {
        const a = new DrfAllocator();
        let now = 1_000_000;
        let nextId = 0;
        const fwState = new Map<string, { active: boolean; suppressed: boolean }>();
        for (const c of cmds) {
          const agents = a.agentIds();
          const fws = [...fwState.keys()];
          const offers = a.getOffers();
          switch (c.t) {
            case 'addAgent': {
              let res = makeResources({ cpus: c.cpus, mem: c.mem, ports: [[c.lo, c.lo + c.len]] });
              if (c.reserve) {
                res = add(
                  res,
                  makeResources({ cpus: 1, ports: [[c.lo + 100, c.lo + 110]] }, c.reserve),
                );
              }
              a.addAgent({ id: `a${nextId++}`, resources: res });
              break;
            }
            case 'addFw': {
              const id = `f${nextId++}`;
              a.addFramework({ id, roles: c.roles, capabilities: c.gpu ? ['GPU_RESOURCES'] : [] });
              fwState.set(id, { active: true, suppressed: false });
              break;
            }
            case 'allocate': {
              const before = new Set(offers.map((o) => o.id));
              const made: Offer[] = a.allocate(now, { seed: c.seed });
              for (const o of made) {
                expect(before.has(o.id)).toBe(false);
                const s = fwState.get(o.frameworkId)!;
                expect(s.active && !s.suppressed).toBe(true);
                expect(a.getAgent(o.agentId)!.active).toBe(true);
                // Never crumbs.
                expect(
                  getScalar(o.resources, 'cpus') >= 0.01 || getScalar(o.resources, 'mem') >= 32,
                ).toBe(true);
              }
              break;
            }
            case 'accept': {
              const o = at(offers, c.pick);
              if (o) a.accept(o.id, part(o.resources, c.frac), now, c.refuse);
              break;
            }
            case 'decline': {
              const o = at(offers, c.pick);
              if (o) expect(a.decline(o.id, now, c.refuse)).toBe(true);
              break;
            }
            case 'rescind': {
              const o = at(offers, c.pick);
              if (o) expect(a.rescind(o.id)).toBe(o);
              break;
            }
            case 'recover': {
              const fw = at(fws, c.pick);
              const agent = at(agents, c.pick >> 3);
              if (fw && agent) {
                const used = a.usedResources(fw, agent);
                a.recoverResources(fw, agent, part(used, c.frac));
              }
              break;
            }
            case 'removeAgent': {
              const id = at(agents, c.pick);
              if (id) {
                const had = a
                  .getOffers({ agentId: id })
                  .map((o) => o.id)
                  .sort();
                expect(
                  a
                    .removeAgent(id)
                    .map((o) => o.id)
                    .sort(),
                ).toEqual(had);
              }
              break;
            }
            case 'deactivateAgent':
            case 'activateAgent': {
              const id = at(agents, c.pick);
              if (id && c.t === 'deactivateAgent') {
                a.deactivateAgent(id);
                expect(a.getOffers({ agentId: id })).toEqual([]);
              } else if (id) a.activateAgent(id);
              break;
            }
            case 'removeFw': {
              const id = at(fws, c.pick);
              if (id) {
                a.removeFramework(id);
                fwState.delete(id);
                expect(a.getOffers({ frameworkId: id })).toEqual([]);
              }
              break;
            }
            case 'suppress':
            case 'revive': {
              const id = at(fws, c.pick);
              if (id) {
                if (c.t === 'suppress') a.suppress(id);
                else a.revive(id);
                fwState.get(id)!.suppressed = c.t === 'suppress';
              }
              break;
            }
            case 'deactivateFw':
            case 'activateFw': {
              const id = at(fws, c.pick);
              if (id) {
                if (c.t === 'deactivateFw') a.deactivateFramework(id);
                else a.activateFramework(id);
                fwState.get(id)!.active = c.t === 'activateFw';
              }
              break;
            }
            case 'tick':
              now += c.ms;
              break;
          }
          checkAgents(a);
        }
      }),
      { numRuns: 300 },
    );
  });

  const agentArb = fc.record({
    cpus: fc.integer({ min: 1, max: 16 }),
    mem: fc.integer({ min: 1, max: 64 }).map((g) => g * 1024),
  });

  // DRF, checked per offer: every offer of a round goes to a framework whose dominant share
  // is the lowest at that moment. (A bound on the final spread only holds when all agents
  // are present from the start: agents joining later can change which resource dominates.)
  it('offers each agent to an equal framework with the lowest dominant share at that moment', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.array(fc.array(agentArb, { minLength: 1, maxLength: 15 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.nat(),
        (nFw, batches, seed) => {
          const a = new DrfAllocator();
          const held = Array.from({ length: nFw }, () => ({ cpus: 0, mem: 0 }));
          for (let i = 0; i < nFw; i++) a.addFramework({ id: `f${i}`, roles: ['r'] });
          let n = 0;
          let round = 0;
          for (const batch of batches) {
            // Agents join over time; every framework takes everything it is offered.
            for (const spec of batch) {
              a.addAgent({ id: `a${n++}`, resources: makeResources(spec) });
            }
            const total = a.clusterResources();
            const share = (h: { cpus: number; mem: number }) =>
              Math.max(h.cpus / total.cpus, h.mem / total.mem);
            for (const o of a.allocate(round * 1000, { seed: seed + round })) {
              const lowest = Math.min(...held.map(share));
              const f = Number(o.frameworkId.slice(1));
              expect(share(held[f])).toBeLessThanOrEqual(lowest + 1e-9);
              held[f].cpus += getScalar(o.resources, 'cpus');
              held[f].mem += getScalar(o.resources, 'mem');
              a.accept(o.id, o.resources, round * 1000);
            }
            round++;
          }
          // The allocator's own accounting agrees with the shares checked above.
          const total = a.clusterResources();
          held.forEach((h, i) =>
            expect(a.dominantShare(`f${i}`)).toBeCloseTo(
              Math.max(h.cpus / total.cpus, h.mem / total.mem),
              9,
            ),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives roles agents in proportion to their weights', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 10, max: 120 }),
        fc.nat(),
        (weights, nAgents, seed) => {
          const a = new DrfAllocator();
          weights.forEach((w, i) => {
            a.setWeight(`role${i}`, w);
            a.addFramework({ id: `f${i}`, roles: [`role${i}`] });
          });
          for (let i = 0; i < nAgents; i++) {
            a.addAgent({ id: `a${i}`, resources: makeResources({ cpus: 4, mem: 4096 }) });
          }
          const counts = weights.map(() => 0);
          for (const o of a.allocate(0, { seed })) counts[Number(o.frameworkId.slice(1))]++;
          expect(counts.reduce((x, y) => x + y, 0)).toBe(nAgents);
          // Greedy weighted DRF: agents/weight differ by at most 1/min(weight) between roles.
          const per = counts.map((c, i) => c / weights[i]);
          expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(
            1 / Math.min(...weights) + 1e-9,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

/**
 * `allocator`: one DRF allocation round of the pure allocator lib (@dcos/allocator) on a
 * synthetic cluster, in ms. Sizes: 10,000 agents × 1,000 frameworks and 1,000 × 100
 * (quick: 1,000 × 100 and 100 × 10).
 *
 * The cluster is realistic rather than empty: agents of mixed sizes, 30 % of them partly
 * used by running tasks, 5 % with static reservations; frameworks spread over 50 roles
 * (some weighted), 10 % suppressed. Timed: `allocate(now)` on the fresh cluster (every
 * agent is offered) and a second round after every offer was declined with the default
 * 5 s filter (every agent re-offered to another framework past the filters).
 * Anchor: Mesos' allocator, 1.06 s per round at 10,000 agents × 1,000 frameworks.
 */
import { DrfAllocator, Resources, add, makeResources, mulberry32 } from '@dcos/allocator';
import { RunResult, Scenario, ScenarioOptions, collectGarbage, timeMsSync } from '../scenario';

const MESOS_MS = 1060;

export interface ClusterSize {
  agents: number;
  frameworks: number;
}

/** Builds a deterministic synthetic cluster. */
export function buildCluster(size: ClusterSize, seed: number): DrfAllocator {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const a = new DrfAllocator({ offerIdPrefix: 'bench-' });
  const roles = Array.from({ length: Math.min(50, size.frameworks) }, (_, i) => `role${i}`);
  roles.forEach((r, i) => {
    if (i % 5 === 0) a.setWeight(r, 1 + (i % 3));
  });
  const fwIds = Array.from({ length: size.frameworks }, (_, i) => `fw-${i}`);
  for (let i = 0; i < size.agents; i++) {
    let res: Resources = makeResources({
      cpus: int(8, 32),
      mem: int(16, 128) * 1024,
      disk: int(100, 500) * 1024,
      ports: [[31000, 32000]],
    });
    if (rnd() < 0.05) {
      res = add(res, makeResources({ cpus: 2, mem: 4096 }, roles[int(0, roles.length - 1)]));
    }
    const used = [];
    if (rnd() < 0.3) {
      const fw = int(0, fwIds.length - 1);
      used.push({
        frameworkId: fwIds[fw],
        role: roles[fw % roles.length],
        resources: makeResources({ cpus: int(1, 4), mem: int(1, 8) * 1024 }),
      });
    }
    a.addAgent({ id: `agent-${i}`, hostname: `node-${i}.bench`, resources: res, used });
  }
  fwIds.forEach((id, i) => {
    a.addFramework({
      id,
      roles: [roles[i % roles.length]],
      suppressedRoles: rnd() < 0.1 ? [roles[i % roles.length]] : [],
    });
  });
  return a;
}

/** Times a first round and a round after declining everything; returns both in ms. */
export function measureRounds(
  size: ClusterSize,
  seed: number,
): { first: number; afterDecline: number; offers: number } {
  const a = buildCluster(size, seed);
  const now = 1_700_000_000_000;
  let offers: ReturnType<DrfAllocator['allocate']> = [];
  collectGarbage();
  const first = timeMsSync(() => {
    offers = a.allocate(now, { seed });
  });
  if (offers.length === 0) throw new Error('the round made no offers');
  for (const o of offers) a.decline(o.id, now);
  collectGarbage();
  let again: ReturnType<DrfAllocator['allocate']> = [];
  const afterDecline = timeMsSync(() => {
    again = a.allocate(now + 1000, { seed: seed + 1 });
  });
  if (again.length === 0) throw new Error('the second round made no offers');
  return { first, afterDecline, offers: offers.length };
}

function label(s: ClusterSize): string {
  return `${s.agents}x${s.frameworks}`;
}

let seq = 0;

export const scenario: Scenario = {
  name: 'allocator',
  description:
    'one DRF allocation round of @dcos/allocator (10,000 agents x 1,000 frameworks; 1,000 x 100), ms',
  order: 1,
  runs: 7,
  warmup: 1,
  run(opts: ScenarioOptions): RunResult {
    const sizes: ClusterSize[] = opts.quick
      ? [
          { agents: 1000, frameworks: 100 },
          { agents: 100, frameworks: 10 },
        ]
      : [
          { agents: 10_000, frameworks: 1000 },
          { agents: 1000, frameworks: 100 },
        ];
    const out: RunResult = {};
    const seed = 42 + seq++;
    for (const size of sizes) {
      const m = measureRounds(size, seed);
      const big = size.agents === 10_000 && size.frameworks === 1000;
      out[label(size)] = {
        value: m.first,
        unit: 'ms',
        ...(big ? { baseline: { value: MESOS_MS, label: 'Mesos 1.06 s' } } : {}),
      };
      out[`${label(size)} after-decline`] = { value: m.afterDecline, unit: 'ms' };
    }
    return out;
  },
};

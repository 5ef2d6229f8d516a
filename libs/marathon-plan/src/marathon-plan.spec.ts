import fc from 'fast-check';
import { canonicalPath, instanceId, instanceIdOfTask, mesosTaskName, taskId } from './path-id';
import { launchDelaySeconds } from './backoff';
import { capacityBounds, rollout, type InstanceView, type RolloutTarget } from './rollout';
import { dependencyCycle, planDeployment, type PlannedApp } from './plan';

describe('path ids', () => {
  it('canonicalises and rejects bad segments', () => {
    expect(canonicalPath('web', '/prod')).toBe('/prod/web');
    expect(canonicalPath('../x', '/a/b')).toBe('/a/x');
    expect(canonicalPath('/a//b/')).toBe('/a/b');
    expect(canonicalPath('/Prod')).toBeUndefined();
    expect(canonicalPath('/-a')).toBeUndefined();
    expect(canonicalPath('/a_b')).toBeUndefined();
    // Marathon's PathId.canonicalPath: `..` above the root stays at the root.
    expect(canonicalPath('/../a')).toBe('/a');
    expect(canonicalPath('../../backend', '/prod')).toBe('/backend');
  });
  it('names tasks as Marathon sends them to Mesos', () => {
    expect(mesosTaskName('/prod/web')).toBe('web.prod');
    const inst = instanceId('/prod/web', 'abc');
    expect(inst).toBe('prod_web.instance-abc');
    expect(taskId(inst, 1)).toBe('prod_web.instance-abc._app.1');
    expect(instanceIdOfTask('prod_web.instance-abc._app.3')).toBe(inst);
  });
});

describe('launch back-off', () => {
  it('grows by the factor and is capped', () => {
    const p = { backoffSeconds: 1, backoffFactor: 2, maxLaunchDelaySeconds: 5 };
    expect([0, 1, 2, 3, 4].map((n) => launchDelaySeconds(p, n))).toEqual([0, 1, 2, 4, 5]);
  });
});

describe('deployment plans', () => {
  const app = (
    id: string,
    instances = 1,
    configKey = 'a',
    dependencies: string[] = [],
  ): PlannedApp => ({
    id,
    instances,
    configKey,
    dependencies,
  });
  it('stops first, then follows dependencies', () => {
    const steps = planDeployment(
      [app('/old'), app('/db'), app('/web', 1, 'a', ['/db'])],
      [app('/db', 1, 'b'), app('/web', 3, 'a', ['/db']), app('/cache')],
    );
    expect(steps).toEqual([
      { actions: [{ action: 'StopApplication', app: '/old' }] },
      {
        actions: [
          { action: 'StartApplication', app: '/cache' },
          { action: 'RestartApplication', app: '/db' },
        ],
      },
      { actions: [{ action: 'ScaleApplication', app: '/web' }] },
    ]);
  });
  it('group dependencies cover every app in the group; cycles are found', () => {
    const steps = planDeployment([], [app('/g/a'), app('/g/b'), app('/front', 1, 'a', ['/g'])]);
    expect(steps.map((s) => s.actions.map((a) => a.app))).toEqual([['/g/a', '/g/b'], ['/front']]);
    expect(dependencyCycle([app('/a', 1, 'a', ['/b']), app('/b', 1, 'a', ['/a'])])).toBeDefined();
    expect(dependencyCycle([app('/a', 1, 'a', ['/b']), app('/b')])).toBeUndefined();
  });
});

describe('rollout', () => {
  const inst = (id: string, v: string, healthy = true, since = 0): InstanceView => ({
    id,
    configVersion: v,
    phase: 'active',
    running: true,
    healthy,
    since,
  });
  const target = (o: Partial<RolloutTarget> = {}): RolloutTarget => ({
    instances: 3,
    configVersion: 'v2',
    minimumHealthCapacity: 1,
    maximumOverCapacity: 1,
    killSelection: 'YOUNGEST_FIRST',
    hasHealthChecks: true,
    ...o,
  });

  it('scales up and down with the kill selection', () => {
    expect(rollout(target({ configVersion: 'v1' }), [inst('a', 'v1')]).launch).toBe(2);
    const four = [inst('a', 'v1', true, 1), inst('b', 'v1', true, 4), inst('c', 'v1', true, 3)];
    expect(rollout(target({ configVersion: 'v1', instances: 1 }), four).kill).toEqual(['b', 'c']);
    expect(
      rollout(target({ configVersion: 'v1', instances: 1, killSelection: 'OLDEST_FIRST' }), four)
        .kill,
    ).toEqual(['a', 'c']);
  });
  it('is done when every instance is current and healthy', () => {
    const all = [inst('a', 'v2'), inst('b', 'v2'), inst('c', 'v2')];
    expect(rollout(target(), all)).toEqual({ launch: 0, kill: [], done: true });
    all[0].healthy = false;
    expect(rollout(target(), all).done).toBe(false);
  });
  it('waits for readiness: a new instance not ready yet keeps the old ones and the deployment open', () => {
    const t = target({ instances: 2, minimumHealthCapacity: 1, maximumOverCapacity: 0.5 });
    const fresh = { ...inst('n', 'v2'), ready: false };
    const olds = [inst('a', 'v1'), inst('b', 'v1')];
    const r = rollout(t, [...olds, fresh]);
    expect(r.kill).toEqual([]);
    expect(r.done).toBe(false);
    const ready = rollout(t, [...olds, { ...fresh, ready: true }]);
    expect(ready.kill).toHaveLength(1);
    expect(
      rollout(t, [
        { ...fresh, ready: true },
        { ...inst('m', 'v2'), ready: false },
      ]).done,
    ).toBe(false);
    expect(
      rollout(t, [
        { ...fresh, ready: true },
        { ...inst('m', 'v2'), ready: true },
      ]).done,
    ).toBe(true);
  });
  it('leaves room for one kill when both bounds are tight', () => {
    expect(capacityBounds(target({ maximumOverCapacity: 0 }))).toEqual({
      minHealthy: 2,
      maxCapacity: 3,
    });
  });

  it('keeps the upgrade within minimumHealthCapacity/maximumOverCapacity and finishes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.constantFrom(0, 0.25, 0.5, 0.75, 1),
        fc.constantFrom(0, 0.25, 0.5, 1),
        fc.constantFrom<'YOUNGEST_FIRST' | 'OLDEST_FIRST'>('YOUNGEST_FIRST', 'OLDEST_FIRST'),
        fc.infiniteStream(fc.boolean()),
        (before, instances, minHC, maxOC, killSelection, coin) => {
          const t = target({
            instances,
            minimumHealthCapacity: minHC,
            maximumOverCapacity: maxOC,
            killSelection,
          });
          const { minHealthy, maxCapacity } = capacityBounds(t);
          let cur: InstanceView[] = Array.from({ length: before }, (_, i) => inst(`old${i}`, 'v1'));
          const flip = coin[Symbol.iterator]();
          const chance = () => flip.next().value as boolean;
          let n = 0;
          const healthyCount = () =>
            cur.filter((i) => i.phase === 'active' && i.running && i.healthy).length;
          for (let tick = 0; tick < 400; tick++) {
            const healthyBefore = healthyCount();
            const r = rollout(t, cur);
            if (r.done) break;
            cur = cur
              .filter((i) => !(r.kill.includes(i.id) && i.phase === 'scheduled'))
              .map((i) => (r.kill.includes(i.id) ? { ...i, phase: 'killing' as const } : i));
            for (let k = 0; k < r.launch; k++)
              cur.push({
                id: `n${n++}`,
                configVersion: 'v2',
                phase: 'scheduled',
                running: false,
                since: tick,
              });
            // The bounds hold right after acting, before the world moves on.
            expect(cur.length).toBeLessThanOrEqual(Math.max(maxCapacity, before));
            if (r.launch > 0) expect(cur.length).toBeLessThanOrEqual(maxCapacity);
            expect(healthyCount()).toBeGreaterThanOrEqual(Math.min(minHealthy, healthyBefore));
            // The world: launches progress, kills complete, health checks pass, at random.
            cur = cur
              .filter((i) => !(i.phase === 'killing' && chance()))
              .map((i) => {
                if (i.phase === 'scheduled' && chance()) return { ...i, phase: 'active' as const };
                if (i.phase === 'active' && !i.running && chance()) return { ...i, running: true };
                if (i.phase === 'active' && i.running && !i.healthy && chance())
                  return { ...i, healthy: true };
                return i;
              });
          }
          const end = rollout(t, cur);
          expect(end.done).toBe(true);
          expect(cur.filter((i) => i.configVersion === 'v2').length).toBe(instances);
          expect(cur.every((i) => i.configVersion === 'v2')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

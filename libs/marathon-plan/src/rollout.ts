/**
 * What must change for one app to reach its target: how many instances to launch and which
 * to kill, honouring upgradeStrategy (minimumHealthCapacity, maximumOverCapacity) and
 * killSelection. A pure function of a snapshot: call it again whenever something changed.
 */

export type KillSelection = 'YOUNGEST_FIRST' | 'OLDEST_FIRST';

export interface InstanceView {
  id: string;
  /** The config version (versionInfo.lastConfigChangeAt) the instance was launched with. */
  configVersion: string;
  /** scheduled = waiting for an offer; active = launched, not terminal; killing = kill sent. */
  phase: 'scheduled' | 'active' | 'killing';
  running: boolean;
  /** Health-check verdict; undefined while unknown. */
  healthy?: boolean;
  /**
   * Readiness-check verdict for a new instance of an app with readiness checks (false until
   * one passed); undefined when none applies. Not ready counts as not healthy (yet).
   */
  ready?: boolean;
  /** When it started running or was staged (ms since epoch), for kill selection. */
  since: number;
}

export interface RolloutTarget {
  instances: number;
  configVersion: string;
  minimumHealthCapacity: number;
  maximumOverCapacity: number;
  killSelection: KillSelection;
  hasHealthChecks: boolean;
}

export interface RolloutActions {
  /** Number of new instances to schedule at the target config version. */
  launch: number;
  kill: string[];
  /** The target is reached: every instance current, running and healthy, none in flight. */
  done: boolean;
}

export function isHealthy(i: InstanceView, hasHealthChecks: boolean): boolean {
  return (
    i.phase === 'active' &&
    i.running &&
    (!hasHealthChecks || i.healthy === true) &&
    i.ready !== false
  );
}

/** Bounds the upgrade works within (Marathon leaves room for one kill when both are tight). */
export function capacityBounds(t: RolloutTarget): { minHealthy: number; maxCapacity: number } {
  let minHealthy = Math.ceil(t.instances * t.minimumHealthCapacity - 1e-9);
  const maxCapacity = Math.floor(t.instances * (1 + t.maximumOverCapacity) + 1e-9);
  if (minHealthy >= maxCapacity && t.instances > 0) minHealthy = Math.max(0, maxCapacity - 1);
  return { minHealthy, maxCapacity };
}

/** Order in which instances are picked for killing: not-yet-useful ones first, then by selection. */
export function killOrder(
  list: InstanceView[],
  t: Pick<RolloutTarget, 'killSelection' | 'hasHealthChecks'>,
): InstanceView[] {
  const rank = (i: InstanceView) =>
    i.phase === 'scheduled' ? 0 : !i.running ? 1 : !isHealthy(i, t.hasHealthChecks) ? 2 : 3;
  return [...list].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (t.killSelection === 'YOUNGEST_FIRST' ? b.since - a.since : a.since - b.since) ||
      a.id.localeCompare(b.id),
  );
}

export function rollout(t: RolloutTarget, current: InstanceView[]): RolloutActions {
  const killing = current.filter((i) => i.phase === 'killing');
  const alive = current.filter((i) => i.phase !== 'killing');
  const old = alive.filter((i) => i.configVersion !== t.configVersion);
  const fresh = alive.filter((i) => i.configVersion === t.configVersion);
  const kill: InstanceView[] = [];

  // Too many at the target version (scale down): the kill selection decides who goes.
  if (fresh.length > t.instances)
    kill.push(...killOrder(fresh, t).slice(0, fresh.length - t.instances));
  const freshKept = fresh.filter((i) => !kill.includes(i));

  const { minHealthy, maxCapacity } = capacityBounds(t);
  const healthyFresh = freshKept.filter((i) => isHealthy(i, t.hasHealthChecks)).length;
  const oldSorted = killOrder(old, t);
  const oldUnhealthy = oldSorted.filter((i) => !isHealthy(i, t.hasHealthChecks));
  const oldHealthy = oldSorted.filter((i) => isHealthy(i, t.hasHealthChecks));
  // Old instances that serve nobody go at once; healthy ones only while enough stay healthy.
  kill.push(...oldUnhealthy);
  const spare = Math.max(0, oldHealthy.length + healthyFresh - minHealthy);
  kill.push(...oldHealthy.slice(0, spare));

  // Killed instances occupy capacity until gone (scheduled ones never started: freed now).
  const freedNow = kill.filter((i) => i.phase === 'scheduled').length;
  const room = Math.max(0, maxCapacity - (current.length - freedNow));
  const launch = Math.max(0, Math.min(t.instances - freshKept.length, room));

  const done =
    kill.length === 0 &&
    launch === 0 &&
    killing.length === 0 &&
    old.length === 0 &&
    freshKept.length === t.instances &&
    healthyFresh === t.instances;
  return { launch, kill: kill.map((i) => i.id), done };
}

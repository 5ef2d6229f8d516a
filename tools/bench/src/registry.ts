/**
 * Scenario discovery: every module in `scenarios/` (compiled `.js` in dist, `.ts` under
 * ts-node/jest) that exports a scenario. No list to edit when adding one.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from './scenario';

function isScenario(x: unknown): x is Scenario {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Scenario).name === 'string' &&
    typeof (x as Scenario).run === 'function'
  );
}

/** Picks the scenario out of a module: `default`, `scenario`, or the module itself. */
export function scenarioOf(mod: Record<string, unknown>): Scenario | undefined {
  for (const candidate of [mod['default'], mod['scenario'], mod]) {
    if (isScenario(candidate)) return candidate;
  }
  return undefined;
}

export function discoverScenarios(dir = join(__dirname, 'scenarios')): Scenario[] {
  const files = readdirSync(dir).filter(
    (f) => /\.(js|ts)$/.test(f) && !/\.(spec|test|d)\.(js|ts)$/.test(f) && !f.startsWith('_'),
  );
  const found = new Map<string, Scenario>();
  for (const file of files) {
    const s = scenarioOf(require(join(dir, file)) as Record<string, unknown>);
    if (!s) continue;
    if (found.has(s.name)) throw new Error(`two scenarios are named "${s.name}" (${file})`);
    found.set(s.name, s);
  }
  return [...found.values()].sort(
    (a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name),
  );
}

import type { ScenarioOptions } from '../../scenario';

/** A positive integer `--key=N` argument, or `dflt`; anything else is a clear error. */
export function intArg(opts: ScenarioOptions, key: string, dflt: number): number {
  const raw = opts.args[key];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${key} must be a positive integer`);
  return n;
}

/** `--key=false` turns a part of a scenario off. */
export function boolArg(opts: ScenarioOptions, key: string, dflt: boolean): boolean {
  const raw = opts.args[key];
  if (raw === undefined) return dflt;
  if (raw !== 'true' && raw !== 'false') throw new Error(`--${key} must be true or false`);
  return raw === 'true';
}

/** Hollow agents' resources: room for 80 tasks of 0.1 cpu / 32 MB per node. */
export const HOLLOW_RESOURCES = 'cpus:8;mem:16384;disk:100000;ports:[31000-32000]';
export const SMALL_TASK = { cpus: 0.1, mem: 32, command: 'sleep 1000' };

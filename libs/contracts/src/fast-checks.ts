/** Building blocks of the hand-written hot-path checks (status-update-fast, launch-fast). */

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** A plain object (what JSON.parse makes); zod would drop an own `__proto__` key. */
export function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v) as unknown;
  return (p === Object.prototype || p === null) && !hasOwn(v, '__proto__');
}

/**
 * A passthrough object keeps unknown keys as they are, except those holding undefined (the
 * schema drops them; JSON never has them, objects built in memory may).
 */
export function noUndefinedExtras(v: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  for (const k in v) if (v[k] === undefined && !known.has(k)) return false;
  return true;
}

const ID_KEYS: ReadonlySet<string> = new Set(['value']);

/** IdSchema (passthrough): value, a string of 1 to 255 characters. */
export function isId(v: unknown): boolean {
  if (!isPlain(v) || !noUndefinedExtras(v, ID_KEYS)) return false;
  const value = v['value'];
  return typeof value === 'string' && value.length >= 1 && value.length <= 255;
}

export const optString = (v: unknown) => v === undefined || typeof v === 'string';
export const optId = (v: unknown) => v === undefined || isId(v);

/** Only these keys (a strict schema object would strip any other). */
export function hasOnlyKeys(v: Record<string, unknown>, keys: string[]): boolean {
  for (const k in v) if (!keys.includes(k)) return false;
  return true;
}

/** LabelsSchema (strict: unknown keys would be stripped). */
export function isLabels(v: unknown): boolean {
  if (!isPlain(v)) return false;
  if (!hasOnlyKeys(v, ['labels'])) return false;
  const list = v['labels'];
  if (!Array.isArray(list)) return false;
  for (const l of list as unknown[]) {
    if (!isPlain(l)) return false;
    if (!hasOnlyKeys(l, ['key', 'value'])) return false;
    if (typeof l['key'] !== 'string' || !optString(l['value'])) return false;
  }
  return true;
}

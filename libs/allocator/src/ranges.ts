/**
 * Integer range sets (Mesos `Value.Ranges`), e.g. ports `[31000-32000]`.
 *
 * A `Range` is an inclusive `[begin, end]` pair. Every function here returns a
 * *normalized* list (sorted by `begin`, no overlapping or adjacent ranges) and never
 * mutates its arguments; inputs to the binary operations must be normalized.
 */
export type Range = [begin: number, end: number];

export class ResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceError';
  }
}

function checkRange(r: Range): void {
  const [b, e] = r;
  if (!Number.isSafeInteger(b) || !Number.isSafeInteger(e) || b < 0 || e < b) {
    throw new ResourceError(`invalid range [${b}-${e}]`);
  }
}

/** Sorts, validates and merges overlapping or adjacent ranges. */
export function normalizeRanges(ranges: readonly (readonly [number, number])[]): Range[] {
  if (ranges.length === 0) return [];
  const sorted = ranges.map((r) => [r[0], r[1]] as Range);
  sorted.forEach(checkRange);
  sorted.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Range[] = [sorted[0]];
  for (let i = 1; i < sorted.length; i++) {
    const last = out[out.length - 1];
    const cur = sorted[i];
    if (cur[0] <= last[1] + 1) {
      if (cur[1] > last[1]) last[1] = cur[1];
    } else {
      out.push(cur);
    }
  }
  return out;
}

/** Union of two normalized range lists. */
export function rangesAdd(a: readonly Range[], b: readonly Range[]): Range[] {
  if (b.length === 0) return a.map((r) => [r[0], r[1]]);
  if (a.length === 0) return b.map((r) => [r[0], r[1]]);
  return normalizeRanges([...a, ...b]);
}

/** `a` minus `b` (both normalized). */
export function rangesSubtract(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  let j = 0;
  for (const [ab, ae] of a) {
    let begin = ab;
    while (j < b.length && b[j][1] < begin) j++;
    let k = j;
    while (k < b.length && b[k][0] <= ae) {
      const [bb, be] = b[k];
      if (bb > begin) out.push([begin, bb - 1]);
      begin = Math.max(begin, be + 1);
      if (begin > ae) break;
      k++;
    }
    if (begin <= ae) out.push([begin, ae]);
  }
  return out;
}

/** Intersection of two normalized range lists. */
export function rangesIntersect(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

/** True when every value of `b` is in `a` (both normalized). */
export function rangesContains(a: readonly Range[], b: readonly Range[]): boolean {
  let i = 0;
  for (const [bb, be] of b) {
    while (i < a.length && a[i][1] < bb) i++;
    if (i >= a.length || a[i][0] > bb || a[i][1] < be) return false;
  }
  return true;
}

/** Number of values in a normalized range list. */
export function rangesSize(a: readonly Range[]): number {
  let n = 0;
  for (const [b, e] of a) n += e - b + 1;
  return n;
}

/** Mesos' text form: `[31000-31000, 31005-31006]` (`[]` when empty). */
export function formatRanges(a: readonly Range[]): string {
  return `[${a.map(([b, e]) => `${b}-${e}`).join(', ')}]`;
}

/** Parses `[31000-32000, 33000-33005]`, `31000-32000` or `[8080]`; throws `ResourceError`. */
export function parseRanges(text: string): Range[] {
  const s = text.trim().replace(/^\[/, '').replace(/\]$/, '').trim();
  if (s === '') return [];
  return normalizeRanges(
    s.split(',').map((part) => {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
      if (!m) throw new ResourceError(`invalid range "${part.trim()}" in "${text}"`);
      const b = Number(m[1]);
      return [b, m[2] === undefined ? b : Number(m[2])] as Range;
    }),
  );
}

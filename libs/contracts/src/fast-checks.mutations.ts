/**
 * For the specs of the hand-written checks: every mutation of a valid payload (each field
 * replaced by values of every kind, deleted, and an unknown key added to every object), to
 * compare a check with its zod schema field by field.
 */

type Path = (string | number)[];

const WEIRD: unknown[] = [
  null,
  undefined,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  'x'.repeat(256),
  'TASK_RUNNING',
  'IPv6',
  'SOURCE_MASTER',
  'SCALAR',
  'LAUNCH',
  'ACCEPT',
  true,
  false,
  [],
  [1],
  [{}],
  {},
  { value: 'v' },
  { value: '' },
  { labels: [] },
  { nanoseconds: 1 },
  new Date(0),
];

function paths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([...prefix, i], ...paths(x, [...prefix, i]));
    });
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...paths(x, [...prefix, k]));
  }
  return out;
}

function objects(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...objects(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null && !(v instanceof Date)) {
    out.push(prefix);
    for (const [k, x] of Object.entries(v)) out.push(...objects(x, [...prefix, k]));
  }
  return out;
}

function at(root: unknown, path: Path): Record<string | number, unknown> {
  let cur = root as Record<string | number, unknown>;
  for (const p of path) cur = cur[p] as Record<string | number, unknown>;
  return cur;
}

/** Mutations of `make()` (called afresh for each), with a label saying what changed. */
export function* mutations(make: () => unknown): Generator<{ label: string; payload: unknown }> {
  const shape = make();
  for (const path of paths(shape)) {
    for (const w of [...WEIRD, 'delete']) {
      const p = make();
      const parent = at(p, path.slice(0, -1));
      const key = path[path.length - 1] as string | number;
      if (w === 'delete') {
        if (Array.isArray(parent)) continue;
        delete parent[key];
      } else parent[key] = w;
      yield {
        label: `${path.join('.')} = ${w === undefined ? 'undefined' : JSON.stringify(w)}`,
        payload: p,
      };
    }
  }
  for (const path of objects(shape)) {
    for (const extra of ['zz_extra', '__proto__']) {
      for (const value of [{ x: 1 }, undefined]) {
        const p = make();
        Object.defineProperty(at(p, path), extra, {
          value,
          enumerable: true,
          configurable: true,
          writable: true,
        });
        yield { label: `${path.join('.')}.${extra} added`, payload: p };
      }
    }
  }
}

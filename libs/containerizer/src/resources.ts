import * as fs from 'node:fs';
import * as os from 'node:os';

/** A port / value range, inclusive on both ends (Mesos `Value.Range`). */
export interface ValueRange {
  begin: number;
  end: number;
}

/** One Mesos resource as parsed from a `--resources` string. */
export type ParsedResource =
  | { name: string; type: 'SCALAR'; role: string; scalar: { value: number } }
  | { name: string; type: 'RANGES'; role: string; ranges: { range: ValueRange[] } }
  | { name: string; type: 'SET'; role: string; set: { item: string[] } };

/** One Mesos attribute as parsed from an `--attributes` string. */
export type ParsedAttribute =
  | { name: string; type: 'TEXT'; text: { value: string } }
  | { name: string; type: 'SCALAR'; scalar: { value: number } }
  | { name: string; type: 'RANGES'; ranges: { range: ValueRange[] } }
  | { name: string; type: 'SET'; set: { item: string[] } };

/** The agent-level view of its resources (MiB for mem and disk). */
export interface AgentResources {
  cpus: number;
  mem: number;
  disk: number;
  ports: ValueRange[];
  /** Any other resources given on the command line, as parsed. */
  other: ParsedResource[];
}

/** Thrown by the parsers; `part` is the offending `name:value` piece. */
export class ResourceParseError extends Error {
  constructor(
    readonly part: string,
    reason: string,
    what = 'resource',
  ) {
    super(`invalid ${what} "${part}": ${reason}`);
    this.name = 'ResourceParseError';
  }
}

export const DEFAULT_PORTS: ValueRange[] = [{ begin: 31000, end: 32000 }];

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function splitParts(input: string): string[] {
  return input
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!NUMBER_RE.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses `[31000-32000,33000-33010]` (brackets required). Throws a plain Error with the reason. */
export function parseRanges(text: string): ValueRange[] {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) {
    throw new Error(`ranges must look like [begin-end,...] (got "${t}")`);
  }
  const body = t.slice(1, -1).trim();
  if (body === '') return [];
  const out: ValueRange[] = [];
  for (const piece of body.split(',')) {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(piece);
    if (!m) throw new Error(`bad range "${piece.trim()}" (expected begin-end)`);
    const begin = Number(m[1]);
    const end = Number(m[2]);
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) {
      throw new Error(`range "${piece.trim()}" is out of bounds`);
    }
    if (begin > end) throw new Error(`range "${piece.trim()}" has begin > end`);
    out.push({ begin, end });
  }
  return normalizeRanges(out);
}

/** Sorts and merges overlapping / adjacent ranges. */
export function normalizeRanges(ranges: ValueRange[]): ValueRange[] {
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin);
  const out: ValueRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** Mesos text form of ranges: `[31000-32000, 33000-33010]` (single range: `[31000-32000]`). */
export function formatRanges(ranges: ValueRange[]): string {
  return `[${ranges.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
}

function parseSet(text: string): string[] {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) {
    throw new Error(`sets must look like {a,b,...} (got "${t}")`);
  }
  const items = t
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return items;
}

/**
 * Parses a Mesos `--resources` string: `cpus:4;mem:8192;disk:1000;ports:[31000-32000]`.
 * Supports roles (`cpus(ops):2`), scalars, ranges `[a-b,c-d]` and sets `{x,y}`.
 * A JSON array of Mesos Resource objects is accepted too. Duplicate scalar names (same role)
 * are summed, duplicate ranges merged. Throws ResourceParseError naming the bad part.
 */
export function parseResources(input: string): ParsedResource[] {
  const trimmed = input.trim();
  if (trimmed.startsWith('[') && !/^\[\s*\d/.test(trimmed)) {
    return parseResourcesJson(trimmed);
  }
  const out: ParsedResource[] = [];
  for (const part of splitParts(input)) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new ResourceParseError(part, 'expected name:value');
    let name = part.slice(0, colon).trim();
    const valueText = part.slice(colon + 1).trim();
    let role = '*';
    const roleMatch = /^([^()]+)\(([^()]*)\)$/.exec(name);
    if (roleMatch) {
      name = roleMatch[1].trim();
      role = roleMatch[2].trim();
      if (role === '') throw new ResourceParseError(part, 'empty role in parentheses');
    } else if (name.includes('(') || name.includes(')')) {
      throw new ResourceParseError(part, `bad role syntax in "${name}" (expected name(role))`);
    }
    if (!NAME_RE.test(name)) throw new ResourceParseError(part, `bad resource name "${name}"`);
    if (valueText === '') throw new ResourceParseError(part, 'missing value');
    let res: ParsedResource;
    try {
      if (valueText.startsWith('[')) {
        res = { name, type: 'RANGES', role, ranges: { range: parseRanges(valueText) } };
      } else if (valueText.startsWith('{')) {
        res = { name, type: 'SET', role, set: { item: parseSet(valueText) } };
      } else {
        const n = parseNumber(valueText);
        if (n === undefined) throw new Error(`"${valueText}" is not a number`);
        if (n < 0) throw new Error(`"${valueText}" must not be negative`);
        res = { name, type: 'SCALAR', role, scalar: { value: n } };
      }
    } catch (e) {
      if (e instanceof ResourceParseError) throw e;
      throw new ResourceParseError(part, (e as Error).message);
    }
    checkKnownType(res, part);
    mergeResource(out, res, part);
  }
  return out;
}

const KNOWN_TYPES: Record<string, ParsedResource['type']> = {
  cpus: 'SCALAR',
  mem: 'SCALAR',
  disk: 'SCALAR',
  gpus: 'SCALAR',
  ports: 'RANGES',
};

function checkKnownType(res: ParsedResource, part: string): void {
  const expected = KNOWN_TYPES[res.name];
  if (expected && expected !== res.type) {
    throw new ResourceParseError(
      part,
      `"${res.name}" must be ${expected === 'SCALAR' ? 'a number' : 'ranges like [31000-32000]'}`,
    );
  }
}

function mergeResource(out: ParsedResource[], res: ParsedResource, part: string): void {
  const existing = out.find((r) => r.name === res.name && r.role === res.role);
  if (!existing) {
    out.push(res);
    return;
  }
  if (existing.type !== res.type) {
    throw new ResourceParseError(part, `"${res.name}" given with different types`);
  }
  if (existing.type === 'SCALAR' && res.type === 'SCALAR') {
    existing.scalar.value += res.scalar.value;
  } else if (existing.type === 'RANGES' && res.type === 'RANGES') {
    existing.ranges.range = normalizeRanges([...existing.ranges.range, ...res.ranges.range]);
  } else if (existing.type === 'SET' && res.type === 'SET') {
    existing.set.item = [...new Set([...existing.set.item, ...res.set.item])];
  }
}

function parseResourcesJson(text: string): ParsedResource[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ResourceParseError(text, `not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new ResourceParseError(text, 'JSON resources must be an array');
  const out: ParsedResource[] = [];
  for (const item of raw as unknown[]) {
    const part = JSON.stringify(item);
    if (typeof item !== 'object' || item === null) {
      throw new ResourceParseError(part, 'each resource must be an object');
    }
    const r = item as Record<string, unknown>;
    const name = r['name'];
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new ResourceParseError(part, 'missing or bad "name"');
    }
    const role = typeof r['role'] === 'string' ? (r['role'] as string) : '*';
    const type = r['type'] ?? (r['ranges'] ? 'RANGES' : r['set'] ? 'SET' : 'SCALAR');
    let res: ParsedResource;
    if (type === 'SCALAR') {
      const v = (r['scalar'] as { value?: unknown } | undefined)?.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new ResourceParseError(part, '"scalar.value" must be a non-negative number');
      }
      res = { name, type, role, scalar: { value: v } };
    } else if (type === 'RANGES') {
      const rs = (r['ranges'] as { range?: unknown } | undefined)?.range;
      if (!Array.isArray(rs)) throw new ResourceParseError(part, '"ranges.range" must be an array');
      const ranges: ValueRange[] = [];
      for (const x of rs as Array<{ begin?: unknown; end?: unknown }>) {
        if (
          typeof x?.begin !== 'number' ||
          typeof x?.end !== 'number' ||
          !Number.isInteger(x.begin) ||
          !Number.isInteger(x.end) ||
          x.begin > x.end
        ) {
          throw new ResourceParseError(part, `bad range ${JSON.stringify(x)}`);
        }
        ranges.push({ begin: x.begin, end: x.end });
      }
      res = { name, type, role, ranges: { range: normalizeRanges(ranges) } };
    } else if (type === 'SET') {
      const items = (r['set'] as { item?: unknown } | undefined)?.item;
      if (!Array.isArray(items) || items.some((s) => typeof s !== 'string')) {
        throw new ResourceParseError(part, '"set.item" must be an array of strings');
      }
      res = { name, type, role, set: { item: items as string[] } };
    } else {
      throw new ResourceParseError(part, `unknown type ${JSON.stringify(type)}`);
    }
    checkKnownType(res, part);
    mergeResource(out, res, part);
  }
  return out;
}

/**
 * Parses a Mesos `--attributes` string: `rack:r1;zone:a;level:3;ports:[1-2];tags:{x,y}`.
 * Numbers become SCALAR, `[..]` RANGES, `{..}` SET, anything else TEXT.
 * Throws ResourceParseError (what = "attribute") naming the bad part.
 */
export function parseAttributes(input: string): ParsedAttribute[] {
  const out: ParsedAttribute[] = [];
  for (const part of splitParts(input)) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new ResourceParseError(part, 'expected name:value', 'attribute');
    const name = part.slice(0, colon).trim();
    const valueText = part.slice(colon + 1).trim();
    if (!NAME_RE.test(name)) {
      throw new ResourceParseError(part, `bad attribute name "${name}"`, 'attribute');
    }
    if (valueText === '') throw new ResourceParseError(part, 'missing value', 'attribute');
    if (out.some((a) => a.name === name)) {
      throw new ResourceParseError(part, `attribute "${name}" given twice`, 'attribute');
    }
    try {
      if (valueText.startsWith('[')) {
        out.push({ name, type: 'RANGES', ranges: { range: parseRanges(valueText) } });
      } else if (valueText.startsWith('{')) {
        out.push({ name, type: 'SET', set: { item: parseSet(valueText) } });
      } else {
        const n = parseNumber(valueText);
        if (n !== undefined) out.push({ name, type: 'SCALAR', scalar: { value: n } });
        else if (/[;:]/.test(valueText)) throw new Error(`bad value "${valueText}"`);
        else out.push({ name, type: 'TEXT', text: { value: valueText } });
      }
    } catch (e) {
      if (e instanceof ResourceParseError) throw e;
      throw new ResourceParseError(part, (e as Error).message, 'attribute');
    }
  }
  return out;
}

/** Attributes as a flat record (`{ rack: 'r1', level: 3 }`), as `/state` shows them. */
export function attributesToRecord(attrs: ParsedAttribute[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attrs) {
    if (a.type === 'TEXT') out[a.name] = a.text.value;
    else if (a.type === 'SCALAR') out[a.name] = a.scalar.value;
    else if (a.type === 'RANGES') out[a.name] = formatRanges(a.ranges.range);
    else out[a.name] = `{${a.set.item.join(',')}}`;
  }
  return out;
}

export interface DetectResourcesOptions {
  /** Directory whose filesystem size gives `disk` (the agent work dir). */
  workDir: string;
  /** MiB of memory left to the OS (default 1024, or half the memory on small machines). */
  memReserveMiB?: number;
  /** MiB of disk left to the OS (default 5120, or half the disk on small disks). */
  diskReserveMiB?: number;
  ports?: ValueRange[];
}

function withReserve(total: number, reserve: number): number {
  if (total >= 2 * reserve) return total - reserve;
  return Math.floor(total / 2);
}

/** Detects the machine's resources (cpus, mem MiB, disk MiB of the work dir) the Mesos way. */
export function detectResources(opts: DetectResourcesOptions): AgentResources {
  const cpus = Math.max(1, os.cpus().length);
  const memTotal = Math.floor(os.totalmem() / (1024 * 1024));
  const mem = withReserve(memTotal, opts.memReserveMiB ?? 1024);
  let disk = 0;
  let dir = opts.workDir;
  // The work dir may not exist yet: measure its nearest existing ancestor.
  for (;;) {
    try {
      const st = fs.statfsSync(dir);
      disk = withReserve(
        Math.floor((st.blocks * st.bsize) / (1024 * 1024)),
        opts.diskReserveMiB ?? 5120,
      );
      break;
    } catch {
      const parent = dir.replace(/\/[^/]*\/?$/, '') || '/';
      if (parent === dir) break;
      dir = parent;
    }
  }
  return { cpus, mem, disk, ports: opts.ports ?? DEFAULT_PORTS.map((r) => ({ ...r })), other: [] };
}

/**
 * The agent's resources: detected ones overridden by those given in a `--resources` string
 * (unreserved `*` role only for cpus/mem/disk/ports; everything else lands in `other`).
 */
export function resolveAgentResources(
  flag: string | undefined,
  detect: DetectResourcesOptions,
): AgentResources {
  const base = detectResources(detect);
  if (!flag || flag.trim() === '') return base;
  const parsed = parseResources(flag);
  const out: AgentResources = { ...base, other: [] };
  for (const r of parsed) {
    if (
      r.role === '*' &&
      r.type === 'SCALAR' &&
      (r.name === 'cpus' || r.name === 'mem' || r.name === 'disk')
    ) {
      out[r.name] = r.scalar.value;
    } else if (r.role === '*' && r.type === 'RANGES' && r.name === 'ports') {
      out.ports = r.ranges.range;
    } else {
      out.other.push(r);
    }
  }
  return out;
}

/**
 * Sizes as the DC/OS storage CLI and the agent's `--disks` flag spell them. Results are in
 * MiB, the unit of Mesos disk resources and of DSS `capacity-mb`.
 */

const UNITS: Record<string, number> = {
  '': 1,
  m: 1,
  mb: 1,
  mib: 1,
  g: 1024,
  gb: 1024,
  gib: 1024,
  t: 1024 * 1024,
  tb: 1024 * 1024,
  tib: 1024 * 1024,
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** `100M`, `10G`, `1T`, `1.5G`, `256` (MiB) → whole MiB. */
export function parseSizeMb(input: string): Parsed<number> {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!m) return { ok: false, error: `"${input}" is not a size (use e.g. 100M, 10G, 1T)` };
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined)
    return { ok: false, error: `"${input}" has an unknown unit "${m[2]}" (use M, G or T)` };
  const mb = Number(m[1]) * unit;
  if (!Number.isInteger(mb)) return { ok: false, error: `"${input}" is not a whole number of MiB` };
  if (mb <= 0) return { ok: false, error: `"${input}" must be larger than zero` };
  if (mb > Number.MAX_SAFE_INTEGER) return { ok: false, error: `"${input}" is too large` };
  return { ok: true, value: mb };
}

/** MiB → the shortest exact CLI spelling (`1G`, `256M`, `1.5G` is never produced). */
export function formatSizeMb(mb: number): string {
  if (mb >= 1024 * 1024 && mb % (1024 * 1024) === 0) return `${mb / (1024 * 1024)}T`;
  if (mb >= 1024 && mb % 1024 === 0) return `${mb / 1024}G`;
  return `${mb}M`;
}

/**
 * The agent's file-backed disks: `2x2G`, `1G`, `2x2G,1x512M` → one size per disk (MiB).
 * At most 64 disks: each becomes a loop device.
 */
export function parseDiskSpec(input: string): Parsed<number[]> {
  const out: number[] = [];
  const text = input.trim();
  if (text === '') return { ok: true, value: [] };
  for (const part of text.split(',')) {
    const m = /^\s*(?:(\d+)\s*x\s*)?(\S+)\s*$/i.exec(part);
    if (!m) return { ok: false, error: `"${part}" is not a disk spec (use e.g. 2x2G)` };
    const count = m[1] === undefined ? 1 : Number(m[1]);
    if (!Number.isInteger(count) || count < 1)
      return { ok: false, error: `"${part}": the disk count must be at least 1` };
    const size = parseSizeMb(m[2]);
    if (!size.ok) return { ok: false, error: `"${part}": ${size.error}` };
    if (size.value < 16) return { ok: false, error: `"${part}": a disk must be at least 16M` };
    for (let i = 0; i < count; i++) out.push(size.value);
    if (out.length > 64) return { ok: false, error: `"${input}": at most 64 disks` };
  }
  return { ok: true, value: out };
}

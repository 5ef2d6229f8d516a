/** Minimal IP literal parsing (no lookups): enough to tell A from AAAA and normalise. */
const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return V4.test(s);
}

/** Parse an IPv6 literal into 8 groups, or undefined. Accepts `::`, embedded IPv4, no zone. */
function parseV6(s: string): number[] | undefined {
  if (!s.includes(':') || s.includes('%')) return undefined;
  let str = s;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return undefined;
    const o = last.split('.').map(Number);
    const hi = ((o[0] << 8) | o[1]).toString(16);
    const lo = ((o[2] << 8) | o[3]).toString(16);
    str = `${s.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = str.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const a = parse(halves[0]);
  const b = halves.length === 2 ? parse(halves[1]) : [];
  if (!a || !b) return undefined;
  const want = 8;
  if (halves.length === 1) {
    if (a.length !== want) return undefined;
    return a;
  }
  if (a.length + b.length > want - 1) return undefined;
  return [...a, ...new Array<number>(want - a.length - b.length).fill(0), ...b];
}

export function isIPv6(s: string): boolean {
  return parseV6(s) !== undefined;
}

export type IpFamily = 'A' | 'AAAA';

/**
 * Canonical text and record type of an IP literal, as Go's net.IP.String():
 * IPv4 (and IPv4-mapped IPv6) as dotted quad, IPv6 compressed lower-case.
 */
export function normaliseIp(s: string): { ip: string; type: IpFamily } | undefined {
  const t = s.trim();
  if (isIPv4(t)) return { ip: t.split('.').map(Number).join('.'), type: 'A' };
  const g = parseV6(t);
  if (!g) return undefined;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return {
      ip: [g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255].join('.'),
      type: 'A',
    };
  }
  // RFC 5952: compress the longest run (>= 2) of zero groups, first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return { ip: hex.join(':'), type: 'AAAA' };
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return { ip: `${left}::${right}`, type: 'AAAA' };
}

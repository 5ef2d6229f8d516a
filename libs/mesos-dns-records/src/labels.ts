/**
 * Mesos-DNS label sanitisation (records/labels/labels.go), byte for byte.
 *
 * Mapping: `A-Z` lower-cased, `a-z0-9` kept, `-` `.` `_` become `-`, everything else dropped.
 * RFC1123 (default): at most 63 chars, leading and trailing `-` trimmed.
 * RFC952: at most 24 chars, leading `-` and digits trimmed, trailing `-` trimmed.
 */
export type LabelFn = (name: string) => string;

function mapChars(name: string): string {
  // Go maps the UTF-8 bytes; every non-ASCII byte is dropped either way.
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) out += String.fromCharCode(c + 32);
    else if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) out += name[i];
    else if (c === 45 || c === 46 || c === 95) out += '-';
  }
  return out;
}

function trimLeft(s: string, cutset: string): string {
  let i = 0;
  while (i < s.length && cutset.includes(s[i])) i++;
  return s.slice(i);
}

function trimRight(s: string, cutset: string): string {
  let j = s.length;
  while (j > 0 && cutset.includes(s[j - 1])) j--;
  return s.slice(0, j);
}

/** trimCut: cut at maxlen, trim the cutsets; refill a right-trimmed gap from what follows. */
function trimCut(label: string, maxlen: number, left: string, right: string): string {
  const trim = trimLeft(label, left);
  const size = Math.min(trim.length, maxlen);
  const head = trimRight(trim.slice(0, size), right);
  if (head.length === size) return head;
  const tail = trimLeft(trim.slice(size), right);
  if (tail.length > 0) return head + tail.slice(0, size - head.length);
  return head;
}

export const rfc1123: LabelFn = (name) => trimCut(mapChars(name), 63, '-', '-');
export const rfc952: LabelFn = (name) => trimCut(mapChars(name), 24, '-0123456789', '-');

export function labelFn(enforceRFC952: boolean): LabelFn {
  return enforceRFC952 ? rfc952 : rfc1123;
}

/** Split on `.`, sanitise each part, drop empty ones, re-join with `.` (framework names). */
export function domainFrag(name: string, label: LabelFn, sep = '.'): string {
  return name
    .split(sep)
    .map(label)
    .filter((l) => l !== '')
    .join(sep);
}

/** A domain (e.g. `mesos`, `cluster.local`) is valid when every label survives sanitisation unchanged. */
export function isValidDomain(domain: string): boolean {
  if (domain === '' || domain.length > 253) return false;
  return domain.split('.').every((l) => l !== '' && rfc1123(l) === l);
}

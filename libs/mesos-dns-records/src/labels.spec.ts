import { domainFrag, isValidDomain, rfc1123, rfc952 } from './labels';

// Tables after mesos-dns records/labels/labels_test.go: the exact names Mesos-DNS produces.
const common: [string, string][] = [
  ['', ''],
  ['a', 'a'],
  ['-', ''],
  ['a---', 'a'],
  ['---a---', 'a'],
  ['---a---b', 'a---b'],
  ['a.b.c.d.e', 'a-b-c-d-e'],
  ['a.c.d_de.', 'a-c-d-de'],
  ['abc123', 'abc123'],
  ['-abc123', 'abc123'],
  ['abc123-', 'abc123'],
  ['abc-123', 'abc-123'],
  ['abc--123', 'abc--123'],
  ['r29f.dev.angrypigs', 'r29f-dev-angrypigs'],
  ['apiserver.myservice', 'apiserver-myservice'],
  ['Web Server', 'webserver'],
];

describe('rfc1123 (default)', () => {
  it.each<[string, string]>([
    ...common,
    ['hello----------------------------------------------------------f', 'hellof'],
    ['4abc123', '4abc123'],
    ['-4abc123', '4abc123'],
    ['89fdgsf---gs7-fgs--d7fddg-123', '89fdgsf---gs7-fgs--d7fddg-123'],
    ['89fdgsf---gs7-fgs--d7fddg---123', '89fdgsf---gs7-fgs--d7fddg---123'],
    ['89fdgsf---gs7-fgs--d7fddg-', '89fdgsf---gs7-fgs--d7fddg'],
    ['fd%gsf---gs7-f$gs--d7fddg-123', 'fdgsf---gs7-fgs--d7fddg-123'],
    [
      'fd%gsf---gs7-f$gs--d7fddg123456789012345678901234567890123456789-123',
      'fdgsf---gs7-fgs--d7fddg1234567890123456789012345678901234567891',
    ],
    [
      '%%fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789---123',
      'fdgsf---gs7-fgs--d7fddg1234567890123456789012345678901234567891',
    ],
    [
      '##fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789-',
      'fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789',
    ],
    [
      'hello--------------------------------------------------------f',
      'hello--------------------------------------------------------f',
    ],
    ['ÜNICODE_Name', 'nicode-name'],
  ])('%j -> %j', (input, want) => {
    expect(rfc1123(input)).toBe(want);
  });

  it('never starts with "-", never exceeds 63 chars, uses only [0-9a-z-]', () => {
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: (i % 90) + 1 }, () =>
        String.fromCharCode(32 + Math.floor(Math.random() * 95)),
      ).join('');
      const l = rfc1123(s);
      expect(l.length).toBeLessThanOrEqual(63);
      expect(l).toMatch(/^([0-9a-z][0-9a-z-]*)?$/);
    }
  });
});

describe('rfc952 (enforceRFC952)', () => {
  it.each<[string, string]>([
    ...common,
    ['hello----------------------------------------------------------f', 'hellof'],
    ['4abc123', 'abc123'],
    ['-4abc123', 'abc123'],
    ['fd%gsf---gs7-f$gs--d7fddg-123', 'fdgsf---gs7-fgs--d7fddg1'],
    ['89fdgsf---gs7-fgs--d7fddg-123', 'fdgsf---gs7-fgs--d7fddg1'],
    ['89fdgsf---gs7-fgs--d7fddg---123', 'fdgsf---gs7-fgs--d7fddg1'],
    ['89fdgsf---gs7-fgs--d7fddg-', 'fdgsf---gs7-fgs--d7fddg'],
    ['chronos with a space AND MIXED CASE-2.0.1', 'chronoswithaspaceandmixe'],
    ['chronos with a space AND----------MIXED--', 'chronoswithaspaceandmixe'],
  ])('%j -> %j', (input, want) => {
    expect(rfc952(input)).toBe(want);
  });

  it('never starts with "-" or a digit, never exceeds 24 chars', () => {
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: (i % 40) + 1 }, () =>
        String.fromCharCode(32 + Math.floor(Math.random() * 95)),
      ).join('');
      const l = rfc952(s);
      expect(l.length).toBeLessThanOrEqual(24);
      expect(l).toMatch(/^([a-z][0-9a-z-]*)?$/);
    }
  });
});

describe('domainFrag (framework names keep their dots)', () => {
  const table: [string, string][] = [
    ['', ''],
    ['.', ''],
    ['...', ''],
    ['abc.', 'abc'],
    ['.a.c', 'a.c'],
    ['a..c.e', 'a.c.e'],
    ['space space.com', 'spacespace.com'],
    ['not$1234.com', 'not1234.com'],
    ['(@ host . com', 'host.com'],
    ['MiXeDcase.CoM', 'mixedcase.com'],
    ['marathon.prod', 'marathon.prod'],
  ];
  it.each(table)('%j -> %j (RFC1123)', (input, want) => {
    expect(domainFrag(input, rfc1123)).toBe(want);
  });
  it('differs between modes on version-like parts', () => {
    expect(domainFrag('pod_123$abc.marathon-0.6.0-dev.mesos', rfc1123)).toBe(
      'pod-123abc.marathon-0.6.0-dev.mesos',
    );
    expect(domainFrag('pod_123$abc.marathon-0.6.0-dev.mesos', rfc952)).toBe(
      'pod-123abc.marathon-0.dev.mesos',
    );
  });
});

describe('isValidDomain', () => {
  it.each([
    ['mesos', true],
    ['cluster.local', true],
    ['Mesos', false],
    ['a..b', false],
    ['-x', false],
    ['', false],
  ])('%j -> %j', (d, ok) => expect(isValidDomain(d as string)).toBe(ok));
});

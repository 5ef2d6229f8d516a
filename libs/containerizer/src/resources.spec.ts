import {
  attributesToRecord,
  detectResources,
  formatRanges,
  parseAttributes,
  parseRanges,
  parseResources,
  resolveAgentResources,
  ResourceParseError,
} from './resources';
import * as os from 'node:os';

describe('parseResources', () => {
  it('parses the Mesos string form', () => {
    expect(parseResources('cpus:4;mem:8192;disk:1000;ports:[31000-32000]')).toEqual([
      { name: 'cpus', type: 'SCALAR', role: '*', scalar: { value: 4 } },
      { name: 'mem', type: 'SCALAR', role: '*', scalar: { value: 8192 } },
      { name: 'disk', type: 'SCALAR', role: '*', scalar: { value: 1000 } },
      {
        name: 'ports',
        type: 'RANGES',
        role: '*',
        ranges: { range: [{ begin: 31000, end: 32000 }] },
      },
    ]);
  });

  it('handles roles, fractional values, several ranges, sets and whitespace', () => {
    const r = parseResources(' cpus(ops):0.5 ; ports:[5000-5001, 4000-4010] ; gpus_type:{a, b}; ');
    expect(r).toEqual([
      { name: 'cpus', type: 'SCALAR', role: 'ops', scalar: { value: 0.5 } },
      {
        name: 'ports',
        type: 'RANGES',
        role: '*',
        ranges: {
          range: [
            { begin: 4000, end: 4010 },
            { begin: 5000, end: 5001 },
          ],
        },
      },
      { name: 'gpus_type', type: 'SET', role: '*', set: { item: ['a', 'b'] } },
    ]);
  });

  it('sums duplicates and merges ranges', () => {
    const r = parseResources('cpus:1;cpus:2;ports:[1-5];ports:[6-8]');
    expect(r).toEqual([
      { name: 'cpus', type: 'SCALAR', role: '*', scalar: { value: 3 } },
      { name: 'ports', type: 'RANGES', role: '*', ranges: { range: [{ begin: 1, end: 8 }] } },
    ]);
  });

  it('accepts the JSON array form', () => {
    const r = parseResources(
      '[{"name":"cpus","type":"SCALAR","scalar":{"value":2}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":2}]}}]',
    );
    expect(r.map((x) => x.name)).toEqual(['cpus', 'ports']);
  });

  it.each([
    ['cpus:abc', 'cpus:abc', 'not a number'],
    ['cpus:4;mem', 'mem', 'expected name:value'],
    ['cpus:4;mem:;disk:1', 'mem:', 'missing value'],
    ['ports:[32000-31000]', 'ports:[32000-31000]', 'begin > end'],
    ['ports:[31000-x]', 'ports:[31000-x]', 'bad range'],
    ['ports:31000', 'ports:31000', 'ranges like'],
    ['mem:[1-2]', 'mem:[1-2]', 'must be a number'],
    ['cpus:-1', 'cpus:-1', 'negative'],
    ['cpus(:1', 'cpus(:1', 'role'],
    ['9x:1', '9x:1', 'bad resource name'],
    ['ports:[1-2', 'ports:[1-2', 'ranges must look like'],
  ])('rejects %s naming the bad part', (input, part, reason) => {
    let err: unknown;
    try {
      parseResources(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResourceParseError);
    expect((err as ResourceParseError).part).toBe(part);
    expect((err as Error).message).toContain(`"${part}"`);
    expect((err as Error).message).toContain(reason);
  });

  it('rejects bad JSON resources', () => {
    expect(() => parseResources('[{"name":"cpus","scalar":{"value":"x"}}]')).toThrow(
      /scalar.value/,
    );
  });
});

describe('ranges', () => {
  it('parses and formats', () => {
    expect(parseRanges('[31000-32000]')).toEqual([{ begin: 31000, end: 32000 }]);
    expect(formatRanges([{ begin: 31000, end: 31000 }])).toBe('[31000-31000]');
    expect(formatRanges(parseRanges('[3-4,1-2,10-12]'))).toBe('[1-4, 10-12]');
    expect(parseRanges('[]')).toEqual([]);
  });
});

describe('parseAttributes', () => {
  it('parses text, scalar, ranges and sets', () => {
    const a = parseAttributes('rack:r1;zone:a;level:3;p:[1-2];tags:{x,y}');
    expect(a).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'zone', type: 'TEXT', text: { value: 'a' } },
      { name: 'level', type: 'SCALAR', scalar: { value: 3 } },
      { name: 'p', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } },
      { name: 'tags', type: 'SET', set: { item: ['x', 'y'] } },
    ]);
    expect(attributesToRecord(a)).toEqual({
      rack: 'r1',
      zone: 'a',
      level: 3,
      p: '[1-2]',
      tags: '{x,y}',
    });
    expect(parseAttributes('')).toEqual([]);
  });

  it.each([
    ['rack', 'rack', 'expected name:value'],
    ['rack:r1;zone', 'zone', 'expected name:value'],
    ['rack:', 'rack:', 'missing value'],
    ['rack:r1;rack:r2', 'rack:r2', 'given twice'],
    ['a b:c', 'a b:c', 'bad attribute name'],
    ['p:[2-1]', 'p:[2-1]', 'begin > end'],
  ])('rejects %s naming the bad part', (input, part, reason) => {
    expect(() => parseAttributes(input)).toThrow(ResourceParseError);
    expect(() => parseAttributes(input)).toThrow(`invalid attribute "${part}"`);
    expect(() => parseAttributes(input)).toThrow(reason);
  });
});

describe('detectResources / resolveAgentResources', () => {
  it('detects cpus, mem with a reserve, disk of the work dir and default ports', () => {
    const r = detectResources({ workDir: os.tmpdir() + '/does/not/exist/yet' });
    expect(r.cpus).toBe(os.cpus().length);
    const total = Math.floor(os.totalmem() / 1048576);
    expect(r.mem).toBeLessThan(total);
    expect(r.mem).toBeGreaterThanOrEqual(Math.floor(total / 2));
    expect(r.disk).toBeGreaterThan(0);
    expect(r.ports).toEqual([{ begin: 31000, end: 32000 }]);
  });

  it('overrides detected values with the flag', () => {
    const r = resolveAgentResources('cpus:2;mem:512;ports:[1000-1001];gpus:1', {
      workDir: os.tmpdir(),
    });
    expect(r.cpus).toBe(2);
    expect(r.mem).toBe(512);
    expect(r.disk).toBeGreaterThan(0);
    expect(r.ports).toEqual([{ begin: 1000, end: 1001 }]);
    expect(r.other.map((x) => x.name)).toEqual(['gpus']);
  });
});

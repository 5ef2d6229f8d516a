import { normaliseIp } from './ip';
import { hashTaskId, slaveIdTail, zbase32 } from './hash';
import { parseUpid, splitHostPort, taskPorts } from './state';

describe('normaliseIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', 'A'],
    ['fd00::3', 'fd00::3', 'AAAA'],
    ['FD01:0:0::2', 'fd01::2', 'AAAA'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 'AAAA'],
    ['::ffff:10.1.2.3', '10.1.2.3', 'A'],
    ['::1', '::1', 'AAAA'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', 'AAAA'],
  ])('%s', (input, ip, type) => {
    expect(normaliseIp(input)).toEqual({ ip, type });
  });
  it.each(['', 'host', '10.0.0.256', '1.2.3', '1::2::3', 'fe80::1%eth0', '12345::1'])(
    'rejects %j',
    (s) => expect(normaliseIp(s)).toBeUndefined(),
  );
});

describe('hashing and ids', () => {
  it('zbase32 of sha1, first 5 chars', () => {
    expect(hashTaskId('nginx.1f3c2d4e-0000-11e5-a76e-1e7e1b5e6a2e')).toBe('5smd7');
    expect(hashTaskId('chronos.task-1')).toBe('cix6y');
    expect(zbase32(new Uint8Array([0xff, 0x00]))).toBe('9hyy');
  });
  it('agent id tail', () => {
    expect(slaveIdTail('20160107-001256-134875658-5050-27524-S3')).toBe('s3');
    expect(slaveIdTail('single')).toBe('single');
  });
});

describe('state helpers', () => {
  it('parses UPIDs and host:port', () => {
    expect(parseUpid('master@10.0.0.1:5050')).toEqual({
      id: 'master',
      host: '10.0.0.1',
      port: '5050',
    });
    expect(parseUpid('slave(1)@[fd00::3]:5051')).toEqual({
      id: 'slave(1)',
      host: 'fd00::3',
      port: '5051',
    });
    expect(parseUpid('nohost')).toBeUndefined();
    expect(splitHostPort('a:b:c')).toBeUndefined();
  });
  it('expands port ranges', () => {
    const t = { id: 'x', name: 'x', slave_id: 's', state: 'TASK_RUNNING' };
    expect(taskPorts({ ...t, resources: { ports: '[31000-31002, 31005-31005]' } })).toEqual([
      31000, 31001, 31002, 31005,
    ]);
    expect(taskPorts({ ...t, resources: { ports: '[]' } })).toEqual([]);
    expect(taskPorts(t)).toEqual([]);
  });
});

import { ClusterClient } from './http-client';
import { deviceRows, profileRows, providerRows, table, volumeRows } from './storage.command';

describe('dcos storage output', () => {
  it('renders the DC/OS column layouts', () => {
    const out = table(
      ['NODE', 'NAME', 'STATUS', 'ROTATIONAL', 'TYPE'],
      deviceRows([
        { node: 'a1', name: 'disk0', status: 'ONLINE', rotational: false, type: 'loop' },
      ]),
    );
    expect(out.split('\n').map((l) => l.trim().split(/\s+/))).toEqual([
      ['NODE', 'NAME', 'STATUS', 'ROTATIONAL', 'TYPE'],
      ['a1', 'disk0', 'ONLINE', 'false', 'loop'],
    ]);
    expect(
      providerRows([
        {
          name: 'p',
          spec: { plugin: { name: 'lvm' }, node: 'a1' },
          status: { state: 'ERROR', message: 'device-mapper unavailable' },
        },
      ]),
    ).toEqual([['lvm', 'p', 'a1', 'ERROR (device-mapper unavailable)']]);
    expect(profileRows([{ name: 'fast', spec: { mount: {} }, status: 'ACTIVE' }])).toEqual([
      ['mount', 'fast', 'ACTIVE'],
    ]);
    expect(
      volumeRows([
        {
          name: 'v',
          'capacity-mb': 1024,
          status: { state: 'ONLINE', node: 'a1', requires: [{ name: 'p' }] },
        },
      ]),
    ).toEqual([['a1', 'v', '1G', 'p', 'ONLINE']]);
  });
  it('reaches DSS through the Admin Router, or DSS_URL directly', () => {
    const direct = new ClusterClient({ mode: 'master', baseUrl: 'http://127.0.0.1:5050' });
    expect(direct.dssUrl('/v1/devices', {})).toBe('http://127.0.0.1:8105/v1/devices');
    expect(direct.dssUrl('/v1/devices', { DSS_URL: 'http://x:1/' })).toBe('http://x:1/v1/devices');
    expect(() => direct.dssUrl('/v1', { DSS_URL: 'nope' })).toThrow(/DSS_URL/);
    const routed = new ClusterClient({ mode: 'dcos', baseUrl: 'http://router:8000', token: 't' });
    expect(routed.dssUrl('/v1/devices')).toBe('http://router:8000/storage/v1/devices');
  });
});

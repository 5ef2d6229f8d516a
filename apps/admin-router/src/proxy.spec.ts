import { rewriteLocation, stripHopByHop } from './proxy';

describe('rewriteLocation', () => {
  it('puts root-relative and same-origin redirects under the route prefix', () => {
    expect(rewriteLocation('/ui/', 'http://10.0.0.1:31000', '/service/web')).toBe(
      '/service/web/ui/',
    );
    expect(
      rewriteLocation('http://10.0.0.1:31000/ui/?a=1', 'http://10.0.0.1:31000', '/service/web'),
    ).toBe('/service/web/ui/?a=1');
    expect(rewriteLocation('/master/state', 'http://127.0.0.1:5050', '/mesos')).toBe(
      '/mesos/master/state',
    );
  });
  it('leaves foreign, relative and already-prefixed locations alone', () => {
    expect(rewriteLocation('https://example.com/x', 'http://10.0.0.1:31000', '/service/web')).toBe(
      'https://example.com/x',
    );
    expect(rewriteLocation('next', 'http://10.0.0.1:31000', '/service/web')).toBe('next');
    expect(rewriteLocation('/service/web/x', 'http://10.0.0.1:31000', '/service/web')).toBe(
      '/service/web/x',
    );
    expect(rewriteLocation('/x', 'http://10.0.0.1:31000', '')).toBe('/x');
  });
});

describe('stripHopByHop', () => {
  it('drops hop-by-hop headers and the ones Connection names', () => {
    const h: Record<string, string> = {
      connection: 'keep-alive, x-private',
      'keep-alive': 'timeout=5',
      'x-private': '1',
      te: 'trailers',
      'proxy-authorization': 'x',
      'content-length': '3',
      accept: '*/*',
    };
    stripHopByHop(h);
    expect(h).toEqual({ 'content-length': '3', accept: '*/*' });
  });
  it('keeps Connection/Upgrade for websockets', () => {
    const h: Record<string, string> = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'keep-alive': '1',
    };
    stripHopByHop(h, true);
    expect(h).toEqual({ connection: 'Upgrade', upgrade: 'websocket' });
  });
});

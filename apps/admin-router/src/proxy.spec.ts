import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Proxy, rewriteLocation, stripHopByHop, upstreamIdleMs } from './proxy';

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

describe('pooled upstream connections', () => {
  it('idle a second less than the upstream keeps them (Keep-Alive hint), else under 5 s', () => {
    expect(upstreamIdleMs('timeout=5')).toBe(4_000);
    expect(upstreamIdleMs('timeout=60, max=100')).toBe(59_000);
    expect(upstreamIdleMs('timeout=1')).toBe(250);
    expect(upstreamIdleMs(undefined)).toBe(4_000);
    expect(upstreamIdleMs('max=5')).toBe(4_000);
  });

  it('a pooled connection closes before the upstream closes it (no "socket hang up" 502)', async () => {
    // A Node upstream closes idle keep-alive connections after 5 s and says so in
    // `Keep-Alive: timeout=5`; the proxy strips that header for its client, so the pool
    // must still time the connection out first, or a reuse races the close.
    const upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const proxy = new Proxy({ timeoutMs: 5_000, maxBodyBytes: 1024 });
    const front = createServer((req, res) =>
      proxy.web(req, res, { url: target, path: '/', prefix: '', upstream: 'test' }),
    );
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(front.address() as AddressInfo).port}/`);
      expect(res.headers.get('keep-alive')).not.toBe('timeout=5');
      expect(await res.text()).toBe('ok');
      const agent = proxy.agentFor(target);
      await waitUntil(() => Object.values(agent.freeSockets).flat().length === 1);
      const [pooled] = Object.values(agent.freeSockets).flat();
      expect(pooled?.timeout).toBe(4_000);
    } finally {
      proxy.close();
      front.closeAllConnections();
      upstream.closeAllConnections();
      await new Promise((r) => front.close(r));
      await new Promise((r) => upstream.close(r));
    }
  });
});

async function waitUntil(ok: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

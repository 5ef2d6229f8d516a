import { agentsOf, Discovery, leaderOf, urlFromPid } from './discovery';
import { SharedCache } from './cache';

describe('master state helpers', () => {
  it('turns pids into URLs', () => {
    expect(urlFromPid('slave(1)@10.0.0.2:5051')).toBe('http://10.0.0.2:5051');
    expect(urlFromPid('master@127.0.0.1:5050')).toBe('http://127.0.0.1:5050');
    expect(urlFromPid('garbage')).toBeUndefined();
  });
  it('finds agents and the leader in /master/state', () => {
    const state = {
      leader: 'master@10.0.0.1:5050',
      slaves: [{ id: 'S1', pid: 'slave(1)@10.0.0.2:5051' }, { id: 'S2' }],
    };
    expect([...agentsOf(state)]).toEqual([['S1', 'http://10.0.0.2:5051']]);
    expect(leaderOf(state)).toBe('http://10.0.0.1:5050');
    expect(leaderOf({ leader_info: { ip: '10.0.0.3', port: 5050 } })).toBe('http://10.0.0.3:5050');
    expect(leaderOf({})).toBeUndefined();
  });
});

describe('Discovery events', () => {
  it('follows leader and agent events', async () => {
    const d = new Discovery({
      masterUrl: 'http://127.0.0.1:1',
      marathonUrl: 'http://127.0.0.1:1',
      mesosDnsUrl: 'http://127.0.0.1:1',
      ttlMs: 1000,
      timeoutMs: 200,
    });
    expect(d.leaderUrl).toBe('http://127.0.0.1:1');
    d.onLeader({
      leader: 'master@10.0.0.7:5050',
      leader_info: { id: 'm', hostname: 'h', ip: '10.0.0.7', port: 5050 },
      http_url: 'http://10.0.0.7:5050/',
    });
    expect(d.leaderUrl).toBe('http://10.0.0.7:5050');
    const agent = {
      id: 'S9',
      hostname: 'h',
      pid: 'slave(1)@10.0.0.9:5051',
      resources: {},
      active: true,
    };
    d.onAgent({ type: 'AGENT_ADDED', agent });
    expect(await d.agentUrl('S9')).toBe('http://10.0.0.9:5051');
    d.onAgent({ type: 'AGENT_REMOVED', agent });
    expect(await d.agentUrl('S9')).toBeUndefined();
  });
});

describe('Discovery state loads vs events', () => {
  afterEach(() => jest.restoreAllMocks());

  it('keeps an agent announced while an older state was loading, and drops ones the state no longer has', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const state = { slaves: [{ id: 'S1', pid: 'slave(1)@10.0.0.1:5051' }] };
    jest.spyOn(globalThis, 'fetch').mockImplementation(async () => {
      await gate;
      return new Response(JSON.stringify(state), { status: 200 });
    });
    const d = new Discovery({
      masterUrl: 'http://m:5050',
      marathonUrl: 'http://x',
      mesosDnsUrl: 'http://x',
      ttlMs: 1,
      timeoutMs: 200,
    });
    d.onAgent({
      type: 'AGENT_ADDED',
      agent: {
        id: 'OLD',
        hostname: 'h',
        pid: 'slave(1)@10.0.0.3:5051',
        resources: {},
        active: true,
      },
    });
    await new Promise((r) => setTimeout(r, 5));
    const loading = d.masterState();
    await new Promise((r) => setTimeout(r, 5));
    d.onAgent({
      type: 'AGENT_ADDED',
      agent: {
        id: 'NEW',
        hostname: 'h',
        pid: 'slave(1)@10.0.0.2:5051',
        resources: {},
        active: true,
      },
    });
    release();
    await loading;
    expect(await d.agentUrl('S1')).toBe('http://10.0.0.1:5051');
    expect(await d.agentUrl('NEW')).toBe('http://10.0.0.2:5051');
    expect(await d.agentUrl('OLD')).toBeUndefined();
  });
});

describe('SharedCache', () => {
  it('shares one load between concurrent callers and reuses it within the TTL', async () => {
    let t = 0;
    const cache = new SharedCache<number>(100, 10, () => t);
    let loads = 0;
    const load = async () => ++loads;
    const all = await Promise.all([
      cache.get('k', load),
      cache.get('k', load),
      cache.get('k', load),
    ]);
    expect(all).toEqual([1, 1, 1]);
    t = 50;
    expect(await cache.get('k', load)).toBe(1);
    t = 150;
    expect(await cache.get('k', load)).toBe(2);
  });
  it('keeps the last good value when a reload fails', async () => {
    let t = 0;
    const cache = new SharedCache<number>(10, 10, () => t);
    await cache.get('k', async () => 7);
    t = 100;
    expect(await cache.get('k', async () => Promise.reject(new Error('down')))).toBe(7);
    await expect(cache.get('other', async () => Promise.reject(new Error('down')))).rejects.toThrow(
      'down',
    );
  });
});

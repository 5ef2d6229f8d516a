import { leaderHostPort, pong } from './http-compat';

describe('/ping content negotiation (Marathon SystemResource.ping)', () => {
  it('answers pong as text/plain without Accept, for */* and text/*', () => {
    for (const accept of [undefined, '', '*/*', 'text/*', 'text/plain', 'text/csv'])
      expect(pong(accept)).toEqual({ type: 'text/plain', body: 'pong' });
  });
  it('answers "pong" as JSON to JSON clients, text/html to browsers, by preference', () => {
    expect(pong('application/json')).toEqual({ type: 'application/json', body: '"pong"' });
    expect(pong('application/json, text/plain;q=0.5')).toEqual({
      type: 'application/json',
      body: '"pong"',
    });
    expect(pong('text/html,application/xhtml+xml,*/*;q=0.8')).toEqual({
      type: 'text/html',
      body: 'pong',
    });
    expect(pong('application/*')).toEqual({ type: 'application/json', body: '"pong"' });
  });
  it('answers nothing (204) when no variant is acceptable', () => {
    expect(pong('image/png')).toBeUndefined();
    expect(pong('text/plain;q=0')).toBeUndefined();
  });
});

describe('leader address', () => {
  it('is the advertised host, never a wildcard bind address', () => {
    expect(leaderHostPort({ ADVERTISE_HOST: 'm1.example', MARATHON_PORT: 8080 })).toBe(
      'm1.example:8080',
    );
    expect(leaderHostPort({ ADVERTISE_HOST: '0.0.0.0', MARATHON_PORT: 8080 })).not.toMatch(
      /^0\.0\.0\.0:/,
    );
  });
});

import {
  authCookie,
  clearedAuthCookie,
  DCOS_AUTH_COOKIE,
  extractToken,
  parseCookies,
} from './token-source';

describe('extractToken', () => {
  it('reads Authorization: token=', () => {
    expect(extractToken({ authorization: 'token=abc.def.ghi' })).toEqual({
      token: 'abc.def.ghi',
      source: 'authorization',
    });
  });
  it('reads Authorization: Bearer', () => {
    expect(extractToken({ authorization: 'Bearer abc.def.ghi' })?.token).toBe('abc.def.ghi');
    expect(extractToken({ authorization: 'bearer abc' })?.token).toBe('abc');
  });
  it('prefers the header over the cookie', () => {
    expect(extractToken({ authorization: 'token=h', cookie: `${DCOS_AUTH_COOKIE}=c` })?.token).toBe(
      'h',
    );
  });
  it('falls back to the dcos-acs-auth-cookie cookie only without an Authorization header', () => {
    expect(extractToken({ cookie: `a=1; ${DCOS_AUTH_COOKIE}=c.d.e; b=2` })).toEqual({
      token: 'c.d.e',
      source: 'cookie',
    });
    expect(
      extractToken({ authorization: 'Basic Zm9vOmJhcg==', cookie: `${DCOS_AUTH_COOKIE}=c` }),
    ).toBeUndefined();
  });
  it('finds nothing in empty or unrelated headers', () => {
    expect(extractToken({})).toBeUndefined();
    expect(extractToken({ authorization: 'token=' })).toBeUndefined();
    expect(extractToken({ cookie: 'other=1' })).toBeUndefined();
    expect(extractToken({ cookie: `${DCOS_AUTH_COOKIE}=` })).toBeUndefined();
  });
  it('parses cookies tolerantly', () => {
    expect(parseCookies('a=1; b="two"; c=%41; bad; a=3')).toEqual({ a: '1', b: 'two', c: 'A' });
  });
  it('builds and clears the cookie', () => {
    expect(authCookie('t', 60)).toMatch(/^dcos-acs-auth-cookie=t; Path=\/; Max-Age=60; .*HttpOnly/);
    expect(authCookie('t', 60, { secure: true })).toMatch(/; Secure$/);
    expect(clearedAuthCookie()).toMatch(/^dcos-acs-auth-cookie=; .*Expires=Thu, 01 Jan 1970/);
  });
});

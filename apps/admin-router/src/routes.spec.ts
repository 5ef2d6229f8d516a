import { RIDS, route, serviceUpstreamPath } from './routes';

describe('route', () => {
  it("leaves the router's own endpoints to Nest", () => {
    for (const p of ['/health', '/metrics', '/openapi.json', '/docs', '/docs/x'])
      expect(route(p)).toEqual({ kind: 'local' });
  });

  it('opens /acs/api/v1/auth and protects the rest of IAM with dcos:adminrouter:acs', () => {
    expect(route('/acs/api/v1/auth/login')).toMatchObject({
      kind: 'proxy',
      upstream: 'iam',
      path: '/acs/api/v1/auth/login',
      access: { kind: 'open' },
      stripAuthCookie: true,
    });
    expect(route('/acs/api/v1/users?type=service')).toMatchObject({
      kind: 'proxy',
      upstream: 'iam',
      path: '/acs/api/v1/users?type=service',
      access: { kind: 'authz', rid: RIDS.acs },
    });
    // No prefix confusion: "/acs/api/v1/authx" is not the open auth location.
    expect(route('/acs/api/v1/authx')).toMatchObject({ access: { kind: 'authz' } });
  });

  it('strips /mesos for the leader and keeps the query', () => {
    expect(route('/mesos/master/state?jsonp=x')).toMatchObject({
      kind: 'proxy',
      upstream: 'leader',
      path: '/master/state?jsonp=x',
      prefix: '/mesos',
      access: { kind: 'authz', rid: 'dcos:adminrouter:ops:mesos' },
    });
    expect(route('/mesos')).toEqual({ kind: 'redirect', status: 301, location: '/mesos/' });
  });

  it('routes Mesos-DNS, storage and Marathon with their rids', () => {
    expect(route('/mesos_dns/v1/version')).toMatchObject({
      upstream: 'mesos-dns',
      path: '/v1/version',
      access: { rid: 'dcos:adminrouter:ops:mesos-dns' },
      stripCredentials: true,
    });
    expect(route('/mesos/version')).not.toHaveProperty('stripCredentials');
    expect(route('/storage/v1/volumes')).toMatchObject({
      upstream: 'dss',
      path: '/v1/volumes',
      access: { rid: 'dcos:adminrouter:storage' },
    });
    expect(route('/marathon/v2/apps')).toMatchObject({
      upstream: 'marathon',
      path: '/v2/apps',
      prefix: '/marathon',
      access: { rid: 'dcos:adminrouter:service:marathon' },
    });
    expect(route('/marathon')).toEqual({ kind: 'redirect', status: 307, location: '/marathon/' });
    expect(route('/marathon?x=1')).toEqual({
      kind: 'redirect',
      status: 307,
      location: '/marathon/?x=1',
    });
  });

  it('routes /agent/<id> and /slave/<id> to the agent with the rest of the path', () => {
    expect(route('/agent/abc-S1/files/read?path=/x&offset=0')).toEqual({
      kind: 'agent',
      agentId: 'abc-S1',
      path: '/files/read?path=/x&offset=0',
      prefix: '/agent/abc-S1',
      access: { kind: 'authz', rid: 'dcos:adminrouter:ops:slave' },
    });
    expect(route('/slave/abc-S1/state')).toMatchObject({
      kind: 'agent',
      agentId: 'abc-S1',
      path: '/state',
      prefix: '/slave/abc-S1',
    });
    expect(route('/agent/abc-S1')).toEqual({
      kind: 'redirect',
      status: 301,
      location: '/agent/abc-S1/',
    });
    expect(route('/agent/a%20b/x')).toEqual({ kind: 'not-found' });
  });

  it('redirects /service/<name> to the trailing slash and collects nested segments', () => {
    expect(route('/service/foo')).toEqual({
      kind: 'redirect',
      status: 301,
      location: '/service/foo/',
    });
    expect(route('/service/foo?a=1')).toEqual({
      kind: 'redirect',
      status: 301,
      location: '/service/foo/?a=1',
    });
    expect(route('/service/foo/')).toMatchObject({ kind: 'service', segments: ['foo'] });
    expect(route('/service/group/app/v1/x')).toMatchObject({
      kind: 'service',
      segments: ['group', 'app', 'v1', 'x'],
    });
    expect(route('/service/')).toEqual({ kind: 'not-found' });
  });

  it('knows the DC/OS metadata endpoints and their access', () => {
    expect(route('/dcos-metadata/dcos-version.json')).toEqual({
      kind: 'version',
      access: { kind: 'open' },
    });
    expect(route('/dcos-metadata/ui-config.json')).toEqual({
      kind: 'ui-config',
      access: { kind: 'open' },
    });
    expect(route('/dcos-metadata/other.json')).toEqual({ kind: 'not-found' });
    expect(route('/pkgpanda/active.buildinfo.full.json')).toEqual({
      kind: 'buildinfo',
      access: { kind: 'authn' },
    });
    expect(route('/metadata')).toEqual({
      kind: 'metadata',
      access: { kind: 'authz', rid: 'dcos:adminrouter:ops:metadata' },
    });
    expect(route('/system/health/v1')).toMatchObject({
      kind: 'system-health',
      path: '/',
      access: { rid: 'dcos:adminrouter:ops:system-health' },
    });
    expect(route('/system/health/v1/units')).toMatchObject({
      kind: 'system-health',
      path: '/units',
    });
    expect(route('/')).toEqual({ kind: 'status-page', access: { kind: 'open' } });
  });

  it("serves dcos-net's /net/v1/nodes behind dcos:adminrouter:ops:networking", () => {
    expect(route('/net/v1/nodes')).toEqual({
      kind: 'net-nodes',
      force: false,
      access: { kind: 'authz', rid: 'dcos:adminrouter:ops:networking' },
    });
    expect(route('/net/v1/nodes?force')).toMatchObject({ kind: 'net-nodes', force: true });
    expect(route('/net/v1/nodes?force=true')).toMatchObject({ kind: 'net-nodes', force: true });
    expect(route('/net/v1/other')).toEqual({ kind: 'not-found' });
  });

  it('refuses dot segments and unknown paths', () => {
    expect(route('/mesos/../acs/api/v1/users')).toEqual({ kind: 'not-found' });
    expect(route('/nope')).toEqual({ kind: 'not-found' });
  });
});

describe('serviceUpstreamPath', () => {
  it('strips the resolved name (nested) and keeps the query', () => {
    expect(serviceUpstreamPath('/service/group/app/v1/x?q=1', 2, true)).toEqual({
      path: '/v1/x?q=1',
      prefix: '/service/group/app',
    });
    expect(serviceUpstreamPath('/service/foo/', 1, true)).toEqual({
      path: '/',
      prefix: '/service/foo',
    });
  });
  it('keeps the whole path when DCOS_SERVICE_REWRITE_REQUEST_URLS=false', () => {
    expect(serviceUpstreamPath('/service/foo/a', 1, false)).toEqual({
      path: '/service/foo/a',
      prefix: '',
    });
  });
});

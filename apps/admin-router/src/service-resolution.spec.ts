import {
  candidateNames,
  frameworksOf,
  indexMarathonApps,
  mesosDnsSrvName,
  resolveLocally,
  upstreamFromSrv,
} from './service-resolution';

const app = (over: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
  id: '/web',
  labels: {
    DCOS_SERVICE_NAME: 'web',
    DCOS_SERVICE_PORT_INDEX: '1',
    DCOS_SERVICE_SCHEME: 'http',
    ...labels,
  },
  tasks: [
    { id: 't0', host: '10.0.0.9', ports: [1, 2], state: 'TASK_STAGING' },
    { id: 't1', host: '10.0.0.1', ports: [31000, 31001], state: 'TASK_RUNNING' },
  ],
  ...over,
});

describe('indexMarathonApps', () => {
  it('uses the port at DCOS_SERVICE_PORT_INDEX of the first running task', () => {
    const idx = indexMarathonApps({ apps: [app()] });
    expect(idx.get('web')).toEqual({
      name: 'web',
      appId: '/web',
      url: 'http://10.0.0.1:31001',
      rewrite: true,
    });
  });

  it('honours DCOS_SERVICE_REWRITE_REQUEST_URLS=false and https', () => {
    const idx = indexMarathonApps({
      apps: [app({}, { DCOS_SERVICE_REWRITE_REQUEST_URLS: 'false', DCOS_SERVICE_SCHEME: 'https' })],
    });
    expect(idx.get('web')).toMatchObject({ url: 'https://10.0.0.1:31001', rewrite: false });
  });

  it('records an app without a running task (→ 503) and skips apps missing the port index', () => {
    const idx = indexMarathonApps({
      apps: [
        app({ tasks: [] }),
        app({ id: '/other' }, { DCOS_SERVICE_NAME: 'other', DCOS_SERVICE_PORT_INDEX: '' }),
        app({ id: '/bad' }, { DCOS_SERVICE_NAME: 'bad', DCOS_SERVICE_SCHEME: 'ftp' }),
      ],
    });
    expect(idx.get('web')).toMatchObject({ url: undefined });
    expect(idx.has('other')).toBe(false);
    expect(idx.has('bad')).toBe(false);
  });

  it('tolerates garbage', () => {
    expect(indexMarathonApps(undefined).size).toBe(0);
    expect(indexMarathonApps({ apps: [null, 3, { id: 4 }] }).size).toBe(0);
  });
});

describe('resolveLocally', () => {
  const marathon = indexMarathonApps({
    apps: [app(), app({ id: '/down', tasks: [] }, { DCOS_SERVICE_NAME: 'down' })],
  });
  const frameworks = frameworksOf({
    frameworks: [
      { id: 'fw-1', name: 'kafka', webui_url: 'http://10.0.0.5:9999/' },
      { id: 'fw-2', name: 'nowebui', webui_url: '' },
    ],
  });

  it('prefers a Marathon label, then a framework webui_url (by name or id), then builtins', () => {
    expect(resolveLocally('web', marathon, frameworks)).toEqual({
      kind: 'upstream',
      url: 'http://10.0.0.1:31001',
      rewrite: true,
      source: 'marathon',
    });
    expect(resolveLocally('kafka', marathon, frameworks)).toEqual({
      kind: 'upstream',
      url: 'http://10.0.0.5:9999',
      rewrite: true,
      source: 'framework',
    });
    expect(resolveLocally('fw-1', marathon, frameworks)).toMatchObject({
      url: 'http://10.0.0.5:9999',
    });
    expect(
      resolveLocally('marathon', marathon, frameworks, { marathon: 'http://m:8080' }),
    ).toMatchObject({ source: 'builtin' });
  });

  it('says no-task for a labelled app without a running task, unknown otherwise', () => {
    expect(resolveLocally('down', marathon, frameworks)).toEqual({
      kind: 'no-task',
      source: 'marathon',
    });
    expect(resolveLocally('nowebui', marathon, frameworks)).toEqual({ kind: 'unknown' });
    expect(resolveLocally('nothing', marathon, frameworks)).toEqual({ kind: 'unknown' });
  });
});

describe('Mesos-DNS fallback', () => {
  it('names the SRV record as Mesos-DNS does for (nested) Marathon apps', () => {
    expect(mesosDnsSrvName('nginx')).toBe('_nginx._tcp.marathon.mesos');
    expect(mesosDnsSrvName('group/app')).toBe('_app-group._tcp.marathon.mesos');
  });
  it('takes the first record with an ip and port', () => {
    expect(upstreamFromSrv([{ service: '', host: '', ip: '', port: '' }])).toBeUndefined();
    expect(
      upstreamFromSrv([
        { service: '_a._tcp.marathon.mesos.', host: 'h', ip: '10.1.1.1', port: '31644' },
      ]),
    ).toBe('http://10.1.1.1:31644');
    expect(upstreamFromSrv({})).toBeUndefined();
  });
  it('tries names shortest first', () => {
    expect(candidateNames(['a', 'b', 'c'])).toEqual(['a', 'a/b', 'a/b/c']);
  });
});

import { ConfigError, loadConfig } from '@dcos/config';
import { applyArgs, mesosDnsConfigShape } from './config';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goConfig, settingsFrom, systemResolvers } from './settings';

const load = (env: Record<string, string>) => loadConfig(mesosDnsConfigShape, env);

describe('mesos-dns config', () => {
  it('has Mesos-DNS defaults', () => {
    const c = load({ MESOS_DNS_RESOLVERS: '8.8.8.8' });
    const s = settingsFrom(c);
    expect(s).toMatchObject({
      domain: 'mesos',
      ttl: 60,
      soaMname: 'ns1.mesos.',
      soaRname: 'root.ns1.mesos.',
      ipSources: ['netinfo', 'mesos', 'host'],
      resolvers: [{ host: '8.8.8.8', port: 53 }],
      externalOn: true,
      setTruncateBit: true,
    });
    expect(c.MESOS_DNS_PORT).toBe(8053);
    expect(c.MESOS_DNS_HTTP_PORT).toBe(8123);
    expect(goConfig(c, s, 1)).toMatchObject({
      Domain: 'mesos',
      TTL: 60,
      RefreshSeconds: 60,
      IPSources: ['netinfo', 'mesos', 'host'],
    });
  });

  it('/v1/config has every records.Config JSON key, in order, with Mesos-DNS defaults', () => {
    const c = load({ MESOS_DNS_RESOLVERS: '8.8.8.8' });
    const cfg = goConfig(c, settingsFrom(c), 1700000000, '/etc/mesos-dns.json');
    expect(Object.keys(cfg)).toEqual([
      'RefreshSeconds',
      'Port',
      'Timeout',
      'StateTimeoutSeconds',
      'ZkDetectionTimeout',
      'HttpPort',
      'TTL',
      'SRVRecordDefaultWeight',
      'SOASerial',
      'SOARefresh',
      'SOARetry',
      'SOAExpire',
      'SOAMinttl',
      'SOAMname',
      'SOARname',
      'Masters',
      'ZoneResolvers',
      'Resolvers',
      'IPSources',
      'Zk',
      'Domain',
      'File',
      'Listener',
      'HTTPListener',
      'RecurseOn',
      'DnsOn',
      'HttpOn',
      'ExternalOn',
      'EnforceRFC952',
      'SetTruncateBit',
      'EnumerationOn',
      'MesosHTTPSOn',
      'CACertFile',
      'CertFile',
      'KeyFile',
      'MesosCredentials',
      'IAMConfigFile',
      'MesosAuthentication',
    ]);
    expect(cfg).toMatchObject({
      ZkDetectionTimeout: 30,
      SOASerial: 1700000000,
      SOAMname: 'ns1.mesos.',
      SOARname: 'root.ns1.mesos.',
      SOAMinttl: 60,
      File: '/etc/mesos-dns.json',
      CACertFile: '',
      CertFile: '',
      KeyFile: '',
      IAMConfigFile: '',
      MesosCredentials: { Principal: '', Secret: '' },
      MesosAuthentication: '',
      MesosHTTPSOn: false,
    });
  });

  it("falls back to resolv.conf's nameservers, without this host's own addresses (GetLocalDNS)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mdns-resolv-'));
    try {
      const path = join(dir, 'resolv.conf');
      writeFileSync(
        path,
        '# comment\nnameserver 127.0.0.1\nnameserver 10.255.0.53\nnameserver bogus\n',
      );
      expect(systemResolvers(path)).toEqual(['10.255.0.53']);
      expect(systemResolvers(join(dir, 'missing'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses lists, zones and SOA names', () => {
    const s = settingsFrom(
      load({
        MESOS_DNS_DOMAIN: 'Cluster.Local.',
        MESOS_DNS_IP_SOURCES: 'host, netinfo',
        MESOS_DNS_RESOLVERS: '127.0.0.1:5353,::1',
        MESOS_DNS_ZONE_RESOLVERS: 'corp.example=10.0.0.1 10.0.0.2:54;lab=[::1]:53',
        MESOS_DNS_SOA_RNAME: 'admin@example.com',
      }),
    );
    expect(s.domain).toBe('cluster.local');
    expect(s.soaMname).toBe('ns1.cluster.local.');
    expect(s.soaRname).toBe('admin.example.com.');
    expect(s.ipSources).toEqual(['host', 'netinfo']);
    expect(s.resolvers).toEqual([
      { host: '127.0.0.1', port: 5353 },
      { host: '::1', port: 53 },
    ]);
    expect(s.zoneResolvers).toEqual({
      'corp.example': [
        { host: '10.0.0.1', port: 53 },
        { host: '10.0.0.2', port: 54 },
      ],
      lab: [{ host: '::1', port: 53 }],
    });
  });

  it.each([
    ['MESOS_DNS_TTL', 'abc'],
    ['MESOS_DNS_DOMAIN', 'bad_domain!'],
    ['MESOS_DNS_IP_SOURCES', 'netinfo,rkt'],
    ['MESOS_DNS_MASTERS', '10.0.0.1'],
    ['MESOS_DNS_RESOLVERS', 'dns.google'],
    ['MESOS_DNS_ZONE_RESOLVERS', 'corp=notanip'],
    ['MESOS_DNS_ENFORCE_RFC952', 'maybe'],
    ['MESOS_DNS_REFRESH_SECONDS', '0'],
    ['MESOS_DNS_LISTENER', 'everywhere'],
    ['MESOS_DNS_PORT', '70000'],
  ])('rejects %s=%j naming the variable', (variable, value) => {
    let err: unknown;
    try {
      load({ [variable]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
  });

  it('takes --masters and --refresh-seconds from the command line', () => {
    const env: NodeJS.ProcessEnv = {};
    applyArgs(['--masters', '10.0.0.1:5050,10.0.0.2:5050', '--refresh-seconds=5'], env);
    expect(env).toEqual({
      MESOS_DNS_MASTERS: '10.0.0.1:5050,10.0.0.2:5050',
      MESOS_DNS_REFRESH_SECONDS: '5',
    });
    expect(load(env as Record<string, string>).MESOS_DNS_MASTERS).toEqual([
      '10.0.0.1:5050',
      '10.0.0.2:5050',
    ]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@dcos/config';
import { applyConfigFile, renameToFileKeys } from './config-file';
import { mesosDnsConfigShape } from './config';

const dir = mkdtempSync(join(tmpdir(), 'mdns-config-'));
function file(content: unknown): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
function problems(fn: () => unknown): { variable: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('Mesos-DNS JSON config file', () => {
  it("maps Mesos-DNS's keys onto the service config", () => {
    const env: NodeJS.ProcessEnv = {};
    applyConfigFile(
      file({
        domain: 'Cluster.Example',
        port: 5353,
        ttl: 5,
        resolvers: ['127.0.0.1:5300'],
        zoneResolvers: { 'corp.local': ['127.0.0.2', '127.0.0.3:53'] },
        IPSources: ['host', 'netinfo'],
        enforceRFC952: true,
        SOARname: 'admin.example.com',
        httpon: true,
      }),
      env,
    );
    const c = loadConfig(mesosDnsConfigShape, env);
    expect(c.MESOS_DNS_DOMAIN).toBe('cluster.example');
    expect(c.MESOS_DNS_PORT).toBe(5353);
    expect(c.MESOS_DNS_TTL).toBe(5);
    expect(c.MESOS_DNS_RESOLVERS).toEqual(['127.0.0.1:5300']);
    expect(c.MESOS_DNS_ZONE_RESOLVERS).toEqual({ 'corp.local': ['127.0.0.2', '127.0.0.3:53'] });
    expect(c.MESOS_DNS_IP_SOURCES).toEqual(['host', 'netinfo']);
    expect(c.MESOS_DNS_ENFORCE_RFC952).toBe(true);
  });

  it('lets the environment override the file', () => {
    const env: NodeJS.ProcessEnv = { MESOS_DNS_TTL: '30' };
    const fromFile = applyConfigFile(file({ ttl: 5, domain: 'x' }), env);
    expect(env.MESOS_DNS_TTL).toBe('30');
    expect(fromFile.get('MESOS_DNS_DOMAIN')).toBe('domain');
    expect(fromFile.has('MESOS_DNS_TTL')).toBe(false);
  });

  it('names the key for wrong types, unknown keys and refused ones, and applies nothing', () => {
    const env: NodeJS.ProcessEnv = {};
    const p = problems(() =>
      applyConfigFile(
        file({ domain: 'fine', ttl: '60', port: 1.5, nope: 1, zk: 'zk://x/mesos', httpon: false }),
        env,
      ),
    );
    expect(p.map((x) => x.variable).sort()).toEqual(['httpon', 'nope', 'port', 'ttl', 'zk']);
    expect(p.find((x) => x.variable === 'ttl')?.message).toContain('must be an integer');
    expect(env).toEqual({});
  });

  it('names the file key when a value has the right type but is invalid', () => {
    const env: NodeJS.ProcessEnv = {};
    const path = file({ port: 70000, IPSources: ['carrier-pigeon'] });
    const fromFile = applyConfigFile(path, env);
    const p = problems(() => {
      try {
        loadConfig(mesosDnsConfigShape, env);
      } catch (e) {
        throw renameToFileKeys(e as ConfigError, fromFile, path);
      }
    });
    expect(p.map((x) => x.variable).sort()).toEqual(['IPSources', 'port']);
    expect(p[0].message).toContain(path);
  });

  it('refuses unreadable or malformed files', () => {
    expect(problems(() => applyConfigFile(join(dir, 'missing.json'), {}))[0].message).toContain(
      'cannot read',
    );
    expect(problems(() => applyConfigFile(file('{ not json'), {}))[0].message).toContain(
      'not valid JSON',
    );
    expect(problems(() => applyConfigFile(file([1, 2]), {}))[0].message).toContain('JSON object');
  });
});

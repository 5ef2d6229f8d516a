import { ConfigError, loadConfig } from '@dcos/config';
import { clusterName, masterConfigShape } from './config';

describe('master config: the cluster name (Mesos --cluster)', () => {
  const load = (env: Record<string, string>) => loadConfig(masterConfigShape, env);

  it('defaults to dcos-ts; MASTER_CLUSTER, else MESOS_CLUSTER names it', () => {
    expect(clusterName(load({}))).toBe('dcos-ts');
    expect(clusterName(load({ MASTER_CLUSTER: '' }))).toBe('dcos-ts');
    expect(clusterName(load({ MESOS_CLUSTER: 'from-mesos' }))).toBe('from-mesos');
    expect(clusterName(load({ MASTER_CLUSTER: 'Prod East', MESOS_CLUSTER: 'x' }))).toBe(
      'Prod East',
    );
  });

  it('refuses blank, multi-line and overlong names at boot, naming the variable', () => {
    for (const [variable, value, why] of [
      ['MASTER_CLUSTER', '   ', /must not be blank/],
      ['MASTER_CLUSTER', 'a\nb', /control characters/],
      ['MESOS_CLUSTER', 'x'.repeat(256), /at most 255/],
    ] as const) {
      let err: unknown;
      try {
        load({ [variable]: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        { variable, message: expect.stringMatching(why) },
      ]);
    }
  });
});

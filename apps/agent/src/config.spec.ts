import { ConfigError, loadConfig } from '@dcos/config';
import { agentConfigShape, flagsToEnv } from './config';

describe('agent flags and env', () => {
  it('maps Mesos flags (both --name=value and --name value) onto the variables', () => {
    const env = flagsToEnv(
      [
        '--resources=cpus:4;mem:8192;ports:[31000-32000]',
        '--attributes',
        'rack:r1;zone:a',
        '--hollow',
      ],
      { AGENT_RESOURCES: 'cpus:1' },
    );
    expect(env['AGENT_RESOURCES']).toBe('cpus:4;mem:8192;ports:[31000-32000]');
    expect(env['AGENT_ATTRIBUTES']).toBe('rack:r1;zone:a');
    expect(env['AGENT_HOLLOW']).toBe('true');
    const c = loadConfig(agentConfigShape, env);
    expect(c.AGENT_HOLLOW).toBe(true);
    expect(c.AGENT_RESOURCES).toBe('cpus:4;mem:8192;ports:[31000-32000]');
  });

  it('refuses unknown flags and flags without a value, naming them', () => {
    expect(() => flagsToEnv(['--resourcez=cpus:1'], {})).toThrow(/--resourcez: unknown flag/);
    expect(() => flagsToEnv(['--work_dir'], {})).toThrow(/--work_dir: needs a value/);
    expect(() => flagsToEnv(['stray'], {})).toThrow(ConfigError);
  });

  it('rejects bad resources and attributes at boot, naming the variable and the part', () => {
    expect(() => loadConfig(agentConfigShape, { AGENT_RESOURCES: 'cpus:abc' })).toThrow(
      /AGENT_RESOURCES: invalid resource "cpus:abc"/,
    );
    expect(() => loadConfig(agentConfigShape, { AGENT_ATTRIBUTES: 'rack' })).toThrow(
      /AGENT_ATTRIBUTES/,
    );
    expect(() => loadConfig(agentConfigShape, { AGENT_HOLLOW_NODES: '0' })).toThrow(
      /AGENT_HOLLOW_NODES/,
    );
  });

  it('takes storage disks and devices (--disks 2x2G), refusing bad ones naming the variable', () => {
    const env = flagsToEnv(['--disks=2x512M', '--storage_devices', 'xvdb,xvdc'], {});
    const c = loadConfig(agentConfigShape, env);
    expect(c.AGENT_DISKS).toBe('2x512M');
    expect(c.AGENT_STORAGE_DEVICES).toBe('xvdb,xvdc');
    expect(() => loadConfig(agentConfigShape, { AGENT_DISKS: '2x2Q' })).toThrow(/AGENT_DISKS/);
    expect(() => loadConfig(agentConfigShape, { AGENT_DISKS: '1x1M' })).toThrow(
      /AGENT_DISKS: "1x1M": a disk must be at least 16M/,
    );
    expect(() => loadConfig(agentConfigShape, { AGENT_STORAGE_DEVICES: '../sda' })).toThrow(
      /AGENT_STORAGE_DEVICES: "..\/sda" is not a device name/,
    );
  });
});

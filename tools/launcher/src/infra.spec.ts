import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath, natsServerMissing, pickLocale } from './infra';

describe('initdb locale (pickLocale)', () => {
  it('takes C.UTF-8 on a minimal Debian (C, C.UTF-8, POSIX: no en_US.UTF-8)', () => {
    expect(pickLocale(['C', 'C.utf8', 'POSIX'])).toBe('C.utf8');
    expect(pickLocale(['C', 'C.UTF-8', 'POSIX'])).toBe('C.UTF-8');
  });

  it('prefers C.UTF-8 to en_US.UTF-8, takes en_US.UTF-8 when it is the only UTF-8 one', () => {
    expect(pickLocale(['en_US.utf8', 'C.utf8'])).toBe('C.utf8');
    expect(pickLocale(['C', 'POSIX', 'en_US.UTF-8'])).toBe('en_US.UTF-8');
  });

  it('falls back to C (which every system has) when nothing fits or `locale -a` failed', () => {
    expect(pickLocale(['C', 'POSIX'])).toBe('C');
    expect(pickLocale([])).toBe('C');
  });
});

describe('nats-server missing', () => {
  it('is one line with the exact install command', () => {
    const line = natsServerMissing('nats://127.0.0.1:4222');
    expect(line).toBe(
      'NATS is not reachable at nats://127.0.0.1:4222 and nats-server is not installed: ' +
        'run "apt-get install -y nats-server" (Debian/Ubuntu, as root) or "brew install nats-server" (macOS), ' +
        'or set NATS_URL to a running NATS server with JetStream',
    );
    expect(line).not.toContain('\n');
  });

  it('is looked for on PATH and in the sbin directories Debian installs it in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'launcher-path-'));
    try {
      const sbin = join(dir, 'sbin');
      mkdirSync(sbin);
      expect(findOnPath('nats-server', join(dir, 'bin'), [])).toBeUndefined();
      writeFileSync(join(sbin, 'nats-server'), '#!/bin/sh\n');
      chmodSync(join(sbin, 'nats-server'), 0o755);
      expect(findOnPath('nats-server', join(dir, 'bin'), [])).toBeUndefined();
      expect(findOnPath('nats-server', join(dir, 'bin'), [sbin])).toBe(join(sbin, 'nats-server'));
      expect(findOnPath('nats-server', `${join(dir, 'bin')}:${sbin}`, [])).toBe(
        join(sbin, 'nats-server'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, isListening } from '@dcos/testing';
import { execFileSync } from 'node:child_process';
import { InfraError, ensureNats, ensurePostgres, reachableBinaries } from '../src/infra';

/** What the launcher stops with when the infrastructure cannot be had on this machine. */
describe('launcher infrastructure failures', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dcos-infra-'));
    // As root, the embedded Postgres runs as the user "postgres", which must enter it.
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => {
    // An embedded Postgres a failed test left running goes too.
    const pidFile = join(dataDir, 'leftover', 'postgres', 'postmaster.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('NATS unreachable and nats-server not installed: the one line with the install command', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const looked: string[] = [];
    const attempt = ensureNats(
      url,
      dataDir,
      () => undefined,
      (cmd) => {
        looked.push(cmd);
        return undefined;
      },
    );
    await expect(attempt).rejects.toBeInstanceOf(InfraError);
    await expect(attempt).rejects.toThrow(
      `NATS is not reachable at ${url} and nats-server is not installed: run "apt-get install -y nats-server" (Debian/Ubuntu, as root)`,
    );
    expect(looked).toEqual(['nats-server']);
  });

  it('initdb failing: its own output, not only its exit code', async () => {
    // A data directory that is not empty and not a cluster: initdb refuses it.
    const dir = join(dataDir, 'postgres');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stray-file'), 'not a database\n');
    const port = await freePort();
    const attempt = ensurePostgres(
      `postgres://postgres@127.0.0.1:${port}/dcos`,
      dataDir,
      () => undefined,
    );
    await expect(attempt).rejects.toBeInstanceOf(InfraError);
    await expect(attempt).rejects.toThrow(
      /initdb \(embedded Postgres, locale \S+\) exited with code 1/,
    );
    await expect(attempt).rejects.toThrow(
      `initdb: error: directory "${dir}" exists but is not empty`,
    );
  });

  it('an embedded Postgres an earlier start left running is used, and stopped at the end', async () => {
    const dir = join(dataDir, 'leftover');
    mkdirSync(dir, { mode: 0o755 });
    const port = await freePort();
    const url = `postgres://postgres@127.0.0.1:${port}/dcos`;
    const first = await ensurePostgres(url, dir, () => undefined);
    expect(first.startedHere).toBe(true);
    // The launcher that started it is gone without stopping it (a closed terminal): the next
    // start finds Postgres on the port, refusing DATABASE_URL's login, and takes it over.
    const logs: string[] = [];
    const second = await ensurePostgres(url, dir, (m) => logs.push(m));
    expect(second.url).toBe(first.url);
    expect(second.startedHere).toBe(true);
    expect(logs.join('\n')).toMatch(
      /is the embedded one an earlier start left running \(pid \d+\)/,
    );
    await second.stop!();
    expect(await isListening('127.0.0.1', port)).toBe(false);
    await first.stop!(); // its child is gone already: returns at once
  }, 90_000);

  it('copies the Postgres binaries where the user "postgres" can run them when their install is not reachable', () => {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
    const as = { uid: id('-u'), gid: id('-g') };
    // A checkout under a directory only root may enter (as a clone under /root).
    const closed = mkdtempSync(join(tmpdir(), 'dcos-closed-'));
    chmodSync(closed, 0o700);
    const native = join(closed, 'native');
    mkdirSync(join(native, 'bin'), { recursive: true });
    mkdirSync(join(native, 'share'), { recursive: true });
    const stamp = String(Date.now()) + String(Math.random());
    for (const b of ['initdb', 'postgres']) {
      writeFileSync(join(native, 'bin', b), `#!/bin/sh\necho ${b} ${stamp}\n`, { mode: 0o755 });
    }
    writeFileSync(join(native, 'share', 'postgres.bki'), stamp);
    const logs: string[] = [];
    const bin = {
      initdb: join(native, 'bin', 'initdb'),
      postgres: join(native, 'bin', 'postgres'),
    };
    let copied: { initdb: string; postgres: string } | undefined;
    try {
      copied = reachableBinaries(bin, as, (m) => logs.push(m));
      expect(copied.postgres).not.toBe(bin.postgres);
      expect(logs.join('\n')).toContain(`cannot enter ${closed}`);
      // The user "postgres" runs the copy, which keeps share/ beside bin/.
      const out = execFileSync(copied.postgres, { uid: as.uid, gid: as.gid, encoding: 'utf8' });
      expect(out.trim()).toBe(`postgres ${stamp}`);
      expect(
        readFileSync(join(dirname(copied.postgres), '..', 'share', 'postgres.bki'), 'utf8'),
      ).toBe(stamp);
      // Reachable binaries are used where they are.
      expect(reachableBinaries(copied, as, () => undefined)).toEqual(copied);
    } finally {
      rmSync(closed, { recursive: true, force: true });
      if (copied) rmSync(dirname(dirname(copied.postgres)), { recursive: true, force: true });
    }
  });
});

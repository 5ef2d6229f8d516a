import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@dcos/testing';
import { InfraError, ensureNats, ensurePostgres } from '../src/infra';

/** What the launcher stops with when the infrastructure cannot be had on this machine. */
describe('launcher infrastructure failures', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dcos-infra-'));
    // As root, the embedded Postgres runs as the user "postgres", which must enter it.
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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
});

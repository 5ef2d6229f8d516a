import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { resolve } from 'node:path';

// Jest loads globalSetup outside the module mapper, so this file imports only node built-ins.
function isListening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((done) => {
    const s = new Socket();
    const end = (ok: boolean) => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(timeoutMs, () => end(false));
    s.once('error', () => end(false));
    s.connect(port, host, () => end(true));
  });
}

/**
 * Runs once before the e2e suites: the real NATS and Postgres must be reachable, the
 * services must be built, and every suite of this run shares one run id (in database
 * names and NATS prefixes) so that concurrent runs never collide.
 */
export default async function globalSetup(): Promise<void> {
  process.env.DCOS_TEST_RUN_ID ??= `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const nats = new URL(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222');
  const pg = new URL(
    process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  const problems: string[] = [];
  if (!(await isListening(nats.hostname, Number(nats.port || 4222))))
    problems.push(`NATS is not reachable at ${nats.host}`);
  if (!(await isListening(pg.hostname, Number(pg.port || 5432))))
    problems.push(`Postgres is not reachable at ${pg.host}`);
  if (!existsSync(resolve(__dirname, '../../../dist/apps/master/src/main.js'))) {
    problems.push('services are not built: run "npm run build" (npm run test:e2e does it)');
  }
  if (problems.length) throw new Error(`e2e prerequisites missing: ${problems.join('; ')}`);
}

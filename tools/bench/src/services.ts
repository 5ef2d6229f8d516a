/**
 * Our built services as scenario children: started on a free port with a unique NATS
 * prefix, waited for (`/health`), and stopped with the scenario's ProcessGroup. Also the
 * Postgres databases and JetStream streams a scenario creates, so teardown can drop them.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_LAUNCH, freePort, type SupervisedChild } from '@dcos/supervisor';
import { statusStream, type ServiceName } from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import { createTestDatabase, waitForHealthy, type TestDatabase } from '@dcos/testing';
import { ProcessGroup, builtService, exitedEarly } from './processes';
import { SkipScenario } from './scenario';

export const natsUrl = (): string => process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

export interface BenchService {
  name: string;
  port: number;
  url: string;
  child: SupervisedChild;
}

export interface StartOptions {
  /** Label of the child (default: the service name). */
  name?: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Wait for `/health` (default true). */
  healthy?: boolean;
  timeoutMs?: number;
}

/** Node flags for every service child, from `BENCH_NODE_ARGS` (e.g. `--cpu-prof`). */
export function nodeArgsFromEnv(): string[] {
  return (process.env['BENCH_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Starts the built `service`; throws SkipScenario when it is not built. With
 * `BENCH_PROFILE_DIR` set, every service writes a V8 CPU profile there when it stops;
 * `BENCH_LOG_LEVEL` (default warn) and `BENCH_LOG_DIR` keep the services' logs.
 */
export async function startBuiltService(
  group: ProcessGroup,
  service: ServiceName,
  opts: StartOptions,
): Promise<BenchService> {
  const entry = builtService(service);
  if (!entry) throw new SkipScenario(`${service} is not built: npm run build`);
  const launch = SERVICE_LAUNCH[service];
  const port = opts.env[launch.portVar] ? Number(opts.env[launch.portVar]) : await freePort();
  const name = opts.name ?? service;
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  // BENCH_LOG_DIR: every line each service writes goes to <dir>/<name>.log.
  const logDir = process.env['BENCH_LOG_DIR'];
  if (logDir) mkdirSync(logDir, { recursive: true });
  const profile: string[] = [];
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    profile.push(
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      `--cpu-prof-name=${name}.cpuprofile`,
    );
  }
  const child = group.start({
    name,
    command: process.execPath,
    args: [...nodeArgsFromEnv(), ...profile, ...(opts.nodeArgs ?? []), entry],
    env: {
      NATS_URL: natsUrl(),
      BIND_HOST: '127.0.0.1',
      ADVERTISE_HOST: '127.0.0.1',
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
      ...opts.env,
      [launch.portVar]: String(port),
    },
    keepLines: 300,
    onLine: logDir ? (line) => appendFileSync(join(logDir, `${name}.log`), line + '\n') : undefined,
  });
  const url = `http://127.0.0.1:${port}`;
  if (opts.healthy ?? true) {
    await Promise.race([waitForHealthy(url, opts.timeoutMs ?? 60_000), exitedEarly(child)]);
  }
  return { name, port, url, child };
}

/** A connected NatsClient, or SkipScenario naming why NATS is unusable. */
export async function connectNats(prefix: string, name: string): Promise<NatsClient> {
  const nats = new NatsClient({ url: natsUrl(), prefix, name, connectTimeoutMs: 3_000 });
  try {
    await nats.connect();
  } catch (e) {
    throw new SkipScenario(`NATS is not reachable at ${natsUrl()} (${(e as Error).message})`);
  }
  return nats;
}

/** A fresh Postgres database, or SkipScenario naming why Postgres is unusable. */
export async function benchDatabase(label: string): Promise<TestDatabase> {
  try {
    return await createTestDatabase(`bench_${label}`);
  } catch (e) {
    throw new SkipScenario(`Postgres is not reachable (${(e as Error).message})`);
  }
}

/** Drops the status stream the master and agents created under `prefix` (never throws). */
export async function deleteStatusStream(nats: NatsClient): Promise<void> {
  try {
    const jsm = await nats.jetstreamManager();
    await jsm.streams.delete(statusStream(nats.prefix));
  } catch {
    /* never created */
  }
}

/** A unique NATS prefix (and database label) for one scenario run. */
export function benchPrefix(label: string): string {
  return `bench_${label}_${process.pid}_${Date.now().toString(36)}`;
}

/** `<dir>/<name>` created, for work dirs of agents and IAM key files. */
export function subdir(dir: string, name: string): string {
  const p = join(dir, name);
  mkdirSync(p, { recursive: true });
  return p;
}

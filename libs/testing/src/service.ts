import { resolve } from 'node:path';
import type { ServiceName } from '@dcos/contracts';
import { SERVICE_LAUNCH, SupervisedChild, freePort, serviceEntry } from '@dcos/supervisor';
import { waitForHealthy } from './wait';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export interface TestService {
  service: ServiceName;
  port: number;
  url: string;
  child: SupervisedChild;
  stop(): Promise<void>;
}

const running = new Set<SupervisedChild>();

/**
 * Start one built service as a real child process on a free port. `env` overrides
 * (NATS_PREFIX and, for stateful services, DATABASE_URL should come from the suite).
 */
export async function startService(
  service: ServiceName,
  env: Record<string, string>,
  opts: { waitHealthy?: boolean; timeoutMs?: number } = {},
): Promise<TestService> {
  const launch = SERVICE_LAUNCH[service];
  const port = env[launch.portVar] ? Number(env[launch.portVar]) : await freePort();
  const child = new SupervisedChild({
    name: service,
    command: process.execPath,
    args: ['--enable-source-maps', serviceEntry(REPO_ROOT, service)],
    env: {
      NATS_URL: TEST_NATS_URL,
      BIND_HOST: '127.0.0.1',
      ADVERTISE_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
      [launch.portVar]: String(port),
    },
    onLine: process.env.DCOS_TEST_VERBOSE
      ? (l) => process.stderr.write(`[${service}] ${l}\n`)
      : undefined,
  });
  running.add(child);
  void child.exited.then(() => running.delete(child));
  const svc: TestService = {
    service,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async () => void (await child.stop()),
  };
  if (opts.waitHealthy ?? true) {
    try {
      await Promise.race([
        waitForHealthy(svc.url, opts.timeoutMs ?? 60_000),
        child.exited.then((e) => {
          throw new Error(
            `${service} exited (${e.signal ?? e.code}) before healthy:\n${child.output()}`,
          );
        }),
      ]);
    } catch (e) {
      await child.stop(1_000);
      throw e;
    }
  }
  return svc;
}

/** Stop every service this process started (call from afterAll). */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop(3_000)));
}

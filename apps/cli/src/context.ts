import { commonShape, loadConfig } from '@dcos/config';

export interface CliContext {
  natsUrl: string;
  prefix: string;
}

/** Where the CLI finds the cluster: NATS_URL and NATS_PREFIX, validated like a service's. */
export function cliConfig(env: Record<string, string | undefined> = process.env): CliContext {
  const c = loadConfig(
    { NATS_URL: commonShape.NATS_URL, NATS_PREFIX: commonShape.NATS_PREFIX },
    env,
  );
  return { natsUrl: c.NATS_URL, prefix: c.NATS_PREFIX };
}

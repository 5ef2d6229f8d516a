import { commonShape, databaseShape, DEFAULT_PORTS, env } from '@dcos/config';

export const dssConfigShape = {
  ...commonShape,
  ...databaseShape,
  DSS_PORT: env.port(DEFAULT_PORTS['dss']),
  /** The role DSS registers with; RAW disks must be offered to it. */
  DSS_ROLE: env.string('*'),
  /** How long to wait for an agent's answer (ms). */
  DSS_AGENT_TIMEOUT_MS: env.int(5_000, 100, 120_000),
  /** A CREATE_DISK / DESTROY_DISK without an answer for this long is sent again (ms). */
  DSS_OPERATION_TIMEOUT_MS: env.int(30_000, 500, 3_600_000),
};

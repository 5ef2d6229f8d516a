import { commonShape, databaseShape, DEFAULT_PORTS, env } from '@dcos/config';
import { z } from 'zod';

/** The cluster's name when none is configured (`"cluster"` of /master/state-summary). */
export const DEFAULT_CLUSTER_NAME = 'dcos-ts';

/** Mesos takes any `--cluster` string; one line of printable text keeps every view sane. */
const clusterNameVar = () =>
  z
    .string()
    .max(255, 'must be at most 255 characters')
    .regex(/\S/, 'must not be blank')
    .refine(
      (v) => ![...v].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127),
      'must not contain control characters',
    )
    .optional();

export const masterConfigShape = {
  ...commonShape,
  ...databaseShape,
  MASTER_PORT: env.port(DEFAULT_PORTS.master),
  /** Mesos `--agent_ping_timeout`: how often agents heartbeat (ms). */
  MASTER_AGENT_PING_TIMEOUT_MS: env.int(1_000, 10, 3_600_000),
  /** Mesos `--max_agent_ping_timeouts`: missed heartbeats before an agent is unreachable. */
  MASTER_MAX_AGENT_PING_TIMEOUTS: env.int(5, 1, 1_000),
  /** Mesos `--allocation_interval` (ms); allocation also runs on events. */
  MASTER_ALLOCATION_INTERVAL_MS: env.int(1_000, 10, 3_600_000),
  /** Recovered agents (after a master restart) that do not re-register in time are unreachable. */
  MASTER_AGENT_REREGISTER_TIMEOUT_MS: env.int(10_000, 100, 86_400_000),
  /** HEARTBEAT interval of scheduler streams (`heartbeat_interval_seconds`). */
  MASTER_SCHEDULER_HEARTBEAT_SECONDS: env.int(15, 1, 3_600),
  /** Unacknowledged status updates are re-sent to the framework this often (ms). */
  MASTER_STATUS_UPDATE_RETRY_MS: env.int(10_000, 100, 3_600_000),
  /** Terminal tasks kept per framework (Mesos `--max_completed_tasks_per_framework`). */
  MASTER_MAX_COMPLETED_TASKS_PER_FRAMEWORK: env.int(1_000, 0, 1_000_000),
  /** Torn-down frameworks kept (Mesos `--max_completed_frameworks`). */
  MASTER_MAX_COMPLETED_FRAMEWORKS: env.int(50, 0, 100_000),
  /** How long write-behind batches may wait before going to Postgres (ms). */
  MASTER_FLUSH_INTERVAL_MS: env.int(20, 1, 10_000),
  /** Mesos `--cluster`: the cluster's name (default `dcos-ts`). */
  MASTER_CLUSTER: clusterNameVar(),
  /** The same under the name Mesos reads its `--cluster` flag from; MASTER_CLUSTER wins. */
  MESOS_CLUSTER: clusterNameVar(),
};

/** The cluster's name: MASTER_CLUSTER, else MESOS_CLUSTER, else `dcos-ts`. */
export function clusterName(c: {
  MASTER_CLUSTER?: string | undefined;
  MESOS_CLUSTER?: string | undefined;
}): string {
  return c.MASTER_CLUSTER ?? c.MESOS_CLUSTER ?? DEFAULT_CLUSTER_NAME;
}

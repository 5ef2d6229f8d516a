import { commonShape, databaseShape, DEFAULT_PORTS, env } from '@dcos/config';

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
  /** Mesos `--cluster` name (optional). */
  MASTER_CLUSTER: env.optionalString(),
};

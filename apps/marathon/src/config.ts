import { commonShape, databaseShape, DEFAULT_PORTS, env } from '@dcos/config';

export const marathonConfigShape = {
  ...commonShape,
  ...databaseShape,
  MARATHON_PORT: env.port(DEFAULT_PORTS['marathon']),
  /** Mesos framework name (Mesos-DNS names tasks `<task>.<framework>.mesos`). */
  MARATHON_FRAMEWORK_NAME: env.pattern(
    /^[a-z0-9][a-z0-9-]*$/,
    'must be lower-case letters, digits and -',
    'marathon',
  ),
  /** The role Marathon registers with and launches in (`--mesos_role`). */
  MARATHON_MESOS_ROLE: env.string('*'),
  MARATHON_FAILOVER_TIMEOUT_SECONDS: env.int(604800, 0),
  /** Service ports (`local_port_min`/`local_port_max`). */
  MARATHON_LOCAL_PORT_MIN: env.int(10000, 1, 65535),
  MARATHON_LOCAL_PORT_MAX: env.int(20000, 1, 65535),
  /** How long declined offers stay away when nothing needs launching (s). */
  MARATHON_DECLINE_OFFER_DURATION_SECONDS: env.int(120, 0),
  /** Scheduling loop period (ms): deployments, replacements, kills. */
  MARATHON_RECONCILE_INTERVAL_MS: env.int(500, 50, 60_000),
  /** A task staged longer than this is killed and relaunched (`task_launch_timeout`, ms). */
  MARATHON_TASK_LAUNCH_TIMEOUT_MS: env.int(300_000, 1_000),
};

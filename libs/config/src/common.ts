import { env } from './config';

/** Default local ports (shared/design/ARCHITECTURE.md). */
export const DEFAULT_PORTS = {
  master: 5050,
  agent: 5051,
  marathon: 8080,
  metronome: 9000,
  dss: 8105,
  'mesos-dns': 8123,
  'mesos-dns-dns': 8053,
  iam: 8101,
  'admin-router': 8000,
} as const;

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/dcos';

/** Variables every service reads. */
export const commonShape = {
  NATS_URL: env.url(DEFAULT_NATS_URL, ['nats', 'tls', 'ws', 'wss']),
  NATS_PREFIX: env.pattern(
    /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
    "must be letters, digits, '-', '_' joined by '.'",
    'dcos',
  ),
  LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
  /** Address HTTP listeners bind to. */
  BIND_HOST: env.string('0.0.0.0'),
  /** Address other components use to reach this one. */
  ADVERTISE_HOST: env.string('127.0.0.1'),
};

/** Variables of a service that keeps state in Postgres. */
export const databaseShape = {
  DATABASE_URL: env.url(DEFAULT_DATABASE_URL, ['postgres', 'postgresql']),
};

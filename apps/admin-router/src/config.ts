import { z } from 'zod';
import { commonShape, DEFAULT_PORTS, env } from '@dcos/config';
import { COMPAT_VERSIONS } from '@dcos/contracts';

const httpUrl = (def: string) =>
  env.url(def, ['http', 'https']).transform((v) => v.replace(/\/+$/, ''));
const optionalHttpUrl = () =>
  z
    .string()
    .url('must be an http(s) URL')
    .refine((v) => /^https?:\/\//.test(v), 'must use http:// or https://')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional();

export const adminRouterConfigShape = {
  ...commonShape,
  ADMIN_ROUTER_PORT: env.port(DEFAULT_PORTS['admin-router']),
  /** IAM (login, JWKS, `/acs/api/v1`). */
  IAM_URL: httpUrl(`http://127.0.0.1:${DEFAULT_PORTS.iam}`),
  /** A master to use until the leader is known from NATS (`masterLeaderEvents` / `masterState`). */
  MASTER_URL: httpUrl(`http://127.0.0.1:${DEFAULT_PORTS.master}`),
  MARATHON_URL: httpUrl(`http://127.0.0.1:${DEFAULT_PORTS.marathon}`),
  /** Mesos-DNS HTTP API. */
  MESOS_DNS_URL: httpUrl(`http://127.0.0.1:${DEFAULT_PORTS['mesos-dns']}`),
  /** DSS; unset → `/storage` answers 503. */
  DSS_URL: optionalHttpUrl(),
  /** `iss` IAM puts in its tokens (IAM_TOKEN_ISSUER); tokens from another issuer are refused. */
  IAM_TOKEN_ISSUER: env.string('dcos-ts-iam'),
  /** DC/OS' ADMINROUTER_ACTIVATE_AUTH_MODULE: false turns authentication and authorization off. */
  ADMINROUTER_ACTIVATE_AUTH_MODULE: env.bool(true),
  /** How long an IAM decision is reused (ms). */
  ADMIN_ROUTER_AUTHZ_CACHE_MS: env.int(5_000, 0, 600_000),
  /** How long discovered upstreams (Marathon apps, master state, Mesos-DNS answers) are reused (ms). */
  ADMIN_ROUTER_CACHE_TTL_MS: env.int(5_000, 100, 600_000),
  /** Upstream silent for this long before answering → 504 (ms). Long streams keep flowing. */
  ADMIN_ROUTER_UPSTREAM_TIMEOUT_MS: env.int(60_000, 100, 3_600_000),
  /** Largest request body forwarded (bytes, by Content-Length or counted while streaming) → 413. */
  ADMIN_ROUTER_MAX_BODY_BYTES: env.int(32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /** `/metadata` values. */
  CLUSTER_ID: env.string('dcos-ts-local'),
  PUBLIC_IPV4: env.string('127.0.0.1'),
  /** What `/dcos-metadata/dcos-version.json` reports as the DC/OS version. */
  DCOS_VERSION: env.string(COMPAT_VERSIONS.dcos),
};

import { z } from 'zod';
import { commonShape, databaseShape, DEFAULT_PORTS, env } from '@dcos/config';
import { IAM_UID_MAX, IAM_UID_RE } from '@dcos/contracts';

/** The config loader echoes bad values unless the message says what it got: never echo secrets. */
const secretTooShort = (n: number) =>
  `must be at least ${n} characters (got a shorter value; secrets are not shown)`;

export const iamConfigShape = {
  ...commonShape,
  ...databaseShape,
  IAM_PORT: env.port(DEFAULT_PORTS['iam']),
  /** Key that encrypts the signing keys' private halves at rest (>= 32 characters). */
  IAM_SECRET_KEY: z.string().min(32, secretTooShort(32)).optional(),
  /** Used when IAM_SECRET_KEY is unset: a file holding the key, created (0600) when missing. */
  IAM_SECRET_KEY_FILE: env.string('.data/iam/secret.key'),
  /** uid of the superuser created on first start. */
  IAM_BOOTSTRAP_UID: env
    .pattern(IAM_UID_RE, "must be letters, digits, '.', '_', '@' or '-'", 'bootstrapuser')
    .pipe(z.string().max(IAM_UID_MAX, `must be at most ${IAM_UID_MAX} characters`)),
  /** Its password; when unset a random one-time password is printed on first start. */
  IAM_BOOTSTRAP_PASSWORD: z.string().min(8, secretTooShort(8)).optional(),
  /** Lifetime of issued authentication tokens (default 5 days). */
  IAM_TOKEN_TTL_SECONDS: env.int(5 * 24 * 3600, 60, 365 * 24 * 3600),
  /** `iss` claim of issued tokens. */
  IAM_TOKEN_ISSUER: env.string('dcos-ts-iam'),
  /** Age after which the signing key is replaced (0 = never). Old keys stay published until their tokens expire. */
  IAM_KEY_ROTATION_SECONDS: env.int(30 * 24 * 3600, 0),
  /** Failed logins allowed per uid within the window before 429. */
  IAM_LOGIN_MAX_FAILURES_PER_UID: env.int(5, 1),
  /** Failed logins allowed per client address within the window before 429. */
  IAM_LOGIN_MAX_FAILURES_PER_ADDRESS: env.int(30, 1),
  IAM_LOGIN_WINDOW_SECONDS: env.int(60, 1),
  /** Express `trust proxy`: whose X-Forwarded-For is believed for the client address. */
  IAM_TRUST_PROXY: env.string('loopback'),
  /** Mark the auth cookie `Secure` (when served over HTTPS). */
  IAM_COOKIE_SECURE: env.bool(false),
  /** Largest accepted request body in bytes. */
  IAM_MAX_BODY_BYTES: env.int(64 * 1024, 1024, 10 * 1024 * 1024),
};

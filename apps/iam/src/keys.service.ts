import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { DataSource, IsNull } from 'typeorm';
import { publicJwk, signRs256, type Jwk, type JwkSet, type KeyResolver } from '@dcos/auth';
import type { ConfigOf } from '@dcos/config';
import { AuditLog } from './audit';
import { AuthzService } from './authz.service';
import type { iamConfigShape } from './config';
import { SigningKeyEntity } from './entities';
import { loadSecret, SecretBox } from './secret';
import { IAM_CONFIG } from './tokens';

const generateKeyPairAsync = promisify(generateKeyPair);

interface PublishedKey {
  key: KeyObject;
  jwk: Jwk;
  retiredAt: Date | null;
}

/**
 * The RS256 signing keys: one active key signs; retired keys stay published in the
 * JWK set until the last token they signed has expired. Private halves are stored
 * AES-256-GCM encrypted with the configured secret.
 */
@Injectable()
export class KeysService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('keys');
  private box!: SecretBox;
  private active?: { kid: string; key: KeyObject };
  private published = new Map<string, PublishedKey>();
  private loadedAt = 0;
  private reloading?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(IAM_CONFIG) private readonly cfg: ConfigOf<typeof iamConfigShape>,
    private readonly ds: DataSource,
    private readonly authz: AuthzService,
    private readonly audit: AuditLog,
  ) {}

  async onModuleInit(): Promise<void> {
    const { secret, source } = loadSecret(this.cfg.IAM_SECRET_KEY, this.cfg.IAM_SECRET_KEY_FILE);
    if (source === 'generated')
      this.logger.warn(
        `IAM_SECRET_KEY is not set: generated a key-encryption secret in ${this.cfg.IAM_SECRET_KEY_FILE} (keep it; signing keys cannot be read without it)`,
      );
    this.box = new SecretBox(secret);
    await this.rotateIfDue();
  }

  onApplicationBootstrap(): void {
    this.authz.onChange((e) => {
      if (e.kind === 'keys') void this.reload().catch(() => undefined);
    });
    this.timer = setInterval(
      () =>
        void this.rotateIfDue().catch((e) =>
          this.logger.error(`key rotation failed: ${(e as Error).message}`),
        ),
      3_600_000,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Create the first key, or replace the active one when older than IAM_KEY_ROTATION_SECONDS (or when forced). */
  async rotateIfDue(force = false): Promise<void> {
    const rotated = await this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['dcos-iam-signing-keys']);
      const repo = m.getRepository(SigningKeyEntity);
      const current = await repo.findOne({
        where: { retiredAt: IsNull() },
        order: { createdAt: 'DESC' },
      });
      const maxAge = this.cfg.IAM_KEY_ROTATION_SECONDS * 1000;
      const due = current && maxAge > 0 && Date.now() - current.createdAt.getTime() >= maxAge;
      if (current && !due && !force) return undefined;
      const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
      const jwk = publicJwk(privateKey);
      const kid = jwk.kid as string;
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const now = new Date();
      if (current) await repo.update({ kid: current.kid }, { retiredAt: now });
      // Keys whose every token has expired are no longer needed.
      const ttlMs = this.cfg.IAM_TOKEN_TTL_SECONDS * 1000;
      await m.query(
        `DELETE FROM "${this.schema}"."signing_keys" WHERE "retired_at" IS NOT NULL AND "retired_at" < $1`,
        [new Date(now.getTime() - ttlMs - 60_000)],
      );
      const row: SigningKeyEntity = Object.assign(new SigningKeyEntity(), {
        kid,
        publicJwk: { ...jwk } as Record<string, string>,
        privateKeyEnc: this.box.seal(pem, kid),
        createdAt: now,
        retiredAt: null,
      });
      await repo.insert(row);
      return { kid, previous: current?.kid };
    });
    await this.reload(true);
    if (rotated) {
      this.audit.record({
        actor: 'system',
        action: rotated.previous ? 'key.rotate' : 'key.create',
        target: rotated.kid,
        previous: rotated.previous,
      });
      this.authz.changed('keys');
    }
  }

  private get schema(): string {
    return (this.ds.options as { schema?: string }).schema ?? 'iam';
  }

  /** Re-read the keys from Postgres (another instance may have rotated). */
  reload(force = false): Promise<void> {
    if (!force && Date.now() - this.loadedAt < 1_000) return Promise.resolve();
    if (!this.reloading) {
      this.reloading = this.load().finally(() => {
        this.reloading = undefined;
      });
    }
    return this.reloading;
  }

  private async load(): Promise<void> {
    const rows = await this.ds
      .getRepository(SigningKeyEntity)
      .find({ order: { createdAt: 'ASC' } });
    const ttlMs = this.cfg.IAM_TOKEN_TTL_SECONDS * 1000;
    const now = Date.now();
    const published = new Map<string, PublishedKey>();
    let active: { kid: string; key: KeyObject } | undefined;
    for (const row of rows) {
      if (row.retiredAt && row.retiredAt.getTime() + ttlMs + 60_000 < now) continue;
      const jwk = row.publicJwk as unknown as Jwk;
      const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
      published.set(row.kid, { key, jwk, retiredAt: row.retiredAt });
      if (!row.retiredAt) {
        let pem: string;
        try {
          pem = this.box.open(row.privateKeyEnc, row.kid);
        } catch {
          throw new Error(
            `the key-encryption secret (IAM_SECRET_KEY / IAM_SECRET_KEY_FILE) does not decrypt signing key ${row.kid}: start IAM with the secret it was created with`,
          );
        }
        active = { kid: row.kid, key: createPrivateKey(pem) };
      }
    }
    if (!active) throw new Error('no active signing key');
    this.published = published;
    this.active = active;
    this.loadedAt = Date.now();
  }

  /** Sign claims with the active key. */
  sign(claims: Record<string, unknown>): string {
    if (!this.active) throw new Error('signing keys are not loaded');
    return signRs256(claims, this.active.key, this.active.kid);
  }

  get activeKid(): string | undefined {
    return this.active?.kid;
  }

  /** Verification keys for a token header: by kid (reloading once for an unknown kid). */
  readonly resolver: KeyResolver = async (header) => {
    if (typeof header.kid === 'string') {
      if (!this.published.has(header.kid)) await this.reload();
      const k = this.published.get(header.kid);
      return k ? [k.key] : [];
    }
    return [...this.published.values()].map((p) => p.key);
  };

  /** The public JWK set (active key first). */
  async jwks(): Promise<JwkSet> {
    if (Date.now() - this.loadedAt > 30_000) await this.reload();
    const entries = [...this.published.values()].sort(
      (a, b) => Number(a.retiredAt !== null) - Number(b.retiredAt !== null),
    );
    return { keys: entries.map((p) => p.jwk) };
  }
}

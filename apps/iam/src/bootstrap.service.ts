import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ConfigOf } from '@dcos/config';
import { AuditLog } from './audit';
import { AuthzService } from './authz.service';
import type { iamConfigShape } from './config';
import { DirectoryService, hashPassword } from './directory.service';
import { SettingEntity } from './entities';
import { IAM_CONFIG } from './tokens';

const BOOTSTRAPPED = 'bootstrapped_at';
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';

/** 24 unambiguous letters/digits (~139 bits), safe to paste into any shell or prompt. */
export function oneTimePassword(): string {
  let out = '';
  for (let i = 0; i < 24; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/**
 * First start only: create the superuser IAM_BOOTSTRAP_UID with IAM_BOOTSTRAP_PASSWORD,
 * or with a random one-time password printed once on stderr. Never a fixed default.
 * Guarded by an advisory lock and a marker row, so concurrent or later starts do nothing.
 */
@Injectable()
export class BootstrapService implements OnModuleInit {
  private readonly logger = new Logger('bootstrap');

  constructor(
    @Inject(IAM_CONFIG) private readonly cfg: ConfigOf<typeof iamConfigShape>,
    private readonly ds: DataSource,
    private readonly directory: DirectoryService,
    private readonly authz: AuthzService,
    private readonly audit: AuditLog,
  ) {}

  async onModuleInit(): Promise<void> {
    const uid = this.cfg.IAM_BOOTSTRAP_UID;
    const given = this.cfg.IAM_BOOTSTRAP_PASSWORD;
    const password = given ?? oneTimePassword();
    const created = await this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['dcos-iam-bootstrap']);
      if (await m.getRepository(SettingEntity).existsBy({ key: BOOTSTRAPPED })) return false;
      await this.directory.createSuperuser(m, uid, await hashPassword(password));
      await m
        .getRepository(SettingEntity)
        .insert({ key: BOOTSTRAPPED, value: new Date().toISOString() });
      return true;
    });
    if (!created) return;
    this.authz.changed('users');
    this.audit.record({
      actor: 'system',
      action: 'user.create',
      target: uid,
      kind: 'bootstrap-superuser',
    });
    if (given) {
      this.logger.log(
        `created bootstrap superuser "${uid}" with the password from IAM_BOOTSTRAP_PASSWORD`,
      );
    } else {
      // Printed once, straight to the terminal, never through the structured log.
      process.stderr.write(
        [
          '',
          '[iam] ================================================================',
          `[iam] bootstrap superuser "${uid}" created with a one-time password:`,
          `[iam]     ${password}`,
          '[iam] it is shown only now; log in and change it (PATCH /acs/api/v1/users/' + uid + ').',
          '[iam] ================================================================',
          '',
        ].join('\n'),
      );
      this.logger.warn(
        `created bootstrap superuser "${uid}" with a generated one-time password (printed on stderr)`,
      );
    }
  }
}

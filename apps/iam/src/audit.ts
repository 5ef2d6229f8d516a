import { Injectable, Logger } from '@nestjs/common';

export interface AuditEntry {
  /** uid of whoever made the change (or `system` / `anonymous`). */
  actor: string;
  /** What happened, e.g. `user.create`, `acl.grant`, `auth.login`. */
  action: string;
  /** What it happened to (uid, gid, rid, kid…). */
  target: string;
  outcome?: 'success' | 'failure';
  [k: string]: unknown;
}

/** One structured log line per change: `{audit:true, actor, action, target, at, ...}`. Never secrets. */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger('audit');

  record(entry: AuditEntry): void {
    this.logger.log({ audit: true, at: new Date().toISOString(), outcome: 'success', ...entry });
  }
}

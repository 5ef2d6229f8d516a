import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { DcosTokenError, extractToken, verifyDcosToken } from '@dcos/auth';
import type { ConfigOf } from '@dcos/config';
import { AuthzService } from './authz.service';
import type { iamConfigShape } from './config';
import { unauthorized } from './errors';
import { KeysService } from './keys.service';
import { IAM_CONFIG } from './tokens';

export interface Principal {
  uid: string;
}

type AuthedRequest = Request & { principal?: Principal };

/** Every non-/auth IAM route: a valid RS256 token from this IAM, for a user that still exists. */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(
    @Inject(IAM_CONFIG) private readonly cfg: ConfigOf<typeof iamConfigShape>,
    private readonly keys: KeysService,
    private readonly authz: AuthzService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const found = extractToken(req.headers);
    if (!found)
      throw unauthorized(
        'authentication required: send "Authorization: token=<token>" (from POST /acs/api/v1/auth/login)',
        'ERR_MISSING_AUTH_TOKEN',
      );
    let uid: string;
    try {
      ({ uid } = await verifyDcosToken(found.token, this.keys.resolver, {
        issuer: this.cfg.IAM_TOKEN_ISSUER,
      }));
    } catch (e) {
      if (e instanceof DcosTokenError)
        throw unauthorized(`invalid authentication token: ${e.message}`);
      throw e;
    }
    if (!(await this.authz.current()).hasUser(uid))
      throw unauthorized('invalid authentication token: its user no longer exists');
    req.principal = { uid };
    return true;
  }
}

/** The authenticated caller (set by TokenGuard). */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const p = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!p) throw unauthorized('authentication required', 'ERR_MISSING_AUTH_TOKEN');
  return p;
});

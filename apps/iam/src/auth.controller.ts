import { Body, Controller, Get, HttpCode, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import * as argon2 from 'argon2';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Request, Response } from 'express';
import {
  authCookie,
  clearedAuthCookie,
  DcosTokenError,
  safeEqual,
  verifyDcosToken,
} from '@dcos/auth';
import type { ConfigOf } from '@dcos/config';
import { IAM_UID_MAX, IAM_UID_RE } from '@dcos/contracts';
import { AuditLog } from './audit';
import type { iamConfigShape } from './config';
import { DirectoryService, hashPassword } from './directory.service';
import { IamError, invalidData } from './errors';
import { KeysService } from './keys.service';
import { FailureLimiter } from './rate-limit';
import { IAM_CONFIG } from './tokens';
import { LoginSchema, parseBody } from './validation';

const BAD_CREDENTIALS = 'Login failed: wrong uid, password or login token.';

/** `/acs/api/v1/auth/*`: open endpoints (login, logout, JWKS, providers). */
@ApiTags('auth')
@Controller('acs/api/v1/auth')
export class AuthController {
  private readonly logger = new Logger('auth');
  private readonly limiter: FailureLimiter;
  /** Verified against when the uid is unknown, so both failures cost the same. */
  private readonly dummyHash: Promise<string>;
  private readonly dummyKey: KeyObject;

  constructor(
    @Inject(IAM_CONFIG) private readonly cfg: ConfigOf<typeof iamConfigShape>,
    private readonly keys: KeysService,
    private readonly directory: DirectoryService,
    private readonly audit: AuditLog,
  ) {
    this.limiter = new FailureLimiter(cfg.IAM_LOGIN_WINDOW_SECONDS * 1000);
    this.dummyHash = hashPassword(`dummy-${Math.random()}`);
    this.dummyKey = createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  }

  @Post('login')
  @HttpCode(200)
  async login(
    @Body() raw: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ token: string }> {
    const body = parseBody(LoginSchema, raw);
    const uid = body.uid;
    if (uid.length === 0 || uid.length > IAM_UID_MAX || !IAM_UID_RE.test(uid))
      throw invalidData(
        [
          {
            field: 'uid',
            message: `must be 1 to ${IAM_UID_MAX} letters, digits, '.', '_', '@', '-'`,
          },
        ],
        'ERR_INVALID_USER_ID',
      );
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const uidKey = `uid:${uid}`;
    const addrKey = `addr:${address}`;
    const wait = Math.max(
      this.limiter.blocked(uidKey, this.cfg.IAM_LOGIN_MAX_FAILURES_PER_UID),
      this.limiter.blocked(addrKey, this.cfg.IAM_LOGIN_MAX_FAILURES_PER_ADDRESS),
    );
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      this.audit.record({
        actor: uid,
        action: 'auth.login',
        target: uid,
        outcome: 'failure',
        reason: 'rate-limited',
        address,
      });
      throw new IamError(
        429,
        'ERR_TOO_MANY_LOGIN_ATTEMPTS',
        `Too many failed login attempts; retry in ${seconds} s.`,
        {
          headers: { 'Retry-After': String(seconds) },
        },
      );
    }

    const user = await this.directory.findUser(uid);
    let ok = false;
    let method: 'password' | 'service-key';
    if (body.password !== undefined) {
      method = 'password';
      const hash = user?.passwordHash ?? (await this.dummyHash);
      let match = false;
      try {
        match = await argon2.verify(hash, body.password);
      } catch {
        match = false;
      }
      ok = match && !!user && user.passwordHash !== null && !user.isService;
    } else {
      method = 'service-key';
      let key = this.dummyKey;
      if (user?.isService && user.publicKey) key = createPublicKey(user.publicKey);
      try {
        const claims = await verifyDcosToken(body.token as string, key);
        ok = !!user?.isService && safeEqual(claims.uid, uid);
      } catch (e) {
        if (!(e instanceof DcosTokenError)) throw e;
        ok = false;
      }
    }
    if (!ok) {
      this.limiter.fail(uidKey);
      this.limiter.fail(addrKey);
      this.audit.record({
        actor: uid,
        action: 'auth.login',
        target: uid,
        outcome: 'failure',
        method,
        address,
      });
      throw new IamError(401, 'ERR_INVALID_CREDENTIALS', BAD_CREDENTIALS, {
        headers: { 'WWW-Authenticate': 'acsjwt' },
      });
    }
    this.limiter.reset(uidKey);
    const now = Math.floor(Date.now() / 1000);
    const ttl = this.cfg.IAM_TOKEN_TTL_SECONDS;
    const token = this.keys.sign({ uid, iss: this.cfg.IAM_TOKEN_ISSUER, iat: now, exp: now + ttl });
    res.setHeader('Set-Cookie', authCookie(token, ttl, { secure: this.cfg.IAM_COOKIE_SECURE }));
    this.audit.record({
      actor: uid,
      action: 'auth.login',
      target: uid,
      method,
      address,
      kid: this.keys.activeKid,
    });
    return { token };
  }

  @Get('logout')
  logout(@Res({ passthrough: true }) res: Response): Record<string, never> {
    res.setHeader('Set-Cookie', clearedAuthCookie());
    return {};
  }

  @Get('jwks')
  async jwks(@Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'public, max-age=60');
    return this.keys.jwks();
  }

  /** The login providers the DC/OS CLI chooses from. */
  @Get('providers')
  providers() {
    const config = { start_flow_url: '/acs/api/v1/auth/login' };
    return {
      'dcos-users': {
        'authentication-type': 'dcos-uid-password',
        'client-method': 'dcos-usercredential-post-receive-authtoken',
        config,
        description: 'Default DC/OS login provider',
      },
      'dcos-services': {
        'authentication-type': 'dcos-uid-servicekey',
        'client-method': 'dcos-servicecredential-post-receive-authtoken',
        config,
        description: 'Default DC/OS login provider',
      },
    };
  }

  /** No external (OIDC) providers are configured. */
  @Get('oidc/providers')
  oidcProviders() {
    return {};
  }
}

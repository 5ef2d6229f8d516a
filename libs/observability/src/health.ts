import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorFunction } from '@nestjs/terminus';

/** Token under which a service lists the checks its /health runs. */
export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');
export type HealthChecks = HealthIndicatorFunction[];

/** 200 when every dependency is up; 503 with `{status:"error", error:{<dep>:{message}}}` otherwise. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthChecks,
  ) {}

  @Get('health')
  @HealthCheck()
  @ApiOkResponse({ description: 'every dependency (NATS, Postgres) is up' })
  @ApiServiceUnavailableResponse({ description: 'a dependency is down; the body names it and why' })
  check() {
    return this.health.check(this.checks);
  }
}

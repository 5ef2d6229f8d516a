import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { NatsClient } from './nats-client';

/** Terminus indicator: up only when the NATS connection answers a round trip. */
@Injectable()
export class NatsHealthIndicator {
  constructor(
    @Inject(NatsClient) private readonly client: NatsClient,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'nats') {
    const session = this.health.check(key);
    const r = await this.client.check();
    return r.up ? session.up({ prefix: this.client.prefix }) : session.down({ message: r.reason });
  }
}

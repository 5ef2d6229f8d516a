import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { randomUUID } from 'node:crypto';
import { ServiceInfoContract, type ServiceInfo, type ServiceName } from '@dcos/contracts';
import { DbModule, ServiceBoot, type ServiceDatabaseOptions } from '@dcos/db';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { NatsClient, NatsHealthIndicator, NatsModule } from '@dcos/nats';
import {
  HEALTH_CHECKS,
  HealthController,
  HttpMetricsMiddleware,
  MetricsController,
  MetricsRegistry,
  loggingModule,
  type HealthChecks,
} from '@dcos/observability';

export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');
const HAS_DATABASE = Symbol('HAS_DATABASE');
export interface ServiceIdentity {
  service: ServiceName;
  instance: string;
  version: string;
  /** The base URL other components reach this service's HTTP API at. */
  httpUrl: string;
  startedAt: string;
}

export interface ServiceCoreOptions {
  service: ServiceName;
  /** Distinguishes several instances of one service (e.g. `agent-2`). */
  instance?: string;
  version: string;
  httpUrl: string;
  logLevel: string;
  nats: { url: string; prefix: string };
  /** Only for services that own a Postgres schema. */
  database?: ServiceDatabaseOptions;
}

/** Answers `v1.service.ping` and announces `v1.service.started`, so tools can find every component. */
@Injectable()
class ServicePresence implements OnApplicationBootstrap {
  private readonly logger = new Logger('presence');
  constructor(
    @Inject(NatsClient) private readonly nats: NatsClient,
    @Inject(SERVICE_IDENTITY) private readonly id: ServiceIdentity,
    private readonly moduleRef: ModuleRef,
    @Inject(HAS_DATABASE) private readonly hasDatabase: boolean,
  ) {}

  info(): ServiceInfo {
    return ServiceInfoContract.parse({
      service: this.id.service,
      instance: this.id.instance,
      version: this.id.version,
      http: this.id.httpUrl,
      startedAt: this.id.startedAt,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.hasDatabase) await this.recordBoot(this.moduleRef.get(DataSource, { strict: false }));
    // No queue group: every instance answers, so a ping gathers the whole cluster.
    this.nats.serve(this.nats.subjects.servicePing, () => this.info());
    this.nats.publish(this.nats.subjects.serviceStarted, this.info(), ServiceInfoContract);
    this.logger.log(`${this.id.instance} is up at ${this.id.httpUrl}`);
  }

  private async recordBoot(ds: DataSource): Promise<void> {
    await ds.getRepository(ServiceBoot).insert({
      id: randomUUID(),
      instance: this.id.instance,
      version: this.id.version,
      httpUrl: this.id.httpUrl,
      startedAt: new Date(this.id.startedAt),
    });
  }
}

@Module({})
export class ServiceCoreModule implements NestModule {
  static forRoot(o: ServiceCoreOptions): DynamicModule {
    const identity: ServiceIdentity = {
      service: o.service,
      instance: o.instance ?? `${o.service}-${randomUUID().slice(0, 8)}`,
      version: o.version,
      httpUrl: o.httpUrl,
      startedAt: new Date().toISOString(),
    };
    return {
      module: ServiceCoreModule,
      global: true,
      imports: [
        loggingModule(o.service, o.logLevel),
        NatsModule.forRoot({ url: o.nats.url, prefix: o.nats.prefix, name: identity.instance }),
        ...(o.database ? [DbModule.forRoot(o.database)] : []),
        TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_IDENTITY, useValue: identity },
        { provide: HAS_DATABASE, useValue: Boolean(o.database) },
        {
          provide: MetricsRegistry,
          useFactory: () => {
            const m = new MetricsRegistry();
            m.setService(o.service);
            return m;
          },
        },
        NatsHealthIndicator,
        ServicePresence,
        {
          provide: HEALTH_CHECKS,
          inject: [NatsHealthIndicator, { token: TypeOrmHealthIndicator, optional: true }],
          useFactory: (nats: NatsHealthIndicator, db?: TypeOrmHealthIndicator): HealthChecks => [
            () => nats.isHealthy('nats'),
            ...(o.database && db ? [() => db.pingCheck('postgres', { timeout: 1_500 })] : []),
          ],
        },
        ...(o.database ? [TypeOrmHealthIndicator] : []),
      ],
      exports: [SERVICE_IDENTITY, MetricsRegistry, NatsModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}

import {
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import pino from 'pino';
import { IamAuthorizer, JwksCache } from '@dcos/auth';
import type { ConfigOf } from '@dcos/config';
import { NatsClient } from '@dcos/nats';
import { MetricsRegistry, REDACTED_PATHS } from '@dcos/observability';
import { DCOS_TS_VERSION, ServiceCoreModule } from '@dcos/service';
import { adminRouterConfigShape } from './config';
import { Discovery } from './discovery';
import { ClusterHealth } from './health';
import { Proxy } from './proxy';
import { AdminRouter } from './router';

export type AdminRouterConfig = ConfigOf<typeof adminRouterConfigShape>;

export const ADMIN_ROUTER_CONFIG = Symbol('ADMIN_ROUTER_CONFIG');

/** Starts the NATS watchers once the connection is up; closes upstream sockets at shutdown. */
@Injectable()
class RouterLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(AdminRouter) private readonly router: AdminRouter,
    @Inject(Discovery) private readonly discovery: Discovery,
    @Inject(ClusterHealth) private readonly health: ClusterHealth,
    @Inject(IamAuthorizer) private readonly authorizer: IamAuthorizer,
    @Inject(Proxy) private readonly proxy: Proxy,
    @Inject(JwksCache) private readonly jwks: JwksCache,
  ) {}

  onApplicationBootstrap(): void {
    this.discovery.watch();
    this.health.watch();
    this.authorizer.watchChanges();
    // Warm the caches so the first requests do not wait on them; failures are retried on demand.
    void this.jwks.refresh().catch(() => undefined);
    void this.discovery.masterState().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.proxy.close();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AdminRouterConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'admin-router',
          instance: `admin-router-${config.ADVERTISE_HOST}-${config.ADMIN_ROUTER_PORT}`,
          version: DCOS_TS_VERSION,
          httpUrl: `http://${config.ADVERTISE_HOST}:${config.ADMIN_ROUTER_PORT}`,
          logLevel: config.LOG_LEVEL,
          nats: { url: config.NATS_URL, prefix: config.NATS_PREFIX },
        }),
      ],
      providers: [
        { provide: ADMIN_ROUTER_CONFIG, useValue: config },
        {
          provide: JwksCache,
          useFactory: () => new JwksCache({ url: `${config.IAM_URL}/acs/api/v1/auth/jwks` }),
        },
        {
          provide: IamAuthorizer,
          inject: [NatsClient],
          useFactory: (nats: NatsClient) =>
            new IamAuthorizer(nats, { cacheTtlMs: config.ADMIN_ROUTER_AUTHZ_CACHE_MS }),
        },
        {
          provide: Discovery,
          inject: [NatsClient],
          useFactory: (nats: NatsClient) =>
            new Discovery(
              {
                masterUrl: config.MASTER_URL,
                marathonUrl: config.MARATHON_URL,
                mesosDnsUrl: config.MESOS_DNS_URL,
                ttlMs: config.ADMIN_ROUTER_CACHE_TTL_MS,
              },
              nats,
            ),
        },
        {
          provide: ClusterHealth,
          inject: [NatsClient],
          useFactory: (nats: NatsClient) =>
            new ClusterHealth(nats, { pingWaitMs: 300, cacheMs: 1_000 }),
        },
        {
          provide: Proxy,
          inject: [Discovery],
          useFactory: (discovery: Discovery) =>
            new Proxy({
              timeoutMs: config.ADMIN_ROUTER_UPSTREAM_TIMEOUT_MS,
              maxBodyBytes: config.ADMIN_ROUTER_MAX_BODY_BYTES,
              // A leader that stopped answering may have lost its lease: look for the new one.
              onUpstreamError: (target) => {
                if (target.upstream === 'leader') discovery.leaderFailed();
              },
            }),
        },
        {
          provide: AdminRouter,
          inject: [Discovery, Proxy, ClusterHealth, JwksCache, IamAuthorizer, MetricsRegistry],
          useFactory: (
            discovery: Discovery,
            proxy: Proxy,
            health: ClusterHealth,
            jwks: JwksCache,
            authorizer: IamAuthorizer,
            metrics: MetricsRegistry,
          ) =>
            new AdminRouter({
              config,
              discovery,
              proxy,
              health,
              jwks,
              authorizer,
              metrics,
              log: pino({
                level: config.LOG_LEVEL,
                base: { service: 'admin-router', pid: process.pid },
                redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
              }),
            }),
        },
        RouterLifecycle,
      ],
    };
  }
}

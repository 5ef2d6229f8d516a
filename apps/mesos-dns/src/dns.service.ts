import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '@dcos/observability';
import { DnsHandler } from './dns/handler';
import { DnsServer } from './dns/server';
import { RecordsService } from './records.service';
import { CONFIG, SETTINGS, type MesosDnsConfig, type MesosDnsSettings } from './settings';

/** Runs the DNS server (UDP + TCP) for the service's lifetime. */
@Injectable()
export class DnsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('dns');
  readonly handler: DnsHandler;
  private server?: DnsServer;

  constructor(
    @Inject(CONFIG) private readonly config: MesosDnsConfig,
    @Inject(SETTINGS) settings: MesosDnsSettings,
    records: RecordsService,
    private readonly metrics: MetricsRegistry,
  ) {
    this.handler = new DnsHandler(settings, records);
  }

  get port(): number | undefined {
    return this.server?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.MESOS_DNS_DNS_ON) return;
    const queries = new Counter({
      name: 'dcos_dns_queries_total',
      help: 'DNS queries answered, by transport and outcome',
      labelNames: ['proto', 'outcome'],
      registers: [this.metrics.registry],
    });
    const duration = new Histogram({
      name: 'dcos_dns_query_duration_seconds',
      help: 'DNS query handling time (forwarded queries include the upstream)',
      labelNames: ['proto'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.25, 1, 5],
      registers: [this.metrics.registry],
    });
    this.server = new DnsServer(this.handler, {
      host: this.config.MESOS_DNS_LISTENER,
      port: this.config.MESOS_DNS_PORT,
      onResult: (proto, r, ms) => {
        queries.inc({ proto, outcome: r.outcome });
        duration.observe({ proto }, ms / 1000);
      },
      onError: (e) => this.logger.warn(`dns: ${e.message}`),
    });
    const port = await this.server.start();
    this.logger.log(
      `DNS on ${this.config.MESOS_DNS_LISTENER}:${port} (udp, tcp) for ${this.config.MESOS_DNS_DOMAIN}.`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.stop();
  }
}

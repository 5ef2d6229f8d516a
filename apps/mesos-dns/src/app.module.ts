import { DynamicModule, Module } from '@nestjs/common';
import { DCOS_TS_VERSION, ServiceCoreModule } from '@dcos/service';
import { MesosDnsApiController } from './api.controller';
import { DnsService } from './dns.service';
import { RecordsService } from './records.service';
import { CONFIG, SETTINGS, settingsFrom, type MesosDnsConfig } from './settings';
import { StatePoller } from './state-poller.service';
import { MasterFollower } from './master-follower.service';

export type { MesosDnsConfig } from './settings';

@Module({})
export class AppModule {
  static forRoot(config: MesosDnsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'mesos-dns',
          instance: `mesos-dns-${config.ADVERTISE_HOST}-${config.MESOS_DNS_HTTP_PORT}`,
          version: DCOS_TS_VERSION,
          httpUrl: `http://${config.ADVERTISE_HOST}:${config.MESOS_DNS_HTTP_PORT}`,
          logLevel: config.LOG_LEVEL,
          nats: { url: config.NATS_URL, prefix: config.NATS_PREFIX },
        }),
      ],
      controllers: [MesosDnsApiController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: SETTINGS, useValue: settingsFrom(config) },
        RecordsService,
        DnsService,
        StatePoller,
        MasterFollower,
      ],
      exports: [RecordsService, DnsService],
    };
  }
}

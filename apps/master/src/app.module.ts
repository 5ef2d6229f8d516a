import { DynamicModule, Module } from '@nestjs/common';
import { DCOS_TS_VERSION, ServiceCoreModule } from '@dcos/service';
import { OperatorController } from './http/operator.controller';
import { SchedulerController } from './http/scheduler.controller';
import { WebUiController } from './http/webui.controller';
import { KernelService, MASTER_CONFIG } from './kernel.service';
import type { MasterConfig } from './master-config';
import { MASTER_ENTITIES, MASTER_MIGRATIONS } from './persistence/entities';
import { MasterStore } from './persistence/store';
import { VersionController } from './version.controller';

export type { MasterConfig } from './master-config';

@Module({})
export class AppModule {
  static forRoot(config: MasterConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'master',
          instance: `master-${config.ADVERTISE_HOST}-${config.MASTER_PORT}`,
          version: DCOS_TS_VERSION,
          httpUrl: `http://${config.ADVERTISE_HOST}:${config.MASTER_PORT}`,
          logLevel: config.LOG_LEVEL,
          nats: { url: config.NATS_URL, prefix: config.NATS_PREFIX },
          database: {
            url: config.DATABASE_URL,
            schema: 'master',
            entities: MASTER_ENTITIES,
            migrations: MASTER_MIGRATIONS,
          },
        }),
      ],
      controllers: [VersionController, OperatorController, SchedulerController, WebUiController],
      providers: [{ provide: MASTER_CONFIG, useValue: config }, MasterStore, KernelService],
    };
  }
}

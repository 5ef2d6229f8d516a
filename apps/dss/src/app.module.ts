import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { ConfigOf } from '@dcos/config';
import { DCOS_TS_VERSION, ServiceCoreModule } from '@dcos/service';
import { AgentsClient } from './agents.client';
import { dssConfigShape } from './config';
import { DSS_ENTITIES } from './entities';
import { DssExceptionFilter } from './errors';
import { StorageFramework } from './framework';
import { MasterStateClient } from './master-state';
import { DssInit1764100000000 } from './migrations/1764100000000-dss-init';
import { StorageController } from './storage.controller';
import { StorageService } from './storage.service';
import { DSS_CONFIG } from './tokens';

export type DssConfig = ConfigOf<typeof dssConfigShape>;

@Module({})
export class AppModule {
  static forRoot(config: DssConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'dss',
          instance: `dss-${config.ADVERTISE_HOST}-${config.DSS_PORT}`,
          version: DCOS_TS_VERSION,
          httpUrl: `http://${config.ADVERTISE_HOST}:${config.DSS_PORT}`,
          logLevel: config.LOG_LEVEL,
          nats: { url: config.NATS_URL, prefix: config.NATS_PREFIX },
          database: {
            url: config.DATABASE_URL,
            schema: 'dss',
            entities: DSS_ENTITIES,
            migrations: [DssInit1764100000000],
          },
        }),
      ],
      controllers: [StorageController],
      providers: [
        { provide: DSS_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: DssExceptionFilter },
        AgentsClient,
        MasterStateClient,
        StorageFramework,
        StorageService,
      ],
    };
  }
}

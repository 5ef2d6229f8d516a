import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DCOS_TS_VERSION, ServiceCoreModule } from '@dcos/service';
import {
  AppsController,
  DeploymentsController,
  EventsController,
  GroupsController,
  MiscController,
  TasksController,
} from './controllers';
import { MarathonExceptionFilter } from './errors';
import { EventBus } from './events';
import { MarathonService } from './marathon.service';
import { MarathonInit1763800000000 } from './migrations/1763800000000-marathon-init';
import { MarathonVolumeClaims1764000000000 } from './migrations/1764000000000-volume-claims';
import { Repository } from './repository';
import { UiController } from './ui.controller';
import { VolumeClaims } from './volume-claims';
import { MARATHON_CONFIG, type MarathonConfig } from './tokens';

export type { MarathonConfig };

@Module({})
export class AppModule {
  static forRoot(config: MarathonConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'marathon',
          instance: `marathon-${config.ADVERTISE_HOST}-${config.MARATHON_PORT}`,
          version: DCOS_TS_VERSION,
          httpUrl: `http://${config.ADVERTISE_HOST}:${config.MARATHON_PORT}`,
          logLevel: config.LOG_LEVEL,
          nats: { url: config.NATS_URL, prefix: config.NATS_PREFIX },
          database: {
            url: config.DATABASE_URL,
            schema: 'marathon',
            entities: [],
            migrations: [MarathonInit1763800000000, MarathonVolumeClaims1764000000000],
          },
        }),
      ],
      controllers: [
        AppsController,
        TasksController,
        DeploymentsController,
        GroupsController,
        MiscController,
        EventsController,
        UiController,
      ],
      providers: [
        { provide: MARATHON_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: MarathonExceptionFilter },
        EventBus,
        Repository,
        VolumeClaims,
        MarathonService,
      ],
    };
  }
}

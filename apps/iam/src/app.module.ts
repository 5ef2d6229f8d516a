import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { ConfigOf } from '@dcos/config';
import { DCOS_TS_VERSION, ServiceCoreModule } from '@dcos/service';
import { AuditLog } from './audit';
import { TokenGuard } from './auth.guard';
import { AuthController } from './auth.controller';
import { AuthzService } from './authz.service';
import { BootstrapService } from './bootstrap.service';
import { iamConfigShape } from './config';
import {
  AclsController,
  AuthorizeController,
  GroupsController,
  UsersController,
} from './directory.controller';
import { DirectoryService } from './directory.service';
import { IAM_ENTITIES } from './entities';
import { IamExceptionFilter } from './errors';
import { KeysService } from './keys.service';
import { IamInit1763790000000 } from './migrations/1763790000000-iam-init';
import { IamNatsController } from './nats.controller';
import { IAM_CONFIG } from './tokens';

export type IamConfig = ConfigOf<typeof iamConfigShape>;

@Module({})
export class AppModule {
  static forRoot(config: IamConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'iam',
          instance: `iam-${config.ADVERTISE_HOST}-${config.IAM_PORT}`,
          version: DCOS_TS_VERSION,
          httpUrl: `http://${config.ADVERTISE_HOST}:${config.IAM_PORT}`,
          logLevel: config.LOG_LEVEL,
          nats: { url: config.NATS_URL, prefix: config.NATS_PREFIX },
          database: {
            url: config.DATABASE_URL,
            schema: 'iam',
            entities: IAM_ENTITIES,
            migrations: [IamInit1763790000000],
          },
        }),
      ],
      controllers: [
        AuthController,
        UsersController,
        GroupsController,
        AclsController,
        AuthorizeController,
        IamNatsController,
      ],
      providers: [
        { provide: IAM_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: IamExceptionFilter },
        AuditLog,
        AuthzService,
        KeysService,
        DirectoryService,
        BootstrapService,
        TokenGuard,
      ],
    };
  }
}

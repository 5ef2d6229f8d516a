import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ensureSchema, serviceDataSourceOptions, type ServiceDatabaseOptions } from './db';

/** The service's TypeORM connection to its own schema; migrations run before the app starts. */
@Module({})
export class DbModule {
  static forRoot(options: ServiceDatabaseOptions): DynamicModule {
    return {
      module: DbModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            await ensureSchema(options.url, options.schema);
            return { ...serviceDataSourceOptions(options), retryAttempts: 10, retryDelay: 1_000 };
          },
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}

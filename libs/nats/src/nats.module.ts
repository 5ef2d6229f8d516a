import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { NatsClient, type NatsClientOptions } from './nats-client';

@Injectable()
class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NatsClient) private readonly client: NatsClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/**
 * Provides the service's single NatsClient, connected before the app starts
 * (the factory awaits the first connection) and drained on shutdown.
 */
@Global()
@Module({})
export class NatsModule {
  static forRoot(options: Omit<NatsClientOptions, 'log'>): DynamicModule {
    return {
      module: NatsModule,
      providers: [
        {
          provide: NatsClient,
          useFactory: async () => {
            const logger = new Logger('nats');
            const client = new NatsClient({
              ...options,
              log: (level, msg) =>
                level === 'error'
                  ? logger.error(msg)
                  : level === 'warn'
                    ? logger.warn(msg)
                    : logger.log(msg),
            });
            await client.connect();
            return client;
          },
        },
        NatsLifecycle,
      ],
      exports: [NatsClient],
    };
  }
}

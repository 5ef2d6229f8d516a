import {
  BeforeApplicationShutdown,
  Controller,
  DynamicModule,
  Get,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { NatsClient } from '@dcos/nats';
import { DCOS_TS_VERSION, ServiceCoreModule } from '@dcos/service';
import { Agent, type Log } from './agent';
import { AgentController } from './agent.controller';
import { ExecutorController } from './executor.controller';
import type { AgentConfig } from './config';
import { SandboxFiles } from './files';
import { HollowFleet } from './hollow';

export type { AgentConfig };

function nestLog(context: string): Log {
  const logger = new Logger(context);
  return (level, msg) =>
    level === 'error' ? logger.error(msg) : level === 'warn' ? logger.warn(msg) : logger.log(msg);
}

@Injectable()
class AgentLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(Agent) private readonly agent: Agent) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.agent.start();
  }
  beforeApplicationShutdown(): void {
    this.agent.stop();
  }
}

@Injectable()
class HollowLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(HollowFleet) private readonly fleet: HollowFleet) {}
  onApplicationBootstrap(): void {
    this.fleet.start();
  }
  beforeApplicationShutdown(): void {
    this.fleet.stop();
  }
}

/** Hollow mode has no sandboxes: `/state` summarises the simulated nodes. */
@ApiExcludeController()
@Controller()
class HollowController {
  constructor(@Inject(HollowFleet) private readonly fleet: HollowFleet) {}
  @Get(['state', 'state.json'])
  state(): Record<string, unknown> {
    return this.fleet.summary();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AgentConfig): DynamicModule {
    const core = ServiceCoreModule.forRoot({
      service: 'agent',
      instance:
        (config.AGENT_HOLLOW ? 'hollow-' : '') +
        (config.AGENT_NODE_NAME ?? `agent-${config.ADVERTISE_HOST}-${config.AGENT_PORT}`),
      version: DCOS_TS_VERSION,
      httpUrl: `http://${config.ADVERTISE_HOST}:${config.AGENT_PORT}`,
      logLevel: config.LOG_LEVEL,
      nats: { url: config.NATS_URL, prefix: config.NATS_PREFIX },
    });
    if (config.AGENT_HOLLOW) {
      return {
        module: AppModule,
        imports: [core],
        controllers: [HollowController],
        providers: [
          {
            provide: HollowFleet,
            inject: [NatsClient],
            useFactory: (nats: NatsClient) => new HollowFleet(config, nats, nestLog('hollow')),
          },
          HollowLifecycle,
        ],
      };
    }
    return {
      module: AppModule,
      imports: [core],
      // The executor API first: its exact route must not fall to an `/api/v1` catch-all.
      controllers: [ExecutorController, AgentController],
      providers: [
        {
          provide: Agent,
          inject: [NatsClient],
          useFactory: (nats: NatsClient) => new Agent(config, nats, nestLog('agent')),
        },
        { provide: SandboxFiles, useValue: new SandboxFiles(config.AGENT_WORK_DIR) },
        AgentLifecycle,
      ],
    };
  }
}

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@dcos/config';
import { NatsClient, NatsTransport } from '@dcos/nats';
import { DCOS_TS_VERSION, configureHttp } from '@dcos/service';
import { AppModule } from './app.module';
import { masterConfigShape } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit('master', masterConfigShape);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
  });
  // ACCEPTs launching many tasks at once are bigger than the 100 kB default.
  app.useBodyParser('json', { limit: '32mb' });
  app.useBodyParser('urlencoded', { limit: '1mb', extended: true });
  // Mesos v1 calls in protobuf (`/api/v1`, `/api/v1/scheduler`) arrive as raw bytes.
  app.useBodyParser('raw', { type: 'application/x-protobuf', limit: '32mb' });
  configureHttp(app, {
    title: 'dcos-ts master',
    description: 'Mesos-compatible master: agents, frameworks, offers, tasks',
    version: DCOS_TS_VERSION,
  });
  app.connectMicroservice({
    strategy: new NatsTransport(app.get(NatsClient), { queue: 'master' }),
  });
  await app.startAllMicroservices();
  await app.listen(config.MASTER_PORT, config.BIND_HOST);
}

main().catch((e: unknown) => {
  process.stderr.write(`[master] failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

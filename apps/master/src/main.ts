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
  configureHttp(app, {
    title: 'dcos-ts master',
    description: 'Mesos-compatible master: agents, frameworks, offers, tasks',
    version: DCOS_TS_VERSION,
    // ACCEPTs launching many tasks at once are big; v1 calls in protobuf stay raw bytes.
    body: { limitBytes: 32 * 1024 * 1024, raw: ['application/x-protobuf'] },
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

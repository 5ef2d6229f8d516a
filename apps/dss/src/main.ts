import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@dcos/config';
import { NatsClient, NatsTransport } from '@dcos/nats';
import { DCOS_TS_VERSION, configureHttp } from '@dcos/service';
import { AppModule } from './app.module';
import { dssConfigShape } from './config';

async function main(): Promise<void> {
  const config = loadConfigOrExit('dss', dssConfigShape);
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  configureHttp(app, {
    title: 'dcos-ts storage service',
    description: 'DC/OS storage service: devices, providers, profiles, volumes',
    version: DCOS_TS_VERSION,
  });
  app.connectMicroservice({ strategy: new NatsTransport(app.get(NatsClient), { queue: 'dss' }) });
  await app.startAllMicroservices();
  await app.listen(config.DSS_PORT, config.BIND_HOST);
}

main().catch((e: unknown) => {
  process.stderr.write(`[dss] failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

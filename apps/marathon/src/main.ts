import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@dcos/config';
import { NatsClient, NatsTransport } from '@dcos/nats';
import { DCOS_TS_VERSION, configureHttp } from '@dcos/service';
import { AppModule } from './app.module';
import { marathonConfigShape } from './config';
import { marathonFilters } from './http-compat';
import { MarathonService } from './marathon.service';

async function main(): Promise<void> {
  const config = loadConfigOrExit('marathon', marathonConfigShape);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.disable('x-powered-by');
  configureHttp(app, {
    title: 'dcos-ts Marathon',
    description: 'Marathon-compatible /v2 API for long-running apps',
    version: DCOS_TS_VERSION,
    // Marathon clients (curl -d) often send no or a form content type: every body is JSON.
    body: { json: 'any', strict: false, urlencoded: false },
  });
  // Marathon's response headers and the hold during abdication, after the body parser.
  app.use(marathonFilters(app.get(MarathonService), config));
  app.connectMicroservice({
    strategy: new NatsTransport(app.get(NatsClient), { queue: 'marathon' }),
  });
  await app.startAllMicroservices();
  await app.listen(config.MARATHON_PORT, config.BIND_HOST);
}

main().catch((e: unknown) => {
  process.stderr.write(`[marathon] failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

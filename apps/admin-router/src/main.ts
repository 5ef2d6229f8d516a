import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@dcos/config';
import { NatsClient, NatsTransport } from '@dcos/nats';
import { DCOS_TS_VERSION, configureHttp } from '@dcos/service';
import { AppModule } from './app.module';
import { adminRouterConfigShape } from './config';
import { AdminRouter } from './router';

async function main(): Promise<void> {
  const config = loadConfigOrExit('admin-router', adminRouterConfigShape);
  // No body parsing: proxied bodies stream through untouched.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.disable('x-powered-by');
  const router = app.get(AdminRouter);
  configureHttp(app, {
    title: 'dcos-ts Admin Router',
    description: 'The authenticated front door of the cluster',
    version: DCOS_TS_VERSION,
    body: false,
  });
  app.connectMicroservice({
    strategy: new NatsTransport(app.get(NatsClient), { queue: 'admin-router' }),
  });
  await app.startAllMicroservices();
  await app.init();
  const server = app.getHttpServer() as Server;
  // The router sees every request before Express does (proxying is the hot path); only
  // /health, /metrics and the OpenAPI document go on to the Nest app.
  const nest = server.listeners('request') as ((
    req: IncomingMessage,
    res: ServerResponse,
  ) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) =>
    router.handle(req, res, () => {
      for (const l of nest) l(req, res);
    }),
  );
  server.on('upgrade', router.upgrade);
  // Long-lived streams (SSE, scheduler subscriptions, log tails) must not be cut by the server.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 75_000;
  await app.listen(config.ADMIN_ROUTER_PORT, config.BIND_HOST);
}

main().catch((e: unknown) => {
  process.stderr.write(`[admin-router] failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@dcos/config';
import { NatsClient, NatsTransport } from '@dcos/nats';
import { DCOS_TS_VERSION, configureHttp } from '@dcos/service';
import { AppModule } from './app.module';
import { iamConfigShape } from './config';

function trustProxy(v: string): boolean | string {
  if (v === 'false' || v === '0' || v === 'no') return false;
  if (v === 'true') return true;
  return v;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('iam', iamConfigShape);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.set('trust proxy', trustProxy(config.IAM_TRUST_PROXY));
  app.disable('x-powered-by');
  configureHttp(app, {
    title: 'dcos-ts IAM',
    description: 'DC/OS-compatible identity and access management (/acs/api/v1)',
    version: DCOS_TS_VERSION,
    body: { limitBytes: config.IAM_MAX_BODY_BYTES, urlencoded: false },
  });
  app.connectMicroservice({ strategy: new NatsTransport(app.get(NatsClient), { queue: 'iam' }) });
  await app.startAllMicroservices();
  await app.listen(config.IAM_PORT, config.BIND_HOST);
}

main().catch((e: unknown) => {
  process.stderr.write(`[iam] failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

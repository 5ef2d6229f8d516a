import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { ConfigError, loadConfigOrExit } from '@dcos/config';
import { DCOS_TS_VERSION, configureHttp } from '@dcos/service';
import { AppModule } from './app.module';
import { agentConfigShape, flagsToEnv } from './config';

async function main(): Promise<void> {
  let source: Record<string, string | undefined>;
  try {
    source = flagsToEnv(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`[agent] ${e.message}\n`);
    process.exit(78);
  }
  const config = loadConfigOrExit('agent', agentConfigShape, source);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
  });
  // Mesos serves the agent's endpoints under its libprocess id too: /slave(1)/state etc.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.url.startsWith('/slave(1)/')) req.url = req.url.slice('/slave(1)'.length);
    next();
  });
  configureHttp(app, {
    title: 'dcos-ts agent',
    description: 'Mesos-compatible agent: runs tasks in sandboxes',
    version: DCOS_TS_VERSION,
    // Operator calls in protobuf (`POST /api/v1`, application/x-protobuf) stay raw bytes.
    body: { raw: ['application/x-protobuf'] },
  });
  await app.listen(config.AGENT_PORT, config.BIND_HOST);
}

main().catch((e: unknown) => {
  process.stderr.write(`[agent] failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@dcos/config';
import { NatsClient, NatsTransport } from '@dcos/nats';
import { DCOS_TS_VERSION, configureHttp } from '@dcos/service';
import { AppModule } from './app.module';
import { applyArgs, mesosDnsConfigShape } from './config';
import { applyConfigFile, renameToFileKeys } from './config-file';

/**
 * Env (and flags), over an optional Mesos-DNS JSON config file (`-config=path` or
 * MESOS_DNS_CONFIG); a bad value stops the service naming the variable or the file's key.
 */
function loadMesosDnsConfig() {
  const path = process.env.MESOS_DNS_CONFIG;
  try {
    const fromFile = path ? applyConfigFile(path) : new Map<string, string>();
    try {
      return loadConfig(mesosDnsConfigShape);
    } catch (e) {
      throw e instanceof ConfigError && path ? renameToFileKeys(e, fromFile, path) : e;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`[mesos-dns] ${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
}

async function main(): Promise<void> {
  applyArgs(process.argv.slice(2));
  const config = loadMesosDnsConfig();
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  configureHttp(app, {
    title: 'dcos-ts Mesos-DNS',
    description: 'Mesos-DNS-compatible DNS names and HTTP lookup API',
    version: DCOS_TS_VERSION,
  });
  app.connectMicroservice({
    strategy: new NatsTransport(app.get(NatsClient), { queue: 'mesos-dns' }),
  });
  await app.startAllMicroservices();
  await app.listen(config.MESOS_DNS_HTTP_PORT, config.BIND_HOST);
}

main().catch((e: unknown) => {
  process.stderr.write(`[mesos-dns] failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

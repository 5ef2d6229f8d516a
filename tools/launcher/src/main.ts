import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import pc from 'picocolors';
import { parseDiskSpec } from '@dcos/storage-plan';
import { ClusterStartError, startCluster, type LocalCluster } from './cluster';
import { InfraError } from './infra';
import { formatLine, summaryTable } from './format';

function positiveInt(name: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) {
      throw new InvalidArgumentError(`${name} must be an integer between 1 and 64 (got "${v}")`);
    }
    return Number(v);
  };
}

/** `--disks 2x1G`: validated here so a typo fails before anything starts. */
function diskSpec(v: string): string {
  const r = parseDiskSpec(v);
  if (!r.ok) throw new InvalidArgumentError(`--disks: ${r.error}`);
  if (r.value.length === 0) throw new InvalidArgumentError('--disks: give at least one disk');
  return v;
}

async function main(): Promise<void> {
  const program = new Command('npm start --')
    .description('Start the whole dcos-ts cluster as local processes')
    .option('--agents <n>', 'number of agents', positiveInt('--agents'), 2)
    .option('--prefix <prefix>', 'NATS subject prefix', process.env.NATS_PREFIX ?? 'dcos')
    .option('--log-level <level>', 'service log level', process.env.LOG_LEVEL ?? 'info')
    .option(
      '--data-dir <dir>',
      'where agents and embedded infrastructure keep their state',
      '.data',
    )
    .option(
      '--disks <spec>',
      'file-backed disks for every agent (e.g. 2x1G; loop devices, needs root) and a shared external-volume pool',
      diskSpec,
    )
    .option('--quiet', 'do not print service logs')
    .option(
      '--free-ports',
      'let the OS pick every port not set by its variable (several clusters on one machine, tests)',
    )
    .parse(process.argv);
  const opts = program.opts<{
    agents: number;
    prefix: string;
    logLevel: string;
    dataDir: string;
    quiet?: boolean;
    freePorts?: boolean;
    disks?: string;
  }>();
  const root = resolve(__dirname, '../../../..');

  let cluster: LocalCluster | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${pc.bold(`${signal}: stopping the cluster…`)}\n`);
    await cluster?.stop();
    process.stdout.write('cluster stopped\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // A closed terminal: stop what was started (Postgres would take its SIGHUP as "reload" and stay).
  process.on('SIGHUP', () => {
    // The terminal is gone: writing to it must not stop the shutdown.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    void shutdown('SIGHUP');
  });

  const started = Date.now();
  try {
    cluster = await startCluster({
      root,
      agents: opts.agents,
      prefix: opts.prefix,
      logLevel: opts.logLevel,
      dataDir: opts.dataDir,
      ...(opts.disks ? { disks: opts.disks } : {}),
      ports: opts.freePorts ? 'free' : 'default',
      // MARATHON_PORT=18080 npm start: the user's port variables win over defaults and --free-ports.
      portEnv: process.env,
      natsUrl: process.env.NATS_URL,
      databaseUrl: process.env.DATABASE_URL,
      onLine: opts.quiet
        ? undefined
        : (c, line) => process.stdout.write(formatLine(c, line) + '\n'),
      log: (m) => process.stdout.write(`${pc.bold('[launcher]')} ${m}\n`),
    });
  } catch (e) {
    if (e instanceof InfraError || e instanceof ClusterStartError) {
      process.stderr.write(`${pc.red('cannot start the cluster:')} ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  if (stopping) return;
  const up = cluster;
  const health = await up.health();
  const rows = health.map((h) => {
    const c = up.component(h.name);
    return { ...h, extra: c.extra?.dns ? `(DNS :${c.extra.dns})` : undefined };
  });
  process.stdout.write(
    `\n${pc.bold(pc.green(`dcos-ts cluster is up in ${((Date.now() - started) / 1000).toFixed(1)} s`))} (prefix ${opts.prefix})\n` +
      summaryTable(rows, cluster.infra) +
      `\nPress Ctrl-C to stop.\n`,
  );
  // If a component dies, say so (the rest keeps running, as in a real cluster).
  for (const c of cluster.components) {
    void c.child.exited.then((e) => {
      if (!stopping)
        process.stderr.write(
          pc.red(`[launcher] ${c.name} exited (${e.signal ?? `code ${e.code}`})\n`),
        );
    });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`launcher failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

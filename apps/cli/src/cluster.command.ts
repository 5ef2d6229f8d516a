import { Command } from 'commander';
import Table from 'cli-table3';
import { ServiceInfoContract, type ServiceInfo } from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import { cliConfig, type CliContext } from './context';
import { addClusterSetupCommands } from './cluster-setup.command';

export interface ComponentStatus extends ServiceInfo {
  health: 'healthy' | 'unhealthy' | 'unreachable';
  reason?: string;
}

const ORDER = ['master', 'agent', 'marathon', 'mesos-dns', 'iam', 'dss', 'admin-router'];

/** Find every component through the NATS presence ping, then ask each for its /health. */
export async function clusterStatus(ctx: CliContext, waitMs: number): Promise<ComponentStatus[]> {
  const nats = new NatsClient({
    url: ctx.natsUrl,
    prefix: ctx.prefix,
    name: 'dcos-cli',
    connectTimeoutMs: 3_000,
  });
  await nats.connect();
  let found: ServiceInfo[];
  try {
    found = await nats.gather(
      nats.subjects.servicePing,
      { from: 'dcos-cli' },
      waitMs,
      ServiceInfoContract,
    );
  } finally {
    await nats.close();
  }
  const statuses = await Promise.all(
    found.map(async (info): Promise<ComponentStatus> => {
      try {
        const res = await fetch(`${info.http}/health`, { signal: AbortSignal.timeout(3_000) });
        if (res.status === 200) return { ...info, health: 'healthy' };
        const body = (await res.json().catch(() => ({}))) as {
          error?: Record<string, { message?: string }>;
        };
        const reason = Object.entries(body.error ?? {})
          .map(([k, v]) => `${k}: ${v.message ?? 'down'}`)
          .join('; ');
        return { ...info, health: 'unhealthy', reason: reason || `HTTP ${res.status}` };
      } catch (e) {
        return { ...info, health: 'unreachable', reason: (e as Error).message };
      }
    }),
  );
  return statuses.sort(
    (a, b) =>
      ORDER.indexOf(a.service) - ORDER.indexOf(b.service) || a.instance.localeCompare(b.instance),
  );
}

export function clusterCommand(): Command {
  const cmd = new Command('cluster').description('Set up, list and check clusters');
  cmd
    .command('status', { isDefault: true })
    .description('List every component of the cluster with its URL and health')
    .option('--json', 'print JSON')
    .option('--wait <ms>', 'how long to collect answers', '700')
    .action(async (opts: { json?: boolean; wait: string }) => {
      const ctx = cliConfig();
      const waitMs = Number(opts.wait);
      if (!Number.isInteger(waitMs) || waitMs < 50 || waitMs > 60_000) {
        throw new Error(`--wait must be an integer between 50 and 60000 (got "${opts.wait}")`);
      }
      const statuses = await clusterStatus(ctx, waitMs);
      if (opts.json) {
        process.stdout.write(
          JSON.stringify({ prefix: ctx.prefix, components: statuses }, null, 2) + '\n',
        );
      } else if (statuses.length === 0) {
        process.stdout.write(
          `no component of cluster "${ctx.prefix}" answered on ${ctx.natsUrl}\n`,
        );
      } else {
        const t = new Table({ head: ['COMPONENT', 'INSTANCE', 'URL', 'VERSION', 'HEALTH'] });
        for (const s of statuses) {
          t.push([
            s.service,
            s.instance,
            s.http,
            s.version,
            s.health + (s.reason ? ` (${s.reason})` : ''),
          ]);
        }
        process.stdout.write(`cluster "${ctx.prefix}" (${ctx.natsUrl})\n${t.toString()}\n`);
      }
      if (statuses.length === 0 || statuses.some((s) => s.health !== 'healthy'))
        process.exitCode = 1;
    });
  return addClusterSetupCommands(cmd);
}

import { Command } from 'commander';
import { ClusterClient, resolveTarget, withTargetOptions, type TargetOptions } from './http-client';
import {
  MarathonApi,
  MarathonCliError,
  idPath,
  normalizeId,
  readResource,
  readUpdate,
} from './marathon-client';
import {
  appTable,
  deploymentTable,
  groupTable,
  taskTable,
  type MarathonApp,
  type MarathonDeployment,
  type MarathonGroup,
  type MarathonTask,
  type QueueEntry,
} from './marathon-tables';
import { watchDeployment } from './marathon-watch';

type Opts = TargetOptions & { json?: boolean; force?: boolean };
interface DeploymentResult {
  deploymentId: string;
  version: string;
}

const out = (s: string) => process.stdout.write(s);
const printJson = (v: unknown) => out(JSON.stringify(v, null, 2) + '\n');
const api = (opts: TargetOptions) => new MarathonApi(new ClusterClient(resolveTarget(opts)));

/**
 * Runs an action; Marathon's own errors (and the DC/OS CLI's checks) are printed as they are,
 * exit code 1. Anything else (unreachable cluster, bad config) goes to main's handler.
 */
function run<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      if (!(e instanceof MarathonCliError)) throw e;
      process.stderr.write(`${e.message}\n`);
      process.exitCode = 1;
    }
  };
}

function leaf(parent: Command, name: string, description: string): Command {
  return withTargetOptions(
    parent.command(name).description(description).option('--json', 'print JSON'),
  );
}

function positiveSeconds(name: string, v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0))
    throw new MarathonCliError(`${name} must be a positive number of seconds (got "${v}")`);
  return n;
}

function positiveInt(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0)
    throw new MarathonCliError(`${name} must be a positive integer (got "${v}")`);
  return Number(v);
}

function objectWithId(resource: unknown, what: string): { id?: string } & Record<string, unknown> {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource))
    throw new MarathonCliError(`The ${what} definition must be a JSON object`);
  return resource as { id?: string } & Record<string, unknown>;
}

/** `--app-version`: an ISO date, or -N for the Nth version before the current one. */
async function resolveVersion(m: MarathonApi, appId: string, version: string): Promise<string> {
  if (!/^-?\d+$/.test(version)) return version;
  const n = -Number(version);
  if (n <= 0) throw new MarathonCliError(`Relative versions must be negative: ${version}`);
  const { versions } = await m.get<{ versions: string[] }>(`/v2/apps${idPath(appId)}/versions`);
  if (versions.length <= n)
    throw new MarathonCliError(
      `Application '${normalizeId(appId)}' only has ${versions.length} version(s).`,
    );
  return versions[n] as string;
}

function appCommand(): Command {
  const app = new Command('app').description('Marathon apps');

  leaf(app, 'add', 'Add an app from a JSON file, or from stdin')
    .argument('[app-resource]', "path to the app's JSON definition (default: stdin)")
    .action(
      run(async (file: string | undefined, opts: Opts) => {
        const m = api(opts);
        const def = objectWithId(
          await readResource(file, 'dcos marathon app add < app.json'),
          'app',
        );
        // As the DC/OS CLI: an existing id is refused before Marathon is asked to create it.
        if (typeof def.id === 'string' && (await m.exists(`/v2/apps${idPath(def.id)}`)))
          throw new MarathonCliError(`Application '${normalizeId(def.id)}' already exists`);
        const created = await m.call<MarathonApp & { deployments: { id: string }[] }>(
          'POST',
          '/v2/apps',
          { body: def },
        );
        if (opts.json) printJson(created);
        else out(`Created deployment ${created.deployments?.[0]?.id ?? ''}\n`);
      }),
    );

  leaf(app, 'list', 'List apps').action(
    run(async (opts: Opts) => {
      const m = api(opts);
      const { apps } = await m.get<{ apps: MarathonApp[] }>('/v2/apps');
      if (opts.json) {
        printJson(apps);
        return;
      }
      const [deployments, { queue }] = await Promise.all([
        m.get<MarathonDeployment[]>('/v2/deployments'),
        m.get<{ queue: QueueEntry[] }>('/v2/queue'),
      ]);
      out(appTable(apps, deployments, queue) + '\n');
    }),
  );

  leaf(app, 'show', "Show an app's definition and status (JSON)")
    .argument('<app-id>', 'the app id')
    .option('--app-version <version>', 'an ISO8601 version, or -N for the Nth previous one')
    .action(
      run(async (id: string, opts: Opts & { appVersion?: string }) => {
        const m = api(opts);
        if (opts.appVersion !== undefined) {
          const v = await resolveVersion(m, id, opts.appVersion);
          printJson(await m.get(`/v2/apps${idPath(id)}/versions/${encodeURIComponent(v)}`));
          return;
        }
        printJson((await m.get<{ app: MarathonApp }>(`/v2/apps${idPath(id)}`)).app);
      }),
    );

  leaf(app, 'update', 'Update an app from key=value properties, or from JSON on stdin')
    .argument('<app-id>', 'the app id')
    .argument('[properties...]', '<key>=<value> pairs, e.g. cpus=0.5 instances=3')
    .option('--force', 'override deployments running for this app')
    .action(
      run(async (id: string, props: string[], opts: Opts) => {
        const m = api(opts);
        await m.get(`/v2/apps${idPath(id)}`);
        const body = await readUpdate(props, 'dcos marathon app update /web < update.json');
        const r = await m.call<DeploymentResult>('PUT', `/v2/apps${idPath(id)}`, {
          body,
          query: { force: opts.force },
        });
        if (opts.json) printJson(r);
        else out(`Created deployment ${r.deploymentId}\n`);
      }),
    );

  leaf(app, 'remove', 'Remove an app and kill its tasks')
    .argument('<app-id>', 'the app id')
    .option('--force', 'override deployments running for this app')
    .action(
      run(async (id: string, opts: Opts) => {
        const r = await api(opts).call<DeploymentResult>('DELETE', `/v2/apps${idPath(id)}`, {
          query: { force: opts.force },
        });
        if (opts.json) printJson(r);
      }),
    );

  leaf(app, 'restart', "Restart an app's tasks (a rolling restart)")
    .argument('<app-id>', 'the app id')
    .option('--force', 'override deployments running for this app')
    .action(
      run(async (id: string, opts: Opts) => {
        const m = api(opts);
        const { app: current } = await m.get<{ app: MarathonApp }>(`/v2/apps${idPath(id)}`);
        if (current.instances <= 0)
          throw new MarathonCliError(
            `Unable to perform rolling restart of application '${current.id}' because it has no running tasks`,
          );
        const r = await m.call<DeploymentResult>('POST', `/v2/apps${idPath(id)}/restart`, {
          query: { force: opts.force },
        });
        if (opts.json) printJson(r);
        else out(`Created deployment ${r.deploymentId}\n`);
      }),
    );

  leaf(app, 'kill', "Kill an app's tasks (Marathon replaces them unless --scale)")
    .argument('<app-id>', 'the app id')
    .option('--scale', 'scale the app down by the number of killed tasks')
    .option('--host <host>', 'only the tasks on this host')
    .action(
      run(async (id: string, opts: Opts & { scale?: boolean; host?: string }) => {
        const r = await api(opts).call<{ tasks?: MarathonTask[] } & Partial<DeploymentResult>>(
          'DELETE',
          `/v2/apps${idPath(id)}/tasks`,
          { query: { host: opts.host, scale: opts.scale } },
        );
        if (opts.json) printJson(r);
        else if (opts.scale) out(`Started deployment: ${JSON.stringify(r)}\n`);
        else out(`Killed tasks: [${(r.tasks ?? []).map((t) => `'${t.id}'`).join(', ')}]\n`);
        // The DC/OS CLI fails when nothing was killed.
        if (!opts.scale && (r.tasks ?? []).length === 0) process.exitCode = 1;
      }),
    );

  return app;
}

function deploymentCommand(): Command {
  const deployment = new Command('deployment').description('Marathon deployments');

  leaf(deployment, 'list', 'List running deployments')
    .argument('[app-id]', 'only the deployments affecting this app')
    .action(
      run(async (appId: string | undefined, opts: Opts) => {
        const all = await api(opts).get<MarathonDeployment[]>('/v2/deployments');
        const id = appId === undefined ? undefined : normalizeId(appId);
        const list = id ? all.filter((d) => d.affectedApps.includes(id)) : all;
        if (opts.json) {
          printJson(list);
          return;
        }
        if (list.length === 0)
          throw new MarathonCliError(`There are no deployments${id ? ` for '${id}'` : ''}`);
        out(deploymentTable(list) + '\n');
      }),
    );

  leaf(deployment, 'rollback', 'Roll a deployment back (a new deployment to the previous state)')
    .argument('<deployment-id>', 'the deployment id')
    .action(
      run(async (id: string, opts: Opts) => {
        printJson(
          await api(opts).call<DeploymentResult>(
            'DELETE',
            `/v2/deployments/${encodeURIComponent(id)}`,
          ),
        );
      }),
    );

  leaf(deployment, 'stop', 'Cancel a deployment, leaving apps as they are')
    .argument('<deployment-id>', 'the deployment id')
    .action(
      run(async (id: string, opts: Opts) => {
        await api(opts).call('DELETE', `/v2/deployments/${encodeURIComponent(id)}`, {
          query: { force: true },
        });
      }),
    );

  leaf(deployment, 'watch', 'Show a live progress bar until the deployment is done')
    .argument('<deployment-id>', 'the deployment id')
    .option('--max-count <n>', 'stop after this many polls')
    .option('--interval <seconds>', 'seconds between polls', '1')
    .action(
      run(async (id: string, opts: Opts & { maxCount?: string; interval: string }) => {
        const intervalMs = positiveSeconds('--interval', opts.interval) * 1000;
        const maxCount =
          opts.maxCount === undefined ? undefined : positiveInt('--max-count', opts.maxCount);
        await watchDeployment(api(opts), id, { intervalMs, maxCount, json: Boolean(opts.json) });
      }),
    );

  return deployment;
}

function taskCommand(): Command {
  const task = new Command('task').description('Tasks of Marathon apps');
  leaf(task, 'list', "List Marathon's tasks")
    .argument('[app-id]', 'only the tasks of this app')
    .action(
      run(async (appId: string | undefined, opts: Opts) => {
        const { tasks } = await api(opts).get<{ tasks: MarathonTask[] }>('/v2/tasks');
        const id = appId === undefined ? undefined : normalizeId(appId);
        const list = id ? tasks.filter((t) => t.appId === id) : tasks;
        if (opts.json) printJson(list);
        else out(taskTable(list) + '\n');
      }),
    );
  return task;
}

function groupCommand(): Command {
  const group = new Command('group').description('Marathon groups');

  leaf(group, 'add', 'Add a group from a JSON file, or from stdin')
    .argument('[group-resource]', "path to the group's JSON definition (default: stdin)")
    .action(
      run(async (file: string | undefined, opts: Opts) => {
        const m = api(opts);
        const def = objectWithId(
          await readResource(file, 'dcos marathon group add < group.json'),
          'group',
        );
        if (typeof def.id === 'string' && (await m.exists(`/v2/groups${idPath(def.id)}`)))
          throw new MarathonCliError(`Group '${normalizeId(def.id)}' already exists`);
        const r = await m.call<DeploymentResult>('POST', '/v2/groups', { body: def });
        if (opts.json) printJson(r);
        else out(`Created deployment ${r.deploymentId}\n`);
      }),
    );

  leaf(group, 'list', 'List groups with their number of apps').action(
    run(async (opts: Opts) => {
      const root = await api(opts).get<MarathonGroup>('/v2/groups');
      const groups = root.groups ?? [];
      if (opts.json) printJson(groups);
      else out(groupTable(groups) + '\n');
    }),
  );

  leaf(group, 'show', 'Show a group (JSON)')
    .argument('<group-id>', 'the group id')
    .action(
      run(async (id: string, opts: Opts) => {
        printJson(await api(opts).get(`/v2/groups${idPath(id)}`));
      }),
    );

  leaf(group, 'remove', 'Remove a group and all its apps')
    .argument('<group-id>', 'the group id')
    .option('--force', 'override deployments running for these apps')
    .action(
      run(async (id: string, opts: Opts) => {
        const r = await api(opts).call<DeploymentResult>('DELETE', `/v2/groups${idPath(id)}`, {
          query: { force: opts.force },
        });
        if (opts.json) printJson(r);
      }),
    );

  return group;
}

/** `dcos marathon app|deployment|task|group …` over Marathon's `/v2` API, as the DC/OS CLI. */
export function marathonCommand(): Command {
  return new Command('marathon')
    .description('Deploy and manage apps on Marathon')
    .addHelpText(
      'after',
      '\nMarathon is reached through the Admin Router (--dcos-url / DCOS_URL, under /marathon),\n' +
        'else directly at MARATHON_URL (default http://127.0.0.1:8080).',
    )
    .addCommand(appCommand())
    .addCommand(deploymentCommand())
    .addCommand(taskCommand())
    .addCommand(groupCommand());
}

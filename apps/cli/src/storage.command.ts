import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ClusterClient, CliError, resolveTarget } from './http-client';
import { borderlessTable } from './tables';
import { formatSizeMb, parseSizeMb } from '@dcos/storage-plan';

/** A DSS call through the one place that knows where the cluster is (Admin Router or DSS_URL). */
async function dss(method: string, path: string, body?: unknown): Promise<unknown> {
  const client = new ClusterClient(resolveTarget({}));
  const url = client.dssUrl(`/v1${path}`);
  const res = await client.send(method, url, body);
  if (res.status >= 400) {
    const b = res.body as { message?: string } | string | undefined;
    throw new CliError(
      (typeof b === 'object' && b?.message) ||
        (typeof b === 'string' && b) ||
        `${url} answered HTTP ${res.status}`,
    );
  }
  return res.body;
}

async function readSpec(path: string | undefined): Promise<unknown> {
  let text: string;
  if (path && path !== '-') text = await readFile(path, 'utf8');
  else {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path ?? 'stdin'} is not valid JSON: ${(e as Error).message}`);
  }
}

const print = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const json = (v: unknown) => print(JSON.stringify(v, null, 2));

/** DC/OS storage CLI tables (borderless, as `dcos storage … list`). */
export const table = (head: string[], rows: string[][]): string => borderlessTable(head, rows);

interface DeviceRow {
  node: string;
  name: string;
  status: string;
  rotational: boolean;
  type: string;
}
interface ProviderRow {
  name: string;
  spec: { plugin: { name: string }; node: string };
  status: { state: string; message?: string };
}
interface ProfileRow {
  name: string;
  spec: { mount?: unknown; block?: unknown };
  status: string;
}
interface VolumeRow {
  name: string;
  'capacity-mb': number;
  status: { state: string; node?: string; requires?: { name: string }[] };
}

export const deviceRows = (ds: DeviceRow[]) =>
  ds.map((d) => [d.node, d.name, d.status, String(d.rotational), d.type]);
export const providerRows = (ps: ProviderRow[]) =>
  ps.map((p) => [
    p.spec.plugin.name,
    p.name,
    p.spec.node,
    p.status.message ? `${p.status.state} (${p.status.message})` : p.status.state,
  ]);
export const profileRows = (ps: ProfileRow[]) =>
  ps.map((p) => [p.spec.mount ? 'mount' : 'block', p.name, p.status]);
export const volumeRows = (vs: VolumeRow[]) =>
  vs.map((v) => [
    v.status.node ?? '',
    v.name,
    formatSizeMb(v['capacity-mb']),
    v.status.requires?.[0]?.name ?? '',
    v.status.state,
  ]);

function deviceCommand(): Command {
  const cmd = new Command('device').description("Devices of the cluster's agents");
  cmd
    .command('list')
    .description('List the devices of every agent')
    .option('--node <agent-id>', 'only this agent')
    .option('--json', 'print JSON')
    .action(async (o: { node?: string; json?: boolean }) => {
      const r = (await dss(
        'GET',
        `/devices${o.node ? `?node=${encodeURIComponent(o.node)}` : ''}`,
      )) as { devices: DeviceRow[] };
      if (o.json) json(r);
      else print(table(['NODE', 'NAME', 'STATUS', 'ROTATIONAL', 'TYPE'], deviceRows(r.devices)));
    });
  return cmd;
}

function providerCommand(): Command {
  const cmd = new Command('provider').description('Volume providers');
  cmd
    .command('create [path]')
    .description('Create a volume provider from a JSON spec (file, or stdin)')
    .action(async (path?: string) => json(await dss('POST', '/providers', await readSpec(path))));
  cmd
    .command('list')
    .option('--json', 'print JSON')
    .description('List volume providers')
    .action(async (o: { json?: boolean }) => {
      const r = (await dss('GET', '/providers')) as { providers: ProviderRow[] };
      if (o.json) json(r);
      else print(table(['PLUGIN', 'NAME', 'NODE', 'STATUS'], providerRows(r.providers)));
    });
  cmd
    .command('modify [path]')
    .description('Change the description or labels of a provider (JSON spec, file or stdin)')
    .action(async (path?: string) => {
      const spec = (await readSpec(path)) as { name?: string };
      if (!spec.name) throw new Error('the spec needs the provider "name"');
      json(await dss('PUT', `/providers/${encodeURIComponent(spec.name)}`, spec));
    });
  cmd
    .command('remove')
    .description('Remove a volume provider')
    .requiredOption('--name <name>', 'provider name')
    .action(async (o: { name: string }) => {
      await dss('DELETE', `/providers/${encodeURIComponent(o.name)}`);
    });
  return cmd;
}

function profileCommand(): Command {
  const cmd = new Command('profile').description('Volume profiles');
  cmd
    .command('create [path]')
    .description('Create a volume profile from a JSON spec (file, or stdin)')
    .action(async (path?: string) => json(await dss('POST', '/profiles', await readSpec(path))));
  cmd
    .command('list')
    .option('--json', 'print JSON')
    .description('List volume profiles')
    .action(async (o: { json?: boolean }) => {
      const r = (await dss('GET', '/profiles')) as { profiles: ProfileRow[] };
      if (o.json) json(r);
      else print(table(['TYPE', 'NAME', 'STATUS'], profileRows(r.profiles)));
    });
  for (const verb of ['deactivate', 'reactivate'] as const)
    cmd
      .command(`${verb} [name]`)
      .description(`${verb === 'deactivate' ? 'Deactivate' : 'Reactivate'} a volume profile`)
      .option('--name <name>', 'profile name')
      .action(async (name: string | undefined, o: { name?: string }) => {
        const n = o.name ?? name;
        if (!n) throw new Error(`profile ${verb} needs a profile name`);
        await dss('POST', `/profiles/${encodeURIComponent(n)}/${verb}`, {});
      });
  return cmd;
}

function volumeCommand(): Command {
  const cmd = new Command('volume').description('Volumes');
  cmd
    .command('create [path]')
    .description('Create a volume (options, or a JSON spec file / stdin)')
    .option('--name <name>', 'volume name')
    .option('--capacity <size>', 'capacity, e.g. 100M, 10G, 1T')
    .option('--profile <profile>', 'volume profile')
    .option('--node <agent-id>', 'only on this agent')
    .option('--provider <name>', 'only from this provider')
    .action(
      async (
        path: string | undefined,
        o: { name?: string; capacity?: string; profile?: string; node?: string; provider?: string },
      ) => {
        let spec: unknown;
        if (o.name || o.capacity || o.profile) {
          if (!o.name) throw new Error('--name is required');
          if (!o.capacity) throw new Error('--capacity is required (e.g. 1G)');
          if (!o.profile) throw new Error('--profile is required');
          const size = parseSizeMb(o.capacity);
          if (!size.ok) throw new Error(`--capacity: ${size.error}`);
          spec = {
            name: o.name,
            'capacity-mb': size.value,
            profile: o.profile,
            ...(o.node ? { node: o.node } : {}),
            ...(o.provider ? { provider: o.provider } : {}),
          };
        } else spec = await readSpec(path);
        json(await dss('POST', '/volumes', spec));
      },
    );
  cmd
    .command('list')
    .option('--json', 'print JSON')
    .description('List volumes')
    .action(async (o: { json?: boolean }) => {
      const r = (await dss('GET', '/volumes')) as { volumes: VolumeRow[] };
      if (o.json) json(r);
      else print(table(['NODE', 'NAME', 'SIZE', 'PROVIDER', 'STATUS'], volumeRows(r.volumes)));
    });
  cmd
    .command('remove')
    .description('Remove a volume (refused while it is in use)')
    .requiredOption('--name <name>', 'volume name')
    .action(async (o: { name: string }) => {
      await dss('DELETE', `/volumes/${encodeURIComponent(o.name)}`);
    });
  return cmd;
}

/** `dcos storage …`: devices, providers, profiles and volumes of the storage service. */
export function storageCommand(): Command {
  return new Command('storage')
    .description('Manage storage: devices, volume providers, profiles and volumes')
    .addCommand(deviceCommand())
    .addCommand(providerCommand())
    .addCommand(profileCommand())
    .addCommand(volumeCommand());
}

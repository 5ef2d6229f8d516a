import { Command } from 'commander';
import Table from 'cli-table3';
import { createHash } from 'node:crypto';
import { findCluster, readConfigFile, writeConfigFile } from './cli-config';
import { CliError } from './http-client';
import { login, type LoginOptions } from './auth.command';

async function get(url: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    throw new CliError(`cannot reach ${url}: ${cause?.code ?? (e as Error).message}`);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, headers: res.headers, body };
}

/**
 * The cluster's name as the DC/OS CLI takes it: Mesos' `--cluster`, the `cluster` field of
 * `/mesos/state-summary`. Undefined when the master does not answer or names none.
 */
async function mesosClusterName(url: string, token: string | undefined) {
  const summary = await fetch(`${url}/mesos/state-summary`, {
    headers: { accept: 'application/json', ...(token ? { authorization: `token=${token}` } : {}) },
    signal: AbortSignal.timeout(10_000),
  })
    .then((r) => (r.ok ? (r.json() as Promise<{ cluster?: unknown }>) : {}))
    .catch((): { cluster?: unknown } => ({}));
  const name = (summary as { cluster?: unknown }).cluster;
  return typeof name === 'string' && name.trim() !== '' ? name : undefined;
}

/**
 * `dcos cluster setup <url>`: the cluster must answer its version file; auth is on when
 * `/pkgpanda/active.buildinfo.full.json` answers 401 `acsjwt` (as the DC/OS CLI detects
 * it); then log in and store the cluster (id from `/metadata`, name from `--name` or the
 * master's cluster name) as the attached one.
 */
async function setup(
  rawUrl: string,
  opts: LoginOptions & { name?: string; insecure?: boolean },
): Promise<void> {
  let url: string;
  try {
    const u = new URL(rawUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    url = rawUrl.replace(/\/+$/, '');
  } catch {
    throw new CliError(
      `<url> must be an http(s) URL of the cluster's Admin Router (got "${rawUrl}")`,
    );
  }
  const version = await get(`${url}/dcos-metadata/dcos-version.json`);
  const v = version.body as { version?: string };
  if (version.status !== 200 || typeof v?.version !== 'string') {
    throw new CliError(
      `${url} does not look like a DC/OS cluster: /dcos-metadata/dcos-version.json answered HTTP ${version.status}`,
    );
  }
  const probe = await get(`${url}/pkgpanda/active.buildinfo.full.json`);
  const authOn =
    probe.status === 401 && (probe.headers.get('www-authenticate') ?? '').includes('acsjwt');

  const file = readConfigFile();
  const provisional = `setup-${Date.now()}`;
  file.clusters[provisional] = { name: opts.name ?? provisional, dcos_url: url };
  file.attached = provisional;
  writeConfigFile(file);
  try {
    if (authOn) await login({ ...opts, dcosUrl: url });
    const token = readConfigFile().clusters[provisional]?.dcos_acs_token;
    const meta: { CLUSTER_ID?: string } = await fetch(`${url}/metadata`, {
      headers: token ? { authorization: `token=${token}` } : {},
      signal: AbortSignal.timeout(10_000),
    })
      .then((r) => (r.ok ? (r.json() as Promise<{ CLUSTER_ID?: string }>) : {}))
      .catch(() => ({}));
    const id = meta.CLUSTER_ID || createHash('sha256').update(url).digest('hex').slice(0, 32);
    const clusterName = await mesosClusterName(url, token);
    const after = readConfigFile();
    const entry = after.clusters[provisional];
    delete after.clusters[provisional];
    after.clusters[id] = {
      ...entry,
      name: opts.name ?? clusterName ?? after.clusters[id]?.name ?? id,
      dcos_url: url,
    };
    after.attached = id;
    writeConfigFile(after);
    process.stdout.write(
      `${authOn ? 'Authenticated; ' : ''}cluster ${id} (${url}) is set up and attached\n`,
    );
  } catch (e) {
    const after = readConfigFile();
    delete after.clusters[provisional];
    after.attached = file.attached === provisional ? undefined : after.attached;
    writeConfigFile(after);
    throw e;
  }
}

export function addClusterSetupCommands(cluster: Command): Command {
  cluster
    .command('setup <url>')
    .description('Set up the CLI for a cluster: its Admin Router URL, logging in if auth is on')
    .option('--name <name>', 'a name for the cluster')
    .option('--username <uid>', 'user or service account id')
    .option('--password <password>', 'the password (prefer --password-env or the prompt)')
    .option('--password-env <var>', 'read the password from this environment variable')
    .option('--private-key <path>', 'log in as a service account with this PEM private key')
    .action((url: string, opts: LoginOptions & { name?: string }) => setup(url, opts));

  cluster
    .command('list')
    .description('The clusters this CLI knows; the attached one is marked')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const file = readConfigFile();
      const rows = Object.entries(file.clusters).map(([id, c]) => ({
        name: c.name,
        cluster_id: id,
        url: c.dcos_url ?? '',
        attached: id === file.attached,
        authenticated: Boolean(c.dcos_acs_token),
      }));
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      const t = new Table({ head: ['NAME', 'CLUSTER ID', 'URL', 'STATUS'] });
      for (const r of rows)
        t.push([
          r.attached ? `${r.name}*` : r.name,
          r.cluster_id,
          r.url,
          r.authenticated ? 'AVAILABLE' : 'UNAUTHENTICATED',
        ]);
      process.stdout.write(t.toString() + '\n');
    });

  cluster
    .command('attach <cluster>')
    .description('Use this cluster (name or id) for every command')
    .action((ref: string) => {
      const file = readConfigFile();
      const id = findCluster(file, ref);
      if (!id) throw new CliError(`no cluster "${ref}": see dcos cluster list`);
      file.attached = id;
      writeConfigFile(file);
      process.stdout.write(`attached to ${file.clusters[id]?.name ?? id}\n`);
    });

  cluster
    .command('remove <cluster>')
    .description('Forget a cluster (name or id) and its token')
    .action((ref: string) => {
      const file = readConfigFile();
      const id = findCluster(file, ref);
      if (!id) throw new CliError(`no cluster "${ref}": see dcos cluster list`);
      delete file.clusters[id];
      if (file.attached === id) file.attached = undefined;
      writeConfigFile(file);
      process.stdout.write(`removed ${id}\n`);
    });
  return cluster;
}

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * What `dcos cluster setup` and `dcos auth login` remember, as the DC/OS CLI keeps
 * `core.dcos_url` and `core.dcos_acs_token` per cluster under ~/.dcos: one JSON file under
 * DCOS_DIR (default ~/.dcos), readable only by its owner because it holds tokens.
 */
export interface StoredCluster {
  name: string;
  dcos_url?: string;
  dcos_acs_token?: string;
  /** The uid the token belongs to. */
  uid?: string;
}

export interface StoredConfigFile {
  attached?: string;
  clusters: Record<string, StoredCluster>;
}

/** The attached cluster's settings (what every command uses). */
export type StoredConfig = Omit<StoredCluster, 'name'>;

type Env = Record<string, string | undefined>;

export function configPath(env: Env = process.env): string {
  return join(env['DCOS_DIR'] || join(homedir(), '.dcos'), 'dcos-ts.json');
}

export function readConfigFile(env: Env = process.env): StoredConfigFile {
  const p = configPath(env);
  if (!existsSync(p)) return { clusters: {} };
  try {
    const parsed = JSON.parse(readFileSync(p, 'utf8')) as Partial<StoredConfigFile>;
    return { attached: parsed.attached, clusters: parsed.clusters ?? {} };
  } catch {
    throw new Error(`${p} is not valid JSON: fix or delete it`);
  }
}

export function writeConfigFile(next: StoredConfigFile, env: Env = process.env): void {
  const p = configPath(env);
  mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
  const tmp = `${p}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, p);
}

/** The attached cluster's settings, or nothing when no cluster is set up. */
export function readConfig(env: Env = process.env): StoredConfig {
  const file = readConfigFile(env);
  const c = file.attached ? file.clusters[file.attached] : undefined;
  if (!c) return {};
  const { name: _name, ...rest } = c;
  return rest;
}

/** Change the attached cluster's settings (a `default` entry is made when none is attached). */
export function updateConfig(
  change: (c: StoredConfig) => StoredConfig,
  env: Env = process.env,
): StoredConfig {
  const file = readConfigFile(env);
  const id = file.attached ?? 'default';
  const current = file.clusters[id] ?? { name: id };
  const { name, ...settings } = current;
  const next = change(settings);
  writeConfigFile({ attached: id, clusters: { ...file.clusters, [id]: { name, ...next } } }, env);
  return next;
}

/** Find a stored cluster by id, id prefix or name. */
export function findCluster(file: StoredConfigFile, ref: string): string | undefined {
  const ids = Object.keys(file.clusters);
  return (
    ids.find((id) => id === ref) ??
    ids.find((id) => file.clusters[id]?.name === ref) ??
    (ids.filter((id) => id.startsWith(ref)).length === 1
      ? ids.find((id) => id.startsWith(ref))
      : undefined)
  );
}

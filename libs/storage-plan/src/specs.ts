/**
 * The DC/OS storage JSON specs (providers, profiles, volumes) and their validation.
 * Field names as `dcos storage` spells them (kebab-case); problems name the field.
 */

export interface FieldProblem {
  field: string;
  message: string;
}
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/** Volume provider plugins the agents implement. */
export const PROVIDER_PLUGINS = ['loop', 'lvm'] as const;
export type ProviderPlugin = (typeof PROVIDER_PLUGINS)[number];
export const FILESYSTEMS = ['ext4', 'xfs'] as const;
export type Filesystem = (typeof FILESYSTEMS)[number];

export interface ProviderSpec {
  name: string;
  description: string;
  spec: {
    plugin: { name: ProviderPlugin; 'config-version': string };
    node: string;
    'plugin-configuration': { devices: string[] };
    labels: Record<string, string>;
  };
}

export interface ProfileSpec {
  name: string;
  description: string;
  spec: {
    'provider-selector': { plugin: ProviderPlugin; matches: { labels: Record<string, string> } };
    'volume-configuration'?: Record<string, string>;
    mount?: { filesystem: Filesystem };
    block?: Record<string, never>;
  };
}

export interface VolumeSpec {
  name: string;
  'capacity-mb': number;
  profile: string;
  node?: string;
  provider?: string;
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9-]*$/;
/** Device names relative to /dev (`xvdb`, `nvme0n1`, `disk0`, `mapper/x`). */
const DEVICE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9._-]+)*$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkName(v: unknown, field: string, out: FieldProblem[]): string {
  if (typeof v !== 'string' || v === '') {
    out.push({ field, message: 'is required and must be a string' });
    return '';
  }
  if (v.length > 128) out.push({ field, message: 'must be at most 128 characters' });
  else if (!NAME_RE.test(v))
    out.push({
      field,
      message: 'must start with a letter and contain only letters, digits and "-"',
    });
  return v;
}

function checkDescription(v: unknown, out: FieldProblem[]): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') out.push({ field: 'description', message: 'must be a string' });
  else if (v.length > 512)
    out.push({ field: 'description', message: 'must be at most 512 characters' });
  return typeof v === 'string' ? v : '';
}

export function checkLabels(
  v: unknown,
  field: string,
  out: FieldProblem[],
): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) {
    out.push({ field, message: 'must be an object of string keys and values' });
    return {};
  }
  const entries = Object.entries(v);
  if (entries.length > 64) out.push({ field, message: 'must have at most 64 labels' });
  const labels: Record<string, string> = {};
  for (const [k, val] of entries) {
    if (k === '' || k.length > 128)
      out.push({ field: `${field}.${k}`, message: 'key must be 1-128 characters' });
    if (typeof val !== 'string') out.push({ field: `${field}.${k}`, message: 'must be a string' });
    else if (val.length > 128)
      out.push({ field: `${field}.${k}`, message: 'must be at most 128 characters' });
    else labels[k] = val;
  }
  return labels;
}

function checkPlugin(v: unknown, field: string, out: FieldProblem[]): ProviderPlugin {
  if (typeof v !== 'string' || v === '') {
    out.push({ field, message: 'is required' });
  } else if (!(PROVIDER_PLUGINS as readonly string[]).includes(v)) {
    out.push({ field, message: `unknown plugin "${v}" (known: ${PROVIDER_PLUGINS.join(', ')})` });
  }
  return v as ProviderPlugin;
}

export function checkProvider(input: unknown): Checked<ProviderSpec> {
  const p: FieldProblem[] = [];
  if (!isObject(input))
    return { ok: false, problems: [{ field: '(root)', message: 'must be a JSON object' }] };
  const name = checkName(input.name, 'name', p);
  const description = checkDescription(input.description, p);
  const spec = input.spec;
  if (!isObject(spec)) {
    p.push({ field: 'spec', message: 'is required and must be an object' });
    return { ok: false, problems: p };
  }
  let pluginName = '' as ProviderPlugin;
  let configVersion = 'latest';
  if (!isObject(spec.plugin))
    p.push({ field: 'spec.plugin', message: 'is required and must be an object with a name' });
  else {
    pluginName = checkPlugin(spec.plugin.name, 'spec.plugin.name', p);
    const cv = spec.plugin['config-version'];
    if (cv !== undefined && typeof cv !== 'string')
      p.push({ field: 'spec.plugin.config-version', message: 'must be a string' });
    else if (typeof cv === 'string') configVersion = cv;
  }
  let node = '';
  if (typeof spec.node !== 'string' || spec.node.trim() === '')
    p.push({ field: 'spec.node', message: 'is required for local providers (the agent id)' });
  else if (/[\s.*>]/.test(spec.node))
    p.push({ field: 'spec.node', message: 'is not a valid agent id' });
  else node = spec.node;
  const devices: string[] = [];
  const pc = spec['plugin-configuration'];
  if (!isObject(pc))
    p.push({ field: 'spec.plugin-configuration', message: 'is required and must be an object' });
  else {
    const allowed = new Set(['devices']);
    for (const k of Object.keys(pc))
      if (!allowed.has(k))
        p.push({ field: `spec.plugin-configuration.${k}`, message: 'is not a known setting' });
    if (!Array.isArray(pc.devices) || pc.devices.length === 0)
      p.push({
        field: 'spec.plugin-configuration.devices',
        message: 'must be a non-empty array of device names',
      });
    else
      pc.devices.forEach((d, i) => {
        const f = `spec.plugin-configuration.devices[${i}]`;
        if (typeof d !== 'string' || !DEVICE_RE.test(d.replace(/^\/dev\//, '')))
          p.push({ field: f, message: 'must be a device name relative to /dev (e.g. "xvdb")' });
        else {
          const rel = d.replace(/^\/dev\//, '');
          if (devices.includes(rel))
            p.push({ field: f, message: `device "${rel}" is listed twice` });
          else devices.push(rel);
        }
      });
  }
  const labels = checkLabels(spec.labels, 'spec.labels', p);
  if (p.length) return { ok: false, problems: p };
  return {
    ok: true,
    value: {
      name,
      description,
      spec: {
        plugin: { name: pluginName, 'config-version': configVersion },
        node,
        'plugin-configuration': { devices },
        labels,
      },
    },
  };
}

/** `provider modify`: only the description and labels of a provider may change. */
export function checkProviderModification(
  current: ProviderSpec,
  input: unknown,
): Checked<ProviderSpec> {
  const checked = checkProvider(input);
  if (!checked.ok) return checked;
  const next = checked.value;
  const p: FieldProblem[] = [];
  if (next.name !== current.name) p.push({ field: 'name', message: 'cannot be changed' });
  if (next.spec.plugin.name !== current.spec.plugin.name)
    p.push({ field: 'spec.plugin.name', message: 'cannot be changed' });
  if (next.spec.node !== current.spec.node)
    p.push({ field: 'spec.node', message: 'cannot be changed' });
  if (
    JSON.stringify(next.spec['plugin-configuration'].devices) !==
    JSON.stringify(current.spec['plugin-configuration'].devices)
  )
    p.push({
      field: 'spec.plugin-configuration.devices',
      message: 'cannot be changed on an existing provider',
    });
  return p.length ? { ok: false, problems: p } : checked;
}

export function checkProfile(input: unknown): Checked<ProfileSpec> {
  const p: FieldProblem[] = [];
  if (!isObject(input))
    return { ok: false, problems: [{ field: '(root)', message: 'must be a JSON object' }] };
  const name = checkName(input.name, 'name', p);
  const description = checkDescription(input.description, p);
  const spec = input.spec;
  if (!isObject(spec)) {
    p.push({ field: 'spec', message: 'is required and must be an object' });
    return { ok: false, problems: p };
  }
  const sel = spec['provider-selector'];
  let plugin = '' as ProviderPlugin;
  let matchLabels: Record<string, string> = {};
  if (!isObject(sel))
    p.push({ field: 'spec.provider-selector', message: 'is required and must be an object' });
  else {
    plugin = checkPlugin(sel.plugin, 'spec.provider-selector.plugin', p);
    if (sel.matches !== undefined && sel.matches !== null) {
      if (!isObject(sel.matches))
        p.push({ field: 'spec.provider-selector.matches', message: 'must be an object' });
      else
        matchLabels = checkLabels(sel.matches.labels, 'spec.provider-selector.matches.labels', p);
    }
  }
  const hasMount = spec.mount !== undefined && spec.mount !== null;
  const hasBlock = spec.block !== undefined && spec.block !== null;
  if (hasMount === hasBlock)
    p.push({ field: 'spec', message: 'exactly one of "mount" or "block" is required' });
  let mount: ProfileSpec['spec']['mount'];
  if (hasMount) {
    if (!isObject(spec.mount)) p.push({ field: 'spec.mount', message: 'must be an object' });
    else {
      const fs = spec.mount.filesystem ?? 'ext4';
      if (typeof fs !== 'string' || !(FILESYSTEMS as readonly string[]).includes(fs))
        p.push({
          field: 'spec.mount.filesystem',
          message: `must be one of ${FILESYSTEMS.join(', ')}`,
        });
      mount = { filesystem: fs as Filesystem };
    }
  }
  if (hasBlock && (!isObject(spec.block) || Object.keys(spec.block).length > 0))
    p.push({ field: 'spec.block', message: 'must be an empty object' });
  let volumeConfiguration: Record<string, string> | undefined;
  const vc = spec['volume-configuration'];
  if (vc !== undefined && vc !== null) {
    if (!isObject(vc)) p.push({ field: 'spec.volume-configuration', message: 'must be an object' });
    else {
      volumeConfiguration = checkLabels(vc, 'spec.volume-configuration', p);
      if (plugin === 'lvm') {
        const type = volumeConfiguration.type ?? 'linear';
        if (type !== 'linear' && type !== 'raid1')
          p.push({
            field: 'spec.volume-configuration.type',
            message: 'must be "linear" or "raid1"',
          });
        if (volumeConfiguration.mirrors !== undefined) {
          if (type !== 'raid1')
            p.push({
              field: 'spec.volume-configuration.mirrors',
              message: 'is only valid with type "raid1"',
            });
          else if (!/^[1-9]\d*$/.test(volumeConfiguration.mirrors))
            p.push({
              field: 'spec.volume-configuration.mirrors',
              message: 'must be a positive integer string',
            });
        }
      } else if (Object.keys(volumeConfiguration).length > 0 && plugin === 'loop') {
        p.push({
          field: 'spec.volume-configuration',
          message: 'the loop plugin takes no volume configuration',
        });
      }
    }
  }
  if (p.length) return { ok: false, problems: p };
  const out: ProfileSpec = {
    name,
    description,
    spec: { 'provider-selector': { plugin, matches: { labels: matchLabels } } },
  };
  if (volumeConfiguration) out.spec['volume-configuration'] = volumeConfiguration;
  if (mount) out.spec.mount = mount;
  else out.spec.block = {};
  return { ok: true, value: out };
}

export function checkVolume(input: unknown): Checked<VolumeSpec> {
  const p: FieldProblem[] = [];
  if (!isObject(input))
    return { ok: false, problems: [{ field: '(root)', message: 'must be a JSON object' }] };
  const name = checkName(input.name, 'name', p);
  const cap = input['capacity-mb'];
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap <= 0)
    p.push({ field: 'capacity-mb', message: 'is required and must be a positive integer (MiB)' });
  const profile = checkName(input.profile, 'profile', p);
  const out: VolumeSpec = { name, 'capacity-mb': cap as number, profile };
  for (const k of ['node', 'provider'] as const) {
    const v = input[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') p.push({ field: k, message: 'must be a string' });
    else out[k] = v;
  }
  for (const k of Object.keys(input))
    if (!['name', 'capacity-mb', 'profile', 'node', 'provider'].includes(k))
      p.push({ field: k, message: 'is not a volume field' });
  return p.length ? { ok: false, problems: p } : { ok: true, value: out };
}

/** A profile selects a provider when the plugin is the same and every `matches` label is on it. */
export function profileSelects(profile: ProfileSpec, provider: ProviderSpec): boolean {
  const sel = profile.spec['provider-selector'];
  if (sel.plugin !== provider.spec.plugin.name) return false;
  return Object.entries(sel.matches.labels).every(([k, v]) => provider.spec.labels[k] === v);
}

export function profileVolumeType(profile: ProfileSpec): 'MOUNT' | 'BLOCK' {
  return profile.spec.mount ? 'MOUNT' : 'BLOCK';
}

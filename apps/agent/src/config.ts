import { z } from 'zod';
import { ConfigError, commonShape, DEFAULT_PORTS, env, type ConfigOf } from '@dcos/config';
import { parseAttributes, parseResources, ResourceParseError } from '@dcos/containerizer';
import { parseDiskSpec } from '@dcos/storage-plan';

/** A resources / attributes string, checked at boot so a typo stops the agent naming the variable. */
const resourcesString = (parse: (s: string) => unknown) =>
  z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        parse(v);
      } catch (e) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: e instanceof ResourceParseError ? e.message : (e as Error).message,
        });
      }
    });

export const agentConfigShape = {
  ...commonShape,
  AGENT_PORT: env.port(DEFAULT_PORTS['agent']),
  AGENT_WORK_DIR: env.string('.data/agent'),
  /** Node name / hostname the master shows (default: os.hostname()). */
  AGENT_NODE_NAME: env.optionalString(),
  /** The IP tasks are reachable at (HOST of tasks, network_infos); default ADVERTISE_HOST. */
  AGENT_IP: env.optionalString(),
  /** Mesos `--resources`: `cpus:4;mem:8192;ports:[31000-32000]` (detected where absent). */
  AGENT_RESOURCES: resourcesString(parseResources),
  /** Mesos `--attributes`: `rack:r1;zone:a`. */
  AGENT_ATTRIBUTES: resourcesString(parseAttributes),
  /** auto: cgroups v1 when writable, else RSS polling. */
  AGENT_ISOLATION: env.oneOf(['auto', 'cgroups-v1', 'rss-poll'], 'auto'),
  /** Grace period between SIGTERM and SIGKILL when the task's kill_policy gives none. */
  AGENT_KILL_GRACE_MS: env.int(3_000, 0, 3_600_000),
  /** Until the first reply from the master: interval between registration attempts. */
  AGENT_REGISTRATION_BACKOFF_MS: env.int(1_000, 50, 60_000),
  /** File-backed storage disks under the work dir (`2x2G`), attached as loop devices (development, tests). */
  AGENT_DISKS: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      const r = v === undefined ? undefined : parseDiskSpec(v);
      if (r && !r.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: r.error });
    }),
  /** Block devices storage may use, relative to /dev (`xvdb,xvdc`); no other device is touched. */
  AGENT_STORAGE_DEVICES: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      for (const d of (v ?? '').split(',').filter(Boolean))
        if (!/^[A-Za-z0-9][A-Za-z0-9_./-]*$/.test(d) || d.includes('..'))
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${d}" is not a device name` });
    }),
  /** Shared directory of external (DVDI) volumes (NFS in production); external volumes are off without it. */
  AGENT_EXTERNAL_VOLUMES_DIR: env.optionalString(),
  /** Hollow mode (benchmarks): register simulated agents, run no processes. */
  AGENT_HOLLOW: env.bool(false),
  AGENT_HOLLOW_NODES: env.int(1, 1, 100_000),
  /** Hollow tasks finish after this long (0 = run until killed). */
  AGENT_HOLLOW_TASK_DURATION_MS: env.int(0, 0, 86_400_000),
};

export type AgentConfig = ConfigOf<typeof agentConfigShape>;

/** Mesos agent flags accepted on the command line, and the variable each one sets. */
export const AGENT_FLAGS: Record<string, string> = {
  resources: 'AGENT_RESOURCES',
  attributes: 'AGENT_ATTRIBUTES',
  work_dir: 'AGENT_WORK_DIR',
  hostname: 'AGENT_NODE_NAME',
  ip: 'AGENT_IP',
  port: 'AGENT_PORT',
  isolation: 'AGENT_ISOLATION',
  disks: 'AGENT_DISKS',
  storage_devices: 'AGENT_STORAGE_DEVICES',
  external_volumes_dir: 'AGENT_EXTERNAL_VOLUMES_DIR',
  hollow: 'AGENT_HOLLOW',
  hollow_nodes: 'AGENT_HOLLOW_NODES',
  hollow_task_duration_ms: 'AGENT_HOLLOW_TASK_DURATION_MS',
};

/**
 * Reads Mesos-style flags (`--resources=cpus:2`, `--resources cpus:2`, `--hollow`) into env
 * variables (flags win over the environment). Unknown flags are a ConfigError.
 */
export function flagsToEnv(
  argv: string[],
  base: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  const out = { ...base };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--([a-z_-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      throw new ConfigError([
        { variable: arg, message: 'unexpected argument (flags: --name=value)' },
      ]);
    }
    const name = (m[1] ?? '').replace(/-/g, '_');
    const variable = AGENT_FLAGS[name];
    if (!variable) {
      throw new ConfigError([
        {
          variable: `--${name}`,
          message: `unknown flag (known: ${Object.keys(AGENT_FLAGS)
            .map((f) => `--${f}`)
            .join(', ')})`,
        },
      ]);
    }
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (name === 'hollow' && (next === undefined || next.startsWith('--'))) value = 'true';
      else if (next === undefined) {
        throw new ConfigError([{ variable: `--${name}`, message: 'needs a value' }]);
      } else {
        value = next;
        i++;
      }
    }
    out[variable] = value;
  }
  return out;
}

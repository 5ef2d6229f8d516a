import { randomBytes } from 'node:crypto';
import type { Resource, TaskState, TaskStatus } from '@dcos/contracts';
import {
  formatRanges,
  normalizeRanges,
  type AgentResources,
  type ParsedResource,
  type TaskResources,
  type ValueRange,
} from '@dcos/containerizer';

/** A status uuid as Mesos' JSON renders bytes: Base64 of 16 random bytes. */
export function newStatusUuid(): string {
  return randomBytes(16).toString('base64');
}

/** One parsed `--resources` entry as Mesos v1 Resource JSON (a role other than `*` is a static reservation). */
export function parsedToMesos(r: ParsedResource): Resource {
  const { role, ...rest } = r;
  const out: Resource = { ...rest } as Resource;
  if (role && role !== '*') out.reservations = [{ type: 'STATIC', role }];
  return out;
}

/** The agent's total resources as Mesos v1 Resource JSON (AgentInfo.resources). */
export function agentResourcesToMesos(r: AgentResources): Resource[] {
  const out: Resource[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: r.cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: r.mem } },
    { name: 'disk', type: 'SCALAR', scalar: { value: r.disk } },
  ];
  if (r.ports.length > 0) out.push({ name: 'ports', type: 'RANGES', ranges: { range: r.ports } });
  for (const o of r.other) out.push(parsedToMesos(o));
  return out;
}

/**
 * Mesos' legacy flattened resources (`/state`): scalars summed by name, ranges as
 * `"[31000-31001, 31005-31005]"`; cpus/gpus/mem/disk always present.
 */
export function flattenResources(resources: readonly Resource[]): Record<string, number | string> {
  const scalars: Record<string, number> = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  const ranges: Record<string, ValueRange[]> = {};
  const sets: Record<string, string[]> = {};
  for (const r of resources) {
    if (r.type === 'SCALAR') scalars[r.name] = (scalars[r.name] ?? 0) + (r.scalar?.value ?? 0);
    else if (r.type === 'RANGES') (ranges[r.name] ??= []).push(...(r.ranges?.range ?? []));
    else if (r.type === 'SET') (sets[r.name] ??= []).push(...(r.set?.item ?? []));
  }
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(scalars)) out[k] = Math.round(v * 1000) / 1000;
  for (const [k, v] of Object.entries(ranges))
    out[k] = formatRanges(normalizeRanges(v)).replace(/,(?! )/g, ', ');
  for (const [k, v] of Object.entries(sets)) out[k] = `{${v.join(', ')}}`;
  return out;
}

/** What a task asks for, in the containerizer's terms (ports in offer order: PORT0..n). */
export function taskResources(resources: readonly Resource[]): TaskResources {
  const out: TaskResources = {};
  const ports: number[] = [];
  for (const r of resources) {
    // Storage disks (MOUNT / BLOCK volumes, RAW pools) and persistent volumes are not
    // sandbox disk space.
    const d = r.disk as { source?: unknown; persistence?: unknown } | undefined;
    if (r.name === 'disk' && (r.provider_id || d?.source || d?.persistence)) continue;
    if (r.type === 'SCALAR' && (r.name === 'cpus' || r.name === 'mem' || r.name === 'disk')) {
      out[r.name] = (out[r.name] ?? 0) + (r.scalar?.value ?? 0);
    } else if (r.type === 'RANGES' && r.name === 'ports') {
      for (const range of r.ranges?.range ?? []) {
        // A task holds a handful of ports; refuse absurd ranges instead of allocating millions.
        if (range.end - range.begin > 65_535) throw new Error('ports range is too large');
        for (let p = range.begin; p <= range.end; p++) ports.push(p);
      }
    }
  }
  if (ports.length > 0) out.ports = ports;
  return out;
}

export interface StatusInput {
  taskId: string;
  state: TaskState;
  agentId: string;
  executorId?: string;
  source: 'SOURCE_EXECUTOR' | 'SOURCE_AGENT' | 'SOURCE_MASTER';
  reason?: string;
  message?: string;
  containerId?: string;
  executorPid?: number;
  /** The IP the task is reachable at (container_status.network_infos). */
  ip: string;
  /** seconds since the epoch */
  timestamp: number;
}

/** A TaskStatus with a fresh uuid and the agent IP in network_infos (what Mesos-DNS reads). */
export function makeStatus(i: StatusInput): TaskStatus & { uuid: string } {
  const status: TaskStatus & { uuid: string } = {
    task_id: { value: i.taskId },
    state: i.state,
    source: i.source,
    agent_id: { value: i.agentId },
    timestamp: i.timestamp,
    uuid: newStatusUuid(),
    container_status: {
      ...(i.containerId ? { container_id: { value: i.containerId } } : {}),
      network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: i.ip }] }],
      ...(i.executorPid ? { executor_pid: i.executorPid } : {}),
    },
  };
  if (i.executorId) status.executor_id = { value: i.executorId };
  if (i.reason) status.reason = i.reason;
  if (i.message) status.message = i.message;
  return status;
}

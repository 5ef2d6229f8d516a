import * as path from 'node:path';
import { COMPAT_VERSIONS, DCOS_TS_VERSION, type Resource } from '@dcos/contracts';
import { attributesToRecord, type ParsedAttribute } from '@dcos/containerizer';
import type { Agent } from './agent';
import type { TaskRecord } from './checkpoint';
import type { ExecutorRecord } from './executors';
import { flattenResources } from './mesos-json';

/** `/version` as libprocess' version process. */
export function versionJson(startedAt: number): Record<string, unknown> {
  const d = new Date(startedAt);
  return {
    version: COMPAT_VERSIONS.mesos,
    dcos_ts_version: DCOS_TS_VERSION,
    build_date: d.toISOString().replace('T', ' ').slice(0, 19),
    build_time: Math.floor(startedAt / 1000),
    build_user: 'dcos-ts',
  };
}

export function agentFlags(a: Agent): Record<string, string> {
  const c = a.config;
  return {
    work_dir: path.resolve(c.AGENT_WORK_DIR),
    hostname: a.hostname,
    ip: a.ip,
    port: String(c.AGENT_PORT),
    resources: a.describeResources(),
    attributes: c.AGENT_ATTRIBUTES ?? '',
    isolation: a.containerizer?.isolation ?? c.AGENT_ISOLATION,
    executor_shutdown_grace_period: `${c.AGENT_KILL_GRACE_MS}ms`,
    master: `nats:${c.NATS_PREFIX}`,
    hollow: String(c.AGENT_HOLLOW),
  };
}

/** A task as Mesos' `json(Task)` (legacy JSON: flattened resources). */
export function taskJson(r: TaskRecord, agentId: string): Record<string, unknown> {
  const t = r.task;
  return {
    id: t.task_id.value,
    name: t.name,
    framework_id: r.frameworkId,
    executor_id: r.executorId ?? '',
    slave_id: agentId,
    state: r.state,
    resources: flattenResources(t.resources),
    role: r.framework.roles?.[0] ?? r.framework.role ?? '*',
    statuses: r.statuses.map((s) => ({
      state: s.state,
      timestamp: s.timestamp,
      ...(s.labels ? { labels: s.labels.labels } : {}),
      ...(s.container_status ? { container_status: s.container_status } : {}),
      ...(s.healthy !== undefined ? { healthy: s.healthy } : {}),
    })),
    ...(t.command?.user ? { user: t.command.user } : {}),
    ...(t.labels ? { labels: t.labels.labels } : {}),
    ...(t.discovery ? { discovery: t.discovery } : {}),
    ...(t.container ? { container: t.container } : {}),
    ...(t.health_check ? { health_check: t.health_check } : {}),
  };
}

function executorJson(r: TaskRecord, agentId: string, terminal: boolean): Record<string, unknown> {
  const id = r.task.task_id.value;
  const task = taskJson(r, agentId);
  return {
    id,
    name: `Command Executor (Task: ${id}) (Command: sh -c '${(r.task.command?.value ?? '').slice(0, 40)}')`,
    source: id,
    container: r.containerId ?? '',
    directory: r.sandbox ?? '',
    resources: flattenResources(r.task.resources),
    role: task['role'],
    type: 'COMMAND',
    tasks: terminal ? [] : [task],
    queued_tasks: [],
    completed_tasks: terminal ? [task] : [],
  };
}

/** An executor the framework supplied (custom or the default executor of a task group). */
function frameworkExecutorJson(
  ex: ExecutorRecord,
  running: TaskRecord[],
  done: TaskRecord[],
  agentId: string,
): Record<string, unknown> {
  const mine = (r: TaskRecord) => r.executorId === ex.executorId;
  const tasks = running.filter(mine);
  const role = ex.framework.roles?.[0] ?? ex.framework.role ?? '*';
  return {
    id: ex.executorId,
    name: ex.info.name ?? '',
    source: ex.info.source ?? '',
    container: ex.containerId,
    directory: ex.sandbox,
    // As Mesos: the executor's own resources plus those of its running tasks.
    resources: flattenResources([
      ...((ex.info.resources ?? []) as Resource[]),
      ...tasks.flatMap((r) => r.task.resources as Resource[]),
    ]),
    role,
    type: ex.type,
    framework_id: ex.frameworkId,
    tasks: tasks.map((r) => taskJson(r, agentId)),
    queued_tasks: ex.queued.map((t) => ({
      id: t.task_id.value,
      name: t.name,
      framework_id: ex.frameworkId,
      executor_id: ex.executorId,
      slave_id: agentId,
      resources: flattenResources(t.resources as Resource[]),
    })),
    completed_tasks: done.filter(mine).map((r) => taskJson(r, agentId)),
  };
}

/** `/state` (also `/slave(1)/state`, `/state.json`) in the Mesos agent JSON shape. */
export function agentStateJson(a: Agent): Record<string, unknown> {
  const agentId = a.agentId ?? '';
  const byFramework = new Map<string, { running: TaskRecord[]; done: TaskRecord[] }>();
  for (const r of a.tasks.values()) {
    const f = byFramework.get(r.frameworkId) ?? { running: [], done: [] };
    f.running.push(r);
    byFramework.set(r.frameworkId, f);
  }
  for (const r of a.completed) {
    const f = byFramework.get(r.frameworkId) ?? { running: [], done: [] };
    f.done.push(r);
    byFramework.set(r.frameworkId, f);
  }
  const frameworks: Record<string, unknown>[] = [];
  const completedFrameworks: Record<string, unknown>[] = [];
  for (const [fwId, f] of byFramework) {
    const info = a.frameworks.get(fwId) ?? f.running[0]?.framework ?? f.done[0]?.framework;
    const fw = {
      id: fwId,
      name: info?.name ?? '',
      user: info?.user ?? '',
      failover_timeout: info?.failover_timeout ?? 0,
      checkpoint: info?.checkpoint ?? false,
      hostname: info?.hostname ?? '',
      role: info?.roles?.[0] ?? info?.role ?? '*',
      ...(info?.roles ? { roles: info.roles } : {}),
      ...(info?.principal ? { principal: info.principal } : {}),
      capabilities: (info?.capabilities ?? []).map((c) => c.type),
      executors: [
        ...f.running.filter((r) => !r.executorId).map((r) => executorJson(r, agentId, false)),
        ...[...a.executors.values()]
          .filter((e) => e.frameworkId === fwId)
          .map((e) => frameworkExecutorJson(e, f.running, f.done, agentId)),
      ],
      completed_executors: [
        ...f.done.filter((r) => !r.executorId).map((r) => executorJson(r, agentId, true)),
        ...a.completedExecutors
          .filter((e) => e.frameworkId === fwId)
          .map((e) => frameworkExecutorJson(e, [], f.done, agentId)),
      ],
    };
    const live =
      f.running.length > 0 || [...a.executors.values()].some((e) => e.frameworkId === fwId);
    (live ? frameworks : completedFrameworks).push(fw);
  }
  const used = [...a.tasks.values()].flatMap((r) => r.task.resources as Resource[]);
  const total = flattenResources(a.mesosResources);
  const v = versionJson(a.startedAt);
  return {
    version: v['version'],
    build_date: v['build_date'],
    build_time: v['build_time'],
    build_user: v['build_user'],
    start_time: a.startedAt / 1000,
    id: agentId,
    pid: `slave(1)@${a.ip}:${a.config.AGENT_PORT}`,
    hostname: a.hostname,
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
    resources: total,
    attributes: attributesToRecord(a.attributes as ParsedAttribute[]),
    master_hostname: a.link.masterId ?? '',
    flags: agentFlags(a),
    frameworks,
    completed_frameworks: completedFrameworks,
    reserved_resources: {},
    reserved_resources_full: {},
    unreserved_resources: total,
    unreserved_resources_full: a.mesosResources,
    reserved_resources_allocated: {},
    unreserved_resources_allocated: flattenResources(used),
  };
}

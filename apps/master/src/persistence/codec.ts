import { fromMesosResources, toMesosResources, type MesosResource } from '@dcos/allocator';
import type { AgentInfo, FrameworkInfo, TaskInfo, TaskState, TaskStatus } from '@dcos/contracts';
import type { AgentRec, AgentState, FrameworkRec, FrameworkState, TaskRec } from '../core/model';
import { frameworkRoles } from '../core/model';
import { applyReservations } from '../core/reservations';
import type { AgentRow, FrameworkRow, TaskRow } from './store';

/** Records ↔ registry rows. Only what a restarted (or standby) master needs is stored. */

export function agentToRow(a: AgentRec): AgentRow {
  return {
    id: a.id,
    hostname: a.hostname,
    state: a.state,
    data: {
      agent_info: a.info,
      port: a.port,
      http_url: a.httpUrl,
      ip: a.ip,
      version: a.version,
      registered_time: a.registeredTime,
      reregistered_time: a.reregisteredTime,
      unreachable_time: a.unreachableTime,
      pending_kills: a.pendingKills,
      reservations: a.reservations ?? [],
    },
  };
}

export function agentFromRow(r: AgentRow): AgentRec {
  const d = r.data as {
    agent_info: AgentInfo;
    port: number;
    http_url: string;
    ip: string;
    version: string;
    registered_time: number;
    reregistered_time?: number;
    unreachable_time?: number;
    pending_kills?: AgentRec['pendingKills'];
    reservations?: MesosResource[];
  };
  return {
    id: r.id,
    hostname: r.hostname,
    port: d.port,
    info: d.agent_info,
    httpUrl: d.http_url,
    ip: d.ip,
    version: d.version,
    total: applyReservations(
      fromMesosResources(d.agent_info.resources as unknown as MesosResource[]),
      d.reservations ?? [],
    ),
    reservations: d.reservations ?? [],
    state: r.state as AgentState,
    registeredTime: d.registered_time,
    reregisteredTime: d.reregistered_time,
    unreachableTime: d.unreachable_time,
    lastSeen: 0,
    tasks: new Set(),
    pendingKills: d.pending_kills ?? [],
  };
}

export function frameworkToRow(f: FrameworkRec): FrameworkRow {
  return {
    id: f.id,
    name: f.info.name,
    state: f.state,
    data: {
      framework_info: f.info,
      recovered: f.recovered,
      registered_time: f.registeredTime,
      reregistered_time: f.reregisteredTime,
      unregistered_time: f.unregisteredTime,
      orphan_pending: f.orphanPending,
    },
  };
}

export function frameworkFromRow(r: FrameworkRow): FrameworkRec {
  const d = r.data as {
    framework_info: FrameworkRec['info'];
    recovered?: boolean;
    registered_time: number;
    reregistered_time?: number;
    unregistered_time?: number;
    orphan_pending?: TaskStatus[];
  };
  return {
    id: r.id,
    info: d.framework_info,
    roles: frameworkRoles(d.framework_info as FrameworkInfo),
    state: r.state as FrameworkState,
    recovered: d.recovered ?? false,
    registeredTime: d.registered_time,
    reregisteredTime: d.reregistered_time,
    unregisteredTime: d.unregistered_time,
    lastKeepalive: 0,
    tasks: new Map(),
    completedOrder: [],
    pendingTasks: new Set(),
    orphanPending: d.orphan_pending ?? [],
    orphanLastSentAt: 0,
  };
}

export function taskToRow(t: TaskRec): TaskRow {
  return {
    framework_id: t.frameworkId,
    task_id: t.id,
    agent_id: t.agentId,
    state: t.state,
    data: {
      task_info: t.info,
      resources: toMesosResources(t.resources),
      role: t.role,
      statuses: t.statuses,
      pending: t.pending,
      inferred: t.inferred,
      launched_at: t.launchedAt,
      seen_uuids: t.seenUuids,
    },
  };
}

export function taskFromRow(r: TaskRow): TaskRec {
  const d = r.data as {
    task_info: TaskInfo;
    resources: MesosResource[];
    role: string;
    statuses: TaskStatus[];
    pending: TaskStatus[];
    inferred: boolean;
    launched_at: number;
    seen_uuids: string[];
  };
  return {
    frameworkId: r.framework_id,
    id: r.task_id,
    agentId: r.agent_id,
    info: d.task_info,
    state: r.state as TaskState,
    resources: fromMesosResources(d.resources),
    role: d.role,
    statuses: d.statuses ?? [],
    pending: d.pending ?? [],
    lastSentAt: 0,
    inferred: d.inferred ?? false,
    launchedAt: d.launched_at ?? 0,
    seenUuids: d.seen_uuids ?? [],
  };
}

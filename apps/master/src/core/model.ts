import type { MesosResource, Resources } from '@dcos/allocator';
import type { AgentInfo, FrameworkInfo, TaskInfo, TaskState, TaskStatus } from '@dcos/contracts';

/** The master's in-memory registry records (the hot path works on these only). */

export type AgentState = 'active' | 'unreachable' | 'recovered';

export interface AgentRec {
  id: string;
  hostname: string;
  port: number;
  info: AgentInfo;
  /** `http://host:port` of the agent's HTTP API. */
  httpUrl: string;
  /** Address tasks are reachable at. */
  ip: string;
  version: string;
  total: Resources;
  state: AgentState;
  /** Seconds since the epoch (Mesos JSON times). */
  registeredTime: number;
  reregisteredTime?: number;
  unreachableTime?: number;
  /** ms, for the ping timeout. */
  lastSeen: number;
  /** Task keys (taskKey) of the tasks placed on this agent. */
  tasks: Set<string>;
  /** Kills to deliver when the agent is back (it was away when they were asked for). */
  pendingKills: { framework_id: { value: string }; task_id: { value: string } }[];
  /** Version of the storage disks in `total` (AgentResourcesUpdate.seq); older updates are ignored. */
  storageSeq?: number;
  /** Dynamic reservations (RESERVE), Mesos JSON with `reservations`; applied over every report. */
  reservations?: MesosResource[];
}

export interface TaskRec {
  frameworkId: string;
  id: string;
  agentId: string;
  info: TaskInfo;
  state: TaskState;
  resources: Resources;
  /** The Mesos role the resources are allocated to (`*` for the default role). */
  role: string;
  /** Every status the task went through (bounded), as Mesos TaskStatus JSON. */
  statuses: TaskStatus[];
  /** Updates with a uuid the framework has not acknowledged yet; only the head is sent. */
  pending: TaskStatus[];
  lastSentAt: number;
  /** State set by the master because the agent went away (reversible when it returns). */
  inferred: boolean;
  /** ms */
  launchedAt: number;
  /** Recent update uuids from the agent, to drop redelivered updates. */
  seenUuids: string[];
}

export type FrameworkState = 'connected' | 'disconnected' | 'completed';

/** Where a subscribed framework's events go: an HTTP RecordIO stream or a NATS subject. */
export interface FrameworkConnection {
  kind: 'http' | 'nats';
  streamId: string;
  send(event: Record<string, unknown>): void;
  close(): void;
}

export interface FrameworkRec {
  id: string;
  info: FrameworkInfo & { id: { value: string } };
  /** Mesos roles (`*` = the default role). */
  roles: string[];
  state: FrameworkState;
  /** Known from the registry or agents' reports but not re-subscribed since this master started. */
  recovered: boolean;
  registeredTime: number;
  reregisteredTime?: number;
  unregisteredTime?: number;
  conn?: FrameworkConnection;
  /** ms; NATS frameworks send keepalives. */
  lastKeepalive: number;
  /** ms; set while disconnected: torn down at this time (failover_timeout). */
  failoverDeadline?: number;
  tasks: Map<string, TaskRec>;
  /** Ids of terminal tasks, oldest first (for the completed-tasks bound). */
  completedOrder: string[];
  /** Tasks with unacknowledged updates. */
  pendingTasks: Set<string>;
  /** Master-generated updates for launches that never became tasks (TASK_ERROR, ...). */
  orphanPending: TaskStatus[];
  orphanLastSentAt: number;
  /** UPDATE_OPERATION_STATUS events not acknowledged yet (ACKNOWLEDGE_OPERATION_STATUS); in memory only. */
  operationPending?: OperationStatus[];
  operationLastSentAt?: number;
}

/** Mesos v1 `OperationStatus` JSON (feedback on offer operations such as CREATE_DISK). */
export interface OperationStatus {
  operation_id: { value: string };
  state:
    | 'OPERATION_PENDING'
    | 'OPERATION_FINISHED'
    | 'OPERATION_FAILED'
    | 'OPERATION_ERROR'
    | 'OPERATION_DROPPED'
    | 'OPERATION_UNREACHABLE';
  message?: string;
  converted_resources?: unknown[];
  /** `{value: <Base64 of 16 bytes>}` as Mesos renders the UUID message; absent = not retried. */
  uuid?: { value: string };
  agent_id?: { value: string };
  resource_provider_id?: { value: string };
}

export const taskKey = (frameworkId: string, taskId: string): string =>
  `${frameworkId}\u0000${taskId}`;

export const splitTaskKey = (key: string): [string, string] => {
  const i = key.indexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1)];
};

export function hasCapability(info: FrameworkInfo, type: string): boolean {
  return (info.capabilities ?? []).some((c) => c.type === type);
}

/** Mesos: MULTI_ROLE frameworks use `roles`, the others `role` (default `*`). */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, 'MULTI_ROLE') && info.roles && info.roles.length > 0) return info.roles;
  return [info.role ?? '*'];
}

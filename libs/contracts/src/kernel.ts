import { z } from 'zod';
import { contract } from './validation';
import {
  AgentInfoSchema,
  AttributeSchema,
  FrameworkInfoSchema,
  IdSchema,
  OfferOperationSchema,
  ResourceSchema,
  TaskInfoSchema,
  TaskStateSchema,
  TaskStatusSchema,
} from './mesos';

/**
 * The master ↔ agent protocol over NATS. Field names follow Mesos (snake_case) so that
 * payloads map one to one onto the Mesos JSON the HTTP APIs serve.
 */

/** A task as an agent reports it when (re-)registering: what it runs and its last state. */
export const AgentTaskSchema = z.object({
  framework_id: IdSchema,
  task: TaskInfoSchema,
  state: TaskStateSchema,
  /** The latest status the agent sent for the task (unacknowledged or not). */
  status: TaskStatusSchema.optional(),
});
export type AgentTask = z.infer<typeof AgentTaskSchema>;

export const AgentRegisterContract = contract(
  'AgentRegister',
  z.object({
    /** Absent on a fresh work dir: the master assigns one. */
    agent_id: IdSchema.optional(),
    agent_info: AgentInfoSchema,
    /** Where the agent's HTTP API (files, state) listens: `http://host:port`. */
    http_url: z.string().url(),
    /** Address tasks are reachable at (the HOST env of tasks). */
    ip: z.string().min(1),
    version: z.string().min(1),
    /** Every task the agent still runs (re-registration after a master or agent restart). */
    tasks: z.array(AgentTaskSchema).default([]),
    /** Frameworks of those tasks, so a restarted master can show them before they re-subscribe. */
    frameworks: z.array(FrameworkInfoSchema).default([]),
    /** Version of the storage disk resources in `agent_info.resources` (see AgentResourcesUpdate). */
    resources_seq: z.number().int().nonnegative().optional(),
  }),
);
export type AgentRegister = ReturnType<typeof AgentRegisterContract.parse>;

export const AgentRegisteredContract = contract(
  'AgentRegistered',
  z.object({
    agent_id: IdSchema,
    master_id: z.string(),
    /** How often the agent must heartbeat (ms). */
    heartbeat_interval_ms: z.number().int().positive(),
    /** Tasks the master wants killed (e.g. of frameworks torn down while the agent was away). */
    kill_tasks: z.array(z.object({ framework_id: IdSchema, task_id: IdSchema })).default([]),
  }),
);
export type AgentRegistered = ReturnType<typeof AgentRegisteredContract.parse>;

export const AgentHeartbeatContract = contract(
  'AgentHeartbeat',
  z.object({
    agent_id: IdSchema,
    /**
     * More agents of the same process beating at once (hollow agents: one request per
     * process and interval instead of one per node); `agent_id` is one of them.
     */
    agent_ids: z.array(IdSchema).optional(),
  }),
);
export type AgentHeartbeat = ReturnType<typeof AgentHeartbeatContract.parse>;

/** `known: false` tells the agent to re-register (the master lost or removed it). */
export const AgentHeartbeatReplyContract = contract(
  'AgentHeartbeatReply',
  z.object({
    known: z.boolean(),
    master_id: z.string(),
    /** For a batch (`agent_ids`): the ones the master does not know (`known` is then false). */
    unknown_agent_ids: z.array(z.string()).optional(),
  }),
);
export type AgentHeartbeatReply = ReturnType<typeof AgentHeartbeatReplyContract.parse>;

export const RunTaskContract = contract(
  'RunTask',
  z.object({
    framework_id: IdSchema,
    framework: FrameworkInfoSchema,
    task: TaskInfoSchema,
    /**
     * More tasks of the same framework for the same agent, launched after `task` (one
     * request per ACCEPT instead of one per task). The reply lists the ones refused.
     */
    tasks: z.array(TaskInfoSchema).optional(),
    /**
     * Task ids launched together as one task group (LAUNCH_GROUP) under the default executor:
     * the agent kills the rest of a group when one of its tasks fails or is killed.
     */
    task_groups: z.array(z.array(z.string())).optional(),
  }),
);
export type RunTask = ReturnType<typeof RunTaskContract.parse>;

/** Reply to `agentLaunch`: `{}` when every task was taken; refusals of a batch by task. */
export const RunTaskReplyContract = contract(
  'RunTaskReply',
  z.object({
    refused: z
      .array(z.object({ task_id: IdSchema, code: z.string(), message: z.string() }))
      .optional(),
  }),
);
export type RunTaskReply = ReturnType<typeof RunTaskReplyContract.parse>;

export const KillTaskContract = contract(
  'KillTask',
  z.object({
    framework_id: IdSchema,
    task_id: IdSchema,
    /** Overrides the task's kill_policy.grace_period (ns). */
    grace_period_ns: z.number().int().nonnegative().optional(),
  }),
);
export type KillTask = ReturnType<typeof KillTaskContract.parse>;

export const ShutdownFrameworkContract = contract(
  'ShutdownFramework',
  z.object({ framework_id: IdSchema }),
);
export type ShutdownFramework = ReturnType<typeof ShutdownFrameworkContract.parse>;

/** Agent → master via JetStream; `status.uuid` is set and unique per update. */
/**
 * Agent → master when its storage changed (provider created or removed, volume made or
 * destroyed): every storage disk resource it has now (those with a `provider_id`: RAW pools
 * and MOUNT / BLOCK volumes), replacing the ones it advertised before.
 */
export const AgentResourcesUpdateContract = contract(
  'AgentResourcesUpdate',
  z.object({
    agent_id: IdSchema,
    resources: z.array(ResourceSchema),
    /** Grows with every update of the agent (also across restarts); older ones are ignored. */
    seq: z.number().int().nonnegative(),
  }),
);
export type AgentResourcesUpdate = ReturnType<typeof AgentResourcesUpdateContract.parse>;

/** `known: false`: the master does not know the agent (it re-registers with its resources). */
export const AgentResourcesUpdateReplyContract = contract(
  'AgentResourcesUpdateReply',
  z.object({ known: z.boolean() }),
);

/** Master → agent: an offer operation the agent carries out (CREATE_DISK, DESTROY_DISK). */
export const AgentApplyOperationContract = contract(
  'AgentApplyOperation',
  z.object({
    framework_id: IdSchema,
    operation_id: IdSchema,
    operation: OfferOperationSchema,
  }),
);
export type AgentApplyOperation = ReturnType<typeof AgentApplyOperationContract.parse>;

/**
 * Master → agent: persistent volumes on the agent's plain disk the master booked (CREATE) or
 * released (DESTROY). The agent makes / removes `<work_dir>/volumes/roles/<role>/<id>`.
 */
export const AgentPersistentVolumesContract = contract(
  'AgentPersistentVolumes',
  z.object({
    create: z.array(z.object({ role: z.string().min(1), persistence_id: z.string().min(1) })),
    destroy: z.array(z.object({ role: z.string().min(1), persistence_id: z.string().min(1) })),
  }),
);
export type AgentPersistentVolumes = ReturnType<typeof AgentPersistentVolumesContract.parse>;

/**
 * Master → agent, when the agent (re-)registers: the complete set of persistent volumes on the
 * agent's plain disk the master holds for it (Mesos' checkpointed resources). The agent makes
 * the missing `<work_dir>/volumes/roles/<role>/<id>` directories and removes the ones not in
 * the set that no running task uses (volumes destroyed while the agent was down or unreachable).
 */
export const AgentPersistentVolumesSyncContract = contract(
  'AgentPersistentVolumesSync',
  z.object({
    volumes: z.array(z.object({ role: z.string().min(1), persistence_id: z.string().min(1) })),
  }),
);
export type AgentPersistentVolumesSync = ReturnType<
  typeof AgentPersistentVolumesSyncContract.parse
>;

/** The agent's answer to AgentPersistentVolumesSync: the directories it made / removed / kept in use. */
export const AgentPersistentVolumesSyncReplyContract = contract(
  'AgentPersistentVolumesSyncReply',
  z.object({
    created: z.array(z.string()),
    removed: z.array(z.string()),
    in_use: z.array(z.string()),
  }),
);
export type AgentPersistentVolumesSyncReply = ReturnType<
  typeof AgentPersistentVolumesSyncReplyContract.parse
>;

/**
 * The operation is done (OPERATION_FINISHED): `resources` are what its source became
 * (`converted_resources`), `storage_resources` + `seq` the agent's storage disks now (as in
 * AgentResourcesUpdate). A failure is an error reply (→ OPERATION_FAILED).
 */
export const AgentOperationResultContract = contract(
  'AgentOperationResult',
  z.object({
    status: z.literal('OPERATION_FINISHED'),
    resources: z.array(ResourceSchema),
    storage_resources: z.array(ResourceSchema),
    seq: z.number().int().nonnegative(),
  }),
);
export type AgentOperationResult = ReturnType<typeof AgentOperationResultContract.parse>;

export const StatusUpdateContract = contract(
  'StatusUpdate',
  z.object({
    agent_id: IdSchema,
    framework_id: IdSchema,
    status: TaskStatusSchema.extend({ uuid: z.string().min(1) }),
  }),
);
export type StatusUpdate = ReturnType<typeof StatusUpdateContract.parse>;

// ---- events the master publishes for other services ----

/** A task as `/master/state` shows it (frameworks[].tasks[]). */
export const StateTaskSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    framework_id: z.string(),
    executor_id: z.string(),
    slave_id: z.string(),
    state: TaskStateSchema,
    resources: z.record(z.union([z.number(), z.string()])),
    // /master/state renders statuses without task_id (it is the enclosing task's id).
    statuses: z.array(TaskStatusSchema.partial({ task_id: true })),
    discovery: z.record(z.unknown()).optional(),
    labels: z.array(z.object({ key: z.string(), value: z.string().optional() })).optional(),
    container: z.record(z.unknown()).optional(),
  })
  .passthrough();
export type StateTask = z.infer<typeof StateTaskSchema>;

export const TaskEventContract = contract(
  'TaskEvent',
  z.object({
    type: z.enum(['TASK_ADDED', 'TASK_UPDATED']),
    task: StateTaskSchema,
    /** Framework name, for consumers (Mesos-DNS) that name tasks by framework. */
    framework_name: z.string(),
  }),
);
export type TaskEvent = ReturnType<typeof TaskEventContract.parse>;

/** An agent as `/master/state` shows it (slaves[]). */
export const StateAgentSchema = z
  .object({
    id: z.string(),
    hostname: z.string(),
    pid: z.string(),
    port: z.number().int().optional(),
    resources: z.record(z.union([z.number(), z.string()])),
    attributes: z.record(z.union([z.number(), z.string()])).optional(),
    active: z.boolean(),
  })
  .passthrough();

export const AgentEventContract = contract(
  'AgentEvent',
  z.object({
    type: z.enum(['AGENT_ADDED', 'AGENT_REMOVED', 'AGENT_UNREACHABLE', 'AGENT_REACHABLE']),
    agent: StateAgentSchema,
  }),
);
export type AgentEvent = ReturnType<typeof AgentEventContract.parse>;

export const FrameworkEventContract = contract(
  'FrameworkEvent',
  z.object({
    type: z.enum(['FRAMEWORK_ADDED', 'FRAMEWORK_UPDATED', 'FRAMEWORK_REMOVED']),
    framework: z
      .object({
        id: z.string(),
        name: z.string(),
        active: z.boolean(),
        webui_url: z.string().optional(),
      })
      .passthrough(),
  }),
);
export type FrameworkEvent = ReturnType<typeof FrameworkEventContract.parse>;

export const LeaderEventContract = contract(
  'LeaderEvent',
  z.object({
    /** `master@ip:port` as Mesos' `leader`. */
    leader: z.string(),
    leader_info: z
      .object({ id: z.string(), hostname: z.string(), ip: z.string(), port: z.number().int() })
      .passthrough(),
    http_url: z.string().url(),
  }),
);
export type LeaderEvent = ReturnType<typeof LeaderEventContract.parse>;

export const SchedulerKeepaliveContract = contract(
  'SchedulerKeepalive',
  z.object({ framework_id: IdSchema, stream_id: z.string().min(1) }),
);
export type SchedulerKeepalive = ReturnType<typeof SchedulerKeepaliveContract.parse>;

export { AttributeSchema, ResourceSchema };

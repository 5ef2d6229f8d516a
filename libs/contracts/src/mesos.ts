import { z } from 'zod';

/**
 * Mesos v1 JSON types (include/mesos/v1/mesos.proto) as the HTTP APIs spell them.
 * Schemas accept JSON `null` as absent and keep unknown fields (passthrough), as Mesos'
 * JSON→protobuf parsing ignores what it does not need here.
 */
const opt = <T extends z.ZodTypeAny>(t: T) =>
  z.preprocess((v) => (v === null ? undefined : v), t.optional()) as unknown as z.ZodOptional<T>;

export const IdSchema = z.object({ value: z.string().min(1).max(255) }).passthrough();
export type MesosId = { value: string };

export const TASK_STATES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TaskStateSchema = z.enum(TASK_STATES);

export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);
export const isTerminalTaskState = (s: TaskState): boolean => TERMINAL_TASK_STATES.has(s);

export const RangeSchema = z.object({
  begin: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});

export const ResourceSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(['SCALAR', 'RANGES', 'SET']),
    scalar: opt(z.object({ value: z.number().nonnegative() })),
    ranges: opt(z.object({ range: z.array(RangeSchema) })),
    set: opt(z.object({ item: z.array(z.string()) })),
    role: opt(z.string()),
    reservations: opt(
      z.array(
        z.object({ type: opt(z.enum(['STATIC', 'DYNAMIC'])), role: z.string() }).passthrough(),
      ),
    ),
    allocation_info: opt(z.object({ role: z.string() })),
    disk: opt(z.record(z.unknown())),
    provider_id: opt(IdSchema),
  })
  .passthrough();
export type Resource = z.infer<typeof ResourceSchema>;

export const AttributeSchema = z
  .object({
    name: z.string(),
    type: z.enum(['SCALAR', 'RANGES', 'SET', 'TEXT']),
    text: opt(z.object({ value: z.string() })),
    scalar: opt(z.object({ value: z.number() })),
    ranges: opt(z.object({ range: z.array(RangeSchema) })),
    set: opt(z.object({ item: z.array(z.string()) })),
  })
  .passthrough();
export type Attribute = z.infer<typeof AttributeSchema>;

export const LabelsSchema = z.object({
  labels: z.array(z.object({ key: z.string(), value: opt(z.string()) })),
});

export const EnvironmentSchema = z.object({
  variables: z.array(
    z
      .object({
        name: z.string().min(1),
        type: opt(z.enum(['VALUE', 'SECRET', 'UNKNOWN'])),
        value: opt(z.string()),
      })
      .passthrough(),
  ),
});

export const CommandInfoSchema = z
  .object({
    value: opt(z.string()),
    shell: opt(z.boolean()),
    arguments: opt(z.array(z.string())),
    environment: opt(EnvironmentSchema),
    user: opt(z.string()),
    uris: opt(z.array(z.object({ value: z.string() }).passthrough())),
  })
  .passthrough();
export type CommandInfo = z.infer<typeof CommandInfoSchema>;

export const DurationInfoSchema = z.object({ nanoseconds: z.number().int().nonnegative() });

export const DiscoveryInfoSchema = z
  .object({
    visibility: z.enum(['FRAMEWORK', 'CLUSTER', 'EXTERNAL']),
    name: opt(z.string()),
    environment: opt(z.string()),
    location: opt(z.string()),
    version: opt(z.string()),
    ports: opt(
      z.object({
        ports: z.array(
          z
            .object({
              number: z.number().int(),
              name: opt(z.string()),
              protocol: opt(z.string()),
              visibility: opt(z.enum(['FRAMEWORK', 'CLUSTER', 'EXTERNAL'])),
              labels: opt(LabelsSchema),
            })
            .passthrough(),
        ),
      }),
    ),
    labels: opt(LabelsSchema),
  })
  .passthrough();

export const TaskInfoSchema = z
  .object({
    name: z.string().min(1),
    task_id: IdSchema,
    agent_id: IdSchema,
    resources: z.array(ResourceSchema).default([]),
    command: opt(CommandInfoSchema),
    executor: opt(z.record(z.unknown())),
    container: opt(z.record(z.unknown())),
    health_check: opt(z.record(z.unknown())),
    check: opt(z.record(z.unknown())),
    kill_policy: opt(z.object({ grace_period: opt(DurationInfoSchema) }).passthrough()),
    data: opt(z.string()),
    labels: opt(LabelsSchema),
    discovery: opt(DiscoveryInfoSchema),
    max_completion_time: opt(DurationInfoSchema),
  })
  .passthrough();
export type TaskInfo = z.infer<typeof TaskInfoSchema>;

export const NetworkInfoSchema = z
  .object({
    ip_addresses: opt(
      z.array(z.object({ protocol: opt(z.enum(['IPv4', 'IPv6'])), ip_address: opt(z.string()) })),
    ),
    name: opt(z.string()),
  })
  .passthrough();

export const ContainerStatusSchema = z
  .object({
    container_id: opt(IdSchema),
    network_infos: opt(z.array(NetworkInfoSchema)),
    executor_pid: opt(z.number().int()),
  })
  .passthrough();

export const TaskStatusSchema = z
  .object({
    task_id: IdSchema,
    state: TaskStateSchema,
    message: opt(z.string()),
    source: opt(z.enum(['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR'])),
    reason: opt(z.string()),
    data: opt(z.string()),
    agent_id: opt(IdSchema),
    executor_id: opt(IdSchema),
    /** Seconds since the epoch (a double, as Mesos). */
    timestamp: opt(z.number()),
    /** Base64 of 16 bytes, as Mesos' JSON renders bytes. */
    uuid: opt(z.string()),
    healthy: opt(z.boolean()),
    labels: opt(LabelsSchema),
    container_status: opt(ContainerStatusSchema),
    unreachable_time: opt(z.object({ nanoseconds: z.number() })),
  })
  .passthrough();
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

export const FRAMEWORK_CAPABILITIES = [
  'REVOCABLE_RESOURCES',
  'TASK_KILLING_STATE',
  'GPU_RESOURCES',
  'SHARED_RESOURCES',
  'PARTITION_AWARE',
  'MULTI_ROLE',
  'RESERVATION_REFINEMENT',
  'REGION_AWARE',
] as const;

export const FrameworkInfoSchema = z
  .object({
    user: z.string().default(''),
    name: z.string().min(1),
    id: opt(IdSchema),
    failover_timeout: opt(z.number().nonnegative()),
    checkpoint: opt(z.boolean()),
    role: opt(z.string()),
    roles: opt(z.array(z.string())),
    hostname: opt(z.string()),
    principal: opt(z.string()),
    webui_url: opt(z.string()),
    capabilities: opt(z.array(z.object({ type: z.string() }).passthrough())),
    labels: opt(LabelsSchema),
  })
  .passthrough();
export type FrameworkInfo = z.infer<typeof FrameworkInfoSchema>;

export const FiltersSchema = z
  .object({ refuse_seconds: opt(z.number().nonnegative()) })
  .passthrough();

export const OfferSchema = z
  .object({
    id: IdSchema,
    framework_id: IdSchema,
    agent_id: IdSchema,
    hostname: z.string(),
    url: opt(z.record(z.unknown())),
    resources: z.array(ResourceSchema),
    attributes: opt(z.array(AttributeSchema)),
    executor_ids: opt(z.array(IdSchema)),
    allocation_info: opt(z.object({ role: z.string() })),
  })
  .passthrough();
export type Offer = z.infer<typeof OfferSchema>;

export const OfferOperationSchema = z
  .object({
    type: z.enum([
      'LAUNCH',
      'LAUNCH_GROUP',
      'RESERVE',
      'UNRESERVE',
      'CREATE',
      'DESTROY',
      'GROW_VOLUME',
      'SHRINK_VOLUME',
      'CREATE_DISK',
      'DESTROY_DISK',
    ]),
    id: opt(IdSchema),
    launch: opt(z.object({ task_infos: z.array(TaskInfoSchema) })),
    launch_group: opt(z.record(z.unknown())),
    reserve: opt(z.object({ resources: z.array(ResourceSchema) }).passthrough()),
    unreserve: opt(z.object({ resources: z.array(ResourceSchema) }).passthrough()),
    create: opt(z.object({ volumes: z.array(ResourceSchema) }).passthrough()),
    destroy: opt(z.object({ volumes: z.array(ResourceSchema) }).passthrough()),
    create_disk: opt(z.record(z.unknown())),
    destroy_disk: opt(z.record(z.unknown())),
  })
  .passthrough();
export type OfferOperation = z.infer<typeof OfferOperationSchema>;

export const AgentInfoSchema = z
  .object({
    id: opt(IdSchema),
    hostname: z.string().min(1),
    port: opt(z.number().int()),
    resources: z.array(ResourceSchema),
    attributes: opt(z.array(AttributeSchema)),
    domain: opt(z.record(z.unknown())),
  })
  .passthrough();
export type AgentInfo = z.infer<typeof AgentInfoSchema>;

/** Mesos JSON renders `uuid`/`data` bytes as Base64. */
export const uuidToBase64 = (uuid: string): string =>
  Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64');

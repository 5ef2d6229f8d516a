import { z } from 'zod';
import type { Resource, TaskInfo, TaskState } from '@dcos/contracts';

/**
 * The Mesos v1 executor HTTP API (`POST /api/v1/executor`, JSON): the calls an executor
 * sends, the events the agent streams back, the executor's environment. Pure helpers: the
 * agent owns the executors (executors.ts).
 */

const Id = z.object({ value: z.string().min(1) }).passthrough();

const TASK_STATES = [
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
] as const satisfies readonly TaskState[];

/** Base64 (standard or URL-safe alphabet), what Mesos' JSON uses for bytes. */
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'must be Base64');

export const ExecutorStatusSchema = z
  .object({
    task_id: Id,
    state: z.enum(TASK_STATES),
    uuid: Base64,
    message: z.string().optional(),
    reason: z.string().optional(),
    data: z.string().optional(),
    healthy: z.boolean().optional(),
    timestamp: z.number().optional(),
    labels: z.object({ labels: z.array(z.record(z.unknown())) }).optional(),
    check_status: z.record(z.unknown()).optional(),
  })
  .passthrough();

export const ExecutorCallSchema = z
  .object({
    type: z.enum(['SUBSCRIBE', 'UPDATE', 'MESSAGE']),
    framework_id: Id,
    executor_id: Id,
    subscribe: z
      .object({
        unacknowledged_tasks: z.array(z.record(z.unknown())).optional(),
        unacknowledged_updates: z.array(z.record(z.unknown())).optional(),
      })
      .passthrough()
      .optional(),
    update: z.object({ status: ExecutorStatusSchema }).passthrough().optional(),
    message: z.object({ data: Base64 }).passthrough().optional(),
  })
  .passthrough();
export type ExecutorCall = z.infer<typeof ExecutorCallSchema>;
export type ExecutorStatus = z.infer<typeof ExecutorStatusSchema>;

export class ExecutorCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ExecutorCallError';
  }
}

/** Parses a call body; a bad one is a 400 naming the field. */
export function parseExecutorCall(body: unknown): ExecutorCall {
  const r = ExecutorCallSchema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    throw new ExecutorCallError(400, `${field}: ${issue?.message ?? 'invalid'}`, field);
  }
  const c = r.data;
  if (c.type === 'UPDATE' && !c.update)
    throw new ExecutorCallError(400, 'update: required for UPDATE', 'update');
  if (c.type === 'MESSAGE' && !c.message)
    throw new ExecutorCallError(400, 'message: required for MESSAGE', 'message');
  if (c.type === 'UPDATE' && c.update?.status.state === 'TASK_STAGING') {
    // Mesos: TASK_STAGING is the agent's, an executor may not send it.
    throw new ExecutorCallError(
      400,
      'update.status.state: an executor cannot send TASK_STAGING',
      'update.status.state',
    );
  }
  return c;
}

/** The part of `ExecutorInfo` the agent reads (Mesos v1 JSON). */
export interface ExecutorInfo {
  type?: 'DEFAULT' | 'CUSTOM' | 'UNKNOWN';
  executor_id: { value: string };
  framework_id?: { value: string };
  name?: string;
  source?: string;
  command?: NonNullable<TaskInfo['command']>;
  resources?: Resource[];
  shutdown_grace_period?: { nanoseconds: number };
  [k: string]: unknown;
}

/** The task's `executor`, when it has one with an id. */
export function executorOf(task: TaskInfo): ExecutorInfo | undefined {
  const e = task.executor as ExecutorInfo | undefined;
  return e && typeof e.executor_id?.value === 'string' ? e : undefined;
}

/** Mesos' Duration rendering (`5secs`, `500ms`, `2mins`), as in MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD. */
export function mesosDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}mins`;
  if (ms % 1000 === 0) return `${ms / 1000}secs`;
  return `${ms}ms`;
}

/** The environment Mesos gives an executor (src/slave/containerizer: executorEnvironment). */
export function executorEnvironment(o: {
  frameworkId: string;
  executorId: string;
  agentId: string;
  sandbox: string;
  /** host:port of the agent's HTTP API. */
  agentEndpoint: string;
  checkpoint: boolean;
  shutdownGraceMs: number;
}): Record<string, string> {
  const env: Record<string, string> = {
    MESOS_FRAMEWORK_ID: o.frameworkId,
    MESOS_EXECUTOR_ID: o.executorId,
    MESOS_DIRECTORY: o.sandbox,
    MESOS_SANDBOX: o.sandbox,
    MESOS_AGENT_ID: o.agentId,
    MESOS_SLAVE_ID: o.agentId,
    MESOS_SLAVE_PID: `slave(1)@${o.agentEndpoint}`,
    MESOS_AGENT_ENDPOINT: o.agentEndpoint,
    MESOS_CHECKPOINT: o.checkpoint ? '1' : '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: mesosDuration(o.shutdownGraceMs),
  };
  if (o.checkpoint) {
    // How long a checkpointing executor retries to re-subscribe after an agent restart.
    env['MESOS_RECOVERY_TIMEOUT'] = '15mins';
    env['MESOS_SUBSCRIPTION_BACKOFF_MAX'] = '2secs';
  }
  return env;
}

/** One RecordIO record: `<length>\n<bytes>` (what the executor's SUBSCRIBE stream carries). */
export function recordIo(event: Record<string, unknown>): Buffer {
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

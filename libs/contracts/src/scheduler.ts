import { z } from 'zod';
import { contract } from './validation';
import {
  FiltersSchema,
  FrameworkInfoSchema,
  IdSchema,
  OfferOperationSchema,
  OfferSchema,
  TaskStatusSchema,
} from './mesos';

/**
 * The Mesos v1 scheduler API (scheduler.proto) as internal frameworks (Marathon, Metronome,
 * DSS) speak it over NATS: a Call is a request on `masterSchedulerCall`, Events arrive on
 * `subjectFor(prefix, 'frameworkEvents', frameworkId)`. JSON as the HTTP API spells it.
 */

export const SCHEDULER_CALL_TYPES = [
  'SUBSCRIBE',
  'TEARDOWN',
  'ACCEPT',
  'DECLINE',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'REVIVE',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE',
  'RECONCILE_OPERATIONS',
  'MESSAGE',
  'REQUEST',
  'SUPPRESS',
  'UPDATE_FRAMEWORK',
] as const;

export const SchedulerCallSchema = z
  .object({
    type: z.enum(SCHEDULER_CALL_TYPES),
    /** Every call but SUBSCRIBE carries it. */
    framework_id: IdSchema.optional(),
    subscribe: z
      .object({
        framework_info: FrameworkInfoSchema,
        suppressed_roles: z.array(z.string()).optional(),
      })
      .passthrough()
      .optional(),
    accept: z
      .object({
        offer_ids: z.array(IdSchema),
        operations: z.array(OfferOperationSchema),
        filters: FiltersSchema.optional(),
      })
      .passthrough()
      .optional(),
    decline: z
      .object({ offer_ids: z.array(IdSchema), filters: FiltersSchema.optional() })
      .passthrough()
      .optional(),
    revive: z
      .object({ roles: z.array(z.string()).optional() })
      .passthrough()
      .optional(),
    suppress: z
      .object({ roles: z.array(z.string()).optional() })
      .passthrough()
      .optional(),
    kill: z
      .object({
        task_id: IdSchema,
        agent_id: IdSchema.optional(),
        kill_policy: z.record(z.unknown()).optional(),
      })
      .passthrough()
      .optional(),
    acknowledge: z
      .object({ agent_id: IdSchema, task_id: IdSchema, uuid: z.string().min(1) })
      .passthrough()
      .optional(),
    reconcile: z
      .object({
        tasks: z.array(
          z.object({ task_id: IdSchema, agent_id: IdSchema.optional() }).passthrough(),
        ),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type SchedulerCall = z.infer<typeof SchedulerCallSchema>;

/**
 * Request on `masterSchedulerCall`. `stream_id` is what the HTTP API sends as `Mesos-Stream-Id`:
 * absent on SUBSCRIBE, required on every other call.
 */
export const SchedulerCallRequestContract = contract(
  'SchedulerCallRequest',
  z.object({ stream_id: z.string().min(1).optional(), call: SchedulerCallSchema }),
);
export type SchedulerCallRequest = ReturnType<typeof SchedulerCallRequestContract.parse>;

/**
 * Reply to a call. SUBSCRIBE answers with the stream id and the SUBSCRIBED payload (the
 * master also publishes SUBSCRIBED on the events subject); other calls answer `{}` (202).
 * Errors (not subscribed = 403, malformed = 400) come back as the error envelope.
 */
export const SchedulerCallReplyContract = contract(
  'SchedulerCallReply',
  z
    .object({
      stream_id: z.string().optional(),
      subscribed: z
        .object({
          framework_id: IdSchema,
          heartbeat_interval_seconds: z.number().positive().optional(),
          master_info: z.record(z.unknown()).optional(),
        })
        .passthrough()
        .optional(),
    })
    .passthrough(),
);
export type SchedulerCallReply = ReturnType<typeof SchedulerCallReplyContract.parse>;

export const SCHEDULER_EVENT_TYPES = [
  'SUBSCRIBED',
  'OFFERS',
  'INVERSE_OFFERS',
  'RESCIND',
  'RESCIND_INVERSE_OFFER',
  'UPDATE',
  'UPDATE_OPERATION_STATUS',
  'MESSAGE',
  'FAILURE',
  'ERROR',
  'HEARTBEAT',
] as const;

export const SchedulerEventContract = contract(
  'SchedulerEvent',
  z
    .object({
      type: z.enum(SCHEDULER_EVENT_TYPES),
      subscribed: z
        .object({
          framework_id: IdSchema,
          heartbeat_interval_seconds: z.number().positive().optional(),
          master_info: z.record(z.unknown()).optional(),
        })
        .passthrough()
        .optional(),
      offers: z
        .object({ offers: z.array(OfferSchema) })
        .passthrough()
        .optional(),
      rescind: z.object({ offer_id: IdSchema }).passthrough().optional(),
      update: z.object({ status: TaskStatusSchema }).passthrough().optional(),
      failure: z
        .object({
          agent_id: IdSchema.optional(),
          executor_id: IdSchema.optional(),
          status: z.number().int().optional(),
        })
        .passthrough()
        .optional(),
      error: z.object({ message: z.string() }).passthrough().optional(),
    })
    .passthrough(),
);
export type SchedulerEvent = ReturnType<typeof SchedulerEventContract.parse>;

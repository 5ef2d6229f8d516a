import { z } from 'zod';
import { contract } from './validation';

/**
 * Marathon's app and instance changes on NATS, so that the Admin Router (`/service/<name>`),
 * Mesos-DNS and others can follow Marathon's apps without polling `/v2/apps`. Field names are
 * Marathon's (camelCase), as its `/v2/events` shows them.
 */

/** An app was created, changed (new version) or removed. */
export const MarathonAppEventContract = contract(
  'MarathonAppEvent',
  z.object({
    type: z.enum(['APP_ADDED', 'APP_UPDATED', 'APP_REMOVED']),
    /** Absolute path id, e.g. `/prod/web`. */
    appId: z.string().min(1),
    /** The app's version (ISO date time) after the change; the removing change's for APP_REMOVED. */
    version: z.string().min(1),
    /** The app's labels (e.g. `DCOS_SERVICE_NAME`, `DCOS_SERVICE_PORT_INDEX`, `DCOS_SERVICE_SCHEME`). */
    labels: z.record(z.string()),
    instances: z.number().int().min(0),
    /** Framework id of the Marathon that owns the app. */
    frameworkId: z.string().optional(),
    timestamp: z.string().min(1),
  }),
);
export type MarathonAppEvent = ReturnType<typeof MarathonAppEventContract.parse>;

/** An instance of an app changed state (launched, running, healthy, killed, replaced…). */
export const MarathonInstanceEventContract = contract(
  'MarathonInstanceEvent',
  z.object({
    appId: z.string().min(1),
    instanceId: z.string().min(1),
    /** The instance's current Mesos task id (`<instanceId>._app.<n>`). */
    taskId: z.string().min(1),
    /** Mesos task state (`TASK_RUNNING`…), or `TASK_STAGING` before the master acknowledged. */
    state: z.string().min(1),
    /** Marathon's condition (`Staging`, `Running`, `Killed`, `Gone`…). */
    condition: z.string().min(1),
    /** Health verdict of Marathon's checks; absent when the app has none or none ran yet. */
    healthy: z.boolean().optional(),
    /** The instance no longer exists in Marathon (terminal, or forgotten after unreachable). */
    gone: z.boolean(),
    agentId: z.string().optional(),
    host: z.string().optional(),
    ports: z.array(z.number().int()),
    version: z.string().min(1),
    timestamp: z.string().min(1),
  }),
);
export type MarathonInstanceEvent = ReturnType<typeof MarathonInstanceEventContract.parse>;

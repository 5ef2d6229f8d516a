import type { FrameworkInfo, TaskInfo } from '@dcos/contracts';
import type { ExecutorInfo } from './executor-api';

/** Where the events of a subscribed executor go (its SUBSCRIBE response, RecordIO). */
export interface ExecutorConnection {
  send(event: Record<string, unknown>): void;
  close(): void;
}

/**
 * An executor the agent runs for a framework: a CUSTOM one is a process (the framework's
 * `ExecutorInfo.command`) speaking the v1 executor HTTP API; the DEFAULT one (task groups) is
 * played by the agent itself, each task a nested container in the executor's sandbox.
 */
export interface ExecutorRecord {
  frameworkId: string;
  framework: FrameworkInfo;
  executorId: string;
  info: ExecutorInfo;
  type: 'CUSTOM' | 'DEFAULT';
  containerId: string;
  /** `.../frameworks/<fw>/executors/<executor id>/runs/<container id>` */
  sandbox: string;
  pid?: number;
  /** Resolves once the process runs (CUSTOM); rejects when it cannot start. */
  starting: Promise<void>;
  /** The SUBSCRIBE stream; absent until the executor subscribes or after it disconnected. */
  conn?: ExecutorConnection;
  /** Tasks waiting for the executor to subscribe. */
  queued: TaskInfo[];
  /** Task ids handed over with LAUNCH. */
  launched: Set<string>;
  /** Uuids of the executor's updates not yet safely in the status stream (ACKNOWLEDGED after). */
  unacked: Set<string>;
  shutdownTimer?: NodeJS.Timeout;
  /** ms since the epoch */
  startedAt: number;
  ended?: boolean;
}

/** `<framework>/<executor>` */
export function executorKey(frameworkId: string, executorId: string): string {
  return `${frameworkId}/${executorId}`;
}

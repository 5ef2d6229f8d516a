import type { TaskState } from '@dcos/contracts';
import type { PlanStep } from '@dcos/marathon-plan';
import type { AppDefinition } from './app-definition';

export interface HealthResult {
  alive: boolean;
  consecutiveFailures: number;
  firstSuccess: string | null;
  lastSuccess: string | null;
  lastFailure: string | null;
  lastFailureCause: string | null;
}

/** A readiness check's last verdict (`readinessCheckResults[]` in Marathon's JSON). */
export interface ReadinessResult {
  name: string;
  taskId: string;
  ready: boolean;
  lastResponse?: { status: number; contentType: string; body: string };
}

/** One instance of an app: scheduled (waiting for an offer) or a launched Mesos task. */
export interface Instance {
  instanceId: string;
  appId: string;
  /** Task id incarnation: `._app.<n>`; bumped when a failed instance is relaunched. */
  incarnation: number;
  /** 'scheduled' until launched; then the Mesos task state. */
  state: 'scheduled' | TaskState;
  /** Kill sent: do not relaunch when it ends. */
  killing: boolean;
  /** The app version and config version it runs. */
  version: string;
  configVersion: string;
  agentId?: string;
  host?: string;
  hostPorts: number[];
  servicePorts: number[];
  ipAddresses: { ipAddress: string; protocol: string }[];
  role?: string;
  scheduledAt: string;
  stagedAt?: string;
  startedAt?: string;
  unreachableSince?: string;
  /** Health check verdict from Mesos (COMMAND/MESOS_*) or Marathon's checks. */
  healthy?: boolean;
  health: HealthResult[];
  /** Readiness verdict of a task launched for the current config (apps with readinessChecks). */
  readiness?: ReadinessResult;
  region?: string;
  zone?: string;
  /** The agent's attributes (text), for constraints judged against placed instances. */
  agentAttributes?: Record<string, string>;
  /** Persistent volumes it runs with (Marathon's task `localVolumes`). */
  localVolumes?: LocalVolumeRef[];
}

/** Marathon's `localVolumes[]` entry; `uuid` is the claimed disk's `disk.source.id`. */
export interface LocalVolumeRef {
  runSpecId: string;
  containerPath: string;
  uuid: string;
  persistenceId: string;
}

export const taskIdOf = (i: Instance): string => `${i.instanceId}._app.${i.incarnation}`;

export interface DeploymentRecord {
  id: string;
  version: string;
  steps: PlanStep[];
  /** 0-based index of the step being executed. */
  currentStep: number;
  affectedApps: string[];
  /** App definitions before and after (null = absent), for rollback. */
  original: Record<string, AppDefinition | null>;
  target: Record<string, AppDefinition | null>;
}

export interface LastTaskFailure {
  appId: string;
  host: string;
  message: string;
  state: string;
  taskId: string;
  timestamp: string;
  version: string;
  slaveId: string | null;
}

export interface ExplicitGroup {
  id: string;
  dependencies: string[];
  enforceRole?: boolean;
  version: string;
}

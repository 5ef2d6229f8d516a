/**
 * Every NATS subject of the cluster, declared once. A subject is `<prefix>.<name>`;
 * the prefix (NATS_PREFIX, default `dcos`) keeps clusters and test runs apart.
 * Names carry a version (`v1`); evolve by adding a new name, never by editing one.
 */
export const SUBJECT_NAMES = {
  /** Liveness ping every service answers with its ServiceInfo (request/reply). */
  servicePing: 'v1.service.ping',
  /** Broadcast by a service when it has booted (event). */
  serviceStarted: 'v1.service.started',
  /** May `{uid}` perform `{action}` on `{rid}`? Answered by IAM (request/reply, IamAuthorize*). */
  iamAuthorize: 'v1.iam.authorize',
  /** IAM users, groups, grants or signing keys changed (event, IamChanged). */
  iamChanged: 'v1.iam.changed',
  /** An agent (re-)registers with the leading master (request/reply, AgentRegister → AgentRegistered). */
  masterAgentRegister: 'v1.master.agent.register',
  /** An agent's periodic liveness ping (request/reply, AgentHeartbeat → AgentHeartbeatReply). */
  masterAgentHeartbeat: 'v1.master.agent.heartbeat',
  /** An agent's storage disk resources changed (request/reply, AgentResourcesUpdate → AgentResourcesUpdateReply). */
  masterAgentResourcesUpdate: 'v1.master.agent.resources',
  /** A Mesos v1 scheduler Call from an internal framework (request/reply, SchedulerCallRequest → SchedulerCallReply). */
  masterSchedulerCall: 'v1.master.scheduler.call',
  /** A subscribed framework's liveness ping each heartbeat interval (event, SchedulerKeepalive). */
  masterSchedulerKeepalive: 'v1.master.scheduler.keepalive',
  /** The leading master's `/master/state` JSON (request/reply, payload `{}` → Mesos state JSON). */
  masterState: 'v1.master.state',
  /** Task added / status changed (event, TaskEvent). */
  masterTaskEvents: 'v1.master.events.task',
  /** Agent added / removed / unreachable / reachable again (event, AgentEvent). */
  masterAgentEvents: 'v1.master.events.agent',
  /** Framework added / updated / removed (event, FrameworkEvent). */
  masterFrameworkEvents: 'v1.master.events.framework',
  /** The leading master announces itself at start and periodically (event, LeaderEvent). */
  masterLeaderEvents: 'v1.master.events.leader',
  /** Marathon app created / changed / removed (event, MarathonAppEvent). */
  marathonAppEvents: 'v1.marathon.events.app',
  /** Marathon instance state or health changed (event, MarathonInstanceEvent). */
  marathonInstanceEvents: 'v1.marathon.events.instance',
  /** Every agent answers with its storage devices and volume providers (gather, AgentStorageInventory). */
  agentStorageInventory: 'v1.agent.storage.inventory',
} as const;

export type SubjectKey = keyof typeof SUBJECT_NAMES;
export type Subjects = { readonly [K in SubjectKey]: string };

const PREFIX_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function isValidSubjectPrefix(prefix: string): boolean {
  return PREFIX_RE.test(prefix);
}

/** Build the concrete subjects for one cluster prefix. */
export function subjects(prefix: string): Subjects {
  if (!isValidSubjectPrefix(prefix)) {
    throw new Error(
      `invalid NATS subject prefix "${prefix}": use letters, digits, '-', '_' and '.'`,
    );
  }
  const out = {} as { [K in SubjectKey]: string };
  for (const key of Object.keys(SUBJECT_NAMES) as SubjectKey[]) {
    out[key] = `${prefix}.${SUBJECT_NAMES[key]}`;
  }
  return out;
}

/** JetStream stream names must not contain dots; derive one per prefix. */
export function streamName(prefix: string, name: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_${name}`.toUpperCase();
}

/**
 * Subjects addressed to one entity (an agent): `<prefix>.<template with {id}>`.
 * The id must be a single NATS token (no dots, spaces or wildcards).
 */
export const SUBJECT_TEMPLATES = {
  /** Launch a task on agent {id} (request/reply, RunTask). */
  agentLaunch: 'v1.agent.{id}.launch',
  /** Kill a task on agent {id} (request/reply, KillTask). */
  agentKill: 'v1.agent.{id}.kill',
  /** Kill every task of a framework on agent {id} (request/reply, ShutdownFramework). */
  agentShutdownFramework: 'v1.agent.{id}.shutdown_framework',
  /** Apply an offer operation on agent {id}: CREATE_DISK / DESTROY_DISK (request/reply, AgentApplyOperation → AgentOperationResult). */
  agentApplyOperation: 'v1.agent.{id}.operation',
  /** Make / remove persistent volume directories on agent {id} after CREATE / DESTROY (request/reply, AgentPersistentVolumes → `{}`). */
  agentPersistentVolumes: 'v1.agent.{id}.persistent_volumes',
  /** The full set of persistent volumes the master holds for agent {id}, sent when it (re-)registers (request/reply, AgentPersistentVolumesSync → AgentPersistentVolumesSyncReply). */
  agentPersistentVolumesSync: 'v1.agent.{id}.persistent_volumes_sync',
  /** Status updates from agent {id}, published to JetStream (StatusUpdate, stream statusStream). */
  agentStatusUpdate: 'v1.agent.{id}.status',
  /** Mesos v1 scheduler Events for framework {id} (event, SchedulerEvent). */
  frameworkEvents: 'v1.framework.{id}.events',
  /** Devices of agent {id} (request/reply, `{}` → AgentStorageDevices). */
  agentStorageDevices: 'v1.agent.{id}.storage.devices',
  /** Volume providers of agent {id} (request/reply, `{}` → AgentStorageProviders). */
  agentStorageProviders: 'v1.agent.{id}.storage.providers',
  /** Create a volume provider on agent {id} (request/reply, AgentStorageProviderCreate → StorageProvider). */
  agentStorageProviderCreate: 'v1.agent.{id}.storage.provider.create',
  /** Remove a volume provider from agent {id} (request/reply, AgentStorageProviderRemove → `{removed}`). */
  agentStorageProviderRemove: 'v1.agent.{id}.storage.provider.remove',
} as const;

export type SubjectTemplateKey = keyof typeof SUBJECT_TEMPLATES;

const TOKEN_RE = /^[^\s.*>]+$/;

/** The concrete subject of a template for one id, e.g. `dcos.v1.agent.<id>.launch`. */
export function subjectFor(prefix: string, key: SubjectTemplateKey, id: string): string {
  if (!isValidSubjectPrefix(prefix)) {
    throw new Error(`invalid NATS subject prefix "${prefix}"`);
  }
  if (!TOKEN_RE.test(id)) {
    throw new Error(`invalid subject id "${id}": must not contain '.', '*', '>' or spaces`);
  }
  return `${prefix}.${SUBJECT_TEMPLATES[key].replace('{id}', id)}`;
}

/** The wildcard subject matching a template for every id (`{id}` → `*`). */
export function subjectPattern(prefix: string, key: SubjectTemplateKey): string {
  return `${prefix}.${SUBJECT_TEMPLATES[key].replace('{id}', '*')}`;
}

/** The JetStream stream holding every agent's status updates (subjects: agentStatusUpdate for all ids). */
export function statusStream(prefix: string): string {
  return streamName(prefix, 'STATUS_UPDATES');
}

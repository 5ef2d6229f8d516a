import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import {
  isTerminalTaskState,
  MarathonAppEventContract,
  MarathonInstanceEventContract,
  type Offer,
  type OfferOperation,
  type Resource,
  type SchedulerEvent,
  type TaskInfo,
  type TaskStatus,
} from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import {
  instanceId as makeInstanceId,
  instanceIdOfTask,
  isUnder,
  launchDelaySeconds,
  planDeployment,
  rollout,
  type InstanceView,
  type PlanStep,
} from '@dcos/marathon-plan';
import {
  NO_OFFER_MATCH_REASONS,
  offerPool,
  takeFromPool,
  violatedConstraint,
  type AgentView,
  type NoOfferMatchReason,
  type OfferPool,
} from '@dcos/placement';
import {
  appJson,
  configKey,
  cycleViolation,
  effectiveDependencies,
  type AppDefinition,
  type AppInput,
  type HealthCheck,
} from './app-definition';
import { SchedulerDriver } from './driver';
import { conflict, invalid, notFound } from './errors';
import { EventBus } from './events';
import {
  taskIdOf,
  type DeploymentRecord,
  type ExplicitGroup,
  type Instance,
  type LastTaskFailure,
  type LocalVolumeRef,
  type ReadinessResult,
} from './model';
import { Repository } from './repository';
import { buildTaskInfo } from './task-builder';
import { VolumeClaims, type ClaimMatch } from './volume-claims';
import { persistentVolumesOf } from './volumes';
import {
  claimIdOf,
  isRootVolume,
  orphanReservations,
  reservedDisk,
  withoutPersistence,
  withoutVolume,
} from './reservations';
import { MARATHON_CONFIG, type MarathonConfig } from './tokens';

interface Backoff {
  failures: number;
  delayUntil: number;
}
interface OfferStats {
  processedOffersCount: number;
  unusedOffersCount: number;
  lastUnusedOfferAt?: string;
  lastUsedOfferAt?: string;
  lastOffers: Map<NoOfferMatchReason, number>;
  lastOfferCount: number;
  lastUnusedOffers: { offer: Record<string, unknown>; timestamp: string; reason: string[] }[];
}
export interface DeploymentResult {
  deploymentId: string;
  version: string;
}
export interface Change {
  put: AppInput[];
  remove: string[];
  restart?: string[];
  groups?: ExplicitGroup[];
  removeGroups?: string[];
  /** Instances to kill as part of the change (DELETE tasks with scale=true). */
  killTasks?: string[];
}

const HEALTHY_STATES = new Set(['TASK_RUNNING']);
const MARATHON_CHECKS = new Set(['HTTP', 'HTTPS', 'TCP']);

/** Marathon's LeaderResource.abdicationDelay: the answer goes out before leadership ends. */
const ABDICATION_DELAY_MS = 500;

/** ACCEPT calls of one offers round waiting for the master at once. */
const ACCEPTS_IN_FLIGHT = 16;

/** One task of an ACCEPT, with the disks RESERVEd and the root volumes CREATEd for it. */
interface Launch {
  inst: Instance;
  task: TaskInfo;
  reserve: Resource[];
  create: Resource[];
}

/** A disk named in a log line. */
const formatDisk = (r: Resource): string => `${r.name}(${r.scalar?.value ?? '?'})`;

/**
 * Marathon's brain: the in-memory state (apps, instances, deployments) written to Postgres,
 * the scheduling loop (deployments, replacements, kills via @dcos/marathon-plan), offer
 * matching (@dcos/placement), status updates and health checks.
 */
@Injectable()
export class MarathonService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('marathon');
  readonly apps = new Map<string, AppDefinition>();
  readonly groups = new Map<string, ExplicitGroup>();
  readonly instances = new Map<string, Instance>();
  readonly deployments = new Map<string, DeploymentRecord>();
  readonly lastFailure = new Map<string, LastTaskFailure>();
  private readonly backoff = new Map<string, Backoff>();
  private readonly offerStats = new Map<string, OfferStats>();
  private readonly queueSince = new Map<string, string>();
  private readonly healthNext = new Map<string, number>();
  private readonly healthRunning = new Set<string>();
  private driver!: SchedulerDriver;
  private frameworkId?: string;
  private loop?: NodeJS.Timeout;
  private healthLoop?: NodeJS.Timeout;
  private suppressed = false;
  /** New launch demand since the last REVIVE: offers declined earlier may fit it now. */
  private demandGrew = false;
  private ticking = false;
  private loaded = false;
  private leading = false;
  private destroyed = false;
  private abdication?: NodeJS.Timeout;
  private readonly leaderWaiters: (() => void)[] = [];

  constructor(
    private readonly repo: Repository,
    readonly claims: VolumeClaims,
    private readonly nats: NatsClient,
    readonly events: EventBus,
    @Inject(MARATHON_CONFIG) readonly config: MarathonConfig,
  ) {}

  get currentFrameworkId(): string | undefined {
    return this.frameworkId;
  }

  async onApplicationBootstrap(): Promise<void> {
    const s = await this.repo.load();
    await this.claims.load();
    for (const a of s.apps) this.apps.set(a.id, a);
    for (const g of s.groups) this.groups.set(g.id, g);
    for (const d of s.deployments) this.deployments.set(d.id, d);
    for (const i of s.instances) this.instances.set(i.instanceId, i);
    this.frameworkId = s.frameworkId;
    this.loaded = true;
    this.startLeadership();
  }

  /** Lead: the scheduler driver (SUBSCRIBE with the stored framework id) and the loops. */
  private startLeadership(): void {
    this.driver = new SchedulerDriver(this.nats, {
      frameworkInfo: {
        user: process.env.USER ?? 'root',
        name: this.config.MARATHON_FRAMEWORK_NAME,
        roles: [this.config.MARATHON_MESOS_ROLE],
        failover_timeout: this.config.MARATHON_FAILOVER_TIMEOUT_SECONDS,
        checkpoint: true,
        hostname: this.config.ADVERTISE_HOST,
        webui_url: `http://${this.config.ADVERTISE_HOST}:${this.config.MARATHON_PORT}`,
        capabilities: [
          { type: 'PARTITION_AWARE' },
          { type: 'TASK_KILLING_STATE' },
          { type: 'MULTI_ROLE' },
          { type: 'GPU_RESOURCES' },
          { type: 'REGION_AWARE' },
        ],
      },
      loadFrameworkId: () => this.frameworkId,
      saveFrameworkId: async (id) => {
        this.frameworkId = id;
        await this.repo.saveFrameworkId(id);
      },
      handlers: {
        subscribed: () => void this.onSubscribed(),
        offers: (e) =>
          void this.onOffers(e).catch((err) =>
            this.logger.error(`offers: ${(err as Error).stack}`),
          ),
        rescind: () => undefined,
        update: (s) => this.onUpdate(s),
        failure: (e) => this.onFailure(e),
      },
    });
    this.driver.start();
    this.loop = setInterval(() => void this.tick(), this.config.MARATHON_RECONCILE_INTERVAL_MS);
    this.healthLoop = setInterval(() => this.runHealthChecks(), 250);
    this.leading = true;
    for (const w of this.leaderWaiters.splice(0)) w();
  }

  private stopLeadership(): void {
    this.leading = false;
    if (this.loop) clearInterval(this.loop);
    if (this.healthLoop) clearInterval(this.healthLoop);
    this.driver?.stop();
  }

  /** This instance leads (false only while it gives leadership up and takes it again). */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Resolves true once this instance leads, false if it does not within `timeoutMs`. */
  whenLeading(timeoutMs: number): Promise<boolean> {
    if (this.leading) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.leading), timeoutMs);
      this.leaderWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /**
   * DELETE /v2/leader. Marathon abdicates after 500 ms and its process ends, for the next leader
   * (itself once restarted, when alone) to take over from storage. This single instance does that
   * in place: it stops leading (loops and scheduler stream), writes its state, then leads again
   * with a new SUBSCRIBE under the same framework id (a failover: tasks keep running).
   * Returns false when an abdication is already under way.
   */
  abdicate(delayMs = ABDICATION_DELAY_MS): boolean {
    if (this.abdication || !this.leading) return false;
    this.abdication = setTimeout(() => {
      void this.reelect()
        .catch((e) => this.logger.error(`re-election failed: ${(e as Error).stack}`))
        .finally(() => (this.abdication = undefined));
    }, delayMs);
    return true;
  }

  private async reelect(): Promise<void> {
    this.logger.warn('leadership abdicated: stopping, then leading again (single instance)');
    this.stopLeadership();
    // Let a running tick finish: it may still write state.
    for (let waited = 0; this.ticking && waited < 10_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    try {
      await this.repo.flush();
    } finally {
      if (!this.destroyed) {
        this.healthNext.clear();
        this.startLeadership();
        this.logger.log('elected leader again');
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    if (this.abdication) clearTimeout(this.abdication);
    this.stopLeadership();
    await this.repo.flush();
  }

  get subscribed(): boolean {
    return Boolean(this.driver?.subscribedId);
  }

  // ---------------------------------------------------------------- master events

  private async onSubscribed(): Promise<void> {
    this.suppressed = false;
    const known = [...this.instances.values()].filter((i) => i.state !== 'scheduled');
    try {
      // Explicit reconciliation for what we know, implicit for what the master knows.
      if (known.length)
        await this.driver.reconcile(
          known.map((i) => ({ taskId: taskIdOf(i), agentId: i.agentId })),
        );
      await this.driver.reconcile([]);
      await this.driver.revive();
    } catch (e) {
      this.logger.warn(`reconcile after subscribe failed: ${(e as Error).message}`);
    }
  }

  private onFailure(e: SchedulerEvent): void {
    this.logger.warn(`agent failure: ${JSON.stringify(e.failure)}`);
  }

  async onUpdate(status: TaskStatus): Promise<void> {
    const taskId = status.task_id.value;
    const inst = this.instances.get(instanceIdOfTask(taskId));
    const now = new Date();
    if (!inst || taskIdOf(inst) !== taskId) {
      // A task we no longer want (replaced, or from before a crash): make sure it is gone.
      if (!isTerminalTaskState(status.state)) {
        this.logger.warn(`killing unknown task ${taskId} (${status.state})`);
        await this.driver.kill(taskId, status.agent_id?.value).catch(() => undefined);
      } else if (!inst) {
        this.events.publish('unknown_instance_terminated_event', {
          instanceId: instanceIdOfTask(taskId),
          runSpecId: '',
          condition: status.state,
        });
      }
      return;
    }
    const app = this.apps.get(inst.appId);
    inst.state = status.state;
    if (status.state === 'TASK_RUNNING' && !inst.startedAt) inst.startedAt = now.toISOString();
    if (status.state === 'TASK_UNREACHABLE') inst.unreachableSince ??= now.toISOString();
    else inst.unreachableSince = undefined;
    if (
      status.healthy !== undefined &&
      app?.healthChecks.some((h) => !MARATHON_CHECKS.has(h.protocol))
    ) {
      const was = inst.healthy;
      inst.healthy = status.healthy;
      if (was !== inst.healthy) this.healthChanged(inst, inst.healthy);
    }
    const ips = status.container_status?.network_infos?.flatMap((n) => n.ip_addresses ?? []) ?? [];
    if (ips.length)
      inst.ipAddresses = ips
        .filter((x) => x.ip_address)
        .map((x) => ({ ipAddress: x.ip_address as string, protocol: x.protocol ?? 'IPv4' }));
    this.events.publish('status_update_event', {
      slaveId: status.agent_id?.value ?? inst.agentId ?? '',
      taskId,
      taskStatus: status.state,
      message: status.message ?? '',
      appId: inst.appId,
      host: inst.host ?? '',
      ports: inst.hostPorts,
      ipAddresses: inst.ipAddresses,
      version: inst.version,
    });
    this.publishInstance(inst, isTerminalTaskState(status.state));
    if (isTerminalTaskState(status.state)) this.taskEnded(inst, status, now);
    this.events.publish('instance_changed_event', {
      instanceId: inst.instanceId,
      condition: conditionOf(inst.state),
      runSpecId: inst.appId,
      agentId: inst.agentId ?? '',
      host: inst.host ?? '',
      runSpecVersion: inst.version,
    });
    this.repo.instanceChanged(inst.instanceId, this.instances.has(inst.instanceId) ? inst : null);
  }

  private taskEnded(inst: Instance, status: TaskStatus, now: Date): void {
    const app = this.apps.get(inst.appId);
    const failed = !inst.killing && status.state !== 'TASK_KILLED';
    if (failed) {
      this.lastFailure.set(inst.appId, {
        appId: inst.appId,
        host: inst.host ?? '',
        message: status.message ?? '',
        state: status.state,
        taskId: taskIdOf(inst),
        timestamp: now.toISOString(),
        version: inst.version,
        slaveId: inst.agentId ?? null,
      });
      if (app) {
        const b = this.backoff.get(app.id) ?? { failures: 0, delayUntil: 0 };
        b.failures += 1;
        b.delayUntil = now.getTime() + launchDelaySeconds(app, b.failures) * 1000;
        this.backoff.set(app.id, b);
      }
    }
    if (inst.killing || !app) {
      this.instances.delete(inst.instanceId);
      this.clearHealth(inst);
      return;
    }
    // Not asked to die: relaunch the same instance (next incarnation), after the back-off.
    this.clearHealth(inst);
    this.demandGrew = true;
    Object.assign(inst, {
      state: 'scheduled',
      incarnation: inst.incarnation + 1,
      agentId: undefined,
      host: undefined,
      hostPorts: [],
      ipAddresses: [],
      stagedAt: undefined,
      startedAt: undefined,
      healthy: undefined,
      health: [],
      readiness: undefined,
      scheduledAt: now.toISOString(),
    } satisfies Partial<Instance>);
  }

  // ---------------------------------------------------------------- NATS events

  /** An instance's task changed (state, health, gone): for the Admin Router & co on NATS. */
  private publishInstance(inst: Instance, gone: boolean): void {
    if (inst.state === 'scheduled') return;
    try {
      this.nats.publish(
        this.nats.subjects.marathonInstanceEvents,
        {
          appId: inst.appId,
          instanceId: inst.instanceId,
          taskId: taskIdOf(inst),
          state: inst.state,
          condition: conditionOf(inst.state),
          ...(inst.healthy !== undefined ? { healthy: inst.healthy } : {}),
          gone,
          ...(inst.agentId ? { agentId: inst.agentId } : {}),
          ...(inst.host ? { host: inst.host } : {}),
          ports: inst.hostPorts,
          version: inst.version,
          timestamp: new Date().toISOString(),
        },
        MarathonInstanceEventContract,
      );
    } catch (e) {
      this.logger.warn(`instance event not published: ${(e as Error).message}`);
    }
  }

  private publishApp(
    type: 'APP_ADDED' | 'APP_UPDATED' | 'APP_REMOVED',
    appId: string,
    version: string,
    labels: Record<string, string>,
    instances: number,
  ): void {
    try {
      this.nats.publish(
        this.nats.subjects.marathonAppEvents,
        {
          type,
          appId,
          version,
          labels,
          instances,
          ...(this.frameworkId ? { frameworkId: this.frameworkId } : {}),
          timestamp: new Date().toISOString(),
        },
        MarathonAppEventContract,
      );
    } catch (e) {
      this.logger.warn(`app event not published: ${(e as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- offers

  private scheduledFor(now: number): Instance[] {
    return [...this.instances.values()].filter((i) => {
      if (i.state !== 'scheduled' || i.killing) return false;
      const b = this.backoff.get(i.appId);
      return !b || b.delayUntil <= now;
    });
  }

  private stats(appId: string): OfferStats {
    let s = this.offerStats.get(appId);
    if (!s) {
      s = {
        processedOffersCount: 0,
        unusedOffersCount: 0,
        lastOffers: new Map(),
        lastOfferCount: 0,
        lastUnusedOffers: [],
      };
      this.offerStats.set(appId, s);
    }
    return s;
  }

  private async onOffers(e: SchedulerEvent): Promise<void> {
    const offers = e.offers?.offers ?? [];
    const now = Date.now();
    const waiting = this.scheduledFor(now);
    this.logger.debug(`${offers.length} offer(s), ${waiting.length} instance(s) waiting`);
    // Disks this framework reserved that no claim holds any more: UNRESERVEd with the offer.
    const orphans = new Map<string, Resource[]>();
    for (const o of offers) {
      const list = orphanReservations(o.resources, this.frameworkId, (id) =>
        this.claims.isClaimed(id),
      );
      if (list.length > 0) orphans.set(o.id.value, list);
    }
    if (waiting.length === 0) {
      for (const o of offers)
        if (orphans.has(o.id.value)) await this.acceptOffer(o, [], orphans.get(o.id.value));
      await this.driver
        .decline(
          offers.filter((o) => !orphans.has(o.id.value)).map((o) => o.id.value),
          this.config.MARATHON_DECLINE_OFFER_DURATION_SECONDS,
        )
        .catch(() => undefined);
      return;
    }
    const byApp = new Map<string, Instance[]>();
    for (const i of waiting) {
      const list = byApp.get(i.appId);
      if (list) list.push(i);
      else byApp.set(i.appId, [i]);
    }
    // Per app: agents its instances run on (for constraints; built once, then appended to)
    // and the first instance that may still be scheduled (those before it are placed).
    const placedByApp = new Map<string, AgentView[]>();
    const cursor = new Map<string, number>();
    const planned: {
      offer: (typeof offers)[number];
      launches: Launch[];
    }[] = [];
    const unused: string[] = [];
    for (const appId of byApp.keys()) {
      const s = this.stats(appId);
      s.lastOffers = new Map();
      s.lastOfferCount = 0;
    }
    for (const offer of offers) {
      const launches: Launch[] = [];
      const orphaned = orphans.get(offer.id.value) ?? [];
      const pool = offerPool(
        orphaned.length > 0
          ? { resources: offer.resources.filter((r) => !orphaned.includes(r)) }
          : offer,
      );
      const agent = agentViewOf(offer);
      for (const [appId, list] of byApp) {
        const app = this.apps.get(appId);
        if (!app) continue;
        const s = this.stats(appId);
        s.processedOffersCount++;
        s.lastOfferCount++;
        let used = false;
        let reason: NoOfferMatchReason | undefined;
        let k = cursor.get(appId) ?? 0;
        for (; k < list.length; k++) {
          const inst = list[k];
          if (inst.state !== 'scheduled') continue;
          let placed = placedByApp.get(appId);
          if (!placed) {
            placed = this.placedAgents(appId);
            placedByApp.set(appId, placed);
          }
          if (violatedConstraint(app.constraints, agent, placed)) {
            reason = 'UnfulfilledConstraint';
            break;
          }
          const roles = app.acceptedResourceRoles ?? [
            ...new Set(['*', app.role ?? this.config.MARATHON_MESOS_ROLE]),
          ];
          // Persistent volumes: the disks the instance (or its app) holds, or new ones.
          const claimed: Extract<ClaimMatch, { ok: true }>[] = [];
          let probe = pool;
          let plainLeft: Map<string, number> | undefined;
          for (const v of persistentVolumesOf(app)) {
            const m = this.claims.match(
              app.id,
              v,
              app.instances,
              inst.instanceId,
              (id) => this.instances.has(id),
              { agentId: offer.agent_id.value, host: offer.hostname },
              probe,
              roles,
              new Date(now),
              !!pool.allocationRole && pool.allocationRole !== '*',
            );
            if (!m.ok) break;
            claimed.push(m);
            plainLeft = m.plainDisk ?? plainLeft;
            probe = {
              ...probe,
              volumes: m.pool,
              ...(m.plainDisk
                ? { scalars: new Map([...probe.scalars, ['disk', m.plainDisk]]) }
                : {}),
            };
          }
          if (claimed.length < persistentVolumesOf(app).length) {
            reason = 'InsufficientDisk';
            break;
          }
          // The rest of the launch is taken from what the volumes left of the pool.
          const volumesLeft = probe.volumes;
          // root volumes' slices are gone from the plain disk the app's own `disk` comes from.
          const target: OfferPool = plainLeft
            ? { ...pool, scalars: new Map([...pool.scalars, ['disk', new Map(plainLeft)]]) }
            : pool;
          const taken = takeFromPool(target, {
            cpus: app.cpus,
            mem: app.mem,
            disk: app.disk,
            gpus: app.gpus,
            ports: app.requirePorts
              ? app.portDefinitions.map((d) => d.port)
              : app.portDefinitions.map(() => 0),
            roles,
          });
          if (!taken.ok) {
            reason = taken.reason;
            break;
          }
          const reserve: Resource[] = [];
          const create: Resource[] = [];
          if (claimed.length > 0) {
            pool.volumes = volumesLeft;
            if (plainLeft) pool.scalars.set('disk', target.scalars.get('disk') ?? plainLeft);
            const localVolumes: LocalVolumeRef[] = [];
            for (const c of claimed) {
              let resource = c.resource;
              // Reserved to the role first (RESERVE before LAUNCH in the same ACCEPT), so that
              // no other role is offered the disk while the instance is down.
              const reserved = reservedDisk(
                { ...resource, disk: withoutVolume(resource.disk) },
                pool.allocationRole,
                this.frameworkId ?? '',
                taskIdOf(inst),
              );
              if (reserved) reserve.push(reserved);
              if (c.create) {
                // root: the reserved slice becomes a persistent volume (CREATE), used by LAUNCH.
                const base = reserved ?? resource;
                resource = {
                  ...base,
                  disk: {
                    persistence: { id: c.claim.sourceId },
                    volume: { container_path: c.claim.containerPath, mode: 'RW' },
                  },
                } as Resource;
                create.push(resource);
              } else if (reserved) resource = { ...reserved, disk: resource.disk } as Resource;
              if (resource.reservations?.length) c.claim.reserved = true;
              taken.picked.resources.push(resource);
              this.claims.bind(c.claim);
              localVolumes.push(VolumeClaims.localVolume(c.claim));
            }
            inst.localVolumes = localVolumes;
          }
          const task = buildTaskInfo(
            app,
            taskIdOf(inst),
            offer,
            taken.picked,
            app.portDefinitions.map((d) => d.port),
          );
          Object.assign(inst, {
            state: 'TASK_STAGING',
            agentId: offer.agent_id.value,
            host: offer.hostname,
            hostPorts: taken.picked.hostPorts,
            servicePorts: app.portDefinitions.map((d) => d.port),
            stagedAt: new Date(now).toISOString(),
            role:
              taken.picked.resources[0]?.allocation_info?.role ?? this.config.MARATHON_MESOS_ROLE,
            agentAttributes: agent.attributes,
            // The agent's IP until its status updates name the task's addresses.
            ipAddresses: [{ ipAddress: offerIp(offer), protocol: 'IPv4' }],
          } satisfies Partial<Instance>);
          launches.push({ inst, task, reserve, create });
          placed.push({
            agentId: offer.agent_id.value,
            hostname: offer.hostname,
            attributes: agent.attributes,
          });
          used = true;
        }
        cursor.set(appId, k);
        if (used) s.lastUsedOfferAt = new Date(now).toISOString();
        else {
          s.unusedOffersCount++;
          s.lastUnusedOfferAt = new Date(now).toISOString();
          if (reason) {
            s.lastOffers.set(reason, (s.lastOffers.get(reason) ?? 0) + 1);
            s.lastUnusedOffers = [
              {
                offer: {
                  id: offer.id.value,
                  agentId: offer.agent_id.value,
                  hostname: offer.hostname,
                },
                timestamp: new Date(now).toISOString(),
                reason: [reason],
              },
              ...s.lastUnusedOffers,
            ].slice(0, 10);
          }
        }
      }
      if (launches.length === 0 && orphaned.length === 0) unused.push(offer.id.value);
      else planned.push({ offer, launches });
    }
    // One DECLINE for the unused offers, one flush for every launch, then the ACCEPTs
    // ACCEPTS_IN_FLIGHT at a time: a round of 1,000 offers no longer waits for 1,000
    // flushes and ACCEPT round trips one after the other.
    if (unused.length > 0) await this.driver.decline(unused, 5).catch(() => undefined);
    if (planned.length === 0) return;
    // Stored before the master hears of it: a restart then reconciles instead of relaunching.
    for (const p of planned)
      for (const l of p.launches) this.repo.instanceChanged(l.inst.instanceId, l.inst);
    await this.repo.flush();
    // A bounded number in flight: an ACCEPT the master answers after the driver's timeout
    // sends its instances back to the queue although the master launched them.
    let next = 0;
    const worker = async () => {
      while (next < planned.length) {
        const p = planned[next++];
        await this.acceptOffer(p.offer, p.launches, orphans.get(p.offer.id.value));
      }
    };
    await Promise.all(Array.from({ length: Math.min(ACCEPTS_IN_FLIGHT, planned.length) }, worker));
  }

  private async acceptOffer(
    offer: NonNullable<SchedulerEvent['offers']>['offers'][number],
    launches: Launch[],
    unreserve: Resource[] = [],
  ): Promise<void> {
    // Operations apply in order: DESTROY released root volumes, UNRESERVE released disks,
    // RESERVE claimed ones, CREATE new root volumes on them, LAUNCH.
    const ops: OfferOperation[] = [];
    const destroy = unreserve.filter(isRootVolume);
    if (destroy.length > 0)
      ops.push({ type: 'DESTROY', destroy: { volumes: destroy } } as OfferOperation);
    if (unreserve.length > 0)
      ops.push({
        type: 'UNRESERVE',
        unreserve: {
          resources: unreserve.map((r) => (isRootVolume(r) ? withoutPersistence(r) : r)),
        },
      } as OfferOperation);
    const reserve = launches.flatMap((l) => l.reserve);
    if (reserve.length > 0)
      ops.push({ type: 'RESERVE', reserve: { resources: reserve } } as OfferOperation);
    const create = launches.flatMap((l) => l.create);
    if (create.length > 0)
      ops.push({ type: 'CREATE', create: { volumes: create } } as OfferOperation);
    if (launches.length > 0)
      ops.push({ type: 'LAUNCH', launch: { task_infos: launches.map((l) => l.task) } });
    try {
      await this.driver.accept([offer.id.value], ops);
      for (const r of unreserve) {
        const id = claimIdOf(r);
        if (id) this.claims.unreserved(id);
        this.logger.log(
          `${isRootVolume(r) ? 'DESTROY + ' : ''}UNRESERVE of disk ${id ?? formatDisk(r)} on ${offer.agent_id.value}`,
        );
      }
      for (const v of create) {
        const id = claimIdOf(v);
        if (id) this.claims.created(id);
      }
      for (const l of launches) this.publishInstance(l.inst, false);
      for (const l of launches)
        this.events.publish('instance_changed_event', {
          instanceId: l.inst.instanceId,
          condition: 'Staging',
          runSpecId: l.inst.appId,
          agentId: l.inst.agentId,
          host: l.inst.host,
          runSpecVersion: l.inst.version,
        });
    } catch (err) {
      this.logger.warn(`ACCEPT failed: ${(err as Error).message}; instances go back to the queue`);
      for (const l of launches) {
        Object.assign(l.inst, {
          state: 'scheduled',
          agentId: undefined,
          host: undefined,
          hostPorts: [],
          stagedAt: undefined,
        });
        this.repo.instanceChanged(l.inst.instanceId, l.inst);
      }
    }
  }

  private placedAgents(appId: string): AgentView[] {
    const out: AgentView[] = [];
    for (const i of this.instances.values())
      if (i.appId === appId && i.state !== 'scheduled' && i.agentId && i.host)
        out.push({ agentId: i.agentId, hostname: i.host, attributes: i.agentAttributes ?? {} });
    return out;
  }

  // ---------------------------------------------------------------- the loop

  private view(i: Instance, app: AppDefinition): InstanceView {
    return {
      id: i.instanceId,
      configVersion: i.configVersion,
      phase: i.killing ? 'killing' : i.state === 'scheduled' ? 'scheduled' : 'active',
      running: HEALTHY_STATES.has(i.state),
      healthy: app.healthChecks.length ? i.healthy : undefined,
      // Only new instances wait for readiness (old ones were judged when they were new).
      ready:
        app.readinessChecks.length && i.configVersion === app.versionInfo.lastConfigChangeAt
          ? i.readiness?.ready === true
          : undefined,
      since: Date.parse(i.startedAt ?? i.stagedAt ?? i.scheduledAt),
    };
  }

  instancesOf(appId: string): Instance[] {
    return [...this.instances.values()].filter((i) => i.appId === appId);
  }

  /**
   * Unreachable longer than `inactiveAfterSeconds`: no longer counted, so a replacement is
   * launched; kept (shown as TASK_UNREACHABLE) until `expungeAfterSeconds`. Should it come back
   * before, the app is over its count and the kill selection picks who goes.
   */
  private inactive(i: Instance, app: AppDefinition, now: number): boolean {
    if (i.state !== 'TASK_UNREACHABLE' || !i.unreachableSince) return false;
    if (app.unreachableStrategy === 'disabled') return false;
    return (
      now - Date.parse(i.unreachableSince) >= app.unreachableStrategy.inactiveAfterSeconds * 1000
    );
  }

  private rolloutOf(app: AppDefinition) {
    const now = Date.now();
    const list = this.instancesOf(app.id).filter((i) => !this.inactive(i, app, now));
    return rollout(
      {
        instances: app.instances,
        configVersion: app.versionInfo.lastConfigChangeAt,
        minimumHealthCapacity: app.upgradeStrategy.minimumHealthCapacity,
        maximumOverCapacity: app.upgradeStrategy.maximumOverCapacity,
        killSelection: app.killSelection,
        hasHealthChecks: app.healthChecks.length > 0,
      },
      list.map((i) => this.view(i, app)),
    );
  }

  /** Apps a running deployment has not reached yet keep what they have. */
  private heldApps(): Set<string> {
    const held = new Set<string>();
    for (const d of this.deployments.values())
      d.steps.forEach((s, idx) => {
        if (idx > d.currentStep) for (const a of s.actions) held.add(a.app);
      });
    return held;
  }

  async tick(): Promise<void> {
    if (this.ticking || !this.loaded) return;
    this.ticking = true;
    try {
      const now = Date.now();
      const held = this.heldApps();
      for (const app of this.apps.values()) {
        if (held.has(app.id)) continue;
        const r = this.rolloutOf(app);
        for (let k = 0; k < r.launch; k++) this.schedule(app, now);
        for (const id of r.kill) await this.killInstance(id, 'scale');
      }
      for (const inst of [...this.instances.values()]) {
        const app = this.apps.get(inst.appId);
        if (!app && !inst.killing) await this.killInstance(inst.instanceId, 'stop');
        if (
          app &&
          inst.state === 'TASK_UNREACHABLE' &&
          inst.unreachableSince &&
          app.unreachableStrategy !== 'disabled'
        ) {
          const after = app.unreachableStrategy.expungeAfterSeconds * 1000;
          if (now - Date.parse(inst.unreachableSince) >= after) {
            // Expunge it (its replacement was launched once it became inactive); if its task
            // comes back it is killed as unknown.
            this.publishInstance(inst, true);
            this.instances.delete(inst.instanceId);
            this.clearHealth(inst);
            this.repo.instanceChanged(inst.instanceId, null);
          }
        }
        if (
          inst.state === 'TASK_STAGING' &&
          inst.stagedAt &&
          !inst.killing &&
          now - Date.parse(inst.stagedAt) > this.config.MARATHON_TASK_LAUNCH_TIMEOUT_MS
        )
          await this.killInstance(inst.instanceId, 'launch timeout');
      }
      await this.progressDeployments();
      await this.reviveOrSuppress(now);
    } catch (e) {
      this.logger.error(`tick: ${(e as Error).stack}`);
    } finally {
      this.ticking = false;
    }
  }

  private schedule(app: AppDefinition, now: number): void {
    const inst: Instance = {
      instanceId: makeInstanceId(app.id, randomUUID()),
      appId: app.id,
      incarnation: 1,
      state: 'scheduled',
      killing: false,
      version: app.version,
      configVersion: app.versionInfo.lastConfigChangeAt,
      hostPorts: [],
      servicePorts: app.portDefinitions.map((d) => d.port),
      ipAddresses: [],
      scheduledAt: new Date(now).toISOString(),
      health: [],
    };
    this.instances.set(inst.instanceId, inst);
    this.demandGrew = true;
    if (!this.queueSince.has(app.id)) this.queueSince.set(app.id, inst.scheduledAt);
    this.repo.instanceChanged(inst.instanceId, inst);
  }

  async killInstance(instanceId: string, why: string): Promise<Instance | undefined> {
    const inst = this.instances.get(instanceId);
    if (!inst) return undefined;
    if (inst.state === 'scheduled') {
      this.instances.delete(instanceId);
      this.repo.instanceChanged(instanceId, null);
      return inst;
    }
    inst.killing = true;
    this.repo.instanceChanged(instanceId, inst);
    const app = this.apps.get(inst.appId);
    try {
      await this.driver.kill(taskIdOf(inst), inst.agentId, app?.taskKillGracePeriodSeconds);
    } catch (e) {
      this.logger.warn(
        `KILL ${taskIdOf(inst)} (${why}) failed: ${(e as Error).message}; retried on reconcile`,
      );
      inst.killing = false;
    }
    return inst;
  }

  private async reviveOrSuppress(now: number): Promise<void> {
    if (!this.subscribed) return;
    // Released disks still reserved need an offer to be UNRESERVEd.
    const wanted = this.scheduledFor(now).length > 0 || this.claims.pendingUnreserves(now) > 0;
    try {
      if (wanted && (this.suppressed || this.demandGrew)) {
        this.logger.debug('REVIVE');
        this.demandGrew = false;
        await this.driver.revive();
        this.suppressed = false;
      } else if (!wanted && !this.suppressed) {
        this.logger.debug('SUPPRESS');
        await this.driver.suppress();
        this.suppressed = true;
      }
    } catch {
      /* retried next tick */
    }
  }

  private stepDone(d: DeploymentRecord, step: PlanStep): boolean {
    return step.actions.every((a) => {
      if (a.action === 'StopApplication') return this.instancesOf(a.app).length === 0;
      const app = this.apps.get(a.app);
      return !app || this.rolloutOf(app).done;
    });
  }

  private async progressDeployments(): Promise<void> {
    for (const d of [...this.deployments.values()]) {
      let moved = false;
      while (d.currentStep < d.steps.length && this.stepDone(d, d.steps[d.currentStep])) {
        const step = d.steps[d.currentStep];
        for (const a of step.actions)
          if (a.action === 'StopApplication')
            this.events.publish('app_terminated_event', { appId: a.app });
        d.currentStep++;
        moved = true;
        this.events.publish('deployment_step_success', {
          plan: planJson(d),
          currentStep: stepJson(step),
        });
      }
      if (d.currentStep >= d.steps.length) {
        this.deployments.delete(d.id);
        await this.repo.removeDeployment(d.id);
        this.events.publish('deployment_success', { id: d.id, plan: planJson(d) });
      } else if (moved) {
        await this.repo.saveDeployment(d);
        this.events.publish('deployment_info', {
          plan: planJson(d),
          currentStep: stepJson(d.steps[d.currentStep]),
        });
      }
    }
  }

  // ---------------------------------------------------------------- health checks

  private clearHealth(inst: Instance): void {
    for (const k of [...this.healthNext.keys()])
      if (k.startsWith(inst.instanceId + '#')) this.healthNext.delete(k);
  }

  /** Readiness checks of running tasks at their app's current config, until they pass. */
  private runReadinessChecks(now: number): void {
    for (const inst of this.instances.values()) {
      if (inst.state !== 'TASK_RUNNING' || inst.killing || inst.readiness?.ready) continue;
      const app = this.apps.get(inst.appId);
      const rc = app?.readinessChecks[0];
      if (!app || !rc || inst.configVersion !== app.versionInfo.lastConfigChangeAt) continue;
      const key = `${inst.instanceId}#${inst.incarnation}#ready`;
      if (now < (this.healthNext.get(key) ?? 0) || this.healthRunning.has(key)) continue;
      this.healthNext.set(key, now + rc.intervalSeconds * 1000);
      this.healthRunning.add(key);
      const taskId = taskIdOf(inst);
      void this.readinessProbe(inst, app, rc)
        .then((result) => {
          if (this.instances.get(inst.instanceId) !== inst || taskIdOf(inst) !== taskId) return;
          const was = inst.readiness?.ready;
          inst.readiness = { name: rc.name, taskId, ...result };
          if (result.ready && !was) {
            this.logger.log(`${taskId} is ready`);
            this.repo.instanceChanged(inst.instanceId, inst);
          }
        })
        .finally(() => this.healthRunning.delete(key));
    }
  }

  private async readinessProbe(
    inst: Instance,
    app: AppDefinition,
    rc: AppDefinition['readinessChecks'][number],
  ): Promise<Pick<ReadinessResult, 'ready' | 'lastResponse'>> {
    const idx = app.portDefinitions.findIndex((d) => d.name === rc.portName);
    const port = inst.hostPorts[idx];
    const host = inst.ipAddresses[0]?.ipAddress ?? inst.host;
    if (idx < 0 || !port || !host) return { ready: false };
    try {
      const res = await fetch(`${rc.protocol.toLowerCase()}://${host}:${port}${rc.path}`, {
        signal: AbortSignal.timeout(rc.timeoutSeconds * 1000),
        redirect: 'manual',
      });
      const body = await res.text().catch(() => '');
      return {
        ready: rc.httpStatusCodesForReady.includes(res.status),
        ...(rc.preserveLastResponse
          ? {
              lastResponse: {
                status: res.status,
                contentType: res.headers.get('content-type') ?? '',
                body,
              },
            }
          : {}),
      };
    } catch {
      return { ready: false };
    }
  }

  /** The readiness results of an app's instances (for /v2/deployments and embed readiness). */
  readinessResults(appId: string): ReadinessResult[] {
    return this.instancesOf(appId).flatMap((i) => (i.readiness ? [i.readiness] : []));
  }

  private runHealthChecks(): void {
    const now = Date.now();
    this.runReadinessChecks(now);
    for (const inst of this.instances.values()) {
      if (inst.state !== 'TASK_RUNNING' || inst.killing || !inst.startedAt) continue;
      const app = this.apps.get(inst.appId);
      if (!app || app.version !== inst.version) {
        // Checks follow the version the instance runs.
      }
      const def =
        app && (app.versionInfo.lastConfigChangeAt === inst.configVersion ? app : undefined);
      const checks = def?.healthChecks ?? [];
      checks.forEach((hc, idx) => {
        if (!MARATHON_CHECKS.has(hc.protocol)) return;
        const key = `${inst.instanceId}#${inst.incarnation}#${idx}`;
        const next = this.healthNext.get(key) ?? 0;
        if (now < next || this.healthRunning.has(key)) return;
        this.healthNext.set(key, now + hc.intervalSeconds * 1000);
        this.healthRunning.add(key);
        void this.check(inst, hc)
          .then((cause) => this.recordHealth(inst, def as AppDefinition, idx, hc, cause, now))
          .finally(() => this.healthRunning.delete(key));
      });
    }
  }

  private async check(inst: Instance, hc: HealthCheck): Promise<string | undefined> {
    // timeoutSeconds 0 bounds a check by its interval only.
    const timeoutMs = (hc.timeoutSeconds || hc.intervalSeconds || 20) * 1000;
    const port = hc.port ?? inst.hostPorts[hc.portIndex ?? 0];
    // The address the agent reports for the task (its IP): agent host names need not resolve.
    const host = inst.ipAddresses[0]?.ipAddress ?? inst.host ?? '127.0.0.1';
    if (!port) return 'no port to check';
    if (hc.protocol === 'TCP')
      return new Promise((resolve) => {
        const sock = tcpConnect({ host, port, timeout: timeoutMs });
        sock.once('connect', () => {
          sock.destroy();
          resolve(undefined);
        });
        sock.once('timeout', () => {
          sock.destroy();
          resolve('TCP connection timed out');
        });
        sock.once('error', (e) => resolve(e.message));
      });
    const scheme = hc.protocol === 'HTTPS' ? 'https' : 'http';
    try {
      const res = await fetch(`${scheme}://${host}:${port}${hc.path ?? '/'}`, {
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      // Marathon: 200-399 healthy (1xx too unless ignoreHttp1xx).
      if (res.status >= 200 && res.status < 400) return undefined;
      return `${res.status} ${res.statusText}`;
    } catch (e) {
      return (e as Error).message;
    }
  }

  private async recordHealth(
    inst: Instance,
    app: AppDefinition,
    idx: number,
    hc: HealthCheck,
    cause: string | undefined,
    startedCheckAt: number,
  ): Promise<void> {
    if (this.instances.get(inst.instanceId) !== inst || inst.state !== 'TASK_RUNNING') return;
    const now = new Date().toISOString();
    const r = (inst.health[idx] ??= {
      alive: false,
      consecutiveFailures: 0,
      firstSuccess: null,
      lastSuccess: null,
      lastFailure: null,
      lastFailureCause: null,
    });
    if (!cause) {
      r.alive = true;
      r.consecutiveFailures = 0;
      r.firstSuccess ??= now;
      r.lastSuccess = now;
    } else {
      // Failures before the first success within the grace period do not count (Marathon).
      const inGrace =
        !r.firstSuccess &&
        startedCheckAt - Date.parse(inst.startedAt ?? now) < hc.gracePeriodSeconds * 1000;
      if (inGrace) return;
      r.alive = false;
      r.consecutiveFailures++;
      r.lastFailure = now;
      r.lastFailureCause = cause;
      this.events.publish('failed_health_check_event', {
        appId: app.id,
        taskId: taskIdOf(inst),
        instanceId: inst.instanceId,
        version: inst.version,
        healthCheck: hc,
      });
      if (hc.maxConsecutiveFailures > 0 && r.consecutiveFailures >= hc.maxConsecutiveFailures) {
        this.events.publish('unhealthy_instance_kill_event', {
          appId: app.id,
          taskId: taskIdOf(inst),
          instanceId: inst.instanceId,
          version: inst.version,
          reason: cause,
          host: inst.host,
          slaveId: inst.agentId,
        });
        this.events.publish('unhealthy_task_kill_event', {
          appId: app.id,
          taskId: taskIdOf(inst),
          version: inst.version,
          reason: cause,
          host: inst.host,
          slaveId: inst.agentId,
        });
        await this.killInstance(inst.instanceId, 'unhealthy');
      }
    }
    const marathonChecks = app.healthChecks.filter((h) => MARATHON_CHECKS.has(h.protocol)).length;
    const alive =
      inst.health.filter((h) => h?.alive).length === marathonChecks &&
      inst.health.length === marathonChecks;
    if (alive !== inst.healthy) {
      inst.healthy = alive;
      this.healthChanged(inst, alive);
    }
    this.repo.instanceChanged(inst.instanceId, inst);
  }

  private healthChanged(inst: Instance, alive: boolean | undefined): void {
    this.publishInstance(inst, false);
    this.events.publish('health_status_changed_event', {
      appId: inst.appId,
      taskId: taskIdOf(inst),
      instanceId: inst.instanceId,
      version: inst.version,
      alive: alive === true,
    });
    this.events.publish('instance_health_changed_event', {
      instanceId: inst.instanceId,
      runSpecId: inst.appId,
      runSpecVersion: inst.version,
      healthy: alive === true,
    });
  }

  // ---------------------------------------------------------------- changes (deployments)

  /** Running deployments that touch any of `ids` (an app, or anything under a group). */
  blockingDeployments(ids: string[]): DeploymentRecord[] {
    return [...this.deployments.values()].filter((d) =>
      d.affectedApps.some((a) => ids.some((id) => a === id || isUnder(a, id))),
    );
  }

  private assignServicePorts(app: AppInput, previous?: AppDefinition): void {
    const used = new Set<number>();
    for (const a of this.apps.values())
      if (a.id !== app.id) for (const d of a.portDefinitions) used.add(d.port);
    const min = this.config.MARATHON_LOCAL_PORT_MIN;
    const max = this.config.MARATHON_LOCAL_PORT_MAX;
    let next = min;
    app.portDefinitions.forEach((d, i) => {
      if (d.port !== 0) return;
      const prev = previous?.portDefinitions[i]?.port;
      if (prev && prev >= min && prev <= max && !used.has(prev)) {
        d.port = prev;
        used.add(prev);
        return;
      }
      while (next <= max && used.has(next)) next++;
      if (next > max)
        throw invalid([{ path: '/portDefinitions', errors: ['no free service port left'] }]);
      d.port = next;
      used.add(next++);
    });
  }

  /** What a change would do (validated, ports assigned, steps planned), without doing it. */
  private prepare(change: Change) {
    const version = new Date().toISOString();
    const affected = [
      ...new Set([...change.put.map((a) => a.id), ...change.remove, ...(change.restart ?? [])]),
    ];
    const next = new Map(this.apps);
    for (const id of change.remove) next.delete(id);
    const target: AppDefinition[] = [];
    for (const input of change.put) {
      const prev = this.apps.get(input.id);
      // A root volume is made of disk reserved to the app's role: `*` cannot hold reservations.
      const role = input.role ?? this.config.MARATHON_MESOS_ROLE;
      if (role === '*') {
        const raw = (input.container as { volumes?: unknown } | undefined)?.volumes;
        const bad = (Array.isArray(raw) ? (raw as { persistent?: { type?: unknown } }[]) : [])
          .map((v, i) => ({ v, i }))
          .filter(({ v }) => v?.persistent && (v.persistent.type ?? 'root') === 'root');
        if (bad.length)
          throw invalid(
            bad.map(({ i }) => ({
              path: `/container/volumes(${i})/persistent/type`,
              errors: [
                'root persistent volumes need a role other than "*" (the app\'s role or MARATHON_MESOS_ROLE): they are made of reserved disk',
              ],
            })),
          );
      }
      // Claims name their volume by containerPath: the app's persistent volumes stay as they
      // are while it holds any (as Marathon: wipe the tasks or remove the app first).
      if (
        prev &&
        this.claims.of(prev.id).length > 0 &&
        JSON.stringify(persistentVolumesOf(prev)) !== JSON.stringify(persistentVolumesOf(input))
      )
        throw invalid([
          {
            path: '/container/volumes',
            errors: [
              'persistent volumes cannot be changed while the app holds them: wipe its tasks (?wipe=true) or remove the app first',
            ],
          },
        ]);
      const copy = structuredClone(input);
      this.assignServicePorts(copy, prev);
      const restart = change.restart?.includes(input.id);
      const configChanged = !prev || restart || configKey(prev) !== configKey(copy);
      const app: AppDefinition = {
        ...copy,
        version,
        versionInfo: {
          lastScalingAt: version,
          lastConfigChangeAt: configChanged ? version : prev.versionInfo.lastConfigChangeAt,
        },
      };
      next.set(app.id, app);
      target.push(app);
    }
    // Groups' dependencies hold for the apps inside them (those of the change, once applied).
    const groupsNext = new Map(this.groups);
    for (const g of change.groups ?? []) groupsNext.set(g.id, g);
    for (const g of change.removeGroups ?? []) groupsNext.delete(g);
    const deps = (a: AppDefinition) => effectiveDependencies(a, groupsNext.values());
    const cycle = cycleViolation([...next.values()].map((a) => ({ ...a, dependencies: deps(a) })));
    if (cycle) throw invalid([cycle]);
    const planned = (a: AppDefinition) => ({
      id: a.id,
      instances: a.instances,
      configKey: a.versionInfo.lastConfigChangeAt,
      dependencies: deps(a),
    });
    const originalApps = affected
      .map((id) => this.apps.get(id))
      .filter((a): a is AppDefinition => Boolean(a));
    const steps = planDeployment(
      originalApps.map(planned),
      [...next.values()].filter((a) => affected.includes(a.id)).map(planned),
    );
    const d: DeploymentRecord = {
      id: randomUUID(),
      version,
      steps,
      currentStep: 0,
      affectedApps: affected,
      original: Object.fromEntries(affected.map((id) => [id, this.apps.get(id) ?? null])),
      target: Object.fromEntries(affected.map((id) => [id, next.get(id) ?? null])),
    };
    return { version, affected, target, steps, d };
  }

  /** The deployment plan a change would start (`dryRun=true`), in Marathon's plan JSON. */
  dryRun(change: Change): Record<string, unknown> {
    return planJson(this.prepare(change).d);
  }

  /** Validate, store and start a deployment for a change of apps (the one way state changes). */
  async deploy(change: Change, force: boolean): Promise<DeploymentResult> {
    const { version, affected, target, steps, d } = this.prepare(change);
    const blocking = this.blockingDeployments(affected).filter((b) =>
      b.affectedApps.some((a) => affected.includes(a)),
    );
    if (blocking.length && !force)
      throw conflict(
        `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.`,
        { deployments: blocking.map((b) => ({ id: b.id })) },
      );
    // Stored first: the answer promises the change survives a restart.
    await this.repo.saveApps(target, change.remove, change.groups ?? [], change.removeGroups ?? []);
    if (steps.length) await this.repo.saveDeployment(d);
    for (const b of blocking) await this.cancelDeployment(b.id, false);
    for (const id of change.remove) {
      this.claims.releaseApp(id);
      this.apps.delete(id);
      this.backoff.delete(id);
      this.offerStats.delete(id);
      this.queueSince.delete(id);
    }
    for (const id of change.remove) this.publishApp('APP_REMOVED', id, version, {}, 0);
    for (const a of target) {
      this.publishApp(
        this.apps.has(a.id) ? 'APP_UPDATED' : 'APP_ADDED',
        a.id,
        a.version,
        a.labels,
        a.instances,
      );
      this.apps.set(a.id, a);
      if (a.versionInfo.lastConfigChangeAt === version) this.backoff.delete(a.id);
    }
    for (const g of change.groups ?? []) this.groups.set(g.id, g);
    for (const g of change.removeGroups ?? []) this.groups.delete(g);
    for (const t of change.killTasks ?? []) await this.killInstance(instanceIdOfTask(t), 'scale');
    if (steps.length) {
      this.deployments.set(d.id, d);
      this.events.publish('deployment_info', {
        plan: planJson(d),
        currentStep: stepJson(steps[0]),
      });
    } else this.events.publish('deployment_success', { id: d.id, plan: planJson(d) });
    this.events.publish('group_change_success', { groupId: '/', version });
    void this.tick();
    return { deploymentId: d.id, version };
  }

  /** Forget a deployment (force=true cancel); apps keep their current definitions. */
  async cancelDeployment(id: string, announce = true): Promise<void> {
    const d = this.deployments.get(id);
    if (!d) return;
    this.deployments.delete(id);
    await this.repo.removeDeployment(id);
    if (announce)
      this.events.publish('deployment_failed', { id, plan: planJson(d), reason: 'canceled' });
  }

  /** Roll a deployment back: a new deployment to the definitions before it. */
  async rollback(id: string): Promise<DeploymentResult> {
    const d = this.deployments.get(id);
    if (!d) throw notFound(`DeploymentPlan ${id} does not exist`);
    const put: AppInput[] = [];
    const remove: string[] = [];
    for (const [appId, before] of Object.entries(d.original)) {
      if (before) {
        const { version: _v, versionInfo: _vi, ...input } = before;
        void _v;
        void _vi;
        put.push(input);
      } else remove.push(appId);
    }
    await this.cancelDeployment(id);
    return this.deploy({ put, remove }, true);
  }

  async resetDelay(appId: string): Promise<void> {
    this.backoff.delete(appId);
  }

  // ---------------------------------------------------------------- views

  delayOf(appId: string, now = Date.now()): { timeLeftSeconds: number; overdue: boolean } {
    const b = this.backoff.get(appId);
    const left = b ? Math.max(0, Math.ceil((b.delayUntil - now) / 1000)) : 0;
    return { timeLeftSeconds: left, overdue: left === 0 };
  }

  queue(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const app of this.apps.values()) {
      const waiting = this.instancesOf(app.id).filter((i) => i.state === 'scheduled' && !i.killing);
      if (waiting.length === 0) {
        this.queueSince.delete(app.id);
        continue;
      }
      const s = this.stats(app.id);
      const summary = (m: Map<NoOfferMatchReason, number>, processed: number) =>
        NO_OFFER_MATCH_REASONS.map((reason) => ({
          reason,
          declined: m.get(reason) ?? 0,
          processed,
        }));
      out.push({
        count: waiting.length,
        delay: this.delayOf(app.id),
        since: this.queueSince.get(app.id) ?? waiting[0].scheduledAt,
        processedOffersSummary: {
          processedOffersCount: s.processedOffersCount,
          unusedOffersCount: s.unusedOffersCount,
          ...(s.lastUnusedOfferAt ? { lastUnusedOfferAt: s.lastUnusedOfferAt } : {}),
          ...(s.lastUsedOfferAt ? { lastUsedOfferAt: s.lastUsedOfferAt } : {}),
          rejectSummaryLastOffers: summary(s.lastOffers, s.lastOfferCount),
          rejectSummaryLaunchAttempt: summary(s.lastOffers, s.lastOfferCount),
        },
        lastUnusedOffers: s.lastUnusedOffers,
        role: app.role ?? this.config.MARATHON_MESOS_ROLE,
        app: appJson(app),
      });
    }
    return out;
  }
}

function conditionOf(state: Instance['state']): string {
  if (state === 'scheduled') return 'Scheduled';
  const m: Record<string, string> = {
    TASK_STAGING: 'Staging',
    TASK_STARTING: 'Starting',
    TASK_RUNNING: 'Running',
    TASK_KILLING: 'Killing',
    TASK_FINISHED: 'Finished',
    TASK_FAILED: 'Failed',
    TASK_KILLED: 'Killed',
    TASK_ERROR: 'Error',
    TASK_LOST: 'Gone',
    TASK_DROPPED: 'Dropped',
    TASK_UNREACHABLE: 'Unreachable',
    TASK_GONE: 'Gone',
    TASK_GONE_BY_OPERATOR: 'GoneByOperator',
    TASK_UNKNOWN: 'Unknown',
  };
  return m[state] ?? 'Unknown';
}

/** The agent's IP from the offer's URL (Mesos `Offer.url.address.ip`), else its host name. */
function offerIp(offer: Offer): string {
  const ip = (offer.url as { address?: { ip?: string } } | undefined)?.address?.ip;
  return ip ?? offer.hostname;
}

function agentViewOf(offer: Offer): AgentView {
  const attributes: Record<string, string> = {};
  for (const a of offer.attributes ?? []) {
    if (a.text) attributes[a.name] = a.text.value;
    else if (a.scalar) attributes[a.name] = String(a.scalar.value);
    else if (a.set) attributes[a.name] = `{${a.set.item.join(',')}}`;
    else if (a.ranges)
      attributes[a.name] = `[${a.ranges.range.map((r) => `${r.begin}-${r.end}`).join(',')}]`;
  }
  const domain = (
    offer as {
      domain?: { fault_domain?: { region?: { name?: string }; zone?: { name?: string } } };
    }
  ).domain;
  return {
    agentId: offer.agent_id.value,
    hostname: offer.hostname,
    attributes,
    region: domain?.fault_domain?.region?.name,
    zone: domain?.fault_domain?.zone?.name,
  };
}

export function stepJson(step: PlanStep): Record<string, unknown> {
  return { actions: step.actions.map((a) => ({ action: a.action, app: a.app })) };
}

export function planJson(d: DeploymentRecord): Record<string, unknown> {
  // Marathon's plan in events: id, version, steps, original, target (no affectedApps: clients
  // such as marathon-python build their plan object from exactly these keys).
  return {
    id: d.id,
    version: d.version,
    steps: d.steps.map(stepJson),
    original: {
      id: '/',
      apps: Object.values(d.original)
        .filter(Boolean)
        .map((a) => appJson(a as AppDefinition)),
    },
    target: {
      id: '/',
      apps: Object.values(d.target)
        .filter(Boolean)
        .map((a) => appJson(a as AppDefinition)),
    },
  };
}

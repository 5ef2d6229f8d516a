import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Subscription } from 'nats';
import {
  SchedulerCallReplyContract,
  SchedulerEventContract,
  SchedulerKeepaliveContract,
  subjectFor,
  type SchedulerCall,
  type SchedulerEvent,
} from '@dcos/contracts';
import { NatsClient, NatsRequestError } from '@dcos/nats';
import {
  applyChange,
  expireOperations,
  onOperationStatus,
  planOffers,
  wantsOffers,
  type OfferView,
  type OperationStatus,
  type PlannedVolume,
  type VolumeChange,
} from '@dcos/storage-plan';
import { SettingEntity, VolumeEntity } from './entities';
import { DSS_CONFIG, type DssSettings } from './tokens';

export const FRAMEWORK_NAME = 'storage';

export function plannedFromRow(r: VolumeEntity): PlannedVolume {
  const plan = r.plan as Partial<PlannedVolume>;
  return {
    name: r.name,
    assetId: r.assetId,
    capacityMb: r.capacityMb,
    profile: r.profile,
    type: r.type as 'MOUNT' | 'BLOCK',
    eligible: plan.eligible ?? [],
    state: r.state as PlannedVolume['state'],
    pinned: plan.pinned,
    attempts: plan.attempts ?? 0,
    operationSentAt: plan.operationSentAt,
    resource: plan.resource,
    message: r.message ?? undefined,
  };
}

export function planOf(v: PlannedVolume): object {
  const { eligible, pinned, attempts, operationSentAt, resource } = v;
  return JSON.parse(
    JSON.stringify({ eligible, pinned, attempts, operationSentAt, resource }),
  ) as Record<string, unknown>;
}

/**
 * DSS as a Mesos framework over the master's internal scheduler API (NATS): subscribes,
 * turns offers into CREATE_DISK / DESTROY_DISK with @dcos/storage-plan, follows operation
 * status updates, persists every volume change before acting on the next event.
 */
@Injectable()
export class StorageFramework implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('framework');
  readonly volumes = new Map<string, PlannedVolume>();
  frameworkId?: string;
  private streamId?: string;
  private events?: Subscription;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private heartbeatMs = 15_000;
  private lastKeepalive = 0;
  private suppressed = false;
  private work: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly nats: NatsClient,
    private readonly ds: DataSource,
    @Inject(DSS_CONFIG) private readonly config: DssSettings,
  ) {}

  get subscribed(): boolean {
    return this.streamId !== undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const r of await this.ds.getRepository(VolumeEntity).find())
      this.volumes.set(r.name, plannedFromRow(r));
    const id = await this.ds.getRepository(SettingEntity).findOneBy({ key: 'framework_id' });
    this.frameworkId = id?.value;
    this.timer = setInterval(() => void this.serial(() => this.tick()), 1_000);
    void this.serial(() => this.tick());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.events?.unsubscribe();
  }

  /** One event at a time: decisions depend on the state the previous one left. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.work
      .then(fn)
      .catch((e: unknown) => this.logger.warn(`framework: ${(e as Error).message}`));
    this.work = next;
    return next;
  }

  /** A volume was added or changed through the API. */
  track(v: PlannedVolume): void {
    this.volumes.set(v.name, v);
    // REVIVE also clears the refuse filters of earlier declines: new work must see offers now.
    void this.serial(() => this.reviveIfNeeded(true));
  }

  forget(name: string): void {
    this.volumes.delete(name);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (!this.streamId) {
      await this.subscribe().catch((e: unknown) =>
        this.logger.debug(`subscribe: ${(e as Error).message}`),
      );
      return;
    }
    const now = Date.now();
    const expired = expireOperations(
      [...this.volumes.values()],
      now,
      this.config.DSS_OPERATION_TIMEOUT_MS,
    );
    await this.apply(expired);
    if (now - this.lastKeepalive >= this.heartbeatMs / 2) {
      this.lastKeepalive = now;
      if (this.frameworkId)
        this.nats.publish(
          this.nats.subjects.masterSchedulerKeepalive,
          { framework_id: { value: this.frameworkId }, stream_id: this.streamId },
          SchedulerKeepaliveContract,
        );
    }
    await this.reviveIfNeeded();
  }

  /** Events that arrived between SUBSCRIBE and its answer, replayed once subscribed. */
  private early: SchedulerEvent[] = [];

  private async subscribe(): Promise<void> {
    // Events first, under an id chosen now (Mesos lets a framework name its id): offers the
    // master sends right after SUBSCRIBED must not fall between SUBSCRIBE and our listener —
    // an offer nobody answers is held by us for good and starves every other framework.
    const id = this.frameworkId ?? `${randomUUID()}-0000`;
    this.events?.unsubscribe();
    this.events = this.nats.subscribe<SchedulerEvent>(
      subjectFor(this.nats.prefix, 'frameworkEvents', id),
      (ev) => {
        // Until SUBSCRIBE has answered we have no stream id to answer offers with: hold them.
        if (!this.streamId) this.early.push(ev);
        else void this.serial(() => this.onEvent(ev));
      },
      { input: SchedulerEventContract },
    );
    this.early = [];
    const reply = await this.nats.request(
      this.nats.subjects.masterSchedulerCall,
      {
        call: {
          type: 'SUBSCRIBE',
          subscribe: {
            framework_info: {
              user: 'root',
              name: FRAMEWORK_NAME,
              id: { value: id },
              roles: [this.config.DSS_ROLE],
              failover_timeout: 7 * 24 * 3600,
              checkpoint: true,
              principal: 'storage-principal',
              capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
            },
          },
        },
      },
      { timeoutMs: 5_000, answer: SchedulerCallReplyContract },
    );
    const assigned = reply.subscribed?.framework_id.value;
    if (!assigned || !reply.stream_id)
      throw new Error('SUBSCRIBE answered without framework id or stream id');
    if (assigned !== id) throw new Error(`the master assigned framework id ${assigned}, not ${id}`);
    this.frameworkId = id;
    this.streamId = reply.stream_id;
    if (reply.subscribed?.heartbeat_interval_seconds)
      this.heartbeatMs = reply.subscribed.heartbeat_interval_seconds * 1000;
    await this.ds.getRepository(SettingEntity).save({ key: 'framework_id', value: id });
    this.logger.log(`subscribed as framework ${id}`);
    for (const ev of this.early.splice(0)) void this.serial(() => this.onEvent(ev));
    // A fresh subscription is unsuppressed on the master: say now whether we want offers.
    this.suppressed = !wantsOffers([...this.volumes.values()]);
    await this.call(
      this.suppressed
        ? { type: 'SUPPRESS', suppress: { roles: [this.config.DSS_ROLE] } }
        : { type: 'REVIVE', revive: { roles: [this.config.DSS_ROLE] } },
    );
  }

  private async call(call: Omit<SchedulerCall, 'framework_id'>): Promise<void> {
    if (!this.streamId || !this.frameworkId) return;
    try {
      await this.nats.request(
        this.nats.subjects.masterSchedulerCall,
        { stream_id: this.streamId, call: { ...call, framework_id: { value: this.frameworkId } } },
        { timeoutMs: 5_000 },
      );
    } catch (e) {
      // Not subscribed any more (master failover, stream replaced): subscribe again.
      if (
        e instanceof NatsRequestError &&
        (e.code === 'FORBIDDEN' || e.code === '503' || e.code === 'NOT_FOUND')
      )
        this.streamId = undefined;
      throw e;
    }
  }

  private async reviveIfNeeded(force = false): Promise<void> {
    if (!this.streamId) return;
    const want = wantsOffers([...this.volumes.values()]);
    if (want && (this.suppressed || force)) {
      this.suppressed = false;
      await this.call({ type: 'REVIVE', revive: { roles: [this.config.DSS_ROLE] } });
    } else if (!want && !this.suppressed) {
      this.suppressed = true;
      await this.call({ type: 'SUPPRESS', suppress: { roles: [this.config.DSS_ROLE] } });
    }
  }

  private async onEvent(ev: SchedulerEvent): Promise<void> {
    switch (ev.type) {
      case 'OFFERS': {
        const offers = (ev.offers?.offers ?? []) as unknown as OfferView[];
        const decision = planOffers([...this.volumes.values()], offers, Date.now());
        // Persist first: after a crash the operation id (= asset id) is known and reused.
        await this.apply(decision.changes);
        for (const a of decision.accepts)
          await this.call({
            type: 'ACCEPT',
            accept: {
              offer_ids: [{ value: a.offerId }],
              operations: a.operations as never,
              filters: { refuse_seconds: 1 },
            },
          });
        if (decision.declines.length)
          await this.call({
            type: 'DECLINE',
            decline: {
              offer_ids: decision.declines.map((value) => ({ value })),
              filters: { refuse_seconds: wantsOffers([...this.volumes.values()]) ? 1 : 30 },
            },
          });
        return;
      }
      case 'UPDATE_OPERATION_STATUS': {
        const status = (ev as { update_operation_status?: { status?: OperationStatus } })
          .update_operation_status?.status;
        if (!status) return;
        const change = onOperationStatus([...this.volumes.values()], status);
        if (change) await this.apply([change]);
        if (status.uuid && status.agent_id)
          await this.call({
            type: 'ACKNOWLEDGE_OPERATION_STATUS',
            acknowledge_operation_status: {
              agent_id: status.agent_id,
              ...(status.resource_provider_id
                ? { resource_provider_id: status.resource_provider_id }
                : {}),
              uuid: status.uuid,
              operation_id: status.operation_id,
            },
          } as never);
        return;
      }
      case 'ERROR':
        this.logger.warn(`master: ${ev.error?.message ?? 'error'}; subscribing again`);
        this.streamId = undefined;
        return;
      default:
        return;
    }
  }

  private async apply(changes: VolumeChange[]): Promise<void> {
    const repo = this.ds.getRepository(VolumeEntity);
    for (const c of changes) {
      const cur = this.volumes.get(c.name);
      if (!cur) continue;
      const next = applyChange(cur, c);
      if (next.state === 'REMOVED') {
        await repo.delete({ name: c.name });
        this.volumes.delete(c.name);
        this.logger.log(`volume ${c.name} removed`);
        continue;
      }
      await repo.update(
        { name: c.name },
        {
          state: next.state,
          plan: planOf(next),
          message: next.message ?? null,
          updatedAt: new Date(),
        },
      );
      this.volumes.set(c.name, next);
      if (next.state !== cur.state)
        this.logger.log(`volume ${c.name}: ${cur.state} → ${next.state}`);
    }
  }
}

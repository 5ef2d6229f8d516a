import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'nats';
import {
  SchedulerCallReplyContract,
  SchedulerEventContract,
  SchedulerKeepaliveContract,
  subjectFor,
  type FrameworkInfo,
  type OfferOperation,
  type SchedulerCall,
  type SchedulerEvent,
  type TaskStatus,
} from '@dcos/contracts';
import { NatsClient, NatsRequestError } from '@dcos/nats';

export interface DriverHandlers {
  /** (Re-)subscribed; `frameworkId` is stored before this is called. */
  subscribed(frameworkId: string): void;
  offers(event: SchedulerEvent): void;
  rescind(offerId: string): void;
  /** A status update; the driver acknowledges it after this returns. */
  update(status: TaskStatus): void | Promise<void>;
  failure(event: SchedulerEvent): void;
}

export interface DriverOptions {
  frameworkInfo: FrameworkInfo;
  loadFrameworkId(): string | undefined;
  saveFrameworkId(id: string | undefined): Promise<void>;
  handlers: DriverHandlers;
  /** Re-subscribe when nothing arrived from the master for this many heartbeat intervals. */
  missedHeartbeats?: number;
}

/**
 * Marathon's side of the Mesos v1 scheduler API over NATS, in one place: SUBSCRIBE (with the
 * stored framework id after a restart), keepalives each heartbeat interval, re-subscribe when
 * the master goes quiet or forgets us, ACKNOWLEDGE of every update with a uuid, and the calls
 * (ACCEPT, DECLINE, REVIVE, SUPPRESS, KILL, RECONCILE).
 */
export class SchedulerDriver {
  private readonly logger = new Logger('driver');
  private frameworkId?: string;
  private streamId?: string;
  private sub?: Subscription;
  private keepalive?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private lastEventAt = Date.now();
  private heartbeatSeconds = 15;
  private subscribing?: Promise<void>;
  private stopped = false;
  /** Events that arrived before the SUBSCRIBE reply (offers come right after SUBSCRIBED). */
  private pending: SchedulerEvent[] = [];

  constructor(
    private readonly nats: NatsClient,
    private readonly o: DriverOptions,
  ) {}

  get subscribedId(): string | undefined {
    return this.streamId ? this.frameworkId : undefined;
  }

  start(): void {
    this.frameworkId = this.o.loadFrameworkId();
    void this.resubscribe();
    this.watchdog = setInterval(() => {
      const quiet = Date.now() - this.lastEventAt;
      const limit = this.heartbeatSeconds * 1000 * (this.o.missedHeartbeats ?? 3);
      if (this.streamId && quiet > limit) {
        this.logger.warn(`no event from the master for ${quiet} ms: re-subscribing`);
        this.streamId = undefined;
        void this.resubscribe();
      }
    }, 1_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.keepalive) clearInterval(this.keepalive);
    if (this.watchdog) clearInterval(this.watchdog);
    this.sub?.unsubscribe();
  }

  /** Subscribe until it works (the master may not be up yet). */
  resubscribe(): Promise<void> {
    this.subscribing ??= (async () => {
      let delay = 250;
      while (!this.stopped) {
        try {
          await this.subscribeOnce();
          return;
        } catch (e) {
          this.logger.warn(`SUBSCRIBE failed: ${(e as Error).message}; retrying`);
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 3_000);
        }
      }
    })().finally(() => (this.subscribing = undefined));
    return this.subscribing;
  }

  private listen(subject: string): void {
    this.sub?.unsubscribe();
    this.pending = [];
    const onEvent = (event: SchedulerEvent) => {
      // Calls need our stream id, which only the SUBSCRIBE reply brings: hold events till then.
      if (!this.streamId && event.type !== 'ERROR') this.pending.push(event);
      else void this.dispatch(event);
    };
    this.sub = this.nats.subscribe<SchedulerEvent>(subject, onEvent, {
      input: SchedulerEventContract,
      onInvalid: (e) => this.logger.warn(`bad event: ${e.message}`),
    });
  }

  private async subscribeOnce(): Promise<void> {
    const prefix = this.nats.prefix;
    // The id is ours to choose (the master accepts an unknown id as a new framework): stored
    // first, so events can be listened to on our own subject before SUBSCRIBE, none missed.
    if (!this.frameworkId) {
      this.frameworkId = `${randomUUID()}-0000`;
      await this.o.saveFrameworkId(this.frameworkId);
    }
    const id = this.frameworkId;
    this.listen(subjectFor(prefix, 'frameworkEvents', id));
    await this.nats.connection.flush();
    const info: FrameworkInfo = { ...this.o.frameworkInfo, id: { value: id } };
    let reply;
    try {
      reply = await this.nats.request(
        this.nats.subjects.masterSchedulerCall,
        { call: { type: 'SUBSCRIBE', subscribe: { framework_info: info } } },
        { answer: SchedulerCallReplyContract, timeoutMs: 5_000 },
      );
    } catch (e) {
      // The master refuses this framework (torn down): start over as a new one.
      if (
        e instanceof NatsRequestError &&
        /unknown framework|removed|torn down|completed/i.test(e.message)
      ) {
        this.logger.warn(`framework ${id} is gone: subscribing as a new framework`);
        this.frameworkId = undefined;
        await this.o.saveFrameworkId(undefined);
      }
      throw e;
    }
    const got = reply.subscribed?.framework_id.value;
    if (!got || !reply.stream_id)
      throw new Error('SUBSCRIBE reply lacks framework_id or stream_id');
    if (got !== id) throw new Error(`SUBSCRIBE answered framework ${got}, asked for ${id}`);
    this.streamId = reply.stream_id;
    this.heartbeatSeconds = reply.subscribed?.heartbeat_interval_seconds ?? 15;
    this.lastEventAt = Date.now();
    this.startKeepalive();
    this.logger.log(`subscribed as framework ${id}`);
    this.o.handlers.subscribed(id);
    const held = this.pending;
    this.pending = [];
    for (const e of held) await this.dispatch(e);
  }

  private startKeepalive(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = setInterval(() => {
      if (!this.frameworkId || !this.streamId) return;
      const payload = SchedulerKeepaliveContract.parse({
        framework_id: { value: this.frameworkId },
        stream_id: this.streamId,
      });
      // The master answers `{known}`; known=false means it lost our stream: subscribe again.
      void this.nats
        .request<unknown, { known?: boolean }>(
          this.nats.subjects.masterSchedulerKeepalive,
          payload,
          {
            timeoutMs: this.heartbeatSeconds * 1000,
          },
        )
        .then((r) => {
          if (r && r.known === false && this.streamId === payload.stream_id) {
            this.logger.warn('the master does not know our stream: re-subscribing');
            this.streamId = undefined;
            void this.resubscribe();
          }
        })
        .catch(() => undefined);
    }, this.heartbeatSeconds * 1000);
  }

  private async dispatch(event: SchedulerEvent): Promise<void> {
    this.lastEventAt = Date.now();
    const h = this.o.handlers;
    switch (event.type) {
      case 'SUBSCRIBED':
        if (event.subscribed?.heartbeat_interval_seconds)
          this.heartbeatSeconds = event.subscribed.heartbeat_interval_seconds;
        return;
      case 'OFFERS':
        return h.offers(event);
      case 'RESCIND':
        if (event.rescind) h.rescind(event.rescind.offer_id.value);
        return;
      case 'UPDATE': {
        const status = event.update?.status;
        if (!status) return;
        await h.update(status);
        if (status.uuid && status.agent_id)
          await this.call({
            type: 'ACKNOWLEDGE',
            acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
          }).catch((e) => this.logger.warn(`ACKNOWLEDGE failed: ${(e as Error).message}`));
        return;
      }
      case 'FAILURE':
        return h.failure(event);
      case 'ERROR':
        // Over NATS every stream of a framework shares one subject: an ERROR while we subscribe
        // ("Framework failed over") is the master closing our previous stream, not this one.
        if (this.subscribing) return;
        this.logger.error(`master error: ${event.error?.message ?? ''}`);
        this.streamId = undefined;
        void this.resubscribe();
        return;
      default:
        return;
    }
  }

  /** Send a call on our stream; a master that lost our subscription makes us re-subscribe. */
  async call(call: Omit<SchedulerCall, 'framework_id'>): Promise<void> {
    if (!this.frameworkId || !this.streamId) throw new Error('not subscribed to the master');
    try {
      await this.nats.request(
        this.nats.subjects.masterSchedulerCall,
        { stream_id: this.streamId, call: { ...call, framework_id: { value: this.frameworkId } } },
        { answer: SchedulerCallReplyContract, timeoutMs: 5_000 },
      );
    } catch (e) {
      if (
        e instanceof NatsRequestError &&
        (e.code === '403' || e.code === 'FORBIDDEN' || /not subscribed|stream/i.test(e.message))
      ) {
        this.streamId = undefined;
        void this.resubscribe();
      }
      throw e;
    }
  }

  accept(offerIds: string[], operations: OfferOperation[], refuseSeconds = 5): Promise<void> {
    return this.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: offerIds.map((value) => ({ value })),
        operations,
        filters: { refuse_seconds: refuseSeconds },
      },
    });
  }
  decline(offerIds: string[], refuseSeconds: number): Promise<void> {
    return this.call({
      type: 'DECLINE',
      decline: {
        offer_ids: offerIds.map((value) => ({ value })),
        filters: { refuse_seconds: refuseSeconds },
      },
    });
  }
  revive(): Promise<void> {
    return this.call({ type: 'REVIVE', revive: {} });
  }
  suppress(): Promise<void> {
    return this.call({ type: 'SUPPRESS', suppress: {} });
  }
  kill(taskId: string, agentId?: string, gracePeriodSeconds?: number): Promise<void> {
    return this.call({
      type: 'KILL',
      kill: {
        task_id: { value: taskId },
        ...(agentId ? { agent_id: { value: agentId } } : {}),
        ...(gracePeriodSeconds !== undefined
          ? { kill_policy: { grace_period: { nanoseconds: gracePeriodSeconds * 1e9 } } }
          : {}),
      },
    });
  }
  reconcile(tasks: { taskId: string; agentId?: string }[]): Promise<void> {
    return this.call({
      type: 'RECONCILE',
      reconcile: {
        tasks: tasks.map((t) => ({
          task_id: { value: t.taskId },
          ...(t.agentId ? { agent_id: { value: t.agentId } } : {}),
        })),
      },
    });
  }
}

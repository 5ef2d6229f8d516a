/**
 * A minimal internal framework on the master's NATS scheduler API (as Marathon and DSS
 * talk to it): SUBSCRIBE with an id of our choosing, keepalives, ACCEPT of every offer
 * with as many small tasks as fit until `target` tasks are launched, DECLINE of the rest,
 * ACKNOWLEDGE of every update. Counts tasks per state; `teardown()` ends it (the master
 * kills its tasks).
 */
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'nats';
import { subjectFor, type SchedulerEvent, type TaskState } from '@dcos/contracts';
import type { NatsClient } from '@dcos/nats';
import { poll } from './poll';

export interface TaskShape {
  cpus: number;
  mem: number;
  command: string;
}

interface Scalar {
  name: string;
  type?: string;
  role?: string;
  scalar?: { value: number };
}

interface Offer {
  id: { value: string };
  agent_id: { value: string };
  resources: Scalar[];
}

export class BenchFramework {
  readonly id = `bench-fw-${randomUUID()}`;
  private streamId?: string;
  private sub?: Subscription;
  private keepalive?: NodeJS.Timeout;
  private target = 0;
  private launched = 0;
  private seq = 0;
  readonly states = new Map<string, TaskState>();
  readonly counts = new Map<TaskState, number>();
  /** First time every launched task was RUNNING (ms, performance.now()). */
  allRunningAt?: number;
  errors: string[] = [];
  /** Launches dropped because their offer was rescinded (launched again). */
  dropped = 0;
  rescinded = 0;
  lastDrop?: string;
  maxEventBytes = 0;
  private early: SchedulerEvent[] = [];
  private queued: (() => Promise<void>)[] = [];
  private inFlight = 0;
  maxInFlight = 128;
  private reviving = false;

  constructor(
    private readonly nats: NatsClient,
    private readonly shape: TaskShape,
    private readonly name = 'bench',
  ) {}

  get launchedTasks(): number {
    return this.launched;
  }

  count(state: TaskState): number {
    return this.counts.get(state) ?? 0;
  }

  async subscribe(): Promise<void> {
    const subject = subjectFor(this.nats.prefix, 'frameworkEvents', this.id);
    this.sub = this.nats.subscribe<SchedulerEvent>(
      subject,
      (e, msg) => {
        this.maxEventBytes = Math.max(this.maxEventBytes, msg.data.length);
        // Events may overtake the SUBSCRIBE reply: calls need its stream id.
        if (this.streamId) this.onEvent(e);
        else this.early.push(e);
      },
      {
        onInvalid: (e) => this.errors.push(e.message),
      },
    );
    await this.nats.connection.flush();
    const reply = await this.nats.request<unknown, { stream_id?: string }>(
      this.nats.subjects.masterSchedulerCall,
      {
        call: {
          type: 'SUBSCRIBE',
          subscribe: {
            framework_info: {
              id: { value: this.id },
              name: this.name,
              user: 'root',
              roles: ['*'],
              capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
            },
          },
        },
      },
      { timeoutMs: 10_000 },
    );
    if (!reply.stream_id) throw new Error('SUBSCRIBE answered without a stream_id');
    this.streamId = reply.stream_id;
    for (const e of this.early.splice(0)) this.onEvent(e);
    this.keepalive = setInterval(() => {
      this.nats
        .request(
          this.nats.subjects.masterSchedulerKeepalive,
          { framework_id: { value: this.id }, stream_id: this.streamId },
          { timeoutMs: 10_000 },
        )
        .catch(() => undefined);
    }, 5_000);
  }

  /** Launch `n` more tasks from the offers to come (REVIVE so offers come now). */
  async launch(n: number): Promise<void> {
    this.target += n;
    await this.call({ type: 'REVIVE', revive: {} });
  }

  /** Resolves when every task asked for is RUNNING. */
  async waitAllRunning(timeoutMs: number): Promise<void> {
    await poll(
      () => `${this.target} tasks RUNNING (now ${this.count('TASK_RUNNING')})`,
      () => {
        if (this.errors.length > 0) throw new Error(this.errors.slice(0, 3).join('; '));
        return this.allRunningAt !== undefined;
      },
      { timeoutMs, intervalMs: 20 },
    );
  }

  async teardown(): Promise<void> {
    if (this.keepalive) clearInterval(this.keepalive);
    try {
      if (this.streamId) await this.call({ type: 'TEARDOWN' });
    } finally {
      this.sub?.unsubscribe();
      this.streamId = undefined;
    }
  }

  private reviveSoon(): void {
    if (this.reviving) return;
    this.reviving = true;
    setTimeout(() => {
      this.reviving = false;
      void this.call({ type: 'REVIVE', revive: {} }).catch(() => undefined);
    }, 50);
  }

  /**
   * At most `maxInFlight` calls wait for an answer; the rest queue here. A real scheduler
   * client paces itself too, and an unbounded burst (10,000 ACCEPT/ACKNOWLEDGE requests at
   * once) only measures how long the master's inbound queue gets.
   */
  private call(call: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queued.push(() =>
        this.nats
          .request(
            this.nats.subjects.masterSchedulerCall,
            { stream_id: this.streamId, call: { framework_id: { value: this.id }, ...call } },
            { timeoutMs: 30_000 },
          )
          .then(resolve, reject),
      );
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queued.length > 0) {
      const next = this.queued.shift() as () => Promise<void>;
      this.inFlight++;
      void next().finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private onEvent(e: SchedulerEvent): void {
    const ev = e as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (ev['type'] === 'OFFERS') this.onOffers(ev['offers'].offers as Offer[]);
    else if (ev['type'] === 'UPDATE') this.onUpdate(ev['update'].status);
    else if (ev['type'] === 'RESCIND') this.rescinded++;
    else if (ev['type'] === 'ERROR') this.errors.push(`ERROR event: ${ev['error']?.message}`);
  }

  private onOffers(offers: Offer[]): void {
    for (const o of offers) {
      const scalar = (n: string) =>
        o.resources
          .filter((r) => r.name === n && r.scalar)
          .reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
      const fit = Math.floor(
        Math.min(scalar('cpus') / this.shape.cpus, scalar('mem') / this.shape.mem) + 1e-9,
      );
      const n = Math.min(fit, this.target - this.launched);
      if (n <= 0) {
        void this.call({
          type: 'DECLINE',
          decline: { offer_ids: [o.id], filters: { refuse_seconds: 3600 } },
        }).catch((err: Error) => this.errors.push(`DECLINE: ${err.message}`));
        continue;
      }
      const tasks = Array.from({ length: n }, () => {
        const id = `t${this.seq++}-${this.id.slice(-8)}`;
        this.states.set(id, 'TASK_STAGING');
        this.counts.set('TASK_STAGING', this.count('TASK_STAGING') + 1);
        return {
          name: id,
          task_id: { value: id },
          agent_id: o.agent_id,
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: this.shape.cpus } },
            { name: 'mem', type: 'SCALAR', scalar: { value: this.shape.mem } },
          ],
          command: { value: this.shape.command, shell: true },
        };
      });
      this.launched += n;
      void this.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [o.id],
          operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
          filters: { refuse_seconds: 3600 },
        },
      }).catch((err: Error) => this.errors.push(`ACCEPT: ${err.message}`));
    }
  }

  private onUpdate(status: {
    task_id: { value: string };
    agent_id?: { value: string };
    state: TaskState;
    uuid?: string;
    message?: string;
  }): void {
    const id = status.task_id.value;
    const before = this.states.get(id);
    const changed = before !== status.state;
    if (changed) {
      if (before) this.counts.set(before, this.count(before) - 1);
      this.counts.set(status.state, (this.counts.get(status.state) ?? 0) + 1);
      this.states.set(id, status.state);
    }
    if (
      changed &&
      ['TASK_DROPPED', 'TASK_LOST'].includes(status.state) &&
      before === 'TASK_STAGING'
    ) {
      // The offer went away before the launch (rescinded): Mesos semantics, launch again.
      this.dropped++;
      this.launched--;
      this.lastDrop = `${status.state} ${status.message ?? ''}`;
      this.reviveSoon();
    } else if (
      changed &&
      ['TASK_ERROR', 'TASK_FAILED', 'TASK_LOST', 'TASK_DROPPED'].includes(status.state)
    ) {
      this.errors.push(`${id}: ${status.state} ${status.message ?? ''}`);
    }
    if (
      this.allRunningAt === undefined &&
      this.target > 0 &&
      this.launched >= this.target &&
      this.count('TASK_RUNNING') >= this.target
    ) {
      this.allRunningAt = performance.now();
    }
    if (status.uuid && this.streamId) {
      void this.call({
        type: 'ACKNOWLEDGE',
        acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
      }).catch(() => undefined);
    }
  }
}

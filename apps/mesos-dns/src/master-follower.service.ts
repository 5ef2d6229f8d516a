import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import {
  AgentEventContract,
  FrameworkEventContract,
  LeaderEventContract,
  ServiceInfoContract,
  TaskEventContract,
  isTerminalTaskState,
  type AgentEvent,
  type FrameworkEvent,
  type LeaderEvent,
  type TaskEvent,
} from '@dcos/contracts';
import type { MesosState, MesosTask } from '@dcos/mesos-dns-records';
import { NatsClient, NatsRequestError } from '@dcos/nats';
import type { Subscription } from 'nats';
import { RecordsService } from './records.service';
import { CONFIG, type MesosDnsConfig } from './settings';

type MasterEvent =
  | { kind: 'task'; e: TaskEvent }
  | { kind: 'agent'; e: AgentEvent }
  | { kind: 'framework'; e: FrameworkEvent }
  | { kind: 'leader'; e: LeaderEvent };

/**
 * Event-driven records (where we differ from Mesos-DNS on purpose): follow the master's
 * task/agent/framework/leader events over NATS so a task resolves the moment it runs.
 * On start and after every NATS reconnect, the full state is loaded from the leading
 * master; events that arrive during a load are buffered and replayed after it, in order,
 * so no gap and no stale snapshot can win. Off when MESOS_DNS_MASTERS selects polling.
 */
@Injectable()
export class MasterFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('master-follower');
  private subs: Subscription[] = [];
  private buffer: MasterEvent[] | undefined;
  private stopped = false;
  private offReconnect?: () => void;
  private loading?: Promise<void>;
  /** Set after the first full load; /health-like checks and tests read it. */
  loaded = false;
  /** The leading master's HTTP API, from its leader events. */
  private leaderUrl?: string;
  lastError?: string;

  constructor(
    @Inject(CONFIG) private readonly config: MesosDnsConfig,
    @Inject(NatsClient) private readonly nats: NatsClient,
    private readonly records: RecordsService,
  ) {}

  get enabled(): boolean {
    return this.config.MESOS_DNS_MASTERS.length === 0;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    const s = this.nats.subjects;
    const invalid = (e: Error) =>
      this.logger.warn(`dropped a malformed master event: ${e.message}`);
    this.subs = [
      this.nats.subscribe(s.masterTaskEvents, (e) => this.onEvent({ kind: 'task', e }), {
        input: TaskEventContract,
        onInvalid: invalid,
      }),
      this.nats.subscribe(s.masterAgentEvents, (e) => this.onEvent({ kind: 'agent', e }), {
        input: AgentEventContract,
        onInvalid: invalid,
      }),
      this.nats.subscribe(s.masterFrameworkEvents, (e) => this.onEvent({ kind: 'framework', e }), {
        input: FrameworkEventContract,
        onInvalid: invalid,
      }),
      this.nats.subscribe(s.masterLeaderEvents, (e) => this.onEvent({ kind: 'leader', e }), {
        input: LeaderEventContract,
        onInvalid: invalid,
      }),
    ];
    this.offReconnect = this.nats.onReconnect(() => void this.reload('NATS reconnected'));
    void this.reload('start');
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.offReconnect?.();
    for (const s of this.subs) s.unsubscribe();
  }

  private onEvent(ev: MasterEvent): void {
    if (this.buffer) this.buffer.push(ev);
    else this.apply(ev);
  }

  /** Load the full state (retrying until a master answers), then replay buffered events. */
  reload(why: string): Promise<void> {
    this.loading ??= this.doReload(why).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async doReload(why: string): Promise<void> {
    this.buffer = [];
    let delay = 200;
    while (!this.stopped) {
      try {
        const state = await this.fetchState();
        if (!state || typeof state !== 'object' || !state.leader)
          throw new Error('the master state has no leader');
        this.records.loadState(state);
        const replay = this.buffer ?? [];
        this.buffer = undefined;
        for (const ev of replay) this.apply(ev);
        if (this.lastError || !this.loaded)
          this.logger.log(`full state loaded from the master (${why})`);
        this.loaded = true;
        this.lastError = undefined;
        return;
      } catch (e) {
        const msg = `cannot load the master state (${why}): ${(e as Error).message}; retrying`;
        if (msg !== this.lastError) this.logger.warn(msg);
        this.lastError = msg;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /**
   * The leader's full state: over NATS, or — when it is larger than a NATS message may be
   * (big clusters) — over the leader's HTTP `/master/state`.
   */
  private async fetchState(): Promise<MesosState> {
    try {
      return await this.nats.request<unknown, MesosState>(
        this.nats.subjects.masterState,
        {},
        { timeoutMs: 5_000 },
      );
    } catch (e) {
      if (!(e instanceof NatsRequestError) || e.code !== 'PAYLOAD_TOO_LARGE') throw e;
    }
    const url = this.leaderUrl ?? (await this.findMasterUrl());
    const res = await fetch(`${url}/master/state`, { signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`${url}/master/state answered HTTP ${res.status}`);
    return (await res.json()) as MesosState;
  }

  /** A master's HTTP URL from the presence ping, when no leader event has named one yet. */
  private async findMasterUrl(): Promise<string> {
    const found = await this.nats.gather(
      this.nats.subjects.servicePing,
      { from: 'mesos-dns' },
      500,
      ServiceInfoContract,
    );
    const master = found.find((i) => i.service === 'master');
    if (!master) throw new Error('no master answered the presence ping');
    return master.http;
  }

  private apply(ev: MasterEvent): void {
    const model = this.records.model;
    switch (ev.kind) {
      case 'task': {
        const { task, framework_name } = ev.e;
        model.noteFramework(task.framework_id, framework_name);
        if (isTerminalTaskState(task.state)) model.removeTask(task.framework_id, task.id);
        // Same /master/state task JSON; the contract only types `discovery` loosely.
        else model.upsertTask(task.framework_id, task as unknown as MesosTask);
        break;
      }
      case 'agent':
        // Mesos lists unreachable agents apart from `slaves`, so they lose their records too.
        if (ev.e.type === 'AGENT_ADDED' || ev.e.type === 'AGENT_REACHABLE')
          model.upsertAgent(ev.e.agent);
        else model.removeAgent(ev.e.agent.id);
        break;
      case 'framework':
        if (ev.e.type === 'FRAMEWORK_REMOVED') model.removeFramework(ev.e.framework.id);
        else {
          // The whole framework as /master/state shows it (its hostname and pid give
          // `F.D`), without task lists: task events carry the tasks.
          const { id, name, hostname, pid } = ev.e.framework as typeof ev.e.framework & {
            hostname?: unknown;
            pid?: unknown;
          };
          model.upsertFramework({
            id,
            name,
            hostname: typeof hostname === 'string' ? hostname : undefined,
            pid: typeof pid === 'string' ? pid : undefined,
          });
        }
        break;
      case 'leader':
        this.leaderUrl = ev.e.http_url;
        model.setLeader(ev.e.leader);
        break;
    }
    this.records.touch();
  }
}

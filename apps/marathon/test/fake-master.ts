import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  SchedulerCallRequestContract,
  subjectFor,
  type Offer,
  type SchedulerCall,
  type SchedulerEvent,
  type TaskInfo,
  type TaskState,
} from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import { TEST_NATS_URL } from '@dcos/testing';

export interface FakeAgent {
  id: string;
  hostname: string;
  cpus: number;
  mem: number;
  ports: number[];
  attributes?: Record<string, string>;
}

export interface FakeTask {
  info: TaskInfo;
  agent: FakeAgent;
  state: TaskState;
  server?: Server;
  port?: number;
  healthy: boolean;
}

/**
 * Plays the master's side of the internal scheduler protocol in a test: answers SUBSCRIBE,
 * offers the fixture agents' free resources, "runs" launched tasks as tiny HTTP servers on
 * their host port (so Marathon's HTTP health checks hit something real) and sends UPDATEs.
 */
export class FakeMaster {
  readonly nats: NatsClient;
  readonly calls: SchedulerCall[] = [];
  readonly tasks = new Map<string, FakeTask>();
  readonly acks = new Set<string>();
  frameworkId?: string;
  subscribes: SchedulerCall[] = [];
  private timer?: NodeJS.Timeout;
  private streamId?: string;
  private suppressed = false;
  private outstanding = new Set<string>();

  constructor(
    prefix: string,
    readonly agents: FakeAgent[],
  ) {
    this.nats = new NatsClient({ url: TEST_NATS_URL, prefix, name: 'fake-master' });
  }

  async start(): Promise<void> {
    await this.nats.connect();
    this.nats.serve(
      this.nats.subjects.masterSchedulerCall,
      async (req) => this.handle(req.stream_id, req.call),
      { input: SchedulerCallRequestContract },
    );
    await this.nats.connection.flush();
    this.timer = setInterval(() => this.offer(), 200);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.tasks.values()) t.server?.close();
    await this.nats.close();
  }

  private publish(e: SchedulerEvent): void {
    if (!this.frameworkId) return;
    this.nats.publish(subjectFor(this.nats.prefix, 'frameworkEvents', this.frameworkId), e);
  }

  private handle(streamId: string | undefined, call: SchedulerCall): unknown {
    this.calls.push(call);
    if (call.type === 'SUBSCRIBE') {
      this.subscribes.push(call);
      this.frameworkId = call.subscribe?.framework_info.id?.value ?? randomUUID();
      this.streamId = randomUUID();
      this.suppressed = false;
      this.outstanding.clear();
      setTimeout(
        () =>
          this.publish({
            type: 'SUBSCRIBED',
            subscribed: {
              framework_id: { value: this.frameworkId as string },
              heartbeat_interval_seconds: 1,
            },
          }),
        10,
      );
      return {
        stream_id: this.streamId,
        subscribed: { framework_id: { value: this.frameworkId }, heartbeat_interval_seconds: 1 },
      };
    }
    if (streamId !== this.streamId)
      throw Object.assign(new Error('not subscribed'), { code: '403' });
    switch (call.type) {
      case 'ACCEPT':
        for (const id of call.accept?.offer_ids ?? []) this.outstanding.delete(id.value);
        for (const op of call.accept?.operations ?? [])
          for (const info of op.launch?.task_infos ?? []) void this.launch(info);
        break;
      case 'DECLINE':
        for (const id of call.decline?.offer_ids ?? []) this.outstanding.delete(id.value);
        break;
      case 'KILL':
        void this.kill(call.kill?.task_id.value ?? '');
        break;
      case 'ACKNOWLEDGE':
        this.acks.add(call.acknowledge?.uuid ?? '');
        break;
      case 'SUPPRESS':
        this.suppressed = true;
        break;
      case 'REVIVE':
        this.suppressed = false;
        break;
      case 'RECONCILE': {
        const asked = call.reconcile?.tasks ?? [];
        const ids = asked.length ? asked.map((t) => t.task_id.value) : [...this.tasks.keys()];
        setTimeout(() => {
          for (const id of ids) {
            const t = this.tasks.get(id);
            this.publish({
              type: 'UPDATE',
              update: {
                status: {
                  task_id: { value: id },
                  state: t ? t.state : 'TASK_GONE',
                  agent_id: t ? { value: t.agent.id } : undefined,
                  source: 'SOURCE_MASTER',
                  reason: 'REASON_RECONCILIATION',
                },
              },
            });
          }
        }, 10);
        break;
      }
      default:
        break;
    }
    return {};
  }

  /** Offer what each agent has left (one outstanding offer per agent). */
  private offer(): void {
    if (!this.frameworkId || this.suppressed) return;
    const offers: Offer[] = [];
    for (const a of this.agents) {
      if ([...this.outstanding].some((o) => o.startsWith(a.id + '-'))) continue;
      const mine = [...this.tasks.values()].filter(
        (t) => t.agent === a && !['TASK_KILLED', 'TASK_FAILED', 'TASK_FINISHED'].includes(t.state),
      );
      const used = (n: string) =>
        mine.reduce(
          (s, t) => s + (t.info.resources.find((r) => r.name === n)?.scalar?.value ?? 0),
          0,
        );
      const usedPorts = new Set(
        mine.flatMap((t) =>
          t.info.resources
            .filter((r) => r.name === 'ports')
            .flatMap((r) => r.ranges?.range.map((x) => x.begin) ?? []),
        ),
      );
      const free = a.ports.filter((p) => !usedPorts.has(p));
      const id = `${a.id}-${randomUUID()}`;
      this.outstanding.add(id);
      offers.push({
        id: { value: id },
        framework_id: { value: this.frameworkId },
        agent_id: { value: a.id },
        hostname: a.hostname,
        resources: [
          {
            name: 'cpus',
            type: 'SCALAR',
            scalar: { value: a.cpus - used('cpus') },
            role: '*',
            allocation_info: { role: '*' },
          },
          {
            name: 'mem',
            type: 'SCALAR',
            scalar: { value: a.mem - used('mem') },
            role: '*',
            allocation_info: { role: '*' },
          },
          {
            name: 'disk',
            type: 'SCALAR',
            scalar: { value: 1000 },
            role: '*',
            allocation_info: { role: '*' },
          },
          {
            name: 'ports',
            type: 'RANGES',
            ranges: { range: free.map((p) => ({ begin: p, end: p })) },
            role: '*',
            allocation_info: { role: '*' },
          },
        ],
        attributes: Object.entries(a.attributes ?? {}).map(([name, value]) => ({
          name,
          type: 'TEXT' as const,
          text: { value },
        })),
      });
    }
    if (offers.length) this.publish({ type: 'OFFERS', offers: { offers } });
  }

  update(taskId: string, state: TaskState, message = ''): void {
    const t = this.tasks.get(taskId);
    if (t) t.state = state;
    this.publish({
      type: 'UPDATE',
      update: {
        status: {
          task_id: { value: taskId },
          state,
          message,
          agent_id: t ? { value: t.agent.id } : undefined,
          source: 'SOURCE_EXECUTOR',
          uuid: Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64'),
          timestamp: Date.now() / 1000,
        },
      },
    });
  }

  private async launch(info: TaskInfo): Promise<void> {
    const agent = this.agents.find((a) => a.id === info.agent_id.value) as FakeAgent;
    const t: FakeTask = { info, agent, state: 'TASK_STAGING', healthy: true };
    this.tasks.set(info.task_id.value, t);
    const port = info.resources.find((r) => r.name === 'ports')?.ranges?.range[0]?.begin;
    if (port) {
      t.port = port;
      t.server = createServer((req, res) => {
        res.statusCode = t.healthy ? 200 : 503;
        res.end(t.healthy ? 'ok' : 'sick');
      });
      await new Promise<void>((ok) => t.server?.listen(port, '127.0.0.1', () => ok()));
    }
    this.update(info.task_id.value, 'TASK_STARTING');
    setTimeout(() => this.update(info.task_id.value, 'TASK_RUNNING'), 50);
  }

  async kill(taskId: string): Promise<void> {
    const t = this.tasks.get(taskId);
    if (!t) {
      this.update(taskId, 'TASK_LOST');
      return;
    }
    this.update(taskId, 'TASK_KILLING');
    t.server?.close();
    t.server?.closeAllConnections();
    setTimeout(() => this.update(taskId, 'TASK_KILLED'), 50);
  }

  /** The task dies on its own (not asked to). */
  fail(taskId: string): void {
    const t = this.tasks.get(taskId);
    t?.server?.close();
    t?.server?.closeAllConnections();
    this.update(taskId, 'TASK_FAILED', 'exited with 1');
  }

  live(): FakeTask[] {
    return [...this.tasks.values()].filter((t) =>
      ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'].includes(t.state),
    );
  }
}

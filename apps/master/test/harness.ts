/**
 * Test doubles at the master's edges, speaking the real protocols: a Mesos v1 HTTP
 * scheduler (RecordIO stream) and a fake agent on NATS (registration, heartbeats,
 * launch/kill requests, status updates through JetStream).
 */
import { randomUUID } from 'node:crypto';
import {
  AgentRegisteredContract,
  subjectFor,
  type AgentTask,
  type TaskInfo,
  type TaskState,
} from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';

export { HttpScheduler, launchCall, parseRecordIo, post, taskInfo, type Json } from '@dcos/testing';
import type { Json } from '@dcos/testing';

/** A fake agent: the master's NATS edge, with tasks that only change when told to. */
export class FakeAgent {
  nats: NatsClient;
  agentId?: string;
  tasks = new Map<string, { framework_id: { value: string }; task: TaskInfo; state: TaskState }>();
  launches: Json[] = [];
  kills: Json[] = [];
  shutdowns: Json[] = [];
  registrations = 0;
  heartbeating = true;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly prefix: string,
    readonly natsUrl: string,
    readonly name: string,
    readonly port: number,
    readonly resources: string,
  ) {
    this.nats = new NatsClient({ url: natsUrl, prefix, name });
  }

  async start(): Promise<void> {
    await this.nats.connect();
    await this.register();
    this.timer = setInterval(() => void this.beat(), 100);
  }

  private serveAll(): void {
    const id = this.agentId as string;
    this.nats.serve(subjectFor(this.prefix, 'agentLaunch', id), (batch: Json) => {
      // One request per ACCEPT: `task`, then the rest of the batch in `tasks`.
      for (const task of [batch.task, ...(batch.tasks ?? [])]) {
        const p = { framework_id: batch.framework_id, framework: batch.framework, task };
        this.launches.push(p);
        this.tasks.set(task.task_id.value, {
          framework_id: p.framework_id,
          task,
          state: 'TASK_STAGING',
        });
      }
      return {};
    });
    this.nats.serve(subjectFor(this.prefix, 'agentKill', id), (p: Json) => {
      this.kills.push(p);
      void this.update(p.framework_id.value, p.task_id.value, 'TASK_KILLED');
      return {};
    });
    this.nats.serve(subjectFor(this.prefix, 'agentShutdownFramework', id), (p: Json) => {
      this.shutdowns.push(p);
      return {};
    });
  }

  async register(): Promise<void> {
    const [cpus, mem, lo, hi] = this.resources.split(',').map(Number);
    const reply = await this.nats.request(
      this.nats.subjects.masterAgentRegister,
      {
        ...(this.agentId ? { agent_id: { value: this.agentId } } : {}),
        agent_info: {
          hostname: this.name,
          port: this.port,
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
            { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
            { name: 'disk', type: 'SCALAR', scalar: { value: 1024 } },
            { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: lo, end: hi }] } },
          ],
          attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
        },
        http_url: `http://127.0.0.1:${this.port}`,
        ip: '127.0.0.1',
        version: '1.11.0',
        // As a Mesos agent: terminal tasks too (their updates may not be acknowledged yet), so
        // a re-registration racing the status stream never makes the master think them lost.
        tasks: [...this.tasks.values()].map((t): AgentTask => ({
          framework_id: t.framework_id,
          task: t.task,
          state: t.state,
        })),
        frameworks: [],
      },
      { answer: AgentRegisteredContract },
    );
    const first = !this.agentId;
    this.agentId = reply.agent_id.value;
    this.registrations++;
    if (first) this.serveAll();
  }

  private async beat(): Promise<void> {
    if (!this.heartbeating || !this.agentId) return;
    try {
      const r = await this.nats.request<unknown, { known: boolean }>(
        this.nats.subjects.masterAgentHeartbeat,
        { agent_id: { value: this.agentId } },
        { timeoutMs: 500 },
      );
      if (!r.known) await this.register();
    } catch {
      /* master down: keep trying */
    }
  }

  /** Publishes a status update to JetStream, as the real agent does. */
  async update(frameworkId: string, taskId: string, state: TaskState, extra: Json = {}) {
    const t = this.tasks.get(taskId);
    if (t) t.state = state;
    const uuid = randomUUID();
    await this.nats.jetstream().publish(
      subjectFor(this.prefix, 'agentStatusUpdate', this.agentId as string),
      JSON.stringify({
        agent_id: { value: this.agentId },
        framework_id: { value: frameworkId },
        status: {
          task_id: { value: taskId },
          state,
          source: 'SOURCE_EXECUTOR',
          agent_id: { value: this.agentId },
          timestamp: Date.now() / 1000,
          uuid,
          ...extra,
        },
      }),
    );
    return uuid;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.nats.close();
  }
}

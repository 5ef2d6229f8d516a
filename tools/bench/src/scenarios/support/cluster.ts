/**
 * A cluster for the launch and state scenarios, every piece a real built service on
 * 127.0.0.1: the master (own database and NATS prefix), hollow agent processes standing
 * for N nodes (or real agents), optionally Marathon. `stop()` stops every process, drops
 * the database and deletes the JetStream status stream, even after a failed start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsClient } from '@dcos/nats';
import type { TestDatabase } from '@dcos/testing';
import { waitFor } from '@dcos/testing';
import { ProcessGroup, exitedEarly } from '../../processes';
import {
  BenchService,
  benchDatabase,
  benchPrefix,
  connectNats,
  deleteStatusStream,
  startBuiltService,
  subdir,
} from '../../services';

export interface ClusterSpec {
  label: string;
  /** Hollow nodes in total, spread over `hollowProcesses` agent processes. */
  hollowNodes?: number;
  hollowProcesses?: number;
  /** Real agents (each its own work dir). */
  realAgents?: number;
  agentResources: string;
  marathon?: boolean;
  masterEnv?: Record<string, string>;
  log(message: string): void;
}

export class BenchCluster {
  readonly group = new ProcessGroup();
  readonly prefix: string;
  readonly dir: string;
  db?: TestDatabase;
  nats?: NatsClient;
  master?: BenchService;
  marathon?: BenchService;
  readonly agents: BenchService[] = [];

  constructor(readonly spec: ClusterSpec) {
    this.prefix = benchPrefix(spec.label);
    this.dir = mkdtempSync(join(tmpdir(), `bench-${spec.label}-`));
  }

  get agentCount(): number {
    return (this.spec.hollowNodes ?? 0) + (this.spec.realAgents ?? 0);
  }

  /** Starts everything and waits until every agent is active on the master. */
  async start(): Promise<void> {
    const s = this.spec;
    try {
      this.nats = await connectNats(this.prefix, `bench-${s.label}`);
      this.db = await benchDatabase(s.label);
      this.master = await startBuiltService(this.group, 'master', {
        env: {
          DATABASE_URL: this.db.url,
          NATS_PREFIX: this.prefix,
          // Mesos' defaults (--agent_ping_timeout=15secs, --max_agent_ping_timeouts=5), as
          // Mesos is measured with; ours default to 1 s × 5, which on this shared 2-core
          // machine makes starved hollow processes flap while the launch is timed.
          MASTER_AGENT_PING_TIMEOUT_MS: '15000',
          MASTER_MAX_AGENT_PING_TIMEOUTS: '5',
          ...(s.masterEnv ?? {}),
        },
      });
      const starts: Promise<BenchService>[] = [];
      const procs = Math.max(1, Math.min(s.hollowProcesses ?? 1, s.hollowNodes ?? 0));
      const hollow = s.hollowNodes ?? 0;
      for (let p = 0; p < procs && hollow > 0; p++) {
        const nodes = Math.floor(hollow / procs) + (p < hollow % procs ? 1 : 0);
        starts.push(
          startBuiltService(this.group, 'agent', {
            name: `hollow-${p + 1}`,
            env: {
              NATS_PREFIX: this.prefix,
              AGENT_HOLLOW: 'true',
              AGENT_HOLLOW_NODES: String(nodes),
              AGENT_NODE_NAME: `hollow-p${p + 1}`,
              AGENT_RESOURCES: s.agentResources,
              AGENT_WORK_DIR: subdir(this.dir, `hollow-${p + 1}`),
            },
          }),
        );
      }
      for (let i = 0; i < (s.realAgents ?? 0); i++) {
        starts.push(
          startBuiltService(this.group, 'agent', {
            name: `agent-${i + 1}`,
            env: {
              NATS_PREFIX: this.prefix,
              AGENT_NODE_NAME: `bench-agent-${i + 1}`,
              AGENT_RESOURCES: s.agentResources,
              AGENT_WORK_DIR: subdir(this.dir, `agent-${i + 1}`),
              AGENT_KILL_GRACE_MS: '1000',
            },
          }),
        );
      }
      this.agents.push(...(await Promise.all(starts)));
      await this.race(
        waitFor(
          `${this.agentCount} agents active on the master`,
          async () => (await this.metrics())['master/slaves_active'] >= this.agentCount,
          { timeoutMs: 120_000, intervalMs: 250 },
        ),
      );
      s.log(`${s.label}: ${this.agentCount} agents active`);
      if (s.marathon) {
        this.marathon = await startBuiltService(this.group, 'marathon', {
          env: { DATABASE_URL: this.db.url, NATS_PREFIX: this.prefix },
        });
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** `p` unless one of the cluster's processes dies first (then its last output). */
  race<T>(p: Promise<T>): Promise<T> {
    const children = [this.master, this.marathon, ...this.agents].filter(
      (x): x is BenchService => x !== undefined,
    );
    return Promise.race([p, ...children.map((c) => exitedEarly(c.child))]);
  }

  async metrics(): Promise<Record<string, number>> {
    const r = await fetch(`${this.master?.url}/metrics/snapshot`, {
      signal: AbortSignal.timeout(10_000),
    });
    return (await r.json()) as Record<string, number>;
  }

  async liveTasks(): Promise<number> {
    const m = await this.metrics();
    return (
      m['master/tasks_staging'] +
      m['master/tasks_starting'] +
      m['master/tasks_running'] +
      m['master/tasks_killing']
    );
  }

  /** Waits until no task is live on the master (after a teardown or an app deletion). */
  async drained(timeoutMs = 120_000): Promise<void> {
    await this.race(
      waitFor('every task ended on the master', async () => (await this.liveTasks()) === 0, {
        timeoutMs,
        intervalMs: 200,
      }),
    );
  }

  async stop(): Promise<void> {
    await this.group.stopAll(10_000);
    if (this.nats) {
      await deleteStatusStream(this.nats);
      await this.nats.close().catch(() => undefined);
    }
    await this.db?.drop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

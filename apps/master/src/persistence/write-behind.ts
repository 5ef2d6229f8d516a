import type { RegistryBatch } from './store';

/**
 * Write-behind for the registry: the hot path only marks records dirty; a flush every few
 * milliseconds writes the latest version of each in one transaction. Callbacks registered
 * with `afterFlush` (e.g. JetStream acks) run once their changes are durable.
 */
export class WriteBehind {
  private agents = new Set<string>();
  private frameworks = new Set<string>();
  private tasks = new Map<string, [string, string]>();
  private deletedTasks = new Map<string, [string, string]>();
  private deletedFrameworks = new Set<string>();
  private waiting: (() => void)[] = [];
  private flushing = false;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly build: (dirty: {
      agents: string[];
      frameworks: string[];
      tasks: [string, string][];
    }) => Omit<RegistryBatch, 'deletedTasks' | 'deletedFrameworks'>,
    private readonly write: (batch: RegistryBatch) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (e: Error) => void,
  ) {}

  agent(id: string): void {
    this.agents.add(id);
    this.schedule();
  }
  framework(id: string): void {
    this.frameworks.add(id);
    this.schedule();
  }
  task(frameworkId: string, taskId: string): void {
    const k = `${frameworkId}\u0000${taskId}`;
    this.deletedTasks.delete(k);
    this.tasks.set(k, [frameworkId, taskId]);
    this.schedule();
  }
  deleteTask(frameworkId: string, taskId: string): void {
    const k = `${frameworkId}\u0000${taskId}`;
    this.tasks.delete(k);
    this.deletedTasks.set(k, [frameworkId, taskId]);
    this.schedule();
  }
  deleteFramework(id: string): void {
    this.frameworks.delete(id);
    this.deletedFrameworks.add(id);
    for (const [k, [f]] of this.tasks) if (f === id) this.tasks.delete(k);
    this.schedule();
  }

  /** Run `cb` after everything marked so far is in Postgres. */
  afterFlush(cb: () => void): void {
    this.waiting.push(cb);
    this.schedule();
  }

  get pending(): number {
    return this.agents.size + this.frameworks.size + this.tasks.size + this.deletedTasks.size;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    const backoff = this.failures > 0 ? Math.min(5_000, 100 * 2 ** this.failures) : this.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, backoff);
  }

  async flush(): Promise<void> {
    if (this.flushing) {
      this.schedule();
      return;
    }
    const empty =
      this.pending === 0 && this.deletedFrameworks.size === 0 && this.waiting.length === 0;
    if (empty) return;
    this.flushing = true;
    const agents = [...this.agents];
    const frameworks = [...this.frameworks];
    const tasks = [...this.tasks.values()];
    const deletedTasks = [...this.deletedTasks.values()];
    const deletedFrameworks = [...this.deletedFrameworks];
    const waiting = this.waiting;
    this.agents = new Set();
    this.frameworks = new Set();
    this.tasks = new Map();
    this.deletedTasks = new Map();
    this.deletedFrameworks = new Set();
    this.waiting = [];
    try {
      const rows = this.build({ agents, frameworks, tasks });
      await this.write({
        ...rows,
        deletedTasks: deletedTasks.map(([framework_id, task_id]) => ({ framework_id, task_id })),
        deletedFrameworks,
      });
      this.failures = 0;
      for (const cb of waiting) cb();
    } catch (e) {
      this.failures++;
      this.onError(e as Error);
      // Put everything back (newer marks win) and try again later.
      for (const a of agents) this.agents.add(a);
      for (const f of frameworks) if (!this.deletedFrameworks.has(f)) this.frameworks.add(f);
      for (const [f, t] of tasks) {
        const k = `${f}\u0000${t}`;
        if (!this.deletedTasks.has(k)) this.tasks.set(k, [f, t]);
      }
      for (const [f, t] of deletedTasks) {
        const k = `${f}\u0000${t}`;
        if (!this.tasks.has(k)) this.deletedTasks.set(k, [f, t]);
      }
      for (const f of deletedFrameworks) this.deletedFrameworks.add(f);
      this.waiting = [...waiting, ...this.waiting];
    } finally {
      this.flushing = false;
      if (this.pending > 0 || this.waiting.length > 0 || this.deletedFrameworks.size > 0) {
        this.schedule();
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (let i = 0; i < 3 && (this.pending > 0 || this.flushing); i++) {
      while (this.flushing) await new Promise((r) => setTimeout(r, 5));
      await this.flush();
    }
    this.stopped = true;
  }
}

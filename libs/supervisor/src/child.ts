import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildSpec {
  /** Label in logs, e.g. `agent-2`. */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run as this user and group (a root launcher starting a daemon that refuses root). */
  uid?: number;
  gid?: number;
  /** Called with every line the child writes (stream says which). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Lines kept in memory for `output()` (default 2000). */
  keepLines?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A supervised child process: its output, its exit, and a clean stop. */
export class SupervisedChild {
  readonly process: ChildProcess;
  readonly exited: Promise<ChildExit>;
  private lines: string[] = [];
  private exit?: ChildExit;

  constructor(readonly spec: ChildSpec) {
    this.process = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
      ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
      env: { ...process.env, ...spec.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = spec.keepLines ?? 2_000;
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = this.process[stream];
      if (!input) continue;
      const rl = createInterface({ input });
      rl.on('line', (line) => {
        this.lines.push(line);
        if (this.lines.length > keep) this.lines.splice(0, this.lines.length - keep);
        spec.onLine?.(line, stream);
      });
    }
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.process.once('error', (err) => {
        this.lines.push(`failed to start: ${err.message}`);
        this.exit = { code: 127, signal: null };
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get exitInfo(): ChildExit | undefined {
    return this.exit;
  }

  output(): string {
    return this.lines.join('\n');
  }

  /** `signal` (SIGTERM), then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(graceMs = 5_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> {
    if (this.exit) return this.exit;
    this.process.kill(signal);
    const timer = setTimeout(() => {
      if (this.running) this.process.kill('SIGKILL');
    }, graceMs);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.process.kill(signal);
  }
}

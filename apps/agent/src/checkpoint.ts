import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameworkInfo, TaskInfo, TaskState, TaskStatus } from '@dcos/contracts';
import type { TaskVolume } from './storage';

/** What the agent keeps about one task (checkpointed while the task is not terminal). */
export interface TaskRecord {
  frameworkId: string;
  framework: FrameworkInfo;
  task: TaskInfo;
  state: TaskState;
  /** Every status sent for the task, oldest first. */
  statuses: TaskStatus[];
  containerId?: string;
  sandbox?: string;
  pid?: number;
  /** A kill arrived (possibly before the process started). */
  killRequested?: boolean;
  /** Storage volumes attached into the sandbox (detached when the task ends). */
  volumes?: TaskVolume[];
  /** ms since the epoch */
  launchedAt: number;
  /** The task runs under this executor (TaskInfo.executor, or the task group's default executor). */
  executorId?: string;
  /** Container of that executor (the parent of the task's own container under the default executor). */
  executorContainerId?: string;
  /** Task ids of its task group (LAUNCH_GROUP), itself included. */
  group?: string[];
}

/** Ids that are safe as one path component (the containerizer's rule). */
const SAFE_ID_RE = /^[A-Za-z0-9_.\-:@]+$/;

export function isSafeId(id: string): boolean {
  return SAFE_ID_RE.test(id) && id !== '.' && id !== '..';
}

/** Write via a temp file and rename, so a crash never leaves a torn checkpoint. */
export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The agent's checkpointed state under `<workDir>/meta`: its id (so a restart with the
 * same work dir keeps it) and the records of the tasks it runs (so it can report them
 * after a restart). Layout:
 *   meta/agent.json                                  { agent_id, hostname }
 *   meta/frameworks/<framework>/tasks/<task>.json    TaskRecord
 */
export class AgentCheckpoint {
  readonly metaDir: string;

  constructor(readonly workDir: string) {
    this.metaDir = path.join(path.resolve(workDir), 'meta');
    fs.mkdirSync(this.metaDir, { recursive: true });
  }

  readAgentId(): string | undefined {
    const a = readJson<{ agent_id?: unknown }>(path.join(this.metaDir, 'agent.json'));
    return typeof a?.agent_id === 'string' && a.agent_id.length > 0 ? a.agent_id : undefined;
  }

  writeAgentId(agentId: string, hostname: string): void {
    writeAtomic(
      path.join(this.metaDir, 'agent.json'),
      JSON.stringify({ agent_id: agentId, hostname, registered_at: new Date().toISOString() }),
    );
  }

  /** Forget the agent id and every task record (the master refused this agent). */
  reset(): void {
    fs.rmSync(path.join(this.metaDir, 'agent.json'), { force: true });
    fs.rmSync(path.join(this.metaDir, 'frameworks'), { recursive: true, force: true });
  }

  private taskFile(frameworkId: string, taskId: string): string {
    if (!isSafeId(frameworkId) || !isSafeId(taskId)) {
      throw new Error(`unsafe id in checkpoint path: ${frameworkId}/${taskId}`);
    }
    return path.join(this.metaDir, 'frameworks', frameworkId, 'tasks', `${taskId}.json`);
  }

  saveTask(r: TaskRecord): void {
    writeAtomic(this.taskFile(r.frameworkId, r.task.task_id.value), JSON.stringify(r));
  }

  removeTask(frameworkId: string, taskId: string): void {
    fs.rmSync(this.taskFile(frameworkId, taskId), { force: true });
  }

  /** Every checkpointed task record (torn or unreadable files are skipped). */
  readTasks(): TaskRecord[] {
    const root = path.join(this.metaDir, 'frameworks');
    const out: TaskRecord[] = [];
    let frameworks: string[] = [];
    try {
      frameworks = fs.readdirSync(root);
    } catch {
      return out;
    }
    for (const fw of frameworks) {
      const dir = path.join(root, fw, 'tasks');
      let files: string[] = [];
      try {
        files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
      } catch {
        continue;
      }
      for (const f of files) {
        const r = readJson<TaskRecord>(path.join(dir, f));
        if (r && r.task?.task_id?.value && r.frameworkId === fw) out.push(r);
      }
    }
    return out;
  }
}

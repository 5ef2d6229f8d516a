import { Command } from 'commander';
import Table from 'cli-table3';
import {
  CliError,
  ClusterClient,
  agentAddress,
  resolveTarget,
  withTargetOptions,
  type MasterAgent,
  type TargetOptions,
} from './http-client';

/** A task as the master's `/master/state` lists it. */
export interface MasterTask {
  id: string;
  name: string;
  framework_id: string;
  slave_id: string;
  state: string;
  user?: string;
  resources?: Record<string, number | string>;
  [k: string]: unknown;
}

interface MasterFramework {
  id: string;
  name: string;
  user?: string;
  tasks?: MasterTask[];
  unreachable_tasks?: MasterTask[];
  completed_tasks?: MasterTask[];
}

interface MasterState {
  slaves?: MasterAgent[];
  frameworks?: MasterFramework[];
  completed_frameworks?: MasterFramework[];
}

const out = (s: string) => process.stdout.write(s);

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

async function masterState(c: ClusterClient): Promise<MasterState> {
  return c.getJson<MasterState>(c.masterUrl('/master/state'));
}

/** Tasks of the cluster; `all` adds completed and unreachable ones. */
export function collectTasks(state: MasterState, all: boolean): MasterTask[] {
  const tasks: MasterTask[] = [];
  for (const f of state.frameworks ?? []) {
    tasks.push(...(f.tasks ?? []));
    if (all) tasks.push(...(f.unreachable_tasks ?? []), ...(f.completed_tasks ?? []));
  }
  if (all)
    for (const f of state.completed_frameworks ?? [])
      tasks.push(...(f.completed_tasks ?? []), ...(f.tasks ?? []));
  return tasks;
}

/** The one task `query` names: an exact id, else a unique id or name containing it. */
export function findTask(tasks: MasterTask[], query: string): MasterTask {
  const exact = tasks.filter((t) => t.id === query);
  if (exact.length === 1) return exact[0] as MasterTask;
  const matches =
    exact.length > 1 ? exact : tasks.filter((t) => t.id.includes(query) || t.name === query);
  if (matches.length === 0) throw new CliError(`no task found matching "${query}"`);
  const ids = [...new Set(matches.map((t) => t.id))];
  if (ids.length > 1) {
    throw new CliError(
      `found more than one task matching "${query}": ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`,
    );
  }
  // The same id in several lists (e.g. a re-launched id): prefer the live one.
  return (
    matches.find((t) => !/FINISHED|FAILED|KILLED|LOST|ERROR|DROPPED|GONE/.test(t.state)) ??
    (matches[0] as MasterTask)
  );
}

function parseLines(v: string): number {
  if (!/^\d+$/.test(v)) throw new CliError(`--lines must be a non-negative integer (got "${v}")`);
  return Number(v);
}

export function nodeCommand(): Command {
  const node = new Command('node').description('Agents of the cluster');
  withTargetOptions(
    node
      .command('list', { isDefault: true })
      .description('List agents: id, hostname, IP, resources used/total')
      .option('--json', "print JSON (the master's agent objects)"),
  ).action(async (opts: TargetOptions & { json?: boolean }) => {
    const c = new ClusterClient(resolveTarget(opts));
    const { slaves } = await c.getJson<{ slaves: MasterAgent[] }>(c.masterUrl('/master/slaves'));
    const agents = [...(slaves ?? [])].sort((a, b) => a.hostname.localeCompare(b.hostname));
    if (opts.json) {
      out(JSON.stringify(agents, null, 2) + '\n');
      return;
    }
    const t = new Table({
      head: ['HOSTNAME', 'IP', 'ID', 'CPUS', 'MEM (MiB)', 'DISK (MiB)', 'ACTIVE'],
      style: { head: [], border: [] },
    });
    for (const a of agents) {
      const used = a.used_resources ?? {};
      const res = a.resources ?? {};
      t.push([
        a.hostname,
        agentAddress(a).ip,
        a.id,
        `${fmt(num(used['cpus']))}/${fmt(num(res['cpus']))}`,
        `${fmt(num(used['mem']))}/${fmt(num(res['mem']))}`,
        `${fmt(num(used['disk']))}/${fmt(num(res['disk']))}`,
        a.active === false ? 'no' : 'yes',
      ]);
    }
    out(agents.length === 0 ? 'no agents registered\n' : t.toString() + '\n');
  });
  return node;
}

interface AgentExecutor {
  id: string;
  directory: string;
  tasks?: { id: string }[];
  completed_tasks?: { id: string }[];
  queued_tasks?: { id: string }[];
}
interface AgentFramework {
  id: string;
  executors?: AgentExecutor[];
  completed_executors?: AgentExecutor[];
}

/** The sandbox directory of a task, from its agent's `/state` (as the DC/OS CLI finds it). */
export function sandboxOf(
  state: { frameworks?: AgentFramework[]; completed_frameworks?: AgentFramework[] },
  task: MasterTask,
): string | undefined {
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])].filter(
    (f) => f.id === task.framework_id,
  );
  // Newest first: a running executor beats an older completed one with the same task id.
  for (const f of frameworks) {
    for (const e of [...(f.executors ?? []), ...[...(f.completed_executors ?? [])].reverse()]) {
      const ids = [...(e.tasks ?? []), ...(e.completed_tasks ?? []), ...(e.queued_tasks ?? [])].map(
        (t) => t.id,
      );
      if (ids.includes(task.id) && e.directory) return e.directory;
    }
  }
  return undefined;
}

class FileReader {
  constructor(
    private readonly c: ClusterClient,
    private readonly agent: MasterAgent,
    readonly path: string,
  ) {}

  async read(offset: number, length?: number): Promise<{ data: string; offset: number }> {
    const q = new URLSearchParams({ path: this.path, offset: String(offset) });
    if (length !== undefined) q.set('length', String(length));
    return this.c.getJson(this.c.agentUrl(this.agent, `/files/read?${q.toString()}`));
  }

  async size(): Promise<number> {
    return (await this.read(-1)).offset;
  }

  /** The offset where the last `lines` lines start (reading backwards in chunks). */
  async tailStart(lines: number, size: number): Promise<number> {
    if (lines === 0) return size;
    const chunk = 16 * 1024;
    let pos = size;
    let newlines = 0;
    // A trailing newline ends the last line; it does not start a new one.
    let skipLast = true;
    while (pos > 0) {
      const start = Math.max(0, pos - chunk);
      const { data } = await this.read(start, pos - start);
      const bytes = Buffer.from(data, 'utf8');
      for (let i = bytes.length - 1; i >= 0; i--) {
        if (bytes[i] === 0x0a) {
          if (skipLast && start + i === size - 1) continue;
          newlines++;
          if (newlines === lines) return start + i + 1;
        }
      }
      skipLast = false;
      pos = start;
    }
    return 0;
  }

  /** Prints from `offset` to the current end; returns the new offset. */
  async printFrom(offset: number): Promise<number> {
    let pos = offset;
    for (;;) {
      const { data } = await this.read(pos);
      if (data.length === 0) return pos;
      out(data);
      pos += Buffer.byteLength(data, 'utf8');
    }
  }
}

export function taskCommand(): Command {
  const task = new Command('task').description('Tasks of the cluster');

  withTargetOptions(
    task
      .command('list', { isDefault: true })
      .description('List tasks (running ones; --all adds completed ones)')
      .option('--all', 'include completed and unreachable tasks')
      .option('--json', "print JSON (the master's task objects)"),
  ).action(async (opts: TargetOptions & { all?: boolean; json?: boolean }) => {
    const c = new ClusterClient(resolveTarget(opts));
    const state = await masterState(c);
    const tasks = collectTasks(state, Boolean(opts.all));
    if (opts.json) {
      out(JSON.stringify(tasks, null, 2) + '\n');
      return;
    }
    const hosts = new Map((state.slaves ?? []).map((s) => [s.id, s.hostname]));
    const users = new Map(
      [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])].map((f) => [
        f.id,
        f.user ?? '',
      ]),
    );
    const t = new Table({
      head: ['NAME', 'HOST', 'USER', 'STATE', 'ID', 'AGENT ID'],
      style: { head: [], border: [] },
    });
    for (const x of tasks) {
      t.push([
        x.name,
        hosts.get(x.slave_id) ?? '',
        x.user ?? users.get(x.framework_id) ?? '',
        x.state.replace(/^TASK_/, ''),
        x.id,
        x.slave_id,
      ]);
    }
    out(tasks.length === 0 ? 'no tasks\n' : t.toString() + '\n');
  });

  withTargetOptions(
    task
      .command('log')
      .description("Print a task's stdout (or stderr) through its agent's files API")
      .argument('<task>', 'task id (or a unique part of it)')
      .option('--follow', 'keep printing what the task writes')
      .option('--stderr', 'stderr instead of stdout')
      .option('--lines <n>', 'print the last N lines', '10'),
  ).action(
    async (
      query: string,
      opts: TargetOptions & { follow?: boolean; stderr?: boolean; lines: string },
    ) => {
      const lines = parseLines(opts.lines);
      const c = new ClusterClient(resolveTarget(opts));
      const state = await masterState(c);
      const t = findTask(collectTasks(state, true), query);
      const agent = (state.slaves ?? []).find((s) => s.id === t.slave_id);
      if (!agent) throw new CliError(`the agent ${t.slave_id} of task ${t.id} is not registered`);
      const agentState = await c.getJson<{
        frameworks?: AgentFramework[];
        completed_frameworks?: AgentFramework[];
      }>(c.agentUrl(agent, '/state'));
      const dir = sandboxOf(agentState, t);
      if (!dir) throw new CliError(`no sandbox of task ${t.id} on agent ${agent.hostname}`);
      const reader = new FileReader(c, agent, `${dir}/${opts.stderr ? 'stderr' : 'stdout'}`);
      const size = await reader.size();
      let pos = await reader.printFrom(await reader.tailStart(lines, size));
      if (!opts.follow) return;
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        pos = await reader.printFrom(pos);
      }
    },
  );

  withTargetOptions(
    task
      .command('kill')
      .description('Kill a task (through the master)')
      .argument('<task>', 'task id (or a unique part of it)'),
  ).action(async (query: string, opts: TargetOptions) => {
    const c = new ClusterClient(resolveTarget(opts));
    const state = await masterState(c);
    const t = findTask(collectTasks(state, false), query);
    const res = await c.postJson(c.masterUrl('/api/v1'), {
      type: 'KILL_TASK',
      kill_task: { task_id: { value: t.id }, framework_id: { value: t.framework_id } },
    });
    if (res.status < 200 || res.status >= 300) {
      const msg =
        (res.body as { message?: string } | undefined)?.message ?? JSON.stringify(res.body ?? '');
      throw new CliError(`the master refused to kill ${t.id}: HTTP ${res.status} ${msg}`);
    }
    out(`Killing task ${t.id}\n`);
  });

  return task;
}

/**
 * The cluster as Mesos-DNS sees it (agents, frameworks, tasks, leader) plus the
 * record store derived from it. Both full loads (a `/master/state` document) and
 * single changes (one task, agent, framework, leader) update only the affected
 * owners' records, so event-driven updates are cheap.
 */
import {
  agentRecords,
  frameworkRecords,
  generatorContext,
  listenerRecords,
  masterRecords,
  taskRecords,
  type GeneratorContext,
  type GeneratorOptions,
} from './generator';
import { RecordStore, type DnsRecord } from './record-store';
import type { MesosFramework, MesosSlave, MesosState, MesosTask } from './state';

export interface EnumeratedRecord {
  name: string;
  host: string;
  rtype: string;
}

/** `/v1/enumerate` shape. */
export interface Enumeration {
  frameworks: {
    name: string;
    tasks: { name: string; id: string; records: EnumeratedRecord[] }[];
  }[];
}

type FrameworkInfo = Omit<MesosFramework, 'tasks'>;

const frameworkKey = (f: Pick<MesosFramework, 'id' | 'name'>): string => f.id ?? `name:${f.name}`;
const taskOwner = (fw: string, taskId: string): string => `task:${fw}\u0000${taskId}`;

export class MesosDnsModel {
  readonly store = new RecordStore();
  private ctx: GeneratorContext;
  private readonly agents = new Map<string, MesosSlave>();
  private readonly frameworks = new Map<string, FrameworkInfo>();
  /** frameworkKey -> taskId -> task */
  private readonly tasks = new Map<string, Map<string, MesosTask>>();
  /** agentId -> owner keys of tasks on it */
  private readonly tasksByAgent = new Map<string, Set<string>>();
  private readonly taskIndex = new Map<string, { fw: string; task: MesosTask }>();
  private leader: string | undefined;

  constructor(options: GeneratorOptions) {
    this.ctx = generatorContext(options);
    this.store.setOwner('listener', listenerRecords(this.ctx));
  }

  get context(): GeneratorContext {
    return this.ctx;
  }

  get leaderPid(): string | undefined {
    return this.leader;
  }

  /** Change options (e.g. listener IPs, resolved host names) and regenerate everything. */
  reconfigure(options: GeneratorOptions): void {
    this.ctx = generatorContext(options);
    this.store.setOwner('listener', listenerRecords(this.ctx));
    this.store.setOwner('masters', masterRecords(this.leader, this.ctx));
    for (const a of this.agents.values())
      this.store.setOwner(`agent:${a.id}`, agentRecords(a, this.ctx));
    for (const [k, f] of this.frameworks)
      this.store.setOwner(`framework:${k}`, frameworkRecords(f, this.ctx));
    for (const owner of this.taskIndex.keys()) this.refreshTask(owner);
  }

  /** Replace the whole picture with a `/master/state` document (diffed per owner). */
  loadState(state: MesosState): void {
    const seenAgents = new Set<string>();
    for (const s of state.slaves ?? []) {
      if (!s?.id) continue;
      seenAgents.add(s.id);
      this.agents.set(s.id, s);
    }
    for (const id of [...this.agents.keys()]) if (!seenAgents.has(id)) this.agents.delete(id);

    const seenFw = new Set<string>();
    const seenTasks = new Set<string>();
    for (const f of state.frameworks ?? []) {
      if (!f) continue;
      const k = frameworkKey(f);
      seenFw.add(k);
      const { tasks, ...info } = f;
      this.frameworks.set(k, info);
      for (const t of tasks ?? []) {
        if (!t?.id) continue;
        const owner = taskOwner(k, t.id);
        seenTasks.add(owner);
        this.indexTask(k, t);
      }
    }
    for (const [owner, e] of [...this.taskIndex]) {
      if (!seenTasks.has(owner)) {
        this.unindexTask(e.fw, e.task.id);
        this.store.removeOwner(owner);
      }
    }
    for (const k of [...this.frameworks.keys()]) {
      if (!seenFw.has(k)) {
        this.frameworks.delete(k);
        this.tasks.delete(k);
        this.store.removeOwner(`framework:${k}`);
      }
    }
    for (const owner of [...this.store.ownerKeys()]) {
      if (owner.startsWith('agent:') && !this.agents.has(owner.slice(6)))
        this.store.removeOwner(owner);
    }
    for (const a of this.agents.values())
      this.store.setOwner(`agent:${a.id}`, agentRecords(a, this.ctx));
    for (const [k, f] of this.frameworks)
      this.store.setOwner(`framework:${k}`, frameworkRecords(f, this.ctx));
    this.leader = state.leader;
    this.store.setOwner('masters', masterRecords(this.leader, this.ctx));
    for (const owner of this.taskIndex.keys()) this.refreshTask(owner);
  }

  setLeader(leader: string | undefined): void {
    this.leader = leader;
    this.store.setOwner('masters', masterRecords(leader, this.ctx));
  }

  upsertAgent(agent: MesosSlave): void {
    this.agents.set(agent.id, agent);
    this.store.setOwner(`agent:${agent.id}`, agentRecords(agent, this.ctx));
    for (const owner of this.tasksByAgent.get(agent.id) ?? []) this.refreshTask(owner);
  }

  removeAgent(agentId: string): void {
    this.agents.delete(agentId);
    this.store.removeOwner(`agent:${agentId}`);
    for (const owner of this.tasksByAgent.get(agentId) ?? []) this.refreshTask(owner);
  }

  /** Add or update a framework; when `tasks` is given it replaces the framework's tasks. */
  upsertFramework(framework: MesosFramework): void {
    const k = frameworkKey(framework);
    const { tasks, ...info } = framework;
    const renamed = this.frameworks.get(k)?.name !== info.name;
    this.frameworks.set(k, info);
    this.store.setOwner(`framework:${k}`, frameworkRecords(info, this.ctx));
    if (tasks) {
      const keep = new Set(tasks.map((t) => t.id));
      for (const id of [...(this.tasks.get(k)?.keys() ?? [])])
        if (!keep.has(id)) this.removeTask(k, id);
      for (const t of tasks) this.upsertTask(k, t);
    }
    if (renamed)
      for (const id of this.tasks.get(k)?.keys() ?? []) this.refreshTask(taskOwner(k, id));
  }

  /**
   * A framework as a task event names it (id and name only): known ones keep what a
   * fuller view said (their host, for `F.D`), only a new name changes them.
   */
  noteFramework(frameworkId: string, name: string): void {
    const known = this.frameworks.get(frameworkId);
    if (known && known.name === name) return;
    this.upsertFramework({ ...known, id: frameworkId, name });
  }

  removeFramework(frameworkId: string): void {
    for (const id of [...(this.tasks.get(frameworkId)?.keys() ?? [])])
      this.removeTask(frameworkId, id);
    this.frameworks.delete(frameworkId);
    this.tasks.delete(frameworkId);
    this.store.removeOwner(`framework:${frameworkId}`);
  }

  /**
   * Add or update one task (any state: only TASK_RUNNING ones have records). The
   * framework must be known (upsertFramework) for its name; until then the task
   * has no records.
   */
  upsertTask(frameworkId: string, task: MesosTask): void {
    this.indexTask(frameworkId, task);
    this.refreshTask(taskOwner(frameworkId, task.id));
  }

  removeTask(frameworkId: string, taskId: string): void {
    this.unindexTask(frameworkId, taskId);
    this.store.removeOwner(taskOwner(frameworkId, taskId));
  }

  /** Records generated for one task (for tests and enumeration). */
  taskRecordsOf(frameworkId: string, taskId: string): DnsRecord[] {
    return this.store.ownerRecords(taskOwner(frameworkId, taskId));
  }

  /**
   * `/v1/enumerate`: frameworks with their running tasks (on known agents) and each task's
   * records. As Mesos-DNS (insertTaskRR), a record is listed once, under the first task
   * that generated it, and not at all when a framework, agent or master made it first.
   */
  enumerate(): Enumeration {
    const seen = new Set<string>();
    const key = (r: DnsRecord) => `${r.type} ${r.name} ${r.value}`;
    for (const owner of this.store.ownerKeys())
      if (!owner.startsWith('task:'))
        for (const r of this.store.ownerRecords(owner)) seen.add(key(r));
    const frameworks: Enumeration['frameworks'] = [];
    for (const [k, f] of this.frameworks) {
      const tasks: Enumeration['frameworks'][number]['tasks'] = [];
      for (const t of this.tasks.get(k)?.values() ?? []) {
        if (t.state !== 'TASK_RUNNING' || !this.agents.has(t.slave_id)) continue;
        const records: EnumeratedRecord[] = [];
        for (const r of this.store.ownerRecords(taskOwner(k, t.id))) {
          if (seen.has(key(r))) continue;
          seen.add(key(r));
          records.push({ name: r.name, host: r.value, rtype: r.type });
        }
        tasks.push({ name: t.name, id: t.id, records });
      }
      frameworks.push({ name: f.name, tasks });
    }
    return { frameworks };
  }

  private indexTask(fw: string, task: MesosTask): void {
    const owner = taskOwner(fw, task.id);
    const prev = this.taskIndex.get(owner);
    if (prev && prev.task.slave_id !== task.slave_id) {
      this.tasksByAgent.get(prev.task.slave_id)?.delete(owner);
    }
    this.taskIndex.set(owner, { fw, task });
    let byFw = this.tasks.get(fw);
    if (!byFw) {
      byFw = new Map();
      this.tasks.set(fw, byFw);
    }
    byFw.set(task.id, task);
    let byAgent = this.tasksByAgent.get(task.slave_id);
    if (!byAgent) {
      byAgent = new Set();
      this.tasksByAgent.set(task.slave_id, byAgent);
    }
    byAgent.add(owner);
  }

  private unindexTask(fw: string, taskId: string): void {
    const owner = taskOwner(fw, taskId);
    const prev = this.taskIndex.get(owner);
    if (!prev) return;
    this.taskIndex.delete(owner);
    this.tasks.get(fw)?.delete(taskId);
    const byAgent = this.tasksByAgent.get(prev.task.slave_id);
    byAgent?.delete(owner);
    if (byAgent && byAgent.size === 0) this.tasksByAgent.delete(prev.task.slave_id);
  }

  private refreshTask(owner: string): void {
    const e = this.taskIndex.get(owner);
    if (!e) return;
    const f = this.frameworks.get(e.fw);
    const recs = f ? taskRecords(e.task, f, this.agents.get(e.task.slave_id), this.ctx) : [];
    this.store.setOwner(owner, recs);
  }
}

/** The whole record set of a `/master/state` document, as one pure function. */
export function generateRecords(state: MesosState, options: GeneratorOptions): DnsRecord[] {
  const m = new MesosDnsModel(options);
  m.loadState(state);
  return m.store.records();
}

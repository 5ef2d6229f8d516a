import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentEntity, FrameworkEntity, TaskEntity } from './entities';

export interface AgentRow {
  id: string;
  hostname: string;
  state: string;
  data: Record<string, unknown>;
}
export interface FrameworkRow {
  id: string;
  name: string;
  state: string;
  data: Record<string, unknown>;
}
export interface TaskRow {
  framework_id: string;
  task_id: string;
  agent_id: string;
  state: string;
  data: Record<string, unknown>;
}

export interface RegistryBatch {
  agents: AgentRow[];
  frameworks: FrameworkRow[];
  tasks: TaskRow[];
  deletedTasks: { framework_id: string; task_id: string }[];
  deletedFrameworks: string[];
}

/** Rows per statement: one JSON parameter each, so batches never hit Postgres' parameter limit. */
const CHUNK = 2_000;

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

/** Postgres side of the registry: a full load at start, batched upserts afterwards. */
@Injectable()
export class MasterStore {
  constructor(private readonly ds: DataSource) {}

  private get schema(): string {
    return (this.ds.options as { schema?: string }).schema ?? 'master';
  }

  async load(): Promise<{ agents: AgentRow[]; frameworks: FrameworkRow[]; tasks: TaskRow[] }> {
    const agents = await this.ds.getRepository(AgentEntity).find();
    const frameworks = await this.ds.getRepository(FrameworkEntity).find();
    const tasks = await this.ds.getRepository(TaskEntity).find();
    return {
      agents: agents.map((a) => ({ id: a.id, hostname: a.hostname, state: a.state, data: a.data })),
      frameworks: frameworks.map((f) => ({ id: f.id, name: f.name, state: f.state, data: f.data })),
      tasks: tasks.map((t) => ({
        framework_id: t.frameworkId,
        task_id: t.taskId,
        agent_id: t.agentId,
        state: t.state,
        data: t.data,
      })),
    };
  }

  /** One transaction per batch: the registry never shows half of a flush. */
  async write(b: RegistryBatch): Promise<void> {
    const s = this.schema;
    await this.ds.transaction(async (m) => {
      for (const part of chunks(b.agents)) {
        await m.query(
          `INSERT INTO "${s}"."agents" (id, hostname, state, data, updated_at)
           SELECT x.id, x.hostname, x.state, x.data, now()
             FROM jsonb_to_recordset($1::jsonb) AS x(id text, hostname text, state text, data jsonb)
           ON CONFLICT (id) DO UPDATE SET hostname = EXCLUDED.hostname, state = EXCLUDED.state,
             data = EXCLUDED.data, updated_at = EXCLUDED.updated_at`,
          [JSON.stringify(part)],
        );
      }
      for (const part of chunks(b.frameworks)) {
        await m.query(
          `INSERT INTO "${s}"."frameworks" (id, name, state, data, updated_at)
           SELECT x.id, x.name, x.state, x.data, now()
             FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, state text, data jsonb)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, state = EXCLUDED.state,
             data = EXCLUDED.data, updated_at = EXCLUDED.updated_at`,
          [JSON.stringify(part)],
        );
      }
      for (const part of chunks(b.tasks)) {
        await m.query(
          `INSERT INTO "${s}"."tasks" (framework_id, task_id, agent_id, state, data, updated_at)
           SELECT x.framework_id, x.task_id, x.agent_id, x.state, x.data, now()
             FROM jsonb_to_recordset($1::jsonb)
               AS x(framework_id text, task_id text, agent_id text, state text, data jsonb)
           ON CONFLICT (framework_id, task_id) DO UPDATE SET agent_id = EXCLUDED.agent_id,
             state = EXCLUDED.state, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at`,
          [JSON.stringify(part)],
        );
      }
      for (const part of chunks(b.deletedTasks)) {
        await m.query(
          `DELETE FROM "${s}"."tasks" t USING jsonb_to_recordset($1::jsonb)
             AS x(framework_id text, task_id text)
           WHERE t.framework_id = x.framework_id AND t.task_id = x.task_id`,
          [JSON.stringify(part)],
        );
      }
      if (b.deletedFrameworks.length > 0) {
        await m.query(`DELETE FROM "${s}"."tasks" WHERE framework_id = ANY($1::text[])`, [
          b.deletedFrameworks,
        ]);
        await m.query(`DELETE FROM "${s}"."frameworks" WHERE id = ANY($1::text[])`, [
          b.deletedFrameworks,
        ]);
      }
    });
  }
}

import {
  Column,
  Entity,
  Index,
  PrimaryColumn,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';

/**
 * The master's registry in Postgres (schema `master`). Rows hold the Mesos JSON the master
 * needs to rebuild its memory (`data`), plus a few plain columns for queries and a standby
 * master taking over. Writes are batched upserts (see MasterStore), never one per task.
 */
@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  hostname: string;

  /** `active`, `unreachable` (removed from offers) or `recovered` (not yet re-registered). */
  @Column('text')
  state: string;

  /** AgentInfo, http_url, ip, version, registered/reregistered/unreachable times, pending kills. */
  @Column('jsonb')
  data: Record<string, unknown>;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity({ name: 'frameworks' })
export class FrameworkEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  name: string;

  /** `connected`, `disconnected` or `completed` (torn down). */
  @Column('text')
  state: string;

  /** FrameworkInfo, times, master-generated updates not yet acknowledged. */
  @Column('jsonb')
  data: Record<string, unknown>;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity({ name: 'tasks' })
@Index(['agentId'])
export class TaskEntity {
  @PrimaryColumn('text', { name: 'framework_id' })
  frameworkId: string;

  @PrimaryColumn('text', { name: 'task_id' })
  taskId: string;

  @Column('text', { name: 'agent_id' })
  agentId: string;

  @Column('text')
  state: string;

  /** TaskInfo, statuses, unacknowledged updates, role, launch time. */
  @Column('jsonb')
  data: Record<string, unknown>;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

export const MASTER_ENTITIES = [AgentEntity, FrameworkEntity, TaskEntity];

export class CreateMasterRegistry1763800000000 implements MigrationInterface {
  name = 'CreateMasterRegistry1763800000000';
  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema?: string }).schema ?? 'master';
    await q.query(`CREATE TABLE "${s}"."agents" (
      "id" text PRIMARY KEY,
      "hostname" text NOT NULL,
      "state" text NOT NULL,
      "data" jsonb NOT NULL,
      "updated_at" timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE "${s}"."frameworks" (
      "id" text PRIMARY KEY,
      "name" text NOT NULL,
      "state" text NOT NULL,
      "data" jsonb NOT NULL,
      "updated_at" timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE "${s}"."tasks" (
      "framework_id" text NOT NULL,
      "task_id" text NOT NULL,
      "agent_id" text NOT NULL,
      "state" text NOT NULL,
      "data" jsonb NOT NULL,
      "updated_at" timestamptz NOT NULL,
      PRIMARY KEY ("framework_id", "task_id")
    )`);
    await q.query(`CREATE INDEX "IDX_tasks_agent_id" ON "${s}"."tasks" ("agent_id")`);
  }
  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema?: string }).schema ?? 'master';
    await q.query(`DROP TABLE "${s}"."tasks"`);
    await q.query(`DROP TABLE "${s}"."frameworks"`);
    await q.query(`DROP TABLE "${s}"."agents"`);
  }
}

export const MASTER_MIGRATIONS = [CreateMasterRegistry1763800000000];

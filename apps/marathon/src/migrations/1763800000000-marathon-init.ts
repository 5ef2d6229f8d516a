import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(q: QueryRunner): string {
  const schema = (q.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('marathon data source has no schema');
  return schema;
}

/** Apps (current + every version), groups, deployments, instances, framework id. */
export class MarathonInit1763800000000 implements MigrationInterface {
  name = 'MarathonInit1763800000000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${schemaOf(q)}"`;
    await q.query(`CREATE TABLE ${s}."apps" (
      "id" text PRIMARY KEY,
      "version" text NOT NULL,
      "definition" jsonb NOT NULL
    )`);
    await q.query(`CREATE TABLE ${s}."app_versions" (
      "app_id" text NOT NULL,
      "version" text NOT NULL,
      "definition" jsonb NOT NULL,
      PRIMARY KEY ("app_id", "version")
    )`);
    await q.query(`CREATE TABLE ${s}."groups" (
      "id" text PRIMARY KEY,
      "definition" jsonb NOT NULL
    )`);
    await q.query(`CREATE TABLE ${s}."deployments" (
      "id" text PRIMARY KEY,
      "record" jsonb NOT NULL
    )`);
    await q.query(`CREATE TABLE ${s}."instances" (
      "instance_id" text PRIMARY KEY,
      "app_id" text NOT NULL,
      "data" jsonb NOT NULL
    )`);
    await q.query(`CREATE INDEX "instances_app_idx" ON ${s}."instances" ("app_id")`);
    await q.query(`CREATE TABLE ${s}."framework" (
      "key" text PRIMARY KEY,
      "value" text NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${schemaOf(q)}"`;
    for (const t of ['framework', 'instances', 'deployments', 'groups', 'app_versions', 'apps'])
      await q.query(`DROP TABLE IF EXISTS ${s}."${t}"`);
  }
}

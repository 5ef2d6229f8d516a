import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(q: QueryRunner): string {
  const schema = (q.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('dss data source has no schema');
  return schema;
}

/** Providers, profiles, volumes, settings (framework id). */
export class DssInit1764100000000 implements MigrationInterface {
  name = 'DssInit1764100000000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${schemaOf(q)}"`;
    await q.query(`CREATE TABLE ${s}."providers" (
      "name" text PRIMARY KEY,
      "id" text NOT NULL UNIQUE,
      "description" text NOT NULL DEFAULT '',
      "plugin" text NOT NULL,
      "node" text NOT NULL,
      "spec" jsonb NOT NULL,
      "phase" text NOT NULL CHECK ("phase" IN ('CREATING','READY','REMOVING')),
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE ${s}."profiles" (
      "name" text PRIMARY KEY,
      "description" text NOT NULL DEFAULT '',
      "spec" jsonb NOT NULL,
      "active" boolean NOT NULL DEFAULT true,
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE ${s}."volumes" (
      "name" text PRIMARY KEY,
      "asset_id" text NOT NULL UNIQUE,
      "capacity_mb" integer NOT NULL CHECK ("capacity_mb" > 0),
      "profile" text NOT NULL REFERENCES ${s}."profiles"("name"),
      "type" text NOT NULL CHECK ("type" IN ('MOUNT','BLOCK')),
      "node" text,
      "provider" text,
      "state" text NOT NULL,
      "plan" jsonb NOT NULL,
      "message" text,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE ${s}."settings" ("key" text PRIMARY KEY, "value" text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${schemaOf(q)}"`;
    for (const t of ['volumes', 'profiles', 'providers', 'settings'])
      await q.query(`DROP TABLE ${s}."${t}"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(q: QueryRunner): string {
  const schema = (q.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('iam data source has no schema');
  return schema;
}

/** Users, groups, memberships, ACLs, grants, signing keys, settings. */
export class IamInit1763790000000 implements MigrationInterface {
  name = 'IamInit1763790000000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${schemaOf(q)}"`;
    await q.query(`CREATE TABLE ${s}."users" (
      "uid" text PRIMARY KEY,
      "description" text NOT NULL DEFAULT '',
      "password_hash" text,
      "public_key" text,
      "is_service" boolean NOT NULL DEFAULT false,
      "is_remote" boolean NOT NULL DEFAULT false,
      "provider_type" text NOT NULL DEFAULT 'internal',
      "provider_id" text NOT NULL DEFAULT '',
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE ${s}."groups" (
      "gid" text PRIMARY KEY,
      "description" text NOT NULL DEFAULT '',
      "provider_type" text NOT NULL DEFAULT 'internal',
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE ${s}."memberships" (
      "gid" text NOT NULL REFERENCES ${s}."groups"("gid") ON DELETE CASCADE,
      "uid" text NOT NULL REFERENCES ${s}."users"("uid") ON DELETE CASCADE,
      PRIMARY KEY ("gid", "uid")
    )`);
    await q.query(`CREATE INDEX "memberships_uid_idx" ON ${s}."memberships" ("uid")`);
    await q.query(`CREATE TABLE ${s}."acls" (
      "rid" text PRIMARY KEY,
      "description" text NOT NULL DEFAULT '',
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
    const action = `"action" text NOT NULL CHECK ("action" IN ('create','read','update','delete','full'))`;
    await q.query(`CREATE TABLE ${s}."user_grants" (
      "rid" text NOT NULL REFERENCES ${s}."acls"("rid") ON DELETE CASCADE,
      "uid" text NOT NULL REFERENCES ${s}."users"("uid") ON DELETE CASCADE,
      ${action},
      PRIMARY KEY ("rid", "uid", "action")
    )`);
    await q.query(`CREATE TABLE ${s}."group_grants" (
      "rid" text NOT NULL REFERENCES ${s}."acls"("rid") ON DELETE CASCADE,
      "gid" text NOT NULL REFERENCES ${s}."groups"("gid") ON DELETE CASCADE,
      ${action},
      PRIMARY KEY ("rid", "gid", "action")
    )`);
    await q.query(`CREATE TABLE ${s}."signing_keys" (
      "kid" text PRIMARY KEY,
      "public_jwk" jsonb NOT NULL,
      "private_key_enc" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "retired_at" timestamptz
    )`);
    await q.query(`CREATE TABLE ${s}."settings" (
      "key" text PRIMARY KEY,
      "value" text NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${schemaOf(q)}"`;
    for (const t of [
      'settings',
      'signing_keys',
      'group_grants',
      'user_grants',
      'acls',
      'memberships',
      'groups',
      'users',
    ])
      await q.query(`DROP TABLE ${s}."${t}"`);
  }
}

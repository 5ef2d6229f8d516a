import { Column, Entity, PrimaryColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** One row per start of a stateful service: when, which instance, which version. */
@Entity({ name: 'boots' })
export class ServiceBoot {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  instance: string;

  @Column('text')
  version: string;

  @Column('text', { name: 'http_url' })
  httpUrl: string;

  @Column('timestamptz', { name: 'started_at' })
  startedAt: Date;
}

function schemaOf(q: QueryRunner): string {
  const schema = (q.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('service data source has no schema');
  return schema;
}

/** The first migration of every service schema. */
export class CreateBoots1763780000000 implements MigrationInterface {
  name = 'CreateBoots1763780000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "${schemaOf(q)}"."boots" (
      "id" uuid PRIMARY KEY,
      "instance" text NOT NULL,
      "version" text NOT NULL,
      "http_url" text NOT NULL,
      "started_at" timestamptz NOT NULL
    )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "${schemaOf(q)}"."boots"`);
  }
}

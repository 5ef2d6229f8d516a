import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Local persistent volumes held by apps (resident instances), keyed by the disk's source id. */
export class MarathonVolumeClaims1764000000000 implements MigrationInterface {
  name = 'MarathonVolumeClaims1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const schema = (q.connection.options as { schema?: string }).schema;
    if (!schema) throw new Error('marathon data source has no schema');
    await q.query(`CREATE TABLE "${schema}"."volume_claims" (
      "source_id" text PRIMARY KEY,
      "app_id" text NOT NULL,
      "data" jsonb NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = (q.connection.options as { schema?: string }).schema;
    await q.query(`DROP TABLE IF EXISTS "${schema}"."volume_claims"`);
  }
}

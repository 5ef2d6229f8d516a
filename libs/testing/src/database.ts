import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A brand-new database for one suite, so runs never see each other's rows. */
export async function createTestDatabase(label = 'e2e'): Promise<TestDatabase> {
  const run = process.env.DCOS_TEST_RUN_ID ?? randomBytes(3).toString('hex');
  const name =
    `dcos_${label.replace(/[^a-z0-9_]/gi, '_')}_${run}_${randomBytes(3).toString('hex')}`.toLowerCase();
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(TEST_POSTGRES_URL, name),
    async drop() {
      const c = new Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A NATS subject prefix no other run uses. */
export function uniquePrefix(label = 't'): string {
  const run = process.env.DCOS_TEST_RUN_ID ?? randomBytes(3).toString('hex');
  return `${label}_${run}_${randomBytes(3).toString('hex')}`;
}

import { Client } from 'pg';
import { ServiceBoot, CreateBoots1763780000000 } from './boots';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';

export interface ServiceDatabaseOptions {
  /** postgres://… of the cluster database. */
  url: string;
  /** The one schema this service owns (e.g. `master`). */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]*$/;

/**
 * TypeORM options for one service schema: migrations run at start-up, never
 * `synchronize`; the migrations table lives inside the service's own schema.
 */
export function serviceDataSourceOptions(o: ServiceDatabaseOptions): DataSourceOptions {
  if (!SCHEMA_RE.test(o.schema)) throw new Error(`invalid schema name "${o.schema}"`);
  return {
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: [ServiceBoot, ...(o.entities as unknown[])] as DataSourceOptions['entities'],
    migrations: [
      CreateBoots1763780000000,
      ...(o.migrations as unknown[]),
    ] as DataSourceOptions['migrations'],
    migrationsRun: true,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: {
      max: o.poolSize ?? 10,
      connectionTimeoutMillis: 3_000,
      // Lets /health notice a dead server quickly instead of hanging on a socket.
      query_timeout: 10_000,
      application_name: `dcos-${o.schema}`,
    },
  };
}

/** TypeORM creates its migrations table before running migrations, so the schema must exist first. */
export async function ensureSchema(url: string, schema: string): Promise<void> {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (e) {
    // Two services booting at once may race on CREATE SCHEMA; the loser sees a duplicate.
    if ((e as { code?: string }).code !== '23505' && (e as { code?: string }).code !== '42P06')
      throw e;
  } finally {
    await client.end();
  }
}

/** Create (if missing) the database named in `url`, connecting through the `postgres` database. */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } catch (e) {
        if ((e as { code?: string }).code !== '42P04') throw e;
      }
    }
  } finally {
    await client.end();
  }
}

/** A DataSource for scripts and tests (migrations run on initialize). */
export async function openServiceDatabase(o: ServiceDatabaseOptions): Promise<DataSource> {
  await ensureSchema(o.url, o.schema);
  const ds = new DataSource(serviceDataSourceOptions(o));
  await ds.initialize();
  return ds;
}

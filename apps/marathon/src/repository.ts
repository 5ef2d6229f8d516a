import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppDefinition } from './app-definition';
import type { DeploymentRecord, ExplicitGroup, Instance } from './model';

export interface StoredState {
  apps: AppDefinition[];
  groups: ExplicitGroup[];
  deployments: DeploymentRecord[];
  instances: Instance[];
  frameworkId?: string;
}

/**
 * Marathon's Postgres state. Apps, groups and deployments are written through (a changing API
 * call answers after they are stored); instances change on every status update, so they are
 * written behind in batches, and flushed before a launch so a restart never duplicates one.
 */
@Injectable()
export class Repository implements OnModuleDestroy {
  private readonly logger = new Logger('repository');
  private readonly dirty = new Map<string, Instance | null>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly alsoFlushed = new Set<() => Promise<void>>();

  constructor(private readonly ds: DataSource) {}

  private t(name: string): string {
    const schema = (this.ds.options as { schema?: string }).schema ?? 'marathon';
    return `"${schema}"."${name}"`;
  }

  async load(): Promise<StoredState> {
    const apps = await this.ds.query(`SELECT definition FROM ${this.t('apps')}`);
    const groups = await this.ds.query(`SELECT definition FROM ${this.t('groups')}`);
    const deployments = await this.ds.query(`SELECT record FROM ${this.t('deployments')}`);
    const instances = await this.ds.query(`SELECT data FROM ${this.t('instances')}`);
    const fw = await this.ds.query(`SELECT value FROM ${this.t('framework')} WHERE key = 'id'`);
    return {
      apps: apps.map((r: { definition: AppDefinition }) => r.definition),
      groups: groups.map((r: { definition: ExplicitGroup }) => r.definition),
      deployments: deployments.map((r: { record: DeploymentRecord }) => r.record),
      instances: instances.map((r: { data: Instance }) => r.data),
      frameworkId: fw[0]?.value,
    };
  }

  /** Store apps (new versions are kept for /versions), remove deleted ones, in one transaction. */
  async saveApps(
    put: AppDefinition[],
    remove: string[],
    groups: ExplicitGroup[] = [],
    removeGroups: string[] = [],
  ): Promise<void> {
    await this.ds.transaction(async (m) => {
      for (const a of put) {
        await m.query(
          `INSERT INTO ${this.t('apps')} (id, version, definition) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, definition = EXCLUDED.definition`,
          [a.id, a.version, JSON.stringify(a)],
        );
        await m.query(
          `INSERT INTO ${this.t('app_versions')} (app_id, version, definition) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [a.id, a.version, JSON.stringify(a)],
        );
      }
      for (const id of remove) {
        await m.query(`DELETE FROM ${this.t('apps')} WHERE id = $1`, [id]);
        await m.query(`DELETE FROM ${this.t('app_versions')} WHERE app_id = $1`, [id]);
      }
      for (const g of groups)
        await m.query(
          `INSERT INTO ${this.t('groups')} (id, definition) VALUES ($1, $2)
           ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition`,
          [g.id, JSON.stringify(g)],
        );
      for (const id of removeGroups)
        await m.query(`DELETE FROM ${this.t('groups')} WHERE id = $1`, [id]);
    });
  }

  async versions(appId: string): Promise<string[]> {
    const rows = await this.ds.query(
      `SELECT version FROM ${this.t('app_versions')} WHERE app_id = $1 ORDER BY version DESC`,
      [appId],
    );
    return rows.map((r: { version: string }) => r.version);
  }

  async version(appId: string, version: string): Promise<AppDefinition | undefined> {
    const rows = await this.ds.query(
      `SELECT definition FROM ${this.t('app_versions')} WHERE app_id = $1 AND version = $2`,
      [appId, version],
    );
    return rows[0]?.definition;
  }

  async saveDeployment(d: DeploymentRecord): Promise<void> {
    await this.ds.query(
      `INSERT INTO ${this.t('deployments')} (id, record) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record`,
      [d.id, JSON.stringify(d)],
    );
  }

  async removeDeployment(id: string): Promise<void> {
    await this.ds.query(`DELETE FROM ${this.t('deployments')} WHERE id = $1`, [id]);
  }

  async saveFrameworkId(id: string | undefined): Promise<void> {
    if (id === undefined)
      await this.ds.query(`DELETE FROM ${this.t('framework')} WHERE key = 'id'`);
    else
      await this.ds.query(
        `INSERT INTO ${this.t('framework')} (key, value) VALUES ('id', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [id],
      );
  }

  /** Queue an instance write (null = delete); flushed within 200 ms. */
  instanceChanged(id: string, instance: Instance | null): void {
    this.dirty.set(id, instance ? structuredClone(instance) : null);
    this.timer ??= setTimeout(() => void this.flush(), 200);
  }

  /** Write every queued instance change now (one transaction, multi-row statements). */
  flush(): Promise<void> {
    const others = [...this.alsoFlushed].map((f) => f());
    return Promise.all([this.flushInstances(), ...others]).then(() => undefined);
  }

  /** Other write-behind state a launch must find stored (volume claims) joins `flush`. */
  alsoFlush(f: () => Promise<void>): void {
    this.alsoFlushed.add(f);
  }

  private flushInstances(): Promise<void> {
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(async () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        if (this.dirty.size === 0) return;
        const batch = [...this.dirty.entries()];
        this.dirty.clear();
        const upserts = batch.filter((e): e is [string, Instance] => e[1] !== null);
        const deletes = batch.filter(([, v]) => v === null).map(([k]) => k);
        try {
          await this.ds.transaction(async (m) => {
            for (let i = 0; i < upserts.length; i += 500) {
              const chunk = upserts.slice(i, i + 500);
              const params: unknown[] = [];
              const values = chunk.map(([id, inst], j) => {
                params.push(id, inst.appId, JSON.stringify(inst));
                return `($${j * 3 + 1}, $${j * 3 + 2}, $${j * 3 + 3})`;
              });
              await m.query(
                `INSERT INTO ${this.t('instances')} (instance_id, app_id, data) VALUES ${values.join(',')}
               ON CONFLICT (instance_id) DO UPDATE SET data = EXCLUDED.data`,
                params,
              );
            }
            if (deletes.length)
              await m.query(`DELETE FROM ${this.t('instances')} WHERE instance_id = ANY($1)`, [
                deletes,
              ]);
          });
        } catch (e) {
          // Keep the changes for the next attempt (newer queued values win).
          for (const [k, v] of batch) if (!this.dirty.has(k)) this.dirty.set(k, v);
          this.timer ??= setTimeout(() => void this.flush(), 1_000);
          this.logger.warn(`instance write failed, will retry: ${(e as Error).message}`);
          throw e;
        }
      });
    return this.flushing.catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }
}

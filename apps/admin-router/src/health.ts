import { Logger } from '@nestjs/common';
import { ServiceInfoContract, type ServiceInfo } from '@dcos/contracts';
import type { NatsClient } from '@dcos/nats';
import { SharedCache } from './cache';

/** One component as `/system/health/v1` reports it (dcos-diagnostics' unit shape). */
export interface ComponentHealth {
  id: string;
  name: string;
  /** dcos-diagnostics: 0 healthy, 1 unhealthy. */
  health: 0 | 1;
  output: string;
  description: string;
  help: string;
  url: string;
  version: string;
  started_at: string;
}

const ORDER = ['master', 'agent', 'marathon', 'mesos-dns', 'iam', 'dss', 'admin-router'];

/** Why a `/health` answer is not 200, from the terminus error body. */
function reasonOf(body: unknown, status: number): string {
  const errors = (body as { error?: Record<string, { message?: string }> })?.error ?? {};
  const parts = Object.entries(errors).map(([k, v]) => `${k}: ${v?.message ?? 'down'}`);
  return parts.length ? parts.join('; ') : `HTTP ${status}`;
}

/**
 * The cluster's components and their health: found through the NATS presence ping (and
 * `serviceStarted`), each asked for its `/health`. A component seen once and gone silent stays
 * listed as unhealthy, so a stopped service shows up instead of disappearing.
 */
export class ClusterHealth {
  private readonly logger = new Logger('health');
  private readonly known = new Map<string, ServiceInfo>();
  private readonly cache: SharedCache<ComponentHealth[]>;

  constructor(
    private readonly nats: Pick<NatsClient, 'subjects' | 'gather' | 'subscribe'>,
    private readonly o: { pingWaitMs: number; cacheMs: number; timeoutMs?: number },
  ) {
    this.cache = new SharedCache(o.cacheMs, 1);
  }

  watch(): void {
    this.nats.subscribe<ServiceInfo>(
      this.nats.subjects.serviceStarted,
      (info) => this.remember(info),
      {
        input: ServiceInfoContract,
      },
    );
  }

  private remember(info: ServiceInfo): void {
    // A restart on the same address replaces the old instance entry.
    for (const [id, k] of this.known)
      if (k.http === info.http && id !== info.instance) this.known.delete(id);
    this.known.set(info.instance, info);
  }

  components(): Promise<ComponentHealth[]> {
    return this.cache.get('all', () => this.probe());
  }

  private async probe(): Promise<ComponentHealth[]> {
    let answered: ServiceInfo[] = [];
    try {
      answered = await this.nats.gather(
        this.nats.subjects.servicePing,
        { from: 'admin-router' },
        this.o.pingWaitMs,
        ServiceInfoContract,
      );
    } catch (e) {
      this.logger.warn(`presence ping failed: ${(e as Error).message}`);
    }
    for (const info of answered) this.remember(info);
    const live = new Set(answered.map((a) => a.instance));
    const out = await Promise.all(
      [...this.known.values()].map(async (info): Promise<ComponentHealth> => {
        const base = {
          id: info.instance,
          name: info.service,
          description: `dcos-ts ${info.service}`,
          help: `${info.http}/health`,
          url: info.http,
          version: info.version,
          started_at: info.startedAt,
        };
        try {
          const res = await fetch(`${info.http}/health`, {
            signal: AbortSignal.timeout(this.o.timeoutMs ?? 2_000),
          });
          const text = await res.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          if (res.status === 200) {
            return live.has(info.instance)
              ? { ...base, health: 0, output: 'healthy' }
              : { ...base, health: 1, output: 'does not answer the NATS presence ping' };
          }
          return { ...base, health: 1, output: reasonOf(body, res.status) };
        } catch (e) {
          return { ...base, health: 1, output: `unreachable: ${(e as Error).message}` };
        }
      }),
    );
    return out.sort(
      (a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name) || a.id.localeCompare(b.id),
    );
  }
}

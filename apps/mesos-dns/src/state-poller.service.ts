import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { parseUpid, type MesosState } from '@dcos/mesos-dns-records';
import { RecordsService } from './records.service';
import { CONFIG, type MesosDnsConfig } from './settings';

/**
 * Optional polling of a Mesos-compatible `/master/state` (`MESOS_DNS_MASTERS` /
 * `--masters`), every `MESOS_DNS_REFRESH_SECONDS`. Tries the masters in order; a
 * state without a leader is refused; a non-leading master's answer is replaced
 * by the leader's. On failure the last good records stay.
 */
@Injectable()
export class StatePoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('state-poller');
  private timer?: NodeJS.Timeout;
  private running?: Promise<boolean>;
  lastError?: string;

  constructor(
    @Inject(CONFIG) private readonly config: MesosDnsConfig,
    private readonly records: RecordsService,
  ) {}

  get enabled(): boolean {
    return this.config.MESOS_DNS_MASTERS.length > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.records.setMasters(this.config.MESOS_DNS_MASTERS);
    void this.refresh();
    this.timer = setInterval(
      () => void this.refresh(),
      this.config.MESOS_DNS_REFRESH_SECONDS * 1000,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One refresh; resolves true when records were reloaded. */
  refresh(): Promise<boolean> {
    this.running ??= this.doRefresh().finally(() => (this.running = undefined));
    return this.running;
  }

  private async doRefresh(): Promise<boolean> {
    const errors: string[] = [];
    for (const master of this.config.MESOS_DNS_MASTERS) {
      try {
        let state = await this.fetchState(master);
        if (!state.leader) throw new Error('state has no leader');
        const leader = parseUpid(state.leader);
        const [host] = master.split(/:(?=[^:]*$)/);
        if (leader && leader.host !== host.replace(/^\[|\]$/g, '')) {
          const at = leader.host.includes(':') ? `[${leader.host}]` : leader.host;
          state = await this.fetchState(`${at}:${leader.port}`);
          if (!state.leader) throw new Error('leader state has no leader');
        }
        this.records.loadState(state);
        if (this.lastError) this.logger.log(`state loaded from ${master} again`);
        this.lastError = undefined;
        return true;
      } catch (e) {
        errors.push(`${master}: ${(e as Error).message}`);
      }
    }
    const msg = `no master gave a usable /master/state (${errors.join('; ')}); keeping the last records`;
    if (msg !== this.lastError) this.logger.warn(msg);
    this.lastError = msg;
    return false;
  }

  private async fetchState(hostPort: string): Promise<MesosState> {
    const res = await fetch(`http://${hostPort}/master/state`, {
      headers: { 'User-Agent': 'Mesos-DNS', Connection: 'close' },
      signal: AbortSignal.timeout(this.config.MESOS_DNS_STATE_TIMEOUT_SECONDS * 1000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new Error('not a JSON object');
    }
    return body as MesosState;
  }
}

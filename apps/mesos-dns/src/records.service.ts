import { lookup } from 'node:dns/promises';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import {
  MesosDnsModel,
  normaliseIp,
  type GeneratorOptions,
  type MesosState,
  type NameRecords,
} from '@dcos/mesos-dns-records';
import type { RecordSource } from './dns/handler';
import { SETTINGS, type MesosDnsSettings } from './settings';

/** How often looked-up host names are looked up again (Mesos-DNS does it on every reload). */
export const HOST_REFRESH_MS = 60_000;

/** The live record set: one MesosDnsModel, its SOA serial, and what fed it last. */
@Injectable()
export class RecordsService implements RecordSource, OnModuleDestroy {
  readonly model: MesosDnsModel;
  /** Unix seconds, set at start and on every reload (Mesos-DNS SOASerial). */
  serial = Math.floor(Date.now() / 1000);
  lastLoad?: Date;
  private masters: string[] = [];
  /**
   * Addresses of host names that are not IP literals (a framework's or agent's hostname),
   * looked up as Mesos-DNS's hostToIPs does, but off the query path: a name gets its
   * records once its lookup answers.
   */
  private readonly hosts = new Map<string, readonly string[]>();
  private readonly looking = new Set<string>();
  private readonly hostTimer: NodeJS.Timeout;
  /** Settles when the lookups under way have answered (tests). */
  lookups: Promise<void> = Promise.resolve();

  constructor(@Inject(SETTINGS) readonly settings: MesosDnsSettings) {
    this.model = new MesosDnsModel(this.optionsOf());
    this.hostTimer = setInterval(() => {
      for (const host of this.hosts.keys()) this.lookUp(host);
    }, HOST_REFRESH_MS);
    this.hostTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.hostTimer);
  }

  /** Configured masters feed masterN records; set before the first load. */
  setMasters(masters: string[]): void {
    this.masters = masters;
    this.model.reconfigure(this.optionsOf());
  }

  loadState(state: MesosState): void {
    this.model.loadState(state);
    this.serial = Math.floor(Date.now() / 1000);
    this.lastLoad = new Date();
  }

  /** An incremental change: bump the SOA serial as a reload does. */
  touch(): void {
    this.serial = Math.max(this.serial + 1, Math.floor(Date.now() / 1000));
    this.lastLoad = new Date();
  }

  get(name: string): NameRecords | undefined {
    return this.model.store.get(name);
  }

  private resolveHost(host: string): readonly string[] | undefined {
    const known = this.hosts.get(host);
    if (known === undefined) this.lookUp(host);
    return known;
  }

  private lookUp(host: string): void {
    if (this.looking.has(host) || host.length > 253 || normaliseIp(host)) return;
    this.looking.add(host);
    const done = lookup(host, { all: true, verbatim: true })
      .then((found) => found.map((a) => a.address))
      .catch(() => [] as string[])
      .then((ips) => {
        this.looking.delete(host);
        const before = this.hosts.get(host);
        this.hosts.set(host, ips);
        const changed =
          before === undefined
            ? ips.length > 0
            : before.length !== ips.length || before.some((ip, i) => ip !== ips[i]);
        if (!changed) return;
        // Rare (a new or moved host): regenerating every record keeps the model simple.
        this.model.reconfigure(this.optionsOf());
        this.touch();
      });
    this.lookups = Promise.all([this.lookups, done]).then(() => undefined);
  }

  private optionsOf(): GeneratorOptions {
    const s = this.settings;
    return {
      domain: s.domain,
      enforceRFC952: s.enforceRFC952,
      ipSources: s.ipSources,
      soaMname: s.soaMname,
      listenerIPs: s.listenerIPs,
      agentAlias: s.agentAlias,
      masters: this.masters,
      resolveHost: (host) => this.resolveHost(host),
    };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { MesosDnsModel, type MesosState, type NameRecords } from '@dcos/mesos-dns-records';
import type { RecordSource } from './dns/handler';
import { SETTINGS, type MesosDnsSettings } from './settings';

/** The live record set: one MesosDnsModel, its SOA serial, and what fed it last. */
@Injectable()
export class RecordsService implements RecordSource {
  readonly model: MesosDnsModel;
  /** Unix seconds, set at start and on every reload (Mesos-DNS SOASerial). */
  serial = Math.floor(Date.now() / 1000);
  lastLoad?: Date;

  constructor(@Inject(SETTINGS) readonly settings: MesosDnsSettings) {
    this.model = new MesosDnsModel({
      domain: settings.domain,
      enforceRFC952: settings.enforceRFC952,
      ipSources: settings.ipSources,
      soaMname: settings.soaMname,
      listenerIPs: settings.listenerIPs,
      agentAlias: settings.agentAlias,
      masters: [],
    });
  }

  /** Configured masters feed masterN records; set before the first load. */
  setMasters(masters: string[]): void {
    this.model.reconfigure({ ...this.optionsOf(), masters });
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

  private optionsOf() {
    const s = this.settings;
    return {
      domain: s.domain,
      enforceRFC952: s.enforceRFC952,
      ipSources: s.ipSources,
      soaMname: s.soaMname,
      listenerIPs: s.listenerIPs,
      agentAlias: s.agentAlias,
    };
  }
}

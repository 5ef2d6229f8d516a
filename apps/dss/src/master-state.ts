import { Injectable } from '@nestjs/common';
import { NatsClient } from '@dcos/nats';
import type { StorageProvider } from '@dcos/contracts';
import { DssError } from './errors';

export type { StorageProvider };

/** The leading master's `/master/state` over NATS (to tell whether a volume is in use). */
@Injectable()
export class MasterStateClient {
  constructor(private readonly nats: NatsClient) {}

  async state(): Promise<unknown> {
    try {
      return await this.nats.request(this.nats.subjects.masterState, {}, { timeoutMs: 3_000 });
    } catch (e) {
      throw new DssError(
        503,
        `cannot tell whether the volume is in use: the master did not answer (${(e as Error).message})`,
      );
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import {
  AgentStorageInventoryContract,
  AgentStorageProvidersContract,
  AgentStorageProviderRemovedContract,
  StorageProviderContract,
  subjectFor,
  type AgentStorageInventory,
  type AgentStorageProviderCreate,
  type StorageProvider,
} from '@dcos/contracts';
import { NatsClient, NatsRequestError } from '@dcos/nats';
import { DssError } from './errors';
import { DSS_CONFIG, type DssSettings } from './tokens';

const AGENT_CODE_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  INVALID_PAYLOAD: 400,
  NOT_FOUND: 422,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  UNAVAILABLE: 503,
};

/** DSS's view of the agents' storage, over NATS. */
@Injectable()
export class AgentsClient {
  constructor(
    private readonly nats: NatsClient,
    @Inject(DSS_CONFIG) private readonly config: DssSettings,
  ) {}

  /** Every agent that answers within the gather window, with devices and providers. */
  async inventory(waitMs = 600): Promise<AgentStorageInventory[]> {
    const all = await this.nats.gather(
      this.nats.subjects.agentStorageInventory,
      {},
      waitMs,
      AgentStorageInventoryContract,
    );
    return all.sort((a, b) => a.agent_id.localeCompare(b.agent_id));
  }

  async providers(node: string): Promise<StorageProvider[] | undefined> {
    try {
      const r = await this.nats.request(
        subjectFor(this.nats.prefix, 'agentStorageProviders', node),
        {},
        {
          timeoutMs: Math.min(this.config.DSS_AGENT_TIMEOUT_MS, 2_000),
          answer: AgentStorageProvidersContract,
        },
      );
      return r.providers;
    } catch {
      return undefined;
    }
  }

  createProvider(node: string, req: AgentStorageProviderCreate): Promise<StorageProvider> {
    return this.call(node, () =>
      this.nats.request(subjectFor(this.nats.prefix, 'agentStorageProviderCreate', node), req, {
        timeoutMs: Math.max(this.config.DSS_AGENT_TIMEOUT_MS, 60_000),
        answer: StorageProviderContract,
      }),
    );
  }

  async removeProvider(node: string, name: string): Promise<void> {
    await this.call(node, () =>
      this.nats.request(
        subjectFor(this.nats.prefix, 'agentStorageProviderRemove', node),
        { name },
        {
          timeoutMs: Math.max(this.config.DSS_AGENT_TIMEOUT_MS, 60_000),
          answer: AgentStorageProviderRemovedContract,
        },
      ),
    );
  }

  private async call<T>(node: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof NatsRequestError)) throw e;
      if (e.code === '503' || /no responders/i.test(e.message))
        throw new DssError(
          422,
          `spec.node: no agent "${node}" answers (unknown node or its agent is down)`,
          [{ field: 'spec.node', message: `no agent "${node}" answers` }],
        );
      if (e.code === 'TIMEOUT' || /timeout/i.test(e.message))
        throw new DssError(503, `agent "${node}" did not answer in time`);
      throw new DssError(AGENT_CODE_STATUS[e.code ?? ''] ?? 502, `agent "${node}": ${e.message}`);
    }
  }
}

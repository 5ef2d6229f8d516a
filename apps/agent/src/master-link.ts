import {
  AgentHeartbeatReplyContract,
  AgentRegisteredContract,
  type AgentHeartbeat,
  type AgentRegister,
  type AgentRegistered,
} from '@dcos/contracts';
import type { NatsClient } from '@dcos/nats';

export interface MasterLinkOptions {
  /** Builds the registration message at the moment it is sent (current tasks). */
  registration: () => AgentRegister;
  /** Called on every successful (re-)registration, before heartbeats start. */
  onRegistered: (reply: AgentRegistered, reregistration: boolean) => void | Promise<void>;
  /** Delay between registration attempts while the master does not answer. */
  backoffMs: number;
  /** Heartbeat timeout (default: the interval, at least 1 s). */
  requestTimeoutMs?: number;
  /**
   * The owner sends the heartbeats (a hollow fleet, one batch for all its nodes) and
   * reports each outcome with `beatAnswered` / `beatFailed`; the link sends none itself.
   */
  externalHeartbeats?: boolean;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export type LinkState = 'registering' | 'registered' | 'disconnected' | 'stopped';

/**
 * One agent's session with the leading master: register (with the tasks it runs), then
 * heartbeat every `heartbeat_interval_ms`. `known: false`, a new master id or two missed
 * heartbeats in a row mean the master restarted or lost the agent: register again.
 */
export class MasterLink {
  state: LinkState = 'registering';
  masterId?: string;
  agentId?: string;
  heartbeatIntervalMs = 1_000;
  registeredAt?: number;
  lastHeartbeatAt?: number;
  registrations = 0;
  private missed = 0;
  private failedRegistrations = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly nats: NatsClient,
    private readonly o: MasterLinkOptions,
  ) {}

  start(delayMs = 0): void {
    this.schedule(() => this.register(), delayMs);
  }

  stop(): void {
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
  }

  /** Register again now (e.g. the agent learned the master moved). */
  reregisterSoon(): void {
    if (this.stopped()) return;
    this.state = 'registering';
    this.schedule(() => this.register(), 0);
  }

  private stopped(): boolean {
    return this.state === 'stopped';
  }

  private schedule(fn: () => Promise<void>, ms: number): void {
    if (this.stopped()) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void fn(), ms);
  }

  private async register(): Promise<void> {
    if (this.stopped()) return;
    const msg = this.o.registration();
    const reregistration = msg.agent_id !== undefined;
    let reply: AgentRegistered;
    try {
      reply = await this.nats.request(this.nats.subjects.masterAgentRegister, msg, {
        timeoutMs: Math.max(this.o.backoffMs, 2_000),
        answer: AgentRegisteredContract,
      });
    } catch (e) {
      if (this.failedRegistrations++ % 30 === 0) {
        this.o.log(
          'warn',
          `registration with the master failed: ${(e as Error).message}; retrying`,
        );
      }
      this.state = 'registering';
      this.schedule(() => this.register(), this.o.backoffMs);
      return;
    }
    if (this.stopped()) return;
    this.registrations++;
    this.failedRegistrations = 0;
    this.masterId = reply.master_id;
    this.agentId = reply.agent_id.value;
    this.heartbeatIntervalMs = reply.heartbeat_interval_ms;
    this.registeredAt = Date.now();
    this.missed = 0;
    this.state = 'registered';
    try {
      await this.o.onRegistered(reply, reregistration);
    } catch (e) {
      this.o.log('error', `handling the registration reply failed: ${(e as Error).message}`);
    }
    if (!this.o.externalHeartbeats) this.schedule(() => this.heartbeat(), this.heartbeatIntervalMs);
  }

  private async heartbeat(): Promise<void> {
    if (this.state === 'stopped' || !this.agentId) return;
    const payload: AgentHeartbeat = { agent_id: { value: this.agentId } };
    try {
      const reply = await this.nats.request(this.nats.subjects.masterAgentHeartbeat, payload, {
        timeoutMs: this.o.requestTimeoutMs ?? Math.max(this.heartbeatIntervalMs, 1_000),
        answer: AgentHeartbeatReplyContract,
      });
      if (this.stopped()) return;
      if (this.beatAnswered(reply.known, reply.master_id)) return;
    } catch (e) {
      if (this.stopped()) return;
      this.beatFailed(e as Error);
    }
    this.schedule(() => this.heartbeat(), this.heartbeatIntervalMs);
  }

  /** A heartbeat of this agent was answered; true when that means registering again. */
  beatAnswered(known: boolean, masterId: string): boolean {
    if (this.stopped()) return true;
    this.lastHeartbeatAt = Date.now();
    const lostUs = !known || masterId !== this.masterId || this.missed >= 2;
    this.missed = 0;
    if (lostUs) {
      this.o.log(
        'info',
        !known
          ? 'the master does not know this agent: re-registering'
          : masterId !== this.masterId
            ? `a new master (${masterId}) leads: re-registering`
            : 'the master answers again: re-registering',
      );
      this.state = 'registering';
      this.schedule(() => this.register(), 0);
      return true;
    }
    this.state = 'registered';
    return false;
  }

  /** A heartbeat of this agent got no answer. */
  beatFailed(e: Error): void {
    if (this.stopped()) return;
    this.missed++;
    if (this.missed === 2) {
      this.o.log('warn', `the master stopped answering heartbeats: ${e.message}`);
    }
    if (this.missed >= 2) this.state = 'disconnected';
  }
}

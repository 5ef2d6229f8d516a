import { Injectable } from '@nestjs/common';

export interface MarathonEvent {
  eventType: string;
  timestamp: string;
  [k: string]: unknown;
}

type Listener = (e: MarathonEvent) => void;

/** Marathon's event bus: everything /v2/events streams (in order, per subscriber). */
@Injectable()
export class EventBus {
  private readonly listeners = new Set<Listener>();

  publish(eventType: string, data: Record<string, unknown>): void {
    const e: MarathonEvent = { ...data, eventType, timestamp: new Date().toISOString() };
    for (const l of this.listeners) l(e);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}

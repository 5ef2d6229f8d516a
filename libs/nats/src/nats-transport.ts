import {
  CustomTransportStrategy,
  Server,
  BaseRpcContext,
  type MessageHandler,
} from '@nestjs/microservices';
import type { Msg, Subscription } from 'nats';
import { isObservable, lastValueFrom } from 'rxjs';
import { NatsClient, decodeOrThrow, toErrorReply } from './nats-client';
import { JSONCodec } from 'nats';

const codec = JSONCodec<unknown>();

/** Context handed to @MessagePattern/@EventPattern handlers: the concrete subject and message. */
export class NatsMessageContext extends BaseRpcContext<[string, Msg]> {
  getSubject(): string {
    return this.args[0];
  }
  getMessage(): Msg {
    return this.args[1];
  }
}

/**
 * NestJS transport on the service's shared NatsClient. Patterns are the versioned
 * names from `SUBJECT_NAMES` (`v1.…`); the cluster prefix is added here, so controllers
 * never see it. Requests (@MessagePattern) are load-balanced across a service's
 * instances with a queue group; events (@EventPattern) reach every instance.
 */
export class NatsTransport extends Server implements CustomTransportStrategy {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly client: NatsClient,
    private readonly opts: { queue: string },
  ) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    try {
      for (const [pattern, handler] of this.getHandlers()) {
        this.subscriptions.push(this.bind(pattern, handler));
      }
      callback();
    } catch (e) {
      callback(e);
    }
  }

  private bind(pattern: string, handler: MessageHandler): Subscription {
    const subject = `${this.client.prefix}.${pattern}`;
    const nc = this.client.connection;
    return nc.subscribe(subject, {
      queue: handler.isEventHandler ? undefined : this.opts.queue,
      callback: (err, msg) => {
        if (err) return;
        const ctx = new NatsMessageContext([msg.subject, msg]);
        void (async () => {
          let data: unknown;
          try {
            data = decodeOrThrow(msg.data);
          } catch (e) {
            if (msg.reply) msg.respond(codec.encode(toErrorReply(e)));
            return;
          }
          if (handler.isEventHandler) {
            await this.handleEvent(pattern, { pattern, data }, ctx).catch((e) =>
              this.logger.error(`event ${pattern}: ${(e as Error).message}`),
            );
            return;
          }
          let reply;
          try {
            let result: unknown = await handler(data, ctx);
            if (isObservable(result)) result = await lastValueFrom(result);
            reply = { ok: true as const, data: result };
          } catch (e) {
            reply = toErrorReply(e);
          }
          if (msg.reply) msg.respond(this.client.encodeReply(reply));
        })();
      },
    });
  }

  on(): never {
    throw new Error('NatsTransport does not expose transport events; use NatsClient status');
  }

  unwrap<T>(): T {
    return this.client.connection as T;
  }

  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
  }
}

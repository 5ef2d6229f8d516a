/**
 * A Mesos v1 scheduler HTTP API client for tests (a framework speaking the real protocol:
 * SUBSCRIBE with a RecordIO event stream, calls with Mesos-Stream-Id, auto-ACKNOWLEDGE).
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { waitFor } from './wait';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Incremental RecordIO parser (written here independently of the master's encoder). */
export function parseRecordIo(onRecord: (r: Json) => void): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      const len = parseInt(buf.subarray(0, nl).toString('ascii'), 10);
      if (buf.length < nl + 1 + len) return;
      onRecord(JSON.parse(buf.subarray(nl + 1, nl + 1 + len).toString('utf8')) as Json);
      buf = buf.subarray(nl + 1 + len);
    }
  };
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json?: Json }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  let json: Json | undefined;
  try {
    json = text ? (JSON.parse(text) as Json) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, text, json };
}

/** A framework on the v1 scheduler HTTP API. */
export class HttpScheduler {
  events: Json[] = [];
  frameworkId = '';
  streamId = '';
  status = 0;
  private req?: ClientRequest;
  private res?: IncomingMessage;
  autoAck = true;

  constructor(
    /** The master, or a path to it (e.g. `<admin router>/mesos`). */
    readonly masterUrl: string,
    readonly info: Json,
    /** Sent with every request (e.g. `authorization: token=…` through the Admin Router). */
    readonly headers: Record<string, string> = {},
  ) {}

  subscribe(id?: string): Promise<void> {
    const body = JSON.stringify({
      type: 'SUBSCRIBE',
      subscribe: { framework_info: { ...this.info, ...(id ? { id: { value: id } } : {}) } },
    });
    const u = new URL(`${this.masterUrl.replace(/\/+$/, '')}/api/v1/scheduler`);
    return new Promise((resolve, reject) => {
      this.req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...this.headers,
          },
        },
        (res) => {
          this.res = res;
          this.status = res.statusCode ?? 0;
          this.streamId = String(res.headers['mesos-stream-id'] ?? '');
          if (this.status !== 200) {
            reject(new Error(`SUBSCRIBE answered ${this.status}`));
            return;
          }
          res.on(
            'data',
            parseRecordIo((ev) => {
              this.events.push(ev);
              if (ev.type === 'SUBSCRIBED') {
                this.frameworkId = ev.subscribed.framework_id.value;
                resolve();
              }
              if (ev.type === 'UPDATE' && ev.update.status.uuid && this.autoAck) {
                void this.ack(ev.update.status).catch(() => undefined);
              }
            }),
          );
          res.on('error', () => undefined);
        },
      );
      this.req.on('error', (e) => reject(e));
      this.req.end(body);
    });
  }

  close(): void {
    this.res?.destroy();
    this.req?.destroy();
  }

  call(body: Json, headers: Record<string, string> = {}) {
    return post(
      `${this.masterUrl}/api/v1/scheduler`,
      { framework_id: { value: this.frameworkId }, ...body },
      { 'mesos-stream-id': this.streamId, ...this.headers, ...headers },
    );
  }

  ack(status: Json) {
    return this.call({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
    });
  }

  offers(agentId?: string): Json[] {
    const rescinded = new Set(
      this.events.filter((e) => e.type === 'RESCIND').map((e) => e.rescind.offer_id.value),
    );
    return this.events
      .filter((e) => e.type === 'OFFERS')
      .flatMap((e) => e.offers.offers as Json[])
      .filter((o) => !rescinded.has(o.id.value) && (!agentId || o.agent_id.value === agentId));
  }

  /** Waits for a fresh offer (one not used yet) from the agent. */
  async takeOffer(agentId: string, used: Set<string>): Promise<Json> {
    const offer = await waitFor(`an offer from ${agentId}`, () =>
      this.offers(agentId).find((o) => !used.has(o.id.value)),
    );
    used.add(offer.id.value);
    return offer;
  }

  updates(taskId: string): Json[] {
    return this.events
      .filter((e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId)
      .map((e) => e.update.status);
  }

  waitUpdate(taskId: string, state: string, timeoutMs = 15_000): Promise<Json> {
    return waitFor(
      `${taskId} ${state}`,
      () => this.updates(taskId).find((s) => s.state === state),
      { timeoutMs },
    );
  }
}

export function launchCall(offer: Json, tasks: Json[], filters?: Json): Json {
  return {
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
      ...(filters ? { filters } : {}),
    },
  };
}

export function taskInfo(
  id: string,
  agentId: string,
  opts: { cpus?: number; mem?: number; ports?: [number, number]; cmd?: string } = {},
): Json {
  const resources: Json[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: opts.cpus ?? 0.1 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: opts.mem ?? 32 } },
  ];
  if (opts.ports) {
    resources.push({
      name: 'ports',
      type: 'RANGES',
      ranges: { range: [{ begin: opts.ports[0], end: opts.ports[1] }] },
    });
  }
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources,
    command: { value: opts.cmd ?? 'sleep 1000', shell: true },
  };
}

/**
 * The Mesos v1 HTTP APIs in protobuf, end to end on a real cluster: the built master and a
 * real agent (real processes, real NATS and Postgres). A framework subscribes to
 * `/api/v1/scheduler` in protobuf (RecordIO stream of `mesos.v1.scheduler.Event`), takes an
 * offer, launches tasks with ACCEPT, acknowledges updates (bytes uuid) and kills; the operator
 * API (`/api/v1`, `/api/v1/operator`) answers GET_STATE / GET_AGENTS / GET_TASKS in protobuf,
 * as the DC/OS CLI asks for them, and every call answers 200. The same definitions encode and
 * decode both sides (the contracts codec).
 */
import * as fs from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  decodeMesos,
  encodeMesos,
  MESOS_MESSAGES,
  mesosFromJson,
  mesosToJson,
  mesosUnknownFields,
  RecordIoReader,
} from '@dcos/contracts';
import {
  createTestDatabase,
  freePort,
  killAgentTaskLeftovers,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

jest.setTimeout(180_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

interface Answer {
  status: number;
  contentType: string;
  bytes: Buffer;
}

async function postRaw(url: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    bytes: Buffer.from(await res.arrayBuffer()),
  } satisfies Answer;
}

/** A framework that speaks only protobuf to `/api/v1/scheduler`. */
class ProtobufScheduler {
  events: Json[] = [];
  /** Status of each ACKNOWLEDGE sent (in protobuf, with the update's bytes uuid). */
  acks: number[] = [];
  frameworkId = '';
  streamId = '';
  contentType = '';
  private req?: ClientRequest;
  private res?: IncomingMessage;

  constructor(
    /** The master, or a path to it (`<admin router>/mesos`). */
    readonly masterUrl: string,
    /** Sent with every request (`authorization: token=…` through the Admin Router). */
    readonly headers: Record<string, string> = {},
  ) {}

  subscribe(info: Json): Promise<void> {
    const u = new URL(`${this.masterUrl}/api/v1/scheduler`);
    const body = encodeMesos(MESOS_MESSAGES.schedulerCall, {
      type: 'SUBSCRIBE',
      subscribe: { framework_info: info },
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SUBSCRIBED within 30 s')), 30_000);
      this.req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { 'content-type': PROTOBUF, accept: PROTOBUF, ...this.headers },
        },
        (res) => {
          this.res = res;
          this.contentType = String(res.headers['content-type'] ?? '');
          this.streamId = String(res.headers['mesos-stream-id'] ?? '');
          if (res.statusCode !== 200) {
            clearTimeout(timer);
            reject(new Error(`SUBSCRIBE answered ${res.statusCode}`));
            return;
          }
          const reader = new RecordIoReader();
          res.on('data', (chunk: Buffer) => {
            for (const record of reader.push(chunk)) {
              const ev = decodeMesos(MESOS_MESSAGES.schedulerEvent, record);
              this.events.push(ev);
              if (ev.type === 'SUBSCRIBED') {
                this.frameworkId = (ev.subscribed as Json).framework_id.value;
                clearTimeout(timer);
                resolve();
              }
              // The master sends a task's next update once the previous one is acknowledged.
              const status = (ev.update as Json | undefined)?.status as Json | undefined;
              if (status?.uuid) {
                void this.call({
                  type: 'ACKNOWLEDGE',
                  acknowledge: {
                    agent_id: status.agent_id,
                    task_id: status.task_id,
                    uuid: status.uuid,
                  },
                }).then(
                  (r) => this.acks.push(r.status),
                  () => this.acks.push(0),
                );
              }
            }
          });
          res.on('error', () => undefined);
        },
      );
      this.req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      this.req.end(Buffer.from(body));
    });
  }

  call(call: Json): Promise<Answer> {
    return postRaw(
      `${this.masterUrl}/api/v1/scheduler`,
      encodeMesos(MESOS_MESSAGES.schedulerCall, {
        framework_id: { value: this.frameworkId },
        ...call,
      }),
      {
        'content-type': PROTOBUF,
        accept: PROTOBUF,
        'mesos-stream-id': this.streamId,
        ...this.headers,
      },
    );
  }

  offers(): Json[] {
    const rescinded = new Set(
      this.events.filter((e) => e.type === 'RESCIND').map((e) => e.rescind.offer_id.value),
    );
    return this.events
      .filter((e) => e.type === 'OFFERS')
      .flatMap((e) => e.offers.offers as Json[])
      .filter((o) => !rescinded.has(o.id.value));
  }

  updates(taskId: string): Json[] {
    return this.events
      .filter((e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId)
      .map((e) => e.update.status);
  }

  waitUpdate(taskId: string, state: string): Promise<Json> {
    return waitFor(
      `${taskId} ${state}`,
      () => this.updates(taskId).find((s) => s.state === state),
      {
        timeoutMs: 60_000,
      },
    );
  }

  close(): void {
    this.res?.destroy();
    this.req?.destroy();
  }
}

const task = (id: string, agentId: string): Json => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: agentId },
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
  ],
  command: { value: 'sleep 600', shell: true },
  labels: { labels: [{ key: 'suite', value: 'protobuf' }] },
});

describe('master and agent v1 HTTP APIs in protobuf (real master, real agent)', () => {
  let db: TestDatabase;
  let master: TestService;
  let agent: TestService;
  let workDir: string;
  let iamDir: string | undefined;
  let prefix: string;
  let agentId: string;
  let scheduler: ProtobufScheduler;

  /** An operator call in protobuf both ways, decoded with the same definitions. */
  const operatorPb = async (
    url: string,
    call: Json,
    response: string = MESOS_MESSAGES.masterResponse,
    headers: Record<string, string> = {},
  ): Promise<Answer & { json?: Json }> => {
    const callType =
      response === MESOS_MESSAGES.masterResponse
        ? MESOS_MESSAGES.masterCall
        : MESOS_MESSAGES.agentCall;
    const r = await postRaw(url, encodeMesos(callType, call), {
      'content-type': PROTOBUF,
      accept: PROTOBUF,
      ...headers,
    });
    return { ...r, json: r.status === 200 ? (decodeMesos(response, r.bytes) as Json) : undefined };
  };
  const operatorJson = async (url: string, call: Json) => {
    const r = await postRaw(url, JSON.stringify(call), {
      'content-type': JSON_TYPE,
      accept: JSON_TYPE,
    });
    return { ...r, json: r.bytes.length ? (JSON.parse(r.bytes.toString()) as Json) : undefined };
  };

  beforeAll(async () => {
    db = await createTestDatabase('mprotobuf');
    prefix = uniquePrefix('mpb');
    master = await startService('master', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MASTER_ALLOCATION_INTERVAL_MS: '200',
      MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
      MASTER_STATUS_UPDATE_RETRY_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpb-agent-'));
    agent = await startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_PORT: String(await freePort()),
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: '127.0.0.1',
      AGENT_RESOURCES: 'cpus:2;mem:1024;disk:1024;ports:[37000-37009]',
      AGENT_KILL_GRACE_MS: '300',
    });
    scheduler = new ProtobufScheduler(master.url);
    agentId = await waitFor(
      'the agent registered',
      async () => {
        const r = await operatorJson(`${master.url}/api/v1`, { type: 'GET_AGENTS' });
        return r.json?.get_agents?.agents?.[0]?.agent_info?.id?.value as string | undefined;
      },
      { timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    scheduler?.close();
    await stopAllServices();
    if (workDir) {
      killAgentTaskLeftovers(workDir);
      fs.rmSync(workDir, { recursive: true, force: true });
    }
    await db?.drop();
    if (iamDir) fs.rmSync(iamDir, { recursive: true, force: true });
  });

  it('answers every operator call 200, on /api/v1, /api/v1/operator and /master/api/v1', async () => {
    const types = [
      'GET_HEALTH',
      'GET_FLAGS',
      'GET_VERSION',
      'GET_METRICS',
      'GET_STATE',
      'GET_AGENTS',
      'GET_FRAMEWORKS',
      'GET_EXECUTORS',
      'GET_TASKS',
      'GET_MASTER',
    ];
    for (const p of ['/api/v1', '/api/v1/operator', '/master/api/v1', '/api/v1/anything']) {
      for (const type of types) {
        const r = await operatorJson(`${master.url}${p}`, { type });
        expect({ p, type, status: r.status }).toEqual({ p, type, status: 200 });
        expect(r.json?.type).toBe(type);
        const pb = await operatorPb(`${master.url}${p}`, { type });
        expect({ p, type, status: pb.status, ct: pb.contentType }).toEqual({
          p,
          type,
          status: 200,
          ct: PROTOBUF,
        });
        // The protobuf answer says what the JSON one says, less what the protocol has no field for.
        expect(pb.json?.type).toBe(type);
      }
    }
  });

  it('refuses other body types with 415 and other Accept types with 406, naming the header', async () => {
    for (const p of ['/api/v1', '/api/v1/scheduler']) {
      const r415 = await postRaw(`${master.url}${p}`, 'type=GET_HEALTH', {
        'content-type': 'text/plain',
      });
      expect(r415.status).toBe(415);
      expect(JSON.parse(r415.bytes.toString())).toMatchObject({
        message: expect.stringContaining('Content-Type'),
        errors: [{ field: 'Content-Type' }],
      });
      const call =
        p === '/api/v1'
          ? { type: 'GET_HEALTH' }
          : { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } };
      const r406 = await postRaw(`${master.url}${p}`, JSON.stringify(call), {
        'content-type': JSON_TYPE,
        accept: 'text/html',
      });
      expect(r406.status).toBe(406);
      expect(JSON.parse(r406.bytes.toString())).toMatchObject({ errors: [{ field: 'Accept' }] });
    }
    const bad = await postRaw(`${master.url}/api/v1`, Buffer.from([0x0a, 0x09, 0x01]), {
      'content-type': PROTOBUF,
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.bytes.toString()).message).toMatch(
      /^body: not a valid mesos\.v1\.master\.Call/,
    );
  });

  it('GET_AGENTS in protobuf (as `dcos node list` asks) says what the JSON answer says', async () => {
    const pb = await operatorPb(`${master.url}/api/v1`, { type: 'GET_AGENTS' });
    expect(pb.status).toBe(200);
    const [a] = pb.json?.get_agents.agents as Json[];
    expect(a).toMatchObject({
      agent_info: { id: { value: agentId }, hostname: '127.0.0.1', port: agent.port },
      active: true,
      pid: `slave(1)@127.0.0.1:${agent.port}`,
      registered_time: { nanoseconds: expect.any(Number) },
    });
    expect(a.total_resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }),
        expect.objectContaining({
          name: 'ports',
          type: 'RANGES',
          ranges: { range: [{ begin: 37000, end: 37009 }] },
        }),
      ]),
    );
    const json = await operatorJson(`${master.url}/api/v1`, { type: 'GET_AGENTS' });
    const viaCodec = mesosToJson(
      MESOS_MESSAGES.masterResponse,
      mesosFromJson(MESOS_MESSAGES.masterResponse, json.json),
    );
    expect(pb.json?.get_agents.agents[0].agent_info).toEqual(
      viaCodec.get_agents && (viaCodec.get_agents as Json).agents[0].agent_info,
    );
  });

  it('subscribes in protobuf: a RecordIO stream of protobuf Events, with offers from the agent', async () => {
    await scheduler.subscribe({
      user: 'root',
      name: 'protobuf-framework',
      roles: ['*'],
      capabilities: [{ type: 'MULTI_ROLE' }],
    });
    expect(scheduler.contentType).toBe(PROTOBUF);
    expect(scheduler.streamId).not.toBe('');
    const subscribed = scheduler.events[0];
    expect(subscribed).toMatchObject({
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: scheduler.frameworkId },
        heartbeat_interval_seconds: 2,
        master_info: { port: master.port },
      },
    });
    const offer = await waitFor('an offer', () => scheduler.offers()[0], { timeoutMs: 30_000 });
    expect(offer).toMatchObject({
      framework_id: { value: scheduler.frameworkId },
      agent_id: { value: agentId },
      hostname: '127.0.0.1',
      allocation_info: { role: '*' },
    });
    await waitFor('a heartbeat', () => scheduler.events.some((e) => e.type === 'HEARTBEAT'), {
      timeoutMs: 30_000,
    });
  });

  it('launches with ACCEPT in protobuf (202), gets updates and acknowledges them (bytes uuid)', async () => {
    const offer = scheduler.offers()[0];
    const r = await scheduler.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH',
            launch: { task_infos: [task('pb-1', agentId), task('pb-2', agentId)] },
          },
        ],
        filters: { refuse_seconds: 1 },
      },
    });
    expect(r.status).toBe(202);
    const running = await scheduler.waitUpdate('pb-1', 'TASK_RUNNING');
    await scheduler.waitUpdate('pb-2', 'TASK_RUNNING');
    expect(running).toMatchObject({
      task_id: { value: 'pb-1' },
      agent_id: { value: agentId },
      source: 'SOURCE_EXECUTOR',
    });
    expect(Buffer.from(running.uuid as string, 'base64')).toHaveLength(16);
    // Every update carried a 16-byte uuid and was acknowledged (202) in protobuf: TASK_RUNNING
    // only comes after the previous update's acknowledgement.
    const withUuid = () =>
      scheduler.events.filter((e) => e.type === 'UPDATE' && e.update.status.uuid).length;
    await waitFor('acknowledgements', () => scheduler.acks.length >= Math.max(2, withUuid()));
    expect(new Set(scheduler.acks)).toEqual(new Set([202]));
    // Acknowledged: the master forgets the pending update (status_update_state catches up).
    await waitFor('pb-1 acknowledged', async () => {
      const t = await operatorPb(`${master.url}/api/v1`, { type: 'GET_TASKS' });
      const found = (t.json?.get_tasks.tasks as Json[] | undefined)?.find(
        (x) => x.task_id.value === 'pb-1',
      );
      return found?.state === 'TASK_RUNNING' && found;
    });
  });

  it('GET_STATE and GET_TASKS in protobuf show the running tasks, as `dcos task list` asks', async () => {
    const st = await operatorPb(`${master.url}/api/v1`, { type: 'GET_STATE' });
    expect(st.status).toBe(200);
    const state = st.json?.get_state as Json;
    const t1 = (state.get_tasks.tasks as Json[]).find((t) => t.task_id.value === 'pb-1');
    expect(t1).toMatchObject({
      name: 'pb-1',
      framework_id: { value: scheduler.frameworkId },
      agent_id: { value: agentId },
      state: 'TASK_RUNNING',
      labels: { labels: [{ key: 'suite', value: 'protobuf' }] },
    });
    expect(t1?.statuses.at(-1)).toMatchObject({ state: 'TASK_RUNNING' });
    expect(state.get_frameworks.frameworks).toEqual([
      expect.objectContaining({
        framework_info: expect.objectContaining({
          name: 'protobuf-framework',
          id: { value: scheduler.frameworkId },
        }),
        active: true,
        connected: true,
      }),
    ]);
    expect(state.get_agents.agents[0].agent_info.id).toEqual({ value: agentId });
    const tasks = await operatorPb(`${master.url}/api/v1/operator`, { type: 'GET_TASKS' });
    expect((tasks.json?.get_tasks.tasks as Json[]).map((t) => t.task_id.value).sort()).toEqual([
      'pb-1',
      'pb-2',
    ]);
  });

  it('protobuf answers lose nothing of the JSON ones (every member has a Mesos field)', async () => {
    const lost: Record<string, string[]> = {};
    for (const type of [
      'GET_STATE',
      'GET_AGENTS',
      'GET_FRAMEWORKS',
      'GET_TASKS',
      'GET_MASTER',
      'GET_VERSION',
      'GET_FLAGS',
      'GET_METRICS',
      'GET_HEALTH',
      'GET_EXECUTORS',
    ]) {
      const j = await operatorJson(`${master.url}/api/v1`, { type });
      const unknown = mesosUnknownFields(MESOS_MESSAGES.masterResponse, j.json);
      if (unknown.length) lost[`master ${type}`] = unknown;
    }
    for (const type of [
      'GET_STATE',
      'GET_TASKS',
      'GET_FRAMEWORKS',
      'GET_EXECUTORS',
      'GET_AGENT',
      'GET_CONTAINERS',
      'GET_VERSION',
      'GET_FLAGS',
      'GET_METRICS',
      'GET_HEALTH',
    ]) {
      const j = await operatorJson(`${agent.url}/api/v1`, { type });
      const unknown = mesosUnknownFields(MESOS_MESSAGES.agentResponse, j.json);
      if (unknown.length) lost[`agent ${type}`] = unknown;
    }
    for (const ev of scheduler.events) {
      const unknown = mesosUnknownFields(MESOS_MESSAGES.schedulerEvent, ev);
      if (unknown.length) lost[`event ${String(ev.type)}`] = unknown;
    }
    // The one JSON-only member: dcos-ts' own version next to the Mesos one it emulates.
    expect(lost).toEqual({ 'agent GET_VERSION': ['get_version.version_info.dcos_ts_version'] });
  });

  it("the agent's /api/v1 answers GET_STATE and GET_CONTAINERS in protobuf (200)", async () => {
    for (const p of ['/api/v1', '/api/v1/operator', '/slave(1)/api/v1']) {
      const st = await operatorPb(
        `${agent.url}${p}`,
        { type: 'GET_STATE' },
        MESOS_MESSAGES.agentResponse,
      );
      expect({ p, status: st.status, ct: st.contentType }).toEqual({
        p,
        status: 200,
        ct: PROTOBUF,
      });
      const launched = st.json?.get_state.get_tasks.launched_tasks as Json[];
      expect(launched.map((t) => t.task_id.value).sort()).toEqual(['pb-1', 'pb-2']);
      expect(st.json?.get_state.get_frameworks.frameworks[0].framework_info.id).toEqual({
        value: scheduler.frameworkId,
      });
    }
    const c = await operatorPb(
      `${agent.url}/api/v1`,
      { type: 'GET_CONTAINERS' },
      MESOS_MESSAGES.agentResponse,
    );
    expect(c.status).toBe(200);
    const containers = c.json?.get_containers.containers as Json[];
    expect(containers).toHaveLength(2);
    expect(containers[0]).toMatchObject({
      framework_id: { value: scheduler.frameworkId },
      container_id: { value: expect.any(String) },
      container_status: { executor_pid: expect.any(Number) },
    });
    for (const type of ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_AGENT']) {
      const j = await operatorJson(`${agent.url}/api/v1`, { type });
      expect({ type, status: j.status }).toEqual({ type, status: 200 });
      const pb = await operatorPb(`${agent.url}/api/v1`, { type }, MESOS_MESSAGES.agentResponse);
      expect({ type, status: pb.status, t: pb.json?.type }).toEqual({ type, status: 200, t: type });
    }
    const r415 = await postRaw(`${agent.url}/api/v1`, 'x', { 'content-type': 'text/plain' });
    expect(r415.status).toBe(415);
    const r406 = await postRaw(`${agent.url}/api/v1`, JSON.stringify({ type: 'GET_HEALTH' }), {
      'content-type': JSON_TYPE,
      accept: 'text/html',
    });
    expect(r406.status).toBe(406);
  });

  it('kills with KILL in protobuf (202) and with the operator KILL_TASK (200)', async () => {
    const k = await scheduler.call({ type: 'KILL', kill: { task_id: { value: 'pb-1' } } });
    expect(k.status).toBe(202);
    const killed = await scheduler.waitUpdate('pb-1', 'TASK_KILLED');
    expect(killed.task_id).toEqual({ value: 'pb-1' });
    const op = await operatorPb(`${master.url}/api/v1`, {
      type: 'KILL_TASK',
      kill_task: { task_id: { value: 'pb-2' } },
    });
    expect(op.status).toBe(200);
    await scheduler.waitUpdate('pb-2', 'TASK_KILLED');
  });

  it('streams the operator SUBSCRIBE in protobuf (mesos.v1.master.Event records)', async () => {
    const u = new URL(`${master.url}/api/v1`);
    const first = await new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SUBSCRIBED within 30 s')), 30_000);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { 'content-type': PROTOBUF, accept: PROTOBUF },
        },
        (res) => {
          const reader = new RecordIoReader();
          res.on('data', (chunk: Buffer) => {
            const [record] = reader.push(chunk);
            if (!record) return;
            clearTimeout(timer);
            req.destroy();
            resolve({
              status: res.statusCode,
              contentType: res.headers['content-type'],
              event: decodeMesos(MESOS_MESSAGES.masterEvent, record),
            });
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', () => undefined);
      req.end(Buffer.from(encodeMesos(MESOS_MESSAGES.masterCall, { type: 'SUBSCRIBE' })));
    });
    expect(first).toMatchObject({ status: 200, contentType: PROTOBUF });
    expect(first.event).toMatchObject({
      type: 'SUBSCRIBED',
      subscribed: { get_state: { get_agents: { agents: [expect.any(Object)] } } },
    });
  });

  describe('through the Admin Router (/mesos/api/v1, /agent/<id>/api/v1)', () => {
    const uid = 'pbadmin';
    const password = `pw-${Date.now().toString(36)}-secret`;
    let router: TestService;
    let auth: Record<string, string>;
    let viaRouter: ProtobufScheduler | undefined;

    beforeAll(async () => {
      iamDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpb-iam-'));
      const iam = await startService('iam', {
        DATABASE_URL: db.url,
        NATS_PREFIX: prefix,
        IAM_BOOTSTRAP_UID: uid,
        IAM_BOOTSTRAP_PASSWORD: password,
        IAM_SECRET_KEY_FILE: path.join(iamDir, 'secret.key'),
      });
      router = await startService('admin-router', {
        NATS_PREFIX: prefix,
        IAM_URL: iam.url,
        MASTER_URL: master.url,
      });
      const login = await postRaw(
        `${router.url}/acs/api/v1/auth/login`,
        JSON.stringify({ uid, password }),
        { 'content-type': JSON_TYPE },
      );
      expect(login.status).toBe(200);
      auth = { authorization: `token=${(JSON.parse(login.bytes.toString()) as Json).token}` };
    });

    afterAll(() => viaRouter?.close());

    it('passes protobuf operator calls and answers through to the master and the agent', async () => {
      const agents = await operatorPb(
        `${router.url}/mesos/api/v1`,
        { type: 'GET_AGENTS' },
        MESOS_MESSAGES.masterResponse,
        auth,
      );
      expect({ status: agents.status, ct: agents.contentType }).toEqual({
        status: 200,
        ct: PROTOBUF,
      });
      expect(agents.json?.get_agents.agents[0].agent_info.id).toEqual({ value: agentId });
      const tasks = await operatorPb(
        `${router.url}/mesos/api/v1`,
        { type: 'GET_TASKS' },
        MESOS_MESSAGES.masterResponse,
        auth,
      );
      expect(tasks.status).toBe(200);
      expect(
        (tasks.json?.get_tasks.completed_tasks as Json[]).map((t) => t.task_id.value).sort(),
      ).toEqual(['pb-1', 'pb-2']);
      const st = await waitFor(
        'the router knows the agent',
        async () => {
          const r = await operatorPb(
            `${router.url}/agent/${agentId}/api/v1`,
            { type: 'GET_STATE' },
            MESOS_MESSAGES.agentResponse,
            auth,
          );
          return r.status === 200 && r;
        },
        { timeoutMs: 30_000 },
      );
      expect(st.contentType).toBe(PROTOBUF);
      expect(
        (st.json?.get_state.get_tasks.completed_tasks as Json[]).map((t) => t.task_id.value).sort(),
      ).toEqual(['pb-1', 'pb-2']);
      const r415 = await postRaw(`${router.url}/mesos/api/v1`, 'x', {
        'content-type': 'text/plain',
        ...auth,
      });
      expect(r415.status).toBe(415);
    });

    it('subscribes in protobuf through /mesos/api/v1/scheduler (RecordIO passes through)', async () => {
      // The first framework leaves (TEARDOWN in protobuf): its offers go back to the pool.
      const td = await scheduler.call({ type: 'TEARDOWN' });
      expect(td.status).toBe(202);
      viaRouter = new ProtobufScheduler(`${router.url}/mesos`, auth);
      await viaRouter.subscribe({ user: 'root', name: 'pb-via-router' });
      expect(viaRouter.contentType).toBe(PROTOBUF);
      const offer = await waitFor('an offer through the router', () => viaRouter?.offers()[0], {
        timeoutMs: 30_000,
      });
      expect(offer.agent_id).toEqual({ value: agentId });
      const decline = await viaRouter.call({
        type: 'DECLINE',
        decline: { offer_ids: [offer.id], filters: { refuse_seconds: 1 } },
      });
      expect(decline.status).toBe(202);
    });
  });
});

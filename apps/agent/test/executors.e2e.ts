/**
 * Custom and default executors end to end: the built master and a REAL agent against real
 * NATS and Postgres, a framework on the Mesos v1 scheduler HTTP API, and a small custom
 * executor written here (a Node script run with `node`) that speaks the v1 executor HTTP API
 * to the agent at MESOS_AGENT_ENDPOINT. Task groups (LAUNCH_GROUP) run under the default
 * executor: one task failing takes the other down.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  HttpScheduler,
  createTestDatabase,
  freePort,
  httpJson,
  killAgentTaskLeftovers,
  post,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type Json,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';

jest.setTimeout(180_000);

/**
 * The test's executor: SUBSCRIBE, then for each LAUNCH a TASK_RUNNING update and, as the
 * task's `data` says, TASK_FINISHED ("finish"), an exit of the executor ("crash") or nothing
 * until KILL (→ TASK_KILLED). It records its environment, the events and the ACKNOWLEDGED
 * uuids in its sandbox for the test to read.
 */
const EXECUTOR_JS = String.raw`
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const sandbox = process.env.MESOS_SANDBOX;
const [host, port] = process.env.MESOS_AGENT_ENDPOINT.split(':');
const ids = {
  framework_id: { value: process.env.MESOS_FRAMEWORK_ID },
  executor_id: { value: process.env.MESOS_EXECUTOR_ID },
};
const log = (file, obj) => fs.appendFileSync(path.join(sandbox, file), JSON.stringify(obj) + '\n');
fs.writeFileSync(path.join(sandbox, 'env.json'), JSON.stringify({ ...process.env, pid: process.pid }));

function call(body, onResponse) {
  const req = http.request(
    { host, port, path: '/api/v1/executor', method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' } },
    onResponse || ((res) => { res.resume(); log('calls.log', { type: body.type, status: res.statusCode }); }),
  );
  req.on('error', (e) => log('calls.log', { error: e.message }));
  req.end(JSON.stringify({ ...ids, ...body }));
}

function update(task_id, state, message) {
  call({ type: 'UPDATE', update: { status: {
    task_id, state, source: 'SOURCE_EXECUTOR', message,
    uuid: crypto.randomBytes(16).toString('base64'),
  } } });
}

// A checkpointing framework's executor outlives an agent restart: it subscribes again.
let subscribed = false;
function retry() {
  if (process.env.MESOS_CHECKPOINT !== '1') process.exit(0);
  subscribed = false;
  setTimeout(subscribe, 300);
}
function subscribe() {
  const req = http.request(
    { host, port, path: '/api/v1/executor', method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' } },
    onSubscribed,
  );
  req.on('error', (e) => { log('calls.log', { error: e.message }); if (!subscribed) retry(); });
  req.end(JSON.stringify({ ...ids, type: 'SUBSCRIBE',
    subscribe: { unacknowledged_tasks: [], unacknowledged_updates: [] } }));
}
subscribe();

function onSubscribed(res) {
  subscribed = true;
  log('calls.log', { type: 'SUBSCRIBE', status: res.statusCode, contentType: res.headers['content-type'] });
  let buf = Buffer.alloc(0);
  res.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      const len = Number(buf.subarray(0, nl).toString());
      if (buf.length < nl + 1 + len) return;
      const ev = JSON.parse(buf.subarray(nl + 1, nl + 1 + len).toString());
      buf = buf.subarray(nl + 1 + len);
      onEvent(ev);
    }
  });
  res.on('end', retry);
  res.on('error', () => undefined);
}

function onEvent(ev) {
  log('events.log', ev);
  if (ev.type === 'LAUNCH') {
    const task = ev.launch.task;
    const what = Buffer.from(task.data || '', 'base64').toString();
    update(task.task_id, 'TASK_RUNNING');
    if (what === 'finish') setTimeout(() => update(task.task_id, 'TASK_FINISHED', 'done'), 300);
    if (what === 'crash') setTimeout(() => process.exit(3), 300);
  } else if (ev.type === 'KILL') {
    update(ev.kill.task_id, 'TASK_KILLED', 'killed by the test executor');
  } else if (ev.type === 'SHUTDOWN') {
    process.exit(0);
  }
}
`;

describe('executors (custom over the v1 executor HTTP API, default for task groups)', () => {
  let db: TestDatabase;
  let master: TestService;
  let agent: TestService;
  let agentEnv: Record<string, string>;
  let workDir = '';
  let scriptDir = '';
  let script = '';
  let agentId = '';
  let fw: HttpScheduler;
  const used = new Set<string>();

  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const scalar = (name: string, value: number): Json => ({
    name,
    type: 'SCALAR',
    scalar: { value },
  });
  const customExecutor = (id: string): Json => ({
    executor_id: { value: id },
    type: 'CUSTOM',
    name: `test executor ${id}`,
    command: { value: `exec ${JSON.stringify(process.execPath)} ${script}`, shell: true },
    resources: [scalar('cpus', 0.1), scalar('mem', 64)],
  });
  const executorTask = (id: string, executor: Json, data: string): Json => ({
    name: id,
    task_id: { value: id },
    agent_id: { value: '@AGENT@' },
    resources: [scalar('cpus', 0.1), scalar('mem', 32)],
    executor,
    data: b64(data),
  });
  const accept = async (operations: Json[]) => {
    const offer = await waitFor(
      'a fresh offer',
      // A whole offer: resources freed by ended tasks come back as small offers of their own.
      () =>
        fw
          .offers(agentId || undefined)
          .find(
            (o) =>
              !used.has(o.id.value) &&
              (o.resources as Json[]).some((r) => r.name === 'cpus' && r.scalar.value >= 1),
          ),
      { timeoutMs: 60_000 },
    );
    used.add(offer.id.value);
    agentId = offer.agent_id.value;
    const r = await fw.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: operations.map((op) =>
          JSON.parse(JSON.stringify(op).replaceAll('@AGENT@', agentId)),
        ),
        filters: { refuse_seconds: 0 },
      },
    });
    expect(r.status).toBe(202);
  };
  const update = (taskId: string, state: string) => fw.waitUpdate(taskId, state, 60_000);
  const agentState = async (): Promise<Json> => (await httpJson(`${agent.url}/state`)).body as Json;
  const masterFramework = async (): Promise<Json> =>
    (((await httpJson(`${master.url}/master/state`)).body as Json).frameworks as Json[]).find(
      (f) => f.id === fw.frameworkId,
    ) as Json;
  const agentExecutor = async (id: string): Promise<Json | undefined> => {
    const s = await agentState();
    return [...(s.frameworks as Json[]), ...(s.completed_frameworks as Json[])]
      .flatMap((f) => [...(f.executors as Json[]), ...(f.completed_executors as Json[])])
      .find((e) => e.id === id);
  };
  const readLines = (file: string): Json[] =>
    fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Json)
      : [];

  beforeAll(async () => {
    scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), 'executor-script-'));
    script = path.join(scriptDir, 'executor.js');
    fs.writeFileSync(script, EXECUTOR_JS);
    db = await createTestDatabase('executors');
    const prefix = uniquePrefix('executors');
    master = await startService('master', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MASTER_PORT: String(await freePort()),
      MASTER_ALLOCATION_INTERVAL_MS: '200',
      MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
    });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'executors-agent-'));
    agentEnv = {
      NATS_PREFIX: prefix,
      AGENT_PORT: String(await freePort()),
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: 'executor-node',
      AGENT_RESOURCES: 'cpus:4;mem:2048;disk:1024;ports:[34000-34010]',
      AGENT_KILL_GRACE_MS: '500',
    };
    agent = await startService('agent', agentEnv);
    fw = new HttpScheduler(master.url, { name: 'executors-e2e', user: '', failover_timeout: 0 });
    await fw.subscribe();
  });

  afterAll(async () => {
    fw?.close();
    await stopAllServices();
    if (workDir) killAgentTaskLeftovers(workDir);
    await db?.drop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    if (scriptDir) fs.rmSync(scriptDir, { recursive: true, force: true });
  });

  it('a custom executor gets LAUNCH and its UPDATEs reach the framework: TASK_RUNNING → TASK_FINISHED', async () => {
    await accept([
      {
        type: 'LAUNCH',
        launch: { task_infos: [executorTask('t-finish', customExecutor('exec-1'), 'finish')] },
      },
    ]);
    const running = await update('t-finish', 'TASK_RUNNING');
    const finished = await update('t-finish', 'TASK_FINISHED');
    for (const s of [running, finished]) {
      expect(s.source).toBe('SOURCE_EXECUTOR');
      expect(s.executor_id).toEqual({ value: 'exec-1' });
      expect(s.agent_id).toEqual({ value: agentId });
    }
    expect(finished.message).toBe('done');
    expect(fw.updates('t-finish').map((s) => s.state)).not.toContain('TASK_FAILED');

    // Mesos' layout and executor environment.
    const ex = await waitFor('exec-1 in the agent /state', () => agentExecutor('exec-1'));
    expect(ex.directory).toMatch(
      new RegExp(
        `/slaves/${agentId}/frameworks/${fw.frameworkId}/executors/exec-1/runs/${ex.container}$`,
      ),
    );
    const env = JSON.parse(fs.readFileSync(path.join(ex.directory, 'env.json'), 'utf8')) as Json;
    expect(env).toMatchObject({
      MESOS_FRAMEWORK_ID: fw.frameworkId,
      MESOS_EXECUTOR_ID: 'exec-1',
      MESOS_DIRECTORY: ex.directory,
      MESOS_SANDBOX: ex.directory,
      MESOS_AGENT_ENDPOINT: `127.0.0.1:${agent.port}`,
      MESOS_CHECKPOINT: '0',
      MESOS_HTTP_COMMAND_EXECUTOR: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '500ms',
    });
    expect(env.MESOS_TASK_ID).toBeUndefined();
    const calls = readLines(path.join(ex.directory, 'calls.log'));
    expect(calls.find((c) => c.type === 'SUBSCRIBE')).toMatchObject({
      status: 200,
      contentType: 'application/json',
    });
    expect(calls.filter((c) => c.type === 'UPDATE').map((c) => c.status)).toEqual([202, 202]);
    // SUBSCRIBED first, with the executor and framework; ACKNOWLEDGED for both updates.
    const events = await waitFor('two ACKNOWLEDGED', () => {
      const evs = readLines(path.join(ex.directory, 'events.log'));
      return evs.filter((e) => e.type === 'ACKNOWLEDGED').length >= 2 && evs;
    });
    expect(events[0]).toMatchObject({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: { executor_id: { value: 'exec-1' } },
        framework_info: { id: { value: fw.frameworkId } },
        agent_info: { id: { value: agentId } },
        container_id: { value: ex.container },
      },
    });
    expect(events[1]).toMatchObject({
      type: 'LAUNCH',
      launch: { task: { task_id: { value: 't-finish' } } },
    });
    const acked = events
      .filter((e) => e.type === 'ACKNOWLEDGED')
      .map((e) => e.acknowledged.uuid as string);
    expect(acked.sort()).toEqual([running.uuid, finished.uuid].sort());
  });

  it('a second task for the same executor id goes to the running executor; KILL → TASK_KILLED', async () => {
    const before = (await agentExecutor('exec-1')) as Json;
    const pid = (
      JSON.parse(fs.readFileSync(path.join(before.directory, 'env.json'), 'utf8')) as Json
    ).pid;
    await accept([
      {
        type: 'LAUNCH',
        launch: { task_infos: [executorTask('t-kill', customExecutor('exec-1'), 'run')] },
      },
    ]);
    await update('t-kill', 'TASK_RUNNING');
    const ex = (await agentExecutor('exec-1')) as Json;
    expect(ex.container).toBe(before.container);
    expect(
      (JSON.parse(fs.readFileSync(path.join(ex.directory, 'env.json'), 'utf8')) as Json).pid,
    ).toBe(pid);
    expect(ex.type).toBe('CUSTOM');
    expect(ex.name).toBe('test executor exec-1');
    expect((ex.tasks as Json[]).map((t) => t.id)).toEqual(['t-kill']);
    expect((ex.tasks as Json[])[0].executor_id).toBe('exec-1');
    // The master shows the executor (not the command executor's placeholders).
    const mfw = await masterFramework();
    expect(mfw.executors).toEqual([
      expect.objectContaining({
        executor_id: 'exec-1',
        name: 'test executor exec-1',
        framework_id: fw.frameworkId,
        slave_id: agentId,
        resources: expect.objectContaining({ cpus: 0.1, mem: 64 }),
      }),
    ]);
    expect((mfw.tasks as Json[]).find((t) => t.id === 't-kill')?.executor_id).toBe('exec-1');
    // And the v1 operator API's GET_EXECUTORS.
    const ge = await fetch(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ type: 'GET_EXECUTORS' }),
    });
    expect(ge.status).toBe(200);
    const executors = ((await ge.json()) as Json).get_executors.executors as Json[];
    expect(executors.map((e) => e.executor_info.executor_id.value)).toContain('exec-1');

    const kill = await fw.call({
      type: 'KILL',
      kill: { task_id: { value: 't-kill' }, agent_id: { value: agentId } },
    });
    expect(kill.status).toBe(202);
    const killed = await update('t-kill', 'TASK_KILLED');
    expect(killed.source).toBe('SOURCE_EXECUTOR');
    expect(killed.message).toBe('killed by the test executor');
  });

  it('an executor that exits fails its tasks (REASON_EXECUTOR_TERMINATED)', async () => {
    await accept([
      {
        type: 'LAUNCH',
        launch: { task_infos: [executorTask('t-crash', customExecutor('exec-crash'), 'crash')] },
      },
    ]);
    await update('t-crash', 'TASK_RUNNING');
    const failed = await update('t-crash', 'TASK_FAILED');
    expect(failed.reason).toBe('REASON_EXECUTOR_TERMINATED');
    expect(failed.source).toBe('SOURCE_AGENT');
    expect(failed.message).toMatch(/Executor terminated/);
    await waitFor('exec-crash among the completed executors', async () => {
      const s = await agentState();
      return [...(s.frameworks as Json[]), ...(s.completed_frameworks as Json[])]
        .flatMap((f) => f.completed_executors as Json[])
        .some((e) => e.id === 'exec-crash');
    });
  });

  it('the executor API refuses bad calls with a 4xx naming the field', async () => {
    const url = `${agent.url}/api/v1/executor`;
    const unknown = await post(url, {
      type: 'SUBSCRIBE',
      framework_id: { value: fw.frameworkId },
      executor_id: { value: 'nobody' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json?.field).toBe('executor_id');
    const noType = await post(url, { framework_id: { value: 'x' }, executor_id: { value: 'y' } });
    expect(noType.status).toBe(400);
    expect(noType.json?.field).toBe('type');
    const staging = await post(url, {
      type: 'UPDATE',
      framework_id: { value: fw.frameworkId },
      executor_id: { value: 'exec-1' },
      update: {
        status: { task_id: { value: 't' }, state: 'TASK_STAGING', uuid: b64('0123456789abcdef') },
      },
    });
    expect(staging.status).toBe(400);
    expect(staging.json?.field).toBe('update.status.state');
    const notJson = await post(url, 'x', { 'content-type': 'application/x-protobuf' });
    expect(notJson.status).toBe(415);
    const wrongAccept = await post(
      url,
      {
        type: 'SUBSCRIBE',
        framework_id: { value: fw.frameworkId },
        executor_id: { value: 'exec-1' },
      },
      { accept: 'application/x-protobuf' },
    );
    expect(wrongAccept.status).toBe(406);
    expect(wrongAccept.json?.field).toBe('accept');
    // A framework message from a running executor: accepted (and dropped: no relay to schedulers).
    const message = await post(url, {
      type: 'MESSAGE',
      framework_id: { value: fw.frameworkId },
      executor_id: { value: 'exec-1' },
      message: { data: b64('hello') },
    });
    expect(message.status).toBe(202);
  });

  it('an invalid executor is TASK_ERROR from the master', async () => {
    const bad = { ...customExecutor('exec-bad'), command: undefined };
    await accept([
      { type: 'LAUNCH', launch: { task_infos: [executorTask('t-bad', bad, 'finish')] } },
    ]);
    const err = await update('t-bad', 'TASK_ERROR');
    expect(err.reason).toBe('REASON_TASK_INVALID');
    expect(err.message).toMatch(/ExecutorInfo\.command/);
    // A malformed LAUNCH_GROUP is refused as a whole, naming the field.
    const malformed = await fw.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [{ value: 'any' }],
        operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor: {}, task_group: {} } }],
      },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toMatch(/operations\[0\]\.launch_group\.task_group\.tasks/);
  });

  it('LAUNCH_GROUP: both tasks RUNNING under the default executor; one fails, the other is killed', async () => {
    const groupTask = (id: string, cmd: string): Json => ({
      name: id,
      task_id: { value: id },
      agent_id: { value: '@AGENT@' },
      resources: [scalar('cpus', 0.1), scalar('mem', 32)],
      command: { value: cmd, shell: true },
    });
    await accept([
      {
        type: 'LAUNCH_GROUP',
        launch_group: {
          executor: {
            executor_id: { value: 'group-1' },
            type: 'DEFAULT',
            name: 'default executor',
            resources: [scalar('cpus', 0.1), scalar('mem', 32)],
          },
          task_group: {
            tasks: [
              groupTask('g-sleeper', 'echo sleeping; sleep 1000'),
              // Fails once the test has seen both RUNNING (it waits for the file).
              groupTask('g-failer', 'while [ ! -e ../../go ]; do sleep 0.1; done; exit 3'),
            ],
          },
        },
      },
    ]);
    const r1 = await update('g-sleeper', 'TASK_RUNNING');
    const r2 = await update('g-failer', 'TASK_RUNNING');
    for (const s of [r1, r2]) {
      expect(s.executor_id).toEqual({ value: 'group-1' });
      expect(s.container_status.container_id.parent.value).toBeTruthy();
    }
    expect(r1.container_status.container_id.parent).toEqual(
      r2.container_status.container_id.parent,
    );
    const ex = await waitFor('group-1 in the agent /state', () => agentExecutor('group-1'));
    expect(ex.type).toBe('DEFAULT');
    expect(ex.container).toBe(r1.container_status.container_id.parent.value);
    expect(ex.directory).toMatch(
      new RegExp(`/frameworks/${fw.frameworkId}/executors/group-1/runs/${ex.container}$`),
    );
    expect((ex.tasks as Json[]).map((t) => t.id).sort()).toEqual(['g-failer', 'g-sleeper']);
    // Each task in its nested sandbox.
    await waitFor(
      'the sleeper wrote its stdout',
      () =>
        fs.existsSync(path.join(ex.directory, 'tasks', 'g-sleeper', 'stdout')) &&
        fs
          .readFileSync(path.join(ex.directory, 'tasks', 'g-sleeper', 'stdout'), 'utf8')
          .includes('sleeping'),
    );

    fs.writeFileSync(path.join(ex.directory, 'go'), '');
    const failed = await update('g-failer', 'TASK_FAILED');
    expect(failed.message).toMatch(/3/);
    const killed = await update('g-sleeper', 'TASK_KILLED');
    expect(killed.executor_id).toEqual({ value: 'group-1' });
    await waitFor('group-1 completed on the agent', async () => {
      const s = await agentState();
      return [...(s.frameworks as Json[]), ...(s.completed_frameworks as Json[])]
        .flatMap((f) => f.completed_executors as Json[])
        .some((e) => e.id === 'group-1');
    });
  });

  it('LAUNCH_GROUP with a non-DEFAULT executor is TASK_ERROR for every task of the group', async () => {
    await accept([
      {
        type: 'LAUNCH_GROUP',
        launch_group: {
          executor: customExecutor('group-bad'),
          task_group: {
            tasks: ['gb-1', 'gb-2'].map((id) => ({
              name: id,
              task_id: { value: id },
              agent_id: { value: '@AGENT@' },
              resources: [scalar('cpus', 0.1), scalar('mem', 32)],
              command: { value: 'true' },
            })),
          },
        },
      },
    ]);
    for (const id of ['gb-1', 'gb-2']) {
      const err = await update(id, 'TASK_ERROR');
      expect(err.message).toMatch(/DEFAULT/);
    }
  });

  it('after an agent restart a checkpointing executor subscribes again and still gets KILL', async () => {
    const fw2 = new HttpScheduler(master.url, {
      name: 'executors-e2e-checkpoint',
      user: '',
      checkpoint: true,
      failover_timeout: 0,
    });
    try {
      await fw2.subscribe();
      // The first framework holds the agent's offers: it gives them back (also any that
      // arrive meanwhile) until the second one has an offer.
      const giveBack = async () => {
        const held = fw.offers().filter((o) => !used.has(o.id.value));
        for (const o of held) used.add(o.id.value);
        if (held.length > 0)
          await fw.call({
            type: 'DECLINE',
            decline: { offer_ids: held.map((o) => o.id), filters: { refuse_seconds: 300 } },
          });
      };
      const offer = await waitFor(
        'an offer for the checkpointing framework',
        async () => {
          await giveBack();
          return fw2
            .offers()
            .find((o) =>
              (o.resources as Json[]).some((r) => r.name === 'cpus' && r.scalar.value >= 1),
            );
        },
        { timeoutMs: 60_000, intervalMs: 300 },
      );
      agentId = offer.agent_id.value;
      const task = JSON.parse(
        JSON.stringify(executorTask('t-ckpt', customExecutor('exec-ckpt'), 'run')).replace(
          '@AGENT@',
          agentId,
        ),
      ) as Json;
      const r = await fw2.call({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }],
        },
      });
      expect(r.status).toBe(202);
      await fw2.waitUpdate('t-ckpt', 'TASK_RUNNING', 60_000);
      const ex = (await agentExecutor('exec-ckpt')) as Json;
      const envFile = path.join(ex.directory, 'env.json');
      const before = JSON.parse(fs.readFileSync(envFile, 'utf8')) as Json;
      expect(before.MESOS_CHECKPOINT).toBe('1');

      await agent.stop();
      agent = await startService('agent', agentEnv);
      await waitFor(
        'the executor subscribed again',
        () =>
          readLines(path.join(ex.directory, 'events.log')).filter((e) => e.type === 'SUBSCRIBED')
            .length >= 2,
        { timeoutMs: 60_000 },
      );
      // The same process, known to the restarted agent.
      expect((JSON.parse(fs.readFileSync(envFile, 'utf8')) as Json).pid).toBe(before.pid);
      expect((await agentExecutor('exec-ckpt'))?.container).toBe(ex.container);

      const kill = await fw2.call({
        type: 'KILL',
        kill: { task_id: { value: 't-ckpt' }, agent_id: { value: agentId } },
      });
      expect(kill.status).toBe(202);
      const killed = await fw2.waitUpdate('t-ckpt', 'TASK_KILLED', 60_000);
      expect(killed.message).toBe('killed by the test executor');
      await fw2.call({ type: 'TEARDOWN' });
    } finally {
      fw2.close();
      await fw.call({ type: 'REVIVE' });
    }
  });

  it('framework teardown: SHUTDOWN to the custom executor, which exits', async () => {
    await accept([
      {
        type: 'LAUNCH',
        launch: { task_infos: [executorTask('t-last', customExecutor('exec-last'), 'run')] },
      },
    ]);
    await update('t-last', 'TASK_RUNNING');
    const ex = (await agentExecutor('exec-last')) as Json;
    const r = await fw.call({ type: 'TEARDOWN' });
    expect(r.status).toBe(202);
    await waitFor('SHUTDOWN reached the executor', () =>
      readLines(path.join(ex.directory, 'events.log')).some((e) => e.type === 'SHUTDOWN'),
    );
    await waitFor('exec-last ended on the agent', async () => {
      const s = await agentState();
      return [...(s.frameworks as Json[]), ...(s.completed_frameworks as Json[])]
        .flatMap((f) => f.completed_executors as Json[])
        .some((e) => e.id === 'exec-last');
    });
  });
});

import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NatsRequestError } from '@dcos/nats';
import {
  TEST_NATS_URL,
  TcpProxy,
  httpJson,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestService,
  killAgentTaskLeftovers,
} from '@dcos/testing';
import { FakeMaster } from './fake-master';

const MEMORY_HOG =
  'python3 -c "import time\nb = []\nwhile True:\n    b.append(\' \' * (8 << 20))\n    time.sleep(0.05)\n"';

describe('agent (built process, real NATS, real tasks; the test plays the master)', () => {
  const prefix = uniquePrefix('agent');
  const master = new FakeMaster(prefix);
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(TEST_NATS_URL).port || 4222));
  let workDir: string;
  let agent: TestService;
  let env: Record<string, string>;
  let agentId: string;

  beforeAll(async () => {
    await master.start();
    await proxy.listen();
    workDir = fs.mkdtempSync(path.join(tmpdir(), 'dcos-agent-e2e-'));
    env = {
      NATS_URL: `nats://127.0.0.1:${proxy.port}`,
      NATS_PREFIX: prefix,
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: 'node-e2e',
      AGENT_IP: '127.0.0.1',
      AGENT_RESOURCES: 'cpus:2;mem:2048;disk:4096;ports:[31000-31099]',
      AGENT_ATTRIBUTES: 'rack:r1;zone:a',
      AGENT_KILL_GRACE_MS: '1000',
      AGENT_REGISTRATION_BACKOFF_MS: '200',
    };
    agent = await startService('agent', env);
    env['AGENT_PORT'] = String(agent.port);
    agentId = await master.waitForAgent('node-e2e');
  });

  afterAll(async () => {
    await stopAllServices();
    killAgentTaskLeftovers(workDir);
    await master.stop();
    await proxy.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('registers with its resources, attributes, IP and HTTP URL, then heartbeats', async () => {
    const reg = master.registrations[0];
    expect(reg?.agent_id).toBeUndefined(); // fresh work dir: the master assigns the id
    expect(reg?.ip).toBe('127.0.0.1');
    expect(reg?.http_url).toBe(`http://127.0.0.1:${agent.port}`);
    expect(reg?.agent_info.resources).toEqual(
      expect.arrayContaining([
        { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 2048 } },
        { name: 'disk', type: 'SCALAR', scalar: { value: 4096 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31099 }] } },
      ]),
    );
    expect(reg?.agent_info.attributes).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'zone', type: 'TEXT', text: { value: 'a' } },
    ]);
    await waitFor('heartbeats', () => (master.heartbeats.get(agentId) ?? 0) >= 2);
    const state = (await httpJson(`${agent.url}/state`)).body as Record<string, unknown>;
    expect(state).toMatchObject({
      id: agentId,
      hostname: 'node-e2e',
      pid: `slave(1)@127.0.0.1:${agent.port}`,
      resources: { cpus: 2, mem: 2048, disk: 4096, gpus: 0, ports: '[31000-31099]' },
      attributes: { rack: 'r1', zone: 'a' },
    });
    expect((await httpJson(`${agent.url}/slave(1)/state`)).body).toMatchObject({ id: agentId });
    expect((await httpJson(`${agent.url}/state.json`)).body).toMatchObject({ id: agentId });
  });

  it('runs a task to FINISHED: STAGING → STARTING → RUNNING → FINISHED, stdout readable via /files/read', async () => {
    await master.launch(agentId, {
      task_id: { value: 'hello-1' },
      command: { value: 'echo "hello from $MESOS_TASK_ID on $HOST"' },
    });
    const fin = await master.waitForState('hello-1', 'TASK_FINISHED');
    expect(master.states('hello-1')).toEqual([
      'TASK_STAGING',
      'TASK_STARTING',
      'TASK_RUNNING',
      'TASK_FINISHED',
    ]);
    expect(fin.agent_id.value).toBe(agentId);
    expect(fin.framework_id.value).toBe('fw-1');
    expect(fin.status.message).toBe('Command exited with status 0');
    expect(fin.status.source).toBe('SOURCE_EXECUTOR');
    expect(Buffer.from(fin.status.uuid, 'base64')).toHaveLength(16);
    expect(fin.status.container_status?.network_infos).toEqual([
      { ip_addresses: [{ protocol: 'IPv4', ip_address: '127.0.0.1' }] },
    ]);
    const uuids = master.updates.map((u) => u.status.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);

    // As the DC/OS CLI does: find the executor directory in /state, then read stdout.
    const state = (await httpJson(`${agent.url}/state`)).body as {
      completed_frameworks: {
        id: string;
        completed_executors: {
          directory: string;
          completed_tasks: { id: string; state: string }[];
        }[];
      }[];
      frameworks: {
        id: string;
        completed_executors: {
          directory: string;
          completed_tasks: { id: string; state: string }[];
        }[];
      }[];
    };
    const executors = [...state.frameworks, ...state.completed_frameworks].flatMap(
      (f) => f.completed_executors,
    );
    const ex = executors.find((e) => e.completed_tasks.some((t) => t.id === 'hello-1'));
    expect(ex?.completed_tasks[0]?.state).toBe('TASK_FINISHED');
    const dir = ex?.directory as string;
    expect(dir).toContain(path.join(workDir, 'slaves', agentId, 'frameworks', 'fw-1'));
    const size = await httpJson(
      `${agent.url}/files/read?path=${encodeURIComponent(dir + '/stdout')}&offset=-1`,
    );
    const text = `hello from hello-1 on 127.0.0.1\n`;
    expect(size).toMatchObject({ status: 200, body: { data: '', offset: text.length } });
    const read = await httpJson(
      `${agent.url}/files/read?path=${encodeURIComponent(dir + '/stdout')}&offset=0`,
    );
    expect(read).toMatchObject({ status: 200, body: { data: text, offset: 0 } });
    const part = await httpJson(
      `${agent.url}/files/read?path=${encodeURIComponent(dir + '/stdout')}&offset=6&length=4`,
    );
    expect(part.body).toEqual({ data: 'from', offset: 6 });
    const browse = await httpJson(`${agent.url}/files/browse?path=${encodeURIComponent(dir)}`);
    expect((browse.body as { path: string }[]).map((f) => path.basename(f.path))).toEqual(
      expect.arrayContaining(['stdout', 'stderr']),
    );
    const dl = await fetch(
      `${agent.url}/files/download?path=${encodeURIComponent(dir + '/stdout')}`,
    );
    expect(dl.status).toBe(200);
    expect(await dl.text()).toBe(text);
    // The v1 agent API reads the same file (data as Base64 bytes).
    const v1 = await httpJson(`${agent.url}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'READ_FILE', read_file: { path: `${dir}/stdout`, offset: 0 } }),
    });
    const rf = (v1.body as { read_file: { size: number; data: string } }).read_file;
    expect(rf.size).toBe(text.length);
    expect(Buffer.from(rf.data, 'base64').toString()).toBe(text);
  });

  it('refuses file paths outside the sandboxes with 4xx (.., symlinks out, other files)', async () => {
    const sandboxes = path.join(workDir, 'slaves');
    const dir = fs.readdirSync(
      path.join(sandboxes, agentId, 'frameworks', 'fw-1', 'executors', 'hello-1', 'runs'),
    )[0] as string;
    const sandbox = path.join(
      sandboxes,
      agentId,
      'frameworks',
      'fw-1',
      'executors',
      'hello-1',
      'runs',
      dir,
    );
    fs.symlinkSync('/etc', path.join(sandbox, 'escape'));
    const q = (p: string) => `${agent.url}/files/read?offset=0&path=${encodeURIComponent(p)}`;
    const traversal = await httpJson(q(`${sandbox}/../../../../../../../../../etc/passwd`));
    expect(traversal.status).toBe(403);
    expect((traversal.body as { message: string }).message).toMatch(/\.\./);
    expect((await httpJson(q(`${sandbox}/escape/passwd`))).status).toBe(403);
    expect((await httpJson(q('/etc/passwd'))).status).toBe(404);
    expect((await httpJson(q(path.join(workDir, 'meta', 'agent.json')))).status).toBe(404);
    expect((await httpJson(`${agent.url}/files/read?offset=0`)).status).toBe(400);
    expect((await httpJson(q(`${sandbox}/nope`))).status).toBe(404);
    expect((await httpJson(`${q(`${sandbox}/stdout`)}&length=abc`)).status).toBe(400);
    expect((await httpJson(q(sandbox))).status).toBe(400); // a directory
    expect(
      (
        await httpJson(
          `${agent.url}/files/download?path=${encodeURIComponent(`${sandbox}/escape/passwd`)}`,
        )
      ).status,
    ).toBe(403);
  });

  it('reports exit 3 as FAILED with the code, and gives PORT0 inside the offered range', async () => {
    await master.launch(agentId, { task_id: { value: 'fail-3' }, command: { value: 'exit 3' } });
    const failed = await master.waitForState('fail-3', 'TASK_FAILED');
    expect(failed.status.message).toBe('Command exited with status 3');
    expect(failed.status.reason).toBe('REASON_COMMAND_EXECUTOR_FAILED');

    await master.launch(agentId, {
      task_id: { value: 'ports-1' },
      command: { value: 'echo "$PORT0 $PORTS"' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31040, end: 31041 }] } },
      ],
    });
    await master.waitForState('ports-1', 'TASK_FINISHED');
    const out = fs.readFileSync(
      path.join(
        workDir,
        'slaves',
        agentId,
        'frameworks',
        'fw-1',
        'executors',
        'ports-1',
        'runs',
        'latest',
        'stdout',
      ),
      'utf8',
    );
    expect(out).toBe('31040 31040,31041\n');
  });

  it('kills a task with the grace period (KILLED), and a task past its memory limit FAILS with the memory reason', async () => {
    await master.launch(agentId, {
      task_id: { value: 'sleeper' },
      command: { value: 'sleep 60' },
      kill_policy: { grace_period: { nanoseconds: 500_000_000 } },
    });
    await master.waitForState('sleeper', 'TASK_RUNNING');
    const running = await httpJson(`${agent.url}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'GET_TASKS' }),
    });
    expect(
      (
        running.body as {
          get_tasks: { launched_tasks: { task_id: { value: string }; state: string }[] };
        }
      ).get_tasks.launched_tasks,
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ task_id: { value: 'sleeper' }, state: 'TASK_RUNNING' }),
      ]),
    );
    await master.kill(agentId, 'sleeper');
    const killed = await master.waitForState('sleeper', 'TASK_KILLED');
    expect(killed.status.reason).toBeUndefined();

    await master.launch(agentId, {
      task_id: { value: 'hog' },
      command: { value: MEMORY_HOG },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 48 } },
      ],
    });
    const hog = await master.waitForState('hog', 'TASK_FAILED', 30_000);
    expect(hog.status.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(hog.status.message).toMatch(/^Memory limit exceeded/);
  });

  it('answers bad requests with errors naming the problem and changes nothing', async () => {
    await expect(
      master.nats.request(`${prefix}.v1.agent.${agentId}.launch`, {
        framework_id: { value: 'fw-1' },
      }),
    ).rejects.toThrow(/framework|task/);
    await expect(master.kill(agentId, 'no-such-task')).rejects.toMatchObject({
      code: 'UNKNOWN_TASK',
    });
    await master.launch(agentId, { task_id: { value: 'dup' }, command: { value: 'sleep 30' } });
    const dup = await master
      .launch(agentId, { task_id: { value: 'dup' }, command: { value: 'sleep 30' } })
      .catch((e: NatsRequestError) => e);
    expect(dup).toMatchObject({ code: 'DUPLICATE_TASK' });
    await expect(
      master.launch(agentId, { task_id: { value: 'other' }, agent_id: { value: 'someone-else' } }),
    ).rejects.toMatchObject({ code: 'WRONG_AGENT' });
    const bad = await httpJson(`${agent.url}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'DRAIN_EVERYTHING' }),
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toMatch(/type/);
    await master.kill(agentId, 'dup', 'fw-1', 0);
    await master.waitForState('dup', 'TASK_KILLED');
    expect(master.states('dup').filter((s) => s === 'TASK_STAGING')).toHaveLength(1);
  });

  it('keeps status updates while NATS is cut and delivers them when it returns', async () => {
    await master.launch(agentId, {
      task_id: { value: 'offline' },
      command: { value: 'sleep 1; exit 0' },
    });
    await master.waitForState('offline', 'TASK_RUNNING');
    proxy.cut();
    await new Promise((r) => setTimeout(r, 2_000)); // the task ends while the agent is cut off
    expect(master.states('offline')).not.toContain('TASK_FINISHED');
    const pending = fs.readdirSync(path.join(workDir, 'meta', 'status_updates'));
    expect(pending.length).toBeGreaterThanOrEqual(1); // checkpointed in the outbox
    proxy.restore();
    const fin = await master.waitForState('offline', 'TASK_FINISHED');
    expect(fin.status.message).toBe('Command exited with status 0');
    await waitFor(
      'the outbox to drain',
      () => fs.readdirSync(path.join(workDir, 'meta', 'status_updates')).length === 0,
    );
  });

  it('re-registers with its running tasks when the master forgets it', async () => {
    await master.launch(agentId, {
      task_id: { value: 'survivor' },
      command: { value: 'while [ ! -e "$MESOS_SANDBOX/go" ]; do sleep 0.1; done; echo done' },
    });
    await master.waitForState('survivor', 'TASK_RUNNING');
    const before = master.registrations.length;
    master.forgotten.add(agentId);
    await master.waitForAgent('node-e2e', before);
    const reg = master.lastRegistration();
    expect(reg?.agent_id?.value).toBe(agentId);
    expect(reg?.tasks.map((t) => [t.task.task_id.value, t.state])).toEqual([
      ['survivor', 'TASK_RUNNING'],
    ]);
  });

  it('after a restart with the same work dir: same agent id, the running task recovered and its exit reported', async () => {
    await master.launch(agentId, { task_id: { value: 'short' }, command: { value: 'sleep 1' } });
    await master.waitForState('short', 'TASK_RUNNING');
    await agent.stop();
    await new Promise((r) => setTimeout(r, 1_500)); // `short` ends while the agent is down
    const before = master.registrations.length;
    agent = await startService('agent', env);
    await master.waitForAgent('node-e2e', before);
    const reg = master.lastRegistration();
    expect(reg?.agent_id?.value).toBe(agentId);
    expect(reg?.tasks.map((t) => [t.task.task_id.value, t.state])).toContainEqual([
      'survivor',
      'TASK_RUNNING',
    ]);
    const short = await master.waitForState('short', 'TASK_FINISHED');
    expect(short.status.message).toBe('Command exited with status 0');
    expect(master.states('survivor')).not.toContain('TASK_FINISHED');
    fs.writeFileSync(
      path.join(
        workDir,
        'slaves',
        agentId,
        'frameworks',
        'fw-1',
        'executors',
        'survivor',
        'runs',
        'latest',
        'go',
      ),
      '',
    );
    const fin = await master.waitForState('survivor', 'TASK_FINISHED');
    expect(fin.status.message).toBe('Command exited with status 0');
    expect(master.states('survivor').filter((s) => s === 'TASK_FINISHED')).toHaveLength(1);
    const state = (await httpJson(`${agent.url}/state`)).body as { id: string };
    expect(state.id).toBe(agentId);
  });

  it('a fresh work dir gets a new agent id', async () => {
    const dir2 = fs.mkdtempSync(path.join(tmpdir(), 'dcos-agent-e2e2-'));
    try {
      const before = master.registrations.length;
      const second = await startService('agent', {
        ...env,
        AGENT_PORT: '',
        AGENT_WORK_DIR: dir2,
        AGENT_NODE_NAME: 'node-e2e-2',
      });
      const id2 = await master.waitForAgent('node-e2e-2', before);
      expect(id2).not.toBe(agentId);
      await waitFor('agent id checkpoint', () =>
        fs.existsSync(path.join(dir2, 'meta', 'agent.json')),
      );
      expect(
        JSON.parse(fs.readFileSync(path.join(dir2, 'meta', 'agent.json'), 'utf8')),
      ).toMatchObject({
        agent_id: id2,
      });
      await second.stop();
    } finally {
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  });
});

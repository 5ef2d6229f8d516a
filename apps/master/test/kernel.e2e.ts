/**
 * The kernel end to end: the built master and two REAL agents (real task processes) against
 * real NATS and Postgres, driven by a framework on the Mesos v1 scheduler HTTP API.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createTestDatabase,
  freePort,
  httpJson,
  startService,
  stopAllServices,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
  killAgentTaskLeftovers,
} from '@dcos/testing';
import { HttpScheduler, launchCall, taskInfo, type Json } from './harness';

jest.setTimeout(180_000);

const MEMORY_HOG =
  'python3 -c "import time\nb = []\nwhile True:\n    b.append(\' \' * (8 << 20))\n    time.sleep(0.05)\n"';

describe('kernel: master + two real agents + a v1 HTTP framework', () => {
  let db: TestDatabase;
  let prefix: string;
  let masterEnv: Record<string, string>;
  let master: TestService;
  const agentEnv: Record<'a' | 'b', Record<string, string>> = { a: {}, b: {} };
  const agentSvc: Record<'a' | 'b', TestService | undefined> = { a: undefined, b: undefined };
  const agentId: Record<'a' | 'b', string> = { a: '', b: '' };
  const workDirs: string[] = [];
  const schedulers: HttpScheduler[] = [];
  let fw: HttpScheduler;
  const used = new Set<string>();

  const state = async (): Promise<Json> =>
    (await httpJson(`${master.url}/master/state`)).body as Json;
  const liveTasks = (s: Json): Json[] => s.frameworks.flatMap((f: Json) => f.tasks as Json[]);

  async function startAgent(which: 'a' | 'b'): Promise<void> {
    agentSvc[which] = await startService('agent', agentEnv[which]);
  }

  /** stdout of a task, found through the agent's /state and files API as `dcos task log` does. */
  async function stdoutOf(which: 'a' | 'b', taskId: string): Promise<string> {
    const url = agentSvc[which]!.url;
    const st = (await httpJson(`${url}/state`)).body as Json;
    const executors = [...st.frameworks, ...st.completed_frameworks].flatMap((f: Json) => [
      ...(f.executors ?? []),
      ...(f.completed_executors ?? []),
    ]);
    const ex = executors.find((e: Json) =>
      [...(e.tasks ?? []), ...(e.completed_tasks ?? [])].some((t: Json) => t.id === taskId),
    );
    if (!ex) return '';
    const r = await httpJson(
      `${url}/files/read?path=${encodeURIComponent(`${ex.directory}/stdout`)}&offset=0`,
    );
    return (r.body as Json).data as string;
  }

  beforeAll(async () => {
    db = await createTestDatabase('kernel');
    prefix = uniquePrefix('kernel');
    masterEnv = {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MASTER_PORT: String(await freePort()),
      MASTER_AGENT_PING_TIMEOUT_MS: '250',
      MASTER_MAX_AGENT_PING_TIMEOUTS: '4',
      MASTER_ALLOCATION_INTERVAL_MS: '250',
      MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
      MASTER_STATUS_UPDATE_RETRY_MS: '1000',
    };
    master = await startService('master', masterEnv);
    for (const [which, ports] of [
      ['a', '[31000-31100]'],
      ['b', '[32000-32100]'],
    ] as const) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kernel-agent-${which}-`));
      workDirs.push(dir);
      agentEnv[which] = {
        NATS_PREFIX: prefix,
        AGENT_PORT: String(await freePort()),
        AGENT_WORK_DIR: dir,
        AGENT_NODE_NAME: `node-${which}`,
        AGENT_RESOURCES: `cpus:8;mem:4096;disk:4096;ports:${ports}`,
        AGENT_KILL_GRACE_MS: '500',
      };
      await startAgent(which);
    }
    fw = new HttpScheduler(master.url, {
      name: 'kernel-e2e',
      user: 'root',
      failover_timeout: 3600,
      capabilities: [{ type: 'PARTITION_AWARE' }],
    });
    schedulers.push(fw);
    await fw.subscribe();
  });

  afterAll(async () => {
    for (const s of schedulers) s.close();
    await stopAllServices();
    for (const d of workDirs) killAgentTaskLeftovers(d);
    await db?.drop();
    for (const d of workDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('receives offers from both agents', async () => {
    const s = await waitFor('both agents registered', async () => {
      const st = await state();
      return st.slaves.length === 2 && st;
    });
    for (const which of ['a', 'b'] as const) {
      const slave = s.slaves.find((x: Json) => x.hostname === `node-${which}`);
      agentId[which] = slave.id;
      expect(slave.pid).toBe(`slave(1)@127.0.0.1:${agentEnv[which].AGENT_PORT}`);
    }
    await waitFor('offer from a', () => fw.offers(agentId.a)[0]);
    await waitFor('offer from b', () => fw.offers(agentId.b)[0]);
  });

  it('runs tasks for real: FINISHED with stdout, FAILED with the exit code, PORT0 in the offered range, KILLED, memory limit', async () => {
    const offer = await fw.takeOffer(agentId.a, used);
    const port = offer.resources.find((r: Json) => r.name === 'ports').ranges.range[0].begin + 5;
    const hog = taskInfo('hog', agentId.a, { cpus: 0.5, mem: 48, cmd: MEMORY_HOG });
    const r = await fw.call(
      launchCall(offer, [
        taskInfo('hello', agentId.a, { cmd: 'echo "hello from $MESOS_TASK_ID"' }),
        taskInfo('exit3', agentId.a, { cmd: 'exit 3' }),
        taskInfo('ported', agentId.a, { ports: [port, port], cmd: 'echo "$PORT0"; sleep 1000' }),
        taskInfo('long', agentId.a, { cmd: 'sleep 1000' }),
        hog,
      ]),
    );
    expect(r.status).toBe(202);

    const fin = await fw.waitUpdate('hello', 'TASK_FINISHED');
    expect(fin.source).toBe('SOURCE_EXECUTOR');
    expect(await stdoutOf('a', 'hello')).toBe('hello from hello\n');

    const failed = await fw.waitUpdate('exit3', 'TASK_FAILED');
    expect(failed.message).toMatch(/status 3/);

    await fw.waitUpdate('ported', 'TASK_RUNNING');
    const out = await waitFor(
      'PORT0 printed',
      async () => (await stdoutOf('a', 'ported')) || undefined,
    );
    expect(Number(out.trim())).toBe(port);
    const st = await state();
    const ported = liveTasks(st).find((t) => t.id === 'ported');
    expect(ported?.resources.ports).toBe(`[${port}-${port}]`);

    await fw.waitUpdate('long', 'TASK_RUNNING');
    expect((await fw.call({ type: 'KILL', kill: { task_id: { value: 'long' } } })).status).toBe(
      202,
    );
    await fw.waitUpdate('long', 'TASK_KILLED');

    const oom = await fw.waitUpdate('hog', 'TASK_FAILED', 30_000);
    expect(oom.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');

    const s = await state();
    const completed = s.frameworks[0].completed_tasks.map((t: Json) => [t.id, t.state]);
    expect(completed).toEqual(
      expect.arrayContaining([
        ['hello', 'TASK_FINISHED'],
        ['exit3', 'TASK_FAILED'],
        ['long', 'TASK_KILLED'],
        ['hog', 'TASK_FAILED'],
      ]),
    );
  });

  it('kill -9 of an agent: its tasks become unreachable within the timeout, and come back when it restarts', async () => {
    const offer = await fw.takeOffer(agentId.b, used);
    await fw.call(launchCall(offer, [taskInfo('on-b', agentId.b, { cmd: 'sleep 1000' })]));
    await fw.waitUpdate('on-b', 'TASK_RUNNING');
    const killedAt = Date.now();
    agentSvc.b!.child.process.kill('SIGKILL');
    const unreachable = await fw.waitUpdate('on-b', 'TASK_UNREACHABLE', 10_000);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(unreachable.reason).toBe('REASON_AGENT_REMOVED');
    expect((await state()).unreachable_slaves).toBe(1);

    await startAgent('b');
    const back = await waitFor('on-b RUNNING again', () =>
      fw.updates('on-b').find((u) => u.state === 'TASK_RUNNING' && u.source === 'SOURCE_MASTER'),
    );
    expect(back.reason).toBe('REASON_AGENT_REREGISTERED');
    const s = await waitFor('b active again', async () => {
      const st = await state();
      return st.slaves.length === 2 && st;
    });
    expect(liveTasks(s).find((t) => t.id === 'on-b')?.state).toBe('TASK_RUNNING');
  });

  it('restarting the master: agents re-register, running tasks keep running and stay in /master/state', async () => {
    const before = liveTasks(await state())
      .map((t) => t.id)
      .sort();
    expect(before).toEqual(expect.arrayContaining(['ported', 'on-b']));
    await master.stop();
    fw.close();
    master = await startService('master', masterEnv);
    const s = await waitFor('agents re-registered', async () => {
      const st = await state();
      return st.slaves.length === 2 && st;
    });
    expect(
      liveTasks(s)
        .map((t) => t.id)
        .sort(),
    ).toEqual(before);
    expect(liveTasks(s).every((t) => t.state === 'TASK_RUNNING')).toBe(true);
    // Still the same process: PORT0 was printed once.
    expect((await stdoutOf('a', 'ported')).trim().split('\n')).toHaveLength(1);
    const again = new HttpScheduler(master.url, fw.info);
    schedulers.push(again);
    await again.subscribe(fw.frameworkId);
    fw = again;
    used.clear();
  });

  it('100 sleep tasks across the agents: all RUNNING, then all KILLED, none lost or duplicated', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `sleep-${i}`);
    let next = 0;
    while (next < ids.length) {
      const offer = await waitFor('an offer', () => fw.offers().find((o) => !used.has(o.id.value)));
      used.add(offer.id.value);
      const batch = ids.slice(next, next + 50);
      next += batch.length;
      await fw.call(
        launchCall(
          offer,
          batch.map((id) =>
            taskInfo(id, offer.agent_id.value, { cpus: 0.05, mem: 16, cmd: 'sleep 1000' }),
          ),
        ),
      );
    }
    const s = await waitFor(
      '100 tasks RUNNING',
      async () => {
        const st = await state();
        const running = liveTasks(st).filter(
          (t) => t.id.startsWith('sleep-') && t.state === 'TASK_RUNNING',
        );
        return running.length === 100 && st;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const sleeps = liveTasks(s).filter((t) => t.id.startsWith('sleep-'));
    expect(new Set(sleeps.map((t) => t.id)).size).toBe(100);
    expect(new Set(sleeps.map((t) => t.slave_id)).size).toBe(2);
    for (const id of ids) {
      expect((await fw.call({ type: 'KILL', kill: { task_id: { value: id } } })).status).toBe(202);
    }
    await waitFor(
      '100 tasks KILLED',
      () => ids.every((id) => fw.updates(id).some((u) => u.state === 'TASK_KILLED')),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const end = await state();
    const done = end.frameworks[0].completed_tasks.filter((t: Json) => t.id.startsWith('sleep-'));
    expect(done).toHaveLength(100);
    expect(done.every((t: Json) => t.state === 'TASK_KILLED')).toBe(true);
    expect(liveTasks(end).filter((t) => t.id.startsWith('sleep-'))).toHaveLength(0);
    for (const id of ids) {
      expect(fw.updates(id).filter((u) => u.state === 'TASK_LOST')).toHaveLength(0);
    }
    // Clean up the rest through TEARDOWN.
    expect((await fw.call({ type: 'TEARDOWN' })).status).toBe(202);
  });
});

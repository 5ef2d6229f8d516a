import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Containerizer,
  type ContainerizerOptions,
  type ContainerCheckpoint,
  type ContainerTermination,
  listProcesses,
  isSameLiveProcess,
  readProcStat,
  UnknownUserError,
} from '../src';

const RUN = `e2e-${process.pid}-${Date.now().toString(36)}`;
const created: Containerizer[] = [];
const workDirs: string[] = [];

function mk(extra: Partial<ContainerizerOptions> = {}): Containerizer {
  const workDir = extra.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ctz-e2e-'));
  if (!extra.workDir) workDirs.push(workDir);
  const z = new Containerizer({
    workDir,
    agentId: 'agent-1',
    cgroupsPrefix: RUN,
    pollIntervalMs: 100,
    hostname: '10.0.0.7',
    ...extra,
  });
  created.push(z);
  return z;
}

const cgroupsWritable = (() => {
  try {
    const probe = new Containerizer({
      workDir: os.tmpdir(),
      agentId: 'probe',
      cgroupsPrefix: `${RUN}-probe`,
    });
    const ok = probe.isolation === 'cgroups-v1';
    probe.removeCgroupDirs();
    return ok;
  } catch {
    return false;
  }
})();
const itCgroups = cgroupsWritable ? it : it.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');

/** pids of the task's tree: its process group plus descendants of the wrapper. */
function treePids(cp: ContainerCheckpoint): number[] {
  const procs = listProcesses();
  const out = new Set<number>(
    procs.filter((p) => p.pgid === cp.pgid && p.state !== 'Z').map((p) => p.pid),
  );
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (!out.has(p.pid) && out.has(p.ppid) && p.state !== 'Z') {
        out.add(p.pid);
        grew = true;
      }
    }
  }
  return [...out];
}

const MEMORY_HOG =
  'python3 -c "import time\nb = []\nwhile True:\n    b.append(\' \' * (8 << 20))\n    time.sleep(0.05)\n"';

afterAll(async () => {
  for (const z of created) {
    for (const c of z.list()) await z.kill(c.containerId, 0).catch(() => undefined);
    z.close();
    z.removeCgroupDirs();
  }
  for (const d of workDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('containerizer with real processes', () => {
  it('detects cgroups v1 here (or says why not)', () => {
    const z = mk();
    expect(['cgroups-v1', 'rss-poll']).toContain(z.isolation);
    expect(z.isolationDetail).toBeTruthy();
    if (cgroupsWritable) expect(z.isolation).toBe('cgroups-v1');
    expect(mk({ isolation: 'rss-poll' }).isolation).toBe('rss-poll');
  });

  it('exit 0 → TASK_FINISHED, output in the sandbox files, Mesos env', async () => {
    const z = mk();
    const started: unknown[] = [];
    const exited: ContainerTermination[] = [];
    z.on('started', (e) => started.push(e));
    z.on('exited', (t) => exited.push(t));
    const cp = await z.launch({
      taskId: 'hello.1',
      frameworkId: 'fw-1',
      command: {
        value:
          'echo "hello world"; echo oops >&2; echo "P0=$PORT0 P1=$PORT1 P=$PORT PS=$PORTS"; ' +
          'echo "SB=$MESOS_SANDBOX"; echo "TID=$MESOS_TASK_ID HOST=$HOST MINE=$MINE"; echo "PWD=$(pwd)"',
      },
      env: { MINE: 'yes' },
      resources: { cpus: 0.5, mem: 64, ports: [31005, 31007] },
    });
    expect(cp.sandbox).toBe(
      path.join(z.workDir, 'slaves/agent-1/frameworks/fw-1/executors/hello.1/runs', cp.containerId),
    );
    expect(started).toEqual([
      { containerId: cp.containerId, taskId: 'hello.1', pid: cp.pid, sandbox: cp.sandbox },
    ]);
    const t = await z.wait(cp.containerId);
    expect(t).toMatchObject({
      state: 'TASK_FINISHED',
      message: 'Command exited with status 0',
      exitCode: 0,
      signal: null,
      killed: false,
    });
    expect(t.reason).toBeUndefined();
    expect(exited).toEqual([t]);
    const out = read(path.join(cp.sandbox, 'stdout'));
    expect(out).toContain('hello world\n');
    expect(out).toContain('P0=31005 P1=31007 P=31005 PS=31005,31007');
    expect(out).toContain(`SB=${cp.sandbox}`);
    expect(out).toContain('TID=hello.1 HOST=10.0.0.7 MINE=yes');
    expect(out).toContain(`PWD=${cp.sandbox}`);
    expect(read(path.join(cp.sandbox, 'stderr'))).toBe('oops\n');
    expect(fs.readlinkSync(path.join(path.dirname(cp.sandbox), 'latest'))).toBe(cp.containerId);
    if (cp.cgroups)
      for (const dir of Object.values(cp.cgroups)) expect(fs.existsSync(dir)).toBe(false);
  });

  it('exit 3 → TASK_FAILED "Command exited with status 3"; argv commands', async () => {
    const z = mk();
    const cp = await z.launch({ taskId: 't3', frameworkId: 'fw', command: { value: 'exit 3' } });
    expect(await z.wait(cp.containerId)).toMatchObject({
      state: 'TASK_FAILED',
      reason: 'REASON_COMMAND_EXECUTOR_FAILED',
      message: 'Command exited with status 3',
      exitCode: 3,
    });
    const argv = await z.launch({
      taskId: 'argv',
      frameworkId: 'fw',
      command: { shell: false, value: '/bin/echo', arguments: ['echo', 'a  b', '$HOME'] },
    });
    expect((await z.wait(argv.containerId)).state).toBe('TASK_FINISHED');
    expect(read(path.join(argv.sandbox, 'stdout'))).toBe('a  b $HOME\n');
  });

  it('a task killed by a signal of its own → FAILED with the Mesos wording', async () => {
    const z = mk();
    const cp = await z.launch({
      taskId: 'segv',
      frameworkId: 'fw',
      command: { value: 'kill -SEGV $$' },
    });
    expect(await z.wait(cp.containerId)).toMatchObject({
      state: 'TASK_FAILED',
      message: 'Command terminated with signal Segmentation fault',
      signal: 'SIGSEGV',
    });
  });

  it('kill → TASK_KILLED and no process of the tree is left', async () => {
    const z = mk();
    const cp = await z.launch({
      taskId: 'tree',
      frameworkId: 'fw',
      command: {
        value: 'sleep 1000 & (sleep 1000; echo never) & sh -c "sleep 1000" & echo up; wait',
      },
    });
    await waitFor('the tree to start', () => treePids(cp).length >= 6);
    const pids = treePids(cp).map((pid) => ({ pid, start: readProcStat(pid)!.startTime }));
    const t0 = Date.now();
    const t = await z.kill(cp.containerId, 2000);
    expect(Date.now() - t0).toBeLessThan(1500); // sleep dies on SIGTERM: no need for the grace period
    expect(t).toMatchObject({ state: 'TASK_KILLED', killed: true });
    expect(t.message).toMatch(/^Command (terminated with signal|exited with status)/);
    for (const p of pids) expect(isSameLiveProcess(p.pid, p.start)).toBe(false);
    expect(treePids(cp)).toEqual([]);
    expect(await z.kill(cp.containerId)).toEqual(t); // idempotent
  });

  it('a SIGTERM-ignoring task is SIGKILLed after the grace period', async () => {
    const z = mk();
    const cp = await z.launch({
      taskId: 'stubborn',
      frameworkId: 'fw',
      command: { value: "trap '' TERM; echo ready; while :; do sleep 0.1; done" },
    });
    await waitFor('ready', () => read(path.join(cp.sandbox, 'stdout')).includes('ready'));
    const t0 = Date.now();
    const t = await z.kill(cp.containerId, 800);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(750);
    expect(took).toBeLessThan(5000);
    expect(t).toMatchObject({
      state: 'TASK_KILLED',
      signal: 'SIGKILL',
      message: 'Command terminated with signal Killed',
    });
    expect(treePids(cp)).toEqual([]);
  });

  itCgroups(
    'cgroups: limits are set, the task is in its cgroups from its first instruction, escapees die',
    async () => {
      const z = mk();
      const cp = await z.launch({
        taskId: 'limits',
        frameworkId: 'fw',
        command: { value: 'cat /proc/self/cgroup; setsid sleep 1000 & echo started; sleep 1000' },
        resources: { cpus: 0.5, mem: 96 },
        pidsLimit: 50,
      });
      expect(cp.isolation).toBe('cgroups-v1');
      const cg = cp.cgroups!;
      expect(read(path.join(cg.memory!, 'memory.limit_in_bytes')).trim()).toBe(
        String(96 * 1024 * 1024),
      );
      if (fs.existsSync(path.join(cg.memory!, 'memory.memsw.limit_in_bytes'))) {
        expect(read(path.join(cg.memory!, 'memory.memsw.limit_in_bytes')).trim()).toBe(
          String(96 * 1024 * 1024),
        );
      }
      if (cg.cpu) {
        expect(read(path.join(cg.cpu, 'cpu.shares')).trim()).toBe('512');
        expect(read(path.join(cg.cpu, 'cpu.cfs_quota_us')).trim()).toBe('50000');
      }
      if (cg.pids) expect(read(path.join(cg.pids, 'pids.max')).trim()).toBe('50');
      await waitFor('started', () => read(path.join(cp.sandbox, 'stdout')).includes('started'));
      const selfCgroup = read(path.join(cp.sandbox, 'stdout'));
      expect(selfCgroup).toMatch(new RegExp(`memory:.*/${RUN}/${cp.containerId}`));
      // The setsid'd sleep left the process group but not the cgroup. ("started" may be printed
      // before the background child has called setsid(): wait for it to have left.)
      const escapees = () =>
        read(path.join(cg.memory!, 'cgroup.procs'))
          .trim()
          .split('\n')
          .map(Number)
          .filter((pid) => readProcStat(pid) && readProcStat(pid)!.pgid !== cp.pgid);
      await waitFor('the setsid child out of the process group', () => escapees().length > 0);
      const escaped = escapees();
      expect(escaped.length).toBe(1);
      const t = await z.kill(cp.containerId, 1000);
      expect(t.state).toBe('TASK_KILLED');
      for (const pid of escaped) expect(readProcStat(pid)?.state ?? 'gone').toMatch(/^(gone|Z)$/); // init may reap late
      for (const dir of Object.values(cg)) expect(fs.existsSync(dir)).toBe(false);
    },
  );

  itCgroups(
    'cgroups: a task past its memory limit → FAILED, REASON_CONTAINER_LIMITATION_MEMORY',
    async () => {
      const z = mk();
      const cp = await z.launch({
        taskId: 'hog',
        frameworkId: 'fw',
        command: { value: MEMORY_HOG },
        resources: { cpus: 1, mem: 64 },
      });
      const t = await z.wait(cp.containerId);
      expect(t).toMatchObject({
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
        source: 'SOURCE_AGENT',
        killed: false,
      });
      expect(t.message).toMatch(/^Memory limit exceeded: Requested: 64MB Maximum Used: \d+MB$/);
      for (const dir of Object.values(cp.cgroups!)) expect(fs.existsSync(dir)).toBe(false);
    },
  );

  it('rss-poll: a task past its memory limit → FAILED, REASON_CONTAINER_LIMITATION_MEMORY', async () => {
    const z = mk({ isolation: 'rss-poll' });
    const cp = await z.launch({
      taskId: 'hog-rss',
      frameworkId: 'fw',
      command: { value: `${MEMORY_HOG} & wait` }, // the hog is a grandchild of the wrapper
      resources: { cpus: 1, mem: 64 },
    });
    expect(cp.cgroups).toBeUndefined();
    const t = await z.wait(cp.containerId);
    expect(t).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY' });
    expect(t.message).toMatch(/^Memory limit exceeded: Requested: 64MB Maximum Used: \d+MB$/);
    expect(treePids(cp)).toEqual([]);
  });

  it('rss-poll: a task under its limit runs normally and kill works', async () => {
    const z = mk({ isolation: 'rss-poll' });
    const cp = await z.launch({
      taskId: 'small',
      frameworkId: 'fw',
      command: { value: 'sleep 1000 & sleep 1000' },
      resources: { mem: 64 },
    });
    await sleep(400);
    expect(z.get(cp.containerId)).toBeDefined();
    expect((await z.kill(cp.containerId, 1000)).state).toBe('TASK_KILLED');
    expect(treePids(cp)).toEqual([]);
  });

  it.each(['auto', 'rss-poll'] as const)(
    '%s: background processes do not outlive the task',
    async (isolation) => {
      const z = mk({ isolation });
      const cp = await z.launch({
        taskId: `bg-${isolation}`,
        frameworkId: 'fw',
        command: { value: 'sleep 1000 & (sleep 1000 &) ; echo bg; exit 0' },
      });
      const t = await z.wait(cp.containerId);
      expect(t.state).toBe('TASK_FINISHED');
      expect(treePids(cp)).toEqual([]);
    },
  );

  it('runs as another user; an unknown user is a clear error', async () => {
    const z = mk();
    const cp = await z.launch({
      taskId: 'as-nobody',
      frameworkId: 'fw',
      command: { value: 'id -u; echo "$USER"; touch mine' },
      user: 'nobody',
      resources: { mem: 64 },
    });
    const t = await z.wait(cp.containerId);
    expect(t.state).toBe('TASK_FINISHED');
    expect(read(path.join(cp.sandbox, 'stdout'))).toBe('65534\nnobody\n');
    expect(fs.statSync(path.join(cp.sandbox, 'mine')).uid).toBe(65534);
    await expect(
      z.launch({
        taskId: 'x',
        frameworkId: 'fw',
        command: { value: 'true' },
        user: 'no-such-user-xyz',
      }),
    ).rejects.toThrow(UnknownUserError);
    await expect(
      z.launch({
        taskId: 'x',
        frameworkId: 'fw',
        command: { value: 'true' },
        user: 'no-such-user-xyz',
      }),
    ).rejects.toThrow('unknown user "no-such-user-xyz"');
  });

  it('recovers a running task after a restart and sees its exit status', async () => {
    const a = mk();
    const cp = await a.launch({
      taskId: 'long',
      frameworkId: 'fw',
      command: { value: 'sleep 1; echo finished; exit 4' },
      resources: { mem: 64 },
    });
    a.close(); // the "agent" goes away; the task keeps running
    const b = mk({ workDir: a.workDir });
    const exited: ContainerTermination[] = [];
    b.on('exited', (t) => exited.push(t));
    const rec = await b.recover(); // from <workDir>/containers/*/checkpoint.json
    expect(rec.running.map((c) => c.containerId)).toEqual([cp.containerId]);
    expect(rec.terminated).toEqual([]);
    const t = await b.wait(cp.containerId);
    expect(t).toMatchObject({
      state: 'TASK_FAILED',
      message: 'Command exited with status 4',
      exitCode: 4,
    });
    expect(exited).toEqual([t]);
    expect(read(path.join(cp.sandbox, 'stdout'))).toBe('finished\n');
    // A third incarnation finds the recorded termination.
    const c = mk({ workDir: a.workDir });
    expect(await c.recover([cp])).toEqual({ running: [], terminated: [t] });
    c.gc(cp.containerId);
    expect(fs.existsSync(c.metaPath(cp.containerId))).toBe(false);
  });

  it('reports tasks that ended while the agent was down, and keeps kill requests across restarts', async () => {
    const a = mk();
    const quick = await a.launch({
      taskId: 'quick',
      frameworkId: 'fw',
      command: { value: 'exit 5' },
    });
    const long = await a.launch({
      taskId: 'long',
      frameworkId: 'fw',
      command: { value: 'sleep 1000 & sleep 1000' },
    });
    a.close();
    await waitFor('quick to end', () => !isSameLiveProcess(quick.pid, quick.startTime));
    const b = mk({ workDir: a.workDir });
    const rec = await b.recover([quick, long]);
    expect(rec.running.map((c) => c.containerId)).toEqual([long.containerId]);
    expect(rec.terminated).toEqual([
      expect.objectContaining({
        containerId: quick.containerId,
        state: 'TASK_FAILED',
        exitCode: 5,
      }),
    ]);
    await waitFor('the tree to start', () => treePids(long).length >= 3);
    const pids = treePids(long);
    const t = await b.kill(long.containerId, 1000);
    expect(t.state).toBe('TASK_KILLED');
    for (const pid of pids) expect(readProcStat(pid)?.state ?? 'gone').toMatch(/gone|Z/);
    // A pid that is alive but is not the checkpointed process (start time differs) is not adopted.
    const fake = {
      ...long,
      containerId: 'fake-1',
      metaDir: b.metaPath('fake-1'),
      pid: process.pid,
      pgid: process.pid,
      startTime: 1,
    };
    const rec2 = await mk({ workDir: a.workDir }).recover([fake]);
    expect(rec2.running).toEqual([]);
    expect(rec2.terminated[0]).toMatchObject({
      state: 'TASK_FAILED',
      reason: 'REASON_EXECUTOR_TERMINATED',
    });
    expect(isSameLiveProcess(process.pid)).toBe(true);
  });

  it('a kill requested before a restart is completed by the next instance (TASK_KILLED)', async () => {
    const a = mk({ defaultGracePeriodMs: 600 });
    const cp = await a.launch({
      taskId: 'stubborn2',
      frameworkId: 'fw',
      command: { value: "trap '' TERM; echo ready; sleep 1000 & sleep 1000" },
    });
    await waitFor('ready', () => read(path.join(cp.sandbox, 'stdout')).includes('ready'));
    void a.kill(cp.containerId, 60_000); // SIGTERM is ignored; the agent dies before the SIGKILL
    a.close();
    await sleep(200);
    expect(isSameLiveProcess(cp.pid, cp.startTime)).toBe(true);
    const b = mk({ workDir: a.workDir, defaultGracePeriodMs: 600 });
    const rec = await b.recover();
    expect(rec.running.map((c) => c.containerId)).toEqual([cp.containerId]);
    const t = await b.wait(cp.containerId);
    expect(t).toMatchObject({ state: 'TASK_KILLED', killed: true });
    expect(treePids(cp)).toEqual([]);
  });

  it('survives kill -9 of the agent process: a new instance re-attaches and gets the status', async () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctz-e2e-'));
    workDirs.push(workDir);
    const agent = spawn(
      process.execPath,
      [
        '-r',
        path.join(__dirname, 'fixtures/register-ts.js'),
        path.join(__dirname, 'fixtures/agent-child.ts'),
        workDir,
        'agent-9',
        RUN,
        'echo begin; sleep 2; echo end; exit 7',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.join(__dirname, '../../..') },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      agent.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.split('\n')[0]);
      });
      agent.once('exit', (code) => reject(new Error(`agent exited early (${code})`)));
    });
    const cp = JSON.parse(line) as ContainerCheckpoint;
    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    expect(isSameLiveProcess(cp.pid, cp.startTime)).toBe(true);
    const z = mk({ workDir, agentId: 'agent-9' });
    const rec = await z.recover();
    expect(rec.running.map((c) => c.containerId)).toEqual([cp.containerId]);
    const t = await z.wait(cp.containerId);
    expect(t).toMatchObject({
      state: 'TASK_FAILED',
      exitCode: 7,
      message: 'Command exited with status 7',
    });
    expect(read(path.join(cp.sandbox, 'stdout'))).toBe('begin\nend\n');
    if (cp.cgroups)
      for (const dir of Object.values(cp.cgroups)) expect(fs.existsSync(dir)).toBe(false);
  });

  it('rejects bad launches without leaving anything behind', async () => {
    const z = mk();
    await expect(
      z.launch({ taskId: '../x', frameworkId: 'fw', command: { value: 'true' } }),
    ).rejects.toThrow('invalid task id');
    await expect(
      z.launch({ taskId: 'ok', frameworkId: 'fw', command: { value: '' } }),
    ).rejects.toThrow('command.value');
    const cp = await z.launch({
      taskId: 'dup',
      frameworkId: 'fw',
      containerId: 'c-dup',
      command: { value: 'true' },
    });
    await expect(
      z.launch({
        taskId: 'dup',
        frameworkId: 'fw',
        containerId: 'c-dup',
        command: { value: 'true' },
      }),
    ).rejects.toThrow('already exists');
    await z.wait(cp.containerId);
    expect(() => execFileSync('true')).not.toThrow();
  });
});

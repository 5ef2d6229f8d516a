import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  httpJson,
  startService,
  stopAllServices,
  TEST_NATS_URL,
  uniquePrefix,
  waitFor,
  type TestService,
  killAgentTaskLeftovers,
} from '@dcos/testing';
import { FakeMaster } from './fake-master';

describe('agent fetcher and health checks (built process, real NATS, real tasks)', () => {
  const prefix = uniquePrefix('agentfh');
  const master = new FakeMaster(prefix);
  let workDir: string;
  let files: string;
  let agent: TestService;
  let agentId: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    await master.start();
    workDir = fs.mkdtempSync(path.join(tmpdir(), 'dcos-agent-fh-'));
    files = fs.mkdtempSync(path.join(tmpdir(), 'dcos-agent-fh-files-'));
    // What the tasks fetch: a script over HTTP and a .tar.gz bundle from a local path.
    fs.mkdirSync(path.join(files, 'bundle', 'conf'), { recursive: true });
    fs.writeFileSync(path.join(files, 'bundle', 'conf', 'greeting'), 'hello-from-bundle');
    execFileSync('tar', [
      '-C',
      path.join(files, 'bundle'),
      '-czf',
      path.join(files, 'conf.tgz'),
      'conf',
    ]);
    server = createServer((req, res) => {
      if (req.url === '/run.sh') res.end('#!/bin/sh\necho "script says $(cat conf/greeting)"\n');
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = await startService('agent', {
      NATS_URL: TEST_NATS_URL,
      NATS_PREFIX: prefix,
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: 'node-fh',
      AGENT_IP: '127.0.0.1',
      AGENT_RESOURCES: 'cpus:2;mem:2048;disk:4096;ports:[31100-31199]',
      AGENT_KILL_GRACE_MS: '500',
      AGENT_REGISTRATION_BACKOFF_MS: '200',
    });
    agentId = await master.waitForAgent('node-fh');
  });

  afterAll(async () => {
    await stopAllServices();
    killAgentTaskLeftovers(workDir);
    await master.stop();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.rmSync(files, { recursive: true, force: true });
  });

  async function readSandboxFile(taskId: string, name: string): Promise<string> {
    const state = (await httpJson(`${agent.url}/state`)).body as {
      frameworks: {
        executors: { id: string; directory: string }[];
        completed_executors: { id: string; directory: string }[];
      }[];
      completed_frameworks: { completed_executors: { id: string; directory: string }[] }[];
    };
    const all = [
      ...state.frameworks.flatMap((f) => [...f.executors, ...f.completed_executors]),
      ...state.completed_frameworks.flatMap((f) => f.completed_executors),
    ];
    const dir = all.find((e) => e.id === taskId)?.directory;
    if (!dir) throw new Error(`no sandbox for ${taskId}`);
    const res = await httpJson(
      `${agent.url}/files/read?path=${encodeURIComponent(`${dir}/${name}`)}&offset=0&length=100000`,
    );
    return (res.body as { data: string }).data;
  }

  it('fetches an http script (executable) and a .tar.gz (extracted) before the command runs it', async () => {
    await master.launch(agentId, {
      task_id: { value: 'fetched-1' },
      command: {
        value: './run.sh',
        uris: [
          { value: `${base}/run.sh`, executable: true },
          { value: path.join(files, 'conf.tgz') },
        ],
      },
    });
    await master.waitForState('fetched-1', 'TASK_FINISHED');
    expect(master.states('fetched-1')).toEqual([
      'TASK_STAGING',
      'TASK_STARTING',
      'TASK_RUNNING',
      'TASK_FINISHED',
    ]);
    expect(await readSandboxFile('fetched-1', 'stdout')).toBe('script says hello-from-bundle\n');
    const stderr = await readSandboxFile('fetched-1', 'stderr');
    expect(stderr).toContain(`Fetching URI '${base}/run.sh'`);
    expect(stderr).toContain('Extracting with command: tar');
  });

  it('a fetch failure fails the task: TASK_FAILED, REASON_FETCHER_FAILED, naming the URI; the command never runs', async () => {
    const bad = `${base}/missing.tar.gz`;
    await master.launch(agentId, {
      task_id: { value: 'fetch-bad' },
      command: { value: 'echo ran > ran.txt', uris: [{ value: bad }] },
    });
    const failed = await master.waitForState('fetch-bad', 'TASK_FAILED');
    expect(master.states('fetch-bad')).toEqual(['TASK_STAGING', 'TASK_FAILED']);
    expect(failed.status.reason).toBe('REASON_FETCHER_FAILED');
    expect(failed.status.source).toBe('SOURCE_AGENT');
    expect(failed.status.message).toBe(`Failed to fetch '${bad}': HTTP 404 Not Found`);
    const stderr = await readSandboxFile('fetch-bad', 'stderr');
    expect(stderr).toContain(`Failed to fetch all URIs for container: Failed to fetch '${bad}'`);
  });

  it('a passing COMMAND health check (run in the sandbox with the task env, in its cgroups) → TASK_RUNNING healthy=true', async () => {
    const flags = (await httpJson(`${agent.url}/flags`)).body as { flags: { isolation: string } };
    // With cgroups the check runs inside the task's memory cgroup (named by its container id).
    const inCgroup =
      flags.flags.isolation === 'cgroups-v1'
        ? ' && grep -q "memory:.*/$MESOS_CONTAINER_ID$" /proc/self/cgroup'
        : '';
    await master.launch(agentId, {
      task_id: { value: 'healthy-1' },
      command: {
        value: 'echo up > ready && sleep 60',
        environment: { variables: [{ name: 'EXPECTED', value: 'yes' }] },
      },
      health_check: {
        type: 'COMMAND',
        command: {
          value: `test -f ready && [ "$EXPECTED" = yes ] && [ -n "$MESOS_TASK_ID" ]${inCgroup}`,
        },
        delay_seconds: 0,
        interval_seconds: 1,
        grace_period_seconds: 5,
      },
    });
    const u = await waitFor('healthy update', () =>
      master.updates.find(
        (x) => x.status.task_id.value === 'healthy-1' && x.status.healthy !== undefined,
      ),
    );
    expect(u.status).toMatchObject({
      state: 'TASK_RUNNING',
      healthy: true,
      reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      source: 'SOURCE_EXECUTOR',
    });
    await master.kill(agentId, 'healthy-1');
    const killed = await master.waitForState('healthy-1', 'TASK_KILLED');
    expect(killed.status.reason).toBeUndefined();
  });

  it('a health check that starts failing → healthy=false, then the task is killed (TASK_KILLED, healthy=false)', async () => {
    await master.launch(agentId, {
      task_id: { value: 'sick-1' },
      command: { value: 'touch ok && sleep 60' },
      health_check: {
        type: 'COMMAND',
        // Healthy once, then failing: the check removes its own marker.
        command: { value: 'test -f ok && rm ok' },
        delay_seconds: 0,
        interval_seconds: 0.3,
        // Failures before the first success (the task not yet up) are ignored within it.
        grace_period_seconds: 5,
        consecutive_failures: 2,
      },
    });
    const killed = await master.waitForState('sick-1', 'TASK_KILLED', 20_000);
    const health = master.updates
      .filter((x) => x.status.task_id.value === 'sick-1' && x.status.healthy !== undefined)
      .map((x) => [x.status.state, x.status.healthy]);
    expect(health).toEqual([
      ['TASK_RUNNING', true],
      ['TASK_RUNNING', false],
      ['TASK_RUNNING', false],
      ['TASK_KILLED', false],
    ]);
    expect(killed.status.reason).toBe('REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
    expect(killed.status.healthy).toBe(false);
  });

  it('HTTP health check against 127.0.0.1:<task port>', async () => {
    await master.launch(agentId, {
      task_id: { value: 'web-1' },
      command: {
        value:
          'exec python3 -c "import http.server as h; h.HTTPServer((\'127.0.0.1\', $PORT0), h.SimpleHTTPRequestHandler).serve_forever()"',
      },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31150, end: 31150 }] } },
      ],
      health_check: {
        type: 'HTTP',
        http: { port: 31150, path: '/' },
        delay_seconds: 0,
        interval_seconds: 0.5,
        grace_period_seconds: 10,
      },
    });
    const u = await waitFor('http healthy', () =>
      master.updates.find((x) => x.status.task_id.value === 'web-1' && x.status.healthy === true),
    );
    expect(u.status.state).toBe('TASK_RUNNING');
    await master.kill(agentId, 'web-1');
    await master.waitForState('web-1', 'TASK_KILLED');
  });

  it('a COMMAND check: the first RUNNING carries the empty check_status, then each new exit code (REASON_TASK_CHECK_STATUS_UPDATED)', async () => {
    await master.launch(agentId, {
      task_id: { value: 'checked-1' },
      command: { value: 'sleep 60' },
      check: {
        type: 'COMMAND',
        // exit 3 until the marker exists, then 0: two distinct results.
        command: { command: { value: 'if [ -f seen ]; then exit 0; else touch seen; exit 3; fi' } },
        delay_seconds: 0,
        interval_seconds: 0.3,
      },
    });
    await waitFor('exit code 0 reported', () =>
      master.updates.find(
        (x) =>
          x.status.task_id.value === 'checked-1' &&
          (x.status as { check_status?: { command?: { exit_code?: number } } }).check_status
            ?.command?.exit_code === 0,
      ),
    );
    const running = master.updates
      .filter((x) => x.status.task_id.value === 'checked-1' && x.status.state === 'TASK_RUNNING')
      .map((x) => [x.status.reason, (x.status as { check_status?: unknown }).check_status]);
    expect(running).toEqual([
      [undefined, { type: 'COMMAND', command: {} }],
      ['REASON_TASK_CHECK_STATUS_UPDATED', { type: 'COMMAND', command: { exit_code: 3 } }],
      ['REASON_TASK_CHECK_STATUS_UPDATED', { type: 'COMMAND', command: { exit_code: 0 } }],
    ]);
    await master.kill(agentId, 'checked-1');
    await master.waitForState('checked-1', 'TASK_KILLED');
  });

  it('an invalid health_check fails the launch naming the field', async () => {
    await master.launch(agentId, {
      task_id: { value: 'bad-hc' },
      command: { value: 'sleep 5' },
      health_check: { type: 'TCP', tcp: {} },
    });
    const f = await master.waitForState('bad-hc', 'TASK_FAILED');
    expect(f.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(f.status.message).toContain('health_check.tcp.port');
  });
});

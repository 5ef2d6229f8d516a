/**
 * Marathon's agent-run checks on the REAL cluster: the built master, a real agent and the built
 * Marathon against real NATS and Postgres. The app's files come through `fetch` (a .tar.gz the
 * agent's fetcher extracts into the sandbox) and its COMMAND health check is run by the agent,
 * which reports `healthy` in status updates and kills the task when the check keeps failing.
 */
import { execFileSync } from 'node:child_process';
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

jest.setTimeout(120_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `/fail` leaves a `sick` file in the sandbox (the cwd): the COMMAND check then fails. */
const SERVER = `
const http = require('http');
const fs = require('fs');
http.createServer((req, res) => {
  if (req.url === '/fail') fs.writeFileSync('sick', '1');
  res.end(String(process.env.MESOS_TASK_ID));
}).listen(Number(process.env.PORT0), '127.0.0.1');
`;

describe('marathon: fetch and COMMAND health checks run by the agent (real cluster)', () => {
  let db: TestDatabase;
  let master: TestService;
  let marathon: TestService;
  let workDir: string;
  let scratch: string;

  const api = (p: string, init: RequestInit = {}) =>
    httpJson(`${marathon.url}${p}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
  const appOf = async (id: string): Promise<Json> =>
    ((await api(`/v2/apps${id}?embed=app.tasks`)).body as Json).app as Json;

  beforeAll(async () => {
    db = await createTestDatabase('mtchecks');
    const prefix = uniquePrefix('mtchk');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-checks-'));
    fs.mkdirSync(path.join(scratch, 'app'));
    fs.writeFileSync(path.join(scratch, 'app', 'server.js'), SERVER);
    execFileSync('tar', [
      '-C',
      path.join(scratch, 'app'),
      '-czf',
      path.join(scratch, 'web.tgz'),
      'server.js',
    ]);
    master = await startService('master', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MASTER_ALLOCATION_INTERVAL_MS: '200',
      MASTER_SCHEDULER_HEARTBEAT_SECONDS: '2',
      MASTER_STATUS_UPDATE_RETRY_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-checks-agent-'));
    const base = 36000 + Math.floor(Math.random() * 40) * 100;
    await startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_PORT: String(await freePort()),
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: '127.0.0.1',
      AGENT_RESOURCES: `cpus:2;mem:1024;disk:1024;ports:[${base}-${base + 49}]`,
      AGENT_KILL_GRACE_MS: '300',
    });
    marathon = await startService('marathon', {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MARATHON_RECONCILE_INTERVAL_MS: '100',
      MARATHON_DECLINE_OFFER_DURATION_SECONDS: '1',
      LOG_LEVEL: 'warn',
    });
    await waitFor('marathon registered with the master', async () => {
      const info = (await api('/v2/info')).body as Json;
      return info.frameworkId;
    });
  });

  afterAll(async () => {
    await stopAllServices();
    if (workDir) killAgentTaskLeftovers(workDir);
    await db?.drop();
    for (const d of [workDir, scratch]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('fetched app becomes healthy by its COMMAND check; a failing check gets it killed and replaced', async () => {
    const r = await api('/v2/apps', {
      method: 'POST',
      body: JSON.stringify({
        id: '/checks/web',
        cmd: `exec ${process.execPath} server.js`,
        instances: 1,
        cpus: 0.1,
        mem: 128,
        portDefinitions: [{ port: 0, name: 'http' }],
        fetch: [{ uri: path.join(scratch, 'web.tgz') }],
        healthChecks: [
          {
            protocol: 'COMMAND',
            command: { value: 'test -f server.js && test ! -f sick' },
            delaySeconds: 0,
            gracePeriodSeconds: 5,
            intervalSeconds: 2,
            timeoutSeconds: 1,
            maxConsecutiveFailures: 2,
          },
        ],
        backoffSeconds: 0.1,
        taskKillGracePeriodSeconds: 1,
      }),
    });
    expect([r.status, r.body]).toEqual([201, expect.anything()]);
    const healthy = await waitFor(
      'the fetched app healthy',
      async () => {
        const a = await appOf('/checks/web');
        return a.tasksHealthy === 1 && a.deployments.length === 0 && a;
      },
      { timeoutMs: 30_000 },
    );
    const task = healthy.tasks[0] as Json;
    // The fetched server answers on the task's port (the check only tests the fetched file,
    // so under load the server may still be starting: poll).
    const answer = await waitFor('the fetched server to answer', () =>
      fetch(`http://127.0.0.1:${task.ports[0]}/`).then((x) => x.text()),
    );
    expect(answer).toBe(task.id);

    // Make the agent-run check fail: the agent reports healthy=false, then kills the task.
    await fetch(`http://127.0.0.1:${task.ports[0]}/fail`).then((x) => x.text());
    await waitFor(
      'the sick task replaced by a healthy one',
      async () => {
        const a = await appOf('/checks/web');
        const t = a.tasks[0] as Json | undefined;
        return a.tasks.length === 1 && t?.id !== task.id && a.tasksHealthy === 1 && a;
      },
      { timeoutMs: 40_000 },
    );
    const masterState = (await httpJson(`${master.url}/master/state`)).body as Json;
    const old = masterState.frameworks
      .flatMap((f: Json) => f.completed_tasks as Json[])
      .find((t: Json) => t.id === task.id);
    expect(old.state).toBe('TASK_KILLED');
    const last = old.statuses[old.statuses.length - 1] as Json;
    expect(last).toMatchObject({ state: 'TASK_KILLED', healthy: false });
    expect(old.statuses.some((s: Json) => s.state === 'TASK_RUNNING' && s.healthy === false)).toBe(
      true,
    );
  });
});

import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, waitFor } from '@dcos/testing';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist/apps/cli/src/main.js');

/**
 * Fixtures in the Mesos JSON shapes, served by one in-test HTTP server that plays the
 * master (`/master/*`, `/api/v1`) and the agent (`/state`, `/files/read` over a real
 * sandbox directory), directly and behind Admin Router prefixes (`/mesos`, `/agent/<id>`).
 */
describe('dcos node/task commands (built CLI against Mesos-shaped HTTP fixtures)', () => {
  let server: Server;
  let port: number;
  let sandbox: string;
  const requests: { method: string; url: string; auth?: string; body?: string }[] = [];
  let killStatus = 202;

  const AGENT = 'a1b2c3-S0';
  const task = (id: string, state: string, name = id) => ({
    id,
    name,
    framework_id: 'fw-1',
    executor_id: '',
    slave_id: AGENT,
    state,
    resources: { cpus: 0.5, mem: 64, disk: 0, gpus: 0 },
    statuses: [{ state, timestamp: 1 }],
  });

  function masterState() {
    return {
      leader: `master@127.0.0.1:${port}`,
      slaves: slaves(),
      frameworks: [
        {
          id: 'fw-1',
          name: 'marathon',
          user: 'root',
          tasks: [task('web.1', 'TASK_RUNNING', 'web'), task('web.2', 'TASK_RUNNING', 'web')],
          completed_tasks: [task('batch.1', 'TASK_FINISHED', 'batch')],
          unreachable_tasks: [],
        },
      ],
      completed_frameworks: [],
    };
  }

  function slaves() {
    return [
      {
        id: AGENT,
        hostname: 'node-1',
        pid: `slave(1)@127.0.0.1:${port}`,
        port,
        resources: { cpus: 4, mem: 8192, disk: 10000, gpus: 0, ports: '[31000-32000]' },
        used_resources: { cpus: 1, mem: 128, disk: 0, gpus: 0 },
        active: true,
      },
    ];
  }

  function agentState() {
    const exec = (id: string, running: boolean) => ({
      id,
      directory: path.join(sandbox, id),
      tasks: running ? [{ id }] : [],
      completed_tasks: running ? [] : [{ id }],
      queued_tasks: [],
    });
    return {
      id: AGENT,
      frameworks: [
        {
          id: 'fw-1',
          executors: [exec('web.1', true), exec('web.2', true)],
          completed_executors: [exec('batch.1', false)],
        },
      ],
      completed_frameworks: [],
    };
  }

  function filesRead(url: URL): { status: number; body: unknown } {
    const p = url.searchParams.get('path') ?? '';
    if (!p.startsWith(sandbox + '/') || p.includes('..'))
      return { status: 403, body: { message: 'no' } };
    if (!fs.existsSync(p)) return { status: 404, body: { message: 'not found' } };
    const data = fs.readFileSync(p);
    const offset = Number(url.searchParams.get('offset') ?? '-1');
    if (offset === -1) return { status: 200, body: { data: '', offset: data.length } };
    const length = Math.min(Number(url.searchParams.get('length') ?? 65536), 65536);
    return {
      status: 200,
      body: { data: data.subarray(offset, offset + length).toString(), offset },
    };
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString();
  }

  beforeAll(async () => {
    sandbox = fs.mkdtempSync(path.join(tmpdir(), 'dcos-cli-e2e-'));
    for (const id of ['web.1', 'web.2', 'batch.1']) fs.mkdirSync(path.join(sandbox, id));
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    fs.writeFileSync(path.join(sandbox, 'web.1', 'stdout'), lines);
    fs.writeFileSync(path.join(sandbox, 'web.1', 'stderr'), 'oops\n');
    fs.writeFileSync(path.join(sandbox, 'batch.1', 'stdout'), 'batch done\n');
    server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          auth: req.headers.authorization,
          body,
        });
        const url = new URL(req.url ?? '/', 'http://x');
        let p = url.pathname;
        if (p.startsWith('/mesos/')) p = p.slice('/mesos'.length);
        else if (p.startsWith(`/agent/${AGENT}/`)) p = p.slice(`/agent/${AGENT}`.length);
        const send = (status: number, b: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(b === undefined ? '' : JSON.stringify(b));
        };
        if (p === '/master/state') return send(200, masterState());
        if (p === '/master/slaves') return send(200, { slaves: slaves(), recovered_slaves: [] });
        if (p === '/state') return send(200, agentState());
        if (p === '/files/read') {
          const r = filesRead(url);
          return send(r.status, r.body);
        }
        if (p === '/api/v1' && req.method === 'POST') {
          return killStatus === 202
            ? send(202, undefined)
            : send(killStatus, { message: 'kill_task.task_id: no live task' });
        }
        send(404, { message: 'no route' });
      })();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    fs.rmSync(sandbox, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, MASTER_URL: `http://127.0.0.1:${port}`, DCOS_URL: '' });
  const dcos = (args: string[], extraEnv: Record<string, string> = {}) =>
    run(process.execPath, [CLI, ...args], { env: { ...env(), ...extraEnv } });
  const fails = async (args: string[], extraEnv: Record<string, string> = {}) => {
    const e = (await dcos(args, extraEnv).then(
      () => undefined,
      (err: unknown) => err,
    )) as { code: number; stderr: string } | undefined;
    if (!e) throw new Error(`dcos ${args.join(' ')} succeeded`);
    return e;
  };

  it('node list: id, hostname, IP and resources used/total; --json gives the agent objects', async () => {
    const { stdout } = await dcos(['node', 'list']);
    expect(stdout).toMatch(/HOSTNAME.*IP.*ID.*CPUS.*MEM/);
    expect(stdout).toMatch(/node-1.*127\.0\.0\.1.*a1b2c3-S0.*1\/4.*128\/8192/);
    const json = JSON.parse((await dcos(['node', 'list', '--json'])).stdout) as { id: string }[];
    expect(json.map((a) => a.id)).toEqual([AGENT]);
  });

  it('task list: running tasks; --all adds completed ones; --json', async () => {
    const { stdout } = await dcos(['task', 'list']);
    expect(stdout).toMatch(/web.*node-1.*root.*RUNNING.*web\.1.*a1b2c3-S0/);
    expect(stdout).not.toContain('batch.1');
    expect((await dcos(['task', 'list', '--all'])).stdout).toMatch(/batch.*FINISHED.*batch\.1/);
    const json = JSON.parse((await dcos(['task', 'list', '--json'])).stdout) as {
      id: string;
      state: string;
    }[];
    expect(json.map((t) => t.id)).toEqual(['web.1', 'web.2']);
  });

  it('task log: the last 10 lines by default, --lines N, --stderr, completed tasks too', async () => {
    const last10 = Array.from({ length: 10 }, (_, i) => `line ${i + 21}`).join('\n') + '\n';
    expect((await dcos(['task', 'log', 'web.1'])).stdout).toBe(last10);
    expect((await dcos(['task', 'log', 'web.1', '--lines', '3'])).stdout).toBe(
      'line 28\nline 29\nline 30\n',
    );
    expect(
      (await dcos(['task', 'log', 'web.1', '--lines', '100'])).stdout.split('\n'),
    ).toHaveLength(31);
    expect((await dcos(['task', 'log', 'web.1', '--stderr'])).stdout).toBe('oops\n');
    expect((await dcos(['task', 'log', 'batch'])).stdout).toBe('batch done\n');
    const files = requests.filter((r) => r.url.startsWith('/files/read'));
    expect(decodeURIComponent(files.at(-1)?.url ?? '')).toContain(
      path.join(sandbox, 'batch.1', 'stdout'),
    );
  });

  it('task log --follow prints what the task writes next', async () => {
    const child = spawn(process.execPath, [CLI, 'task', 'log', 'web.2', '--follow'], {
      env: env(),
    });
    let seen = '';
    child.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      fs.writeFileSync(path.join(sandbox, 'web.2', 'stdout'), 'first\n');
      await waitFor('first line', () => seen.includes('first\n'), { timeoutMs: 10_000 });
      fs.appendFileSync(path.join(sandbox, 'web.2', 'stdout'), 'second\n');
      await waitFor('appended line', () => seen === 'first\nsecond\n', { timeoutMs: 10_000 });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('task kill posts the KILL_TASK call to the master; a refusal exits non-zero with the reason', async () => {
    const { stdout } = await dcos(['task', 'kill', 'web.1']);
    expect(stdout).toContain('web.1');
    const post = requests.filter((r) => r.method === 'POST').at(-1);
    expect(post?.url).toBe('/api/v1');
    expect(JSON.parse(post?.body ?? '{}')).toEqual({
      type: 'KILL_TASK',
      kill_task: { task_id: { value: 'web.1' }, framework_id: { value: 'fw-1' } },
    });
    killStatus = 404;
    try {
      const e = await fails(['task', 'kill', 'web.2']);
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(/refused to kill web\.2: HTTP 404 kill_task\.task_id: no live task/);
    } finally {
      killStatus = 202;
    }
  });

  it('through the Admin Router (DCOS_URL): /mesos and /agent/<id> prefixes with the token header', async () => {
    const before = requests.length;
    const { stdout } = await dcos(['task', 'log', 'web.1', '--lines', '1'], {
      MASTER_URL: '',
      DCOS_URL: `http://127.0.0.1:${port}`,
      DCOS_ACS_TOKEN: 'tkn',
    });
    expect(stdout).toBe('line 30\n');
    const seen = requests.slice(before);
    expect(seen[0]).toMatchObject({ url: '/mesos/master/state', auth: 'token=tkn' });
    expect(seen.some((r) => r.url === `/agent/${AGENT}/state`)).toBe(true);
    expect(seen.every((r) => r.auth === 'token=tkn')).toBe(true);
  });

  it('bad arguments and unknown tasks: a clear message and a non-zero exit', async () => {
    expect((await fails(['task', 'log', 'nope'])).stderr).toMatch(/no task found matching "nope"/);
    expect((await fails(['task', 'log', 'web'])).stderr).toMatch(
      /more than one task matching "web": web\.1, web\.2/,
    );
    expect((await fails(['task', 'log', 'web.1', '--lines', '-3'])).stderr).toMatch(/--lines/);
    expect((await fails(['task', 'log'])).stderr).toMatch(/missing required argument 'task'/);
    expect((await fails(['task', 'list'], { MASTER_URL: 'not a url' })).stderr).toMatch(
      /MASTER_URL must be an http\(s\) URL/,
    );
    const down = await fails(['node', 'list', '--master-url', 'http://127.0.0.1:9']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/master\/slaves/);
  });
});

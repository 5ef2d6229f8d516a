/**
 * The agent's v1 operator API (`POST /api/v1`) against the built agent (real NATS, real
 * task): every call answers 200, JSON or protobuf both ways by Content-Type / Accept (415 /
 * 406 otherwise), and `/api/v1/<anything>` is the operator API (libprocess' longest-prefix
 * routing) except `/api/v1/executor`, which belongs to the executor API.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeMesos, encodeMesos, MESOS_MESSAGES } from '@dcos/contracts';
import {
  killAgentTaskLeftovers,
  startService,
  stopAllServices,
  uniquePrefix,
  type TestService,
} from '@dcos/testing';
import { FakeMaster } from './fake-master';

jest.setTimeout(120_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROTOBUF = 'application/x-protobuf';

async function call(url: string, body: Uint8Array | string, headers: Record<string, string>) {
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
  };
}

const CALLS = [
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_STATE',
  'GET_TASKS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_AGENT',
  'GET_CONTAINERS',
];

describe('agent v1 operator API: 200, routing, JSON and protobuf (built agent)', () => {
  const prefix = uniquePrefix('agentop');
  const master = new FakeMaster(prefix);
  let workDir: string;
  let agent: TestService;
  let agentId: string;

  beforeAll(async () => {
    await master.start();
    workDir = fs.mkdtempSync(path.join(tmpdir(), 'dcos-agent-op-'));
    agent = await startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_WORK_DIR: workDir,
      AGENT_NODE_NAME: 'node-op',
      AGENT_IP: '127.0.0.1',
      AGENT_RESOURCES: 'cpus:2;mem:1024;disk:1024;ports:[31100-31109]',
      AGENT_KILL_GRACE_MS: '300',
      AGENT_REGISTRATION_BACKOFF_MS: '200',
    });
    agentId = await master.waitForAgent('node-op');
    await master.launch(agentId, {
      task_id: { value: 'op-1' },
      command: { value: 'sleep 600', shell: true },
    });
    await master.waitForState('op-1', 'TASK_RUNNING', 60_000);
  });

  afterAll(async () => {
    await stopAllServices();
    if (workDir) {
      killAgentTaskLeftovers(workDir);
      fs.rmSync(workDir, { recursive: true, force: true });
    }
    await master.stop();
  });

  it('answers every call 200 in JSON on /api/v1, /api/v1/operator and /slave(1)/api/v1', async () => {
    for (const p of ['/api/v1', '/api/v1/operator', '/slave(1)/api/v1', '/api/v1/x/y']) {
      for (const type of CALLS) {
        const r = await call(`${agent.url}${p}`, JSON.stringify({ type }), {
          'content-type': 'application/json',
        });
        expect({ p, type, status: r.status, ct: r.contentType }).toEqual({
          p,
          type,
          status: 200,
          ct: expect.stringMatching(/^application\/json/),
        });
        expect((JSON.parse(r.bytes.toString()) as Json).type).toBe(type);
      }
    }
  });

  it('answers every call 200 in protobuf (agent.Response), with the running task', async () => {
    for (const type of CALLS) {
      const r = await call(`${agent.url}/api/v1`, encodeMesos(MESOS_MESSAGES.agentCall, { type }), {
        'content-type': PROTOBUF,
        accept: PROTOBUF,
      });
      expect({ type, status: r.status, ct: r.contentType }).toEqual({
        type,
        status: 200,
        ct: PROTOBUF,
      });
      expect(decodeMesos(MESOS_MESSAGES.agentResponse, r.bytes).type).toBe(type);
    }
    const st = await call(
      `${agent.url}/api/v1`,
      encodeMesos(MESOS_MESSAGES.agentCall, { type: 'GET_STATE' }),
      { 'content-type': PROTOBUF, accept: PROTOBUF },
    );
    const state = decodeMesos(MESOS_MESSAGES.agentResponse, st.bytes) as Json;
    expect(state.get_state.get_tasks.launched_tasks).toEqual([
      expect.objectContaining({
        task_id: { value: 'op-1' },
        agent_id: { value: agentId },
        state: 'TASK_RUNNING',
      }),
    ]);
    const agentInfo = await call(
      `${agent.url}/api/v1`,
      encodeMesos(MESOS_MESSAGES.agentCall, { type: 'GET_AGENT' }),
      { 'content-type': PROTOBUF, accept: PROTOBUF },
    );
    expect(decodeMesos(MESOS_MESSAGES.agentResponse, agentInfo.bytes)).toMatchObject({
      get_agent: { agent_info: { id: { value: agentId }, hostname: 'node-op' } },
    });
    // JSON in, protobuf out (and the reverse).
    const mixed = await call(`${agent.url}/api/v1`, JSON.stringify({ type: 'GET_HEALTH' }), {
      'content-type': 'application/json',
      accept: PROTOBUF,
    });
    expect(decodeMesos(MESOS_MESSAGES.agentResponse, mixed.bytes)).toEqual({
      type: 'GET_HEALTH',
      get_health: { healthy: true },
    });
  });

  it('refuses other body types (415), other Accept types (406) and bad protobuf (400)', async () => {
    const r415 = await call(`${agent.url}/api/v1`, 'type=GET_HEALTH', {
      'content-type': 'text/plain',
    });
    expect(r415.status).toBe(415);
    expect(JSON.parse(r415.bytes.toString())).toMatchObject({ field: 'Content-Type' });
    const r406 = await call(`${agent.url}/api/v1`, JSON.stringify({ type: 'GET_HEALTH' }), {
      'content-type': 'application/json',
      accept: 'text/html',
    });
    expect(r406.status).toBe(406);
    expect(JSON.parse(r406.bytes.toString())).toMatchObject({ field: 'Accept' });
    const r400 = await call(`${agent.url}/api/v1`, Buffer.from([0x22, 0x09]), {
      'content-type': PROTOBUF,
    });
    expect(r400.status).toBe(400);
    expect(JSON.parse(r400.bytes.toString())).toMatchObject({ field: 'body' });
  });

  it('leaves /api/v1/executor to the executor API (never an operator answer)', async () => {
    const r = await call(`${agent.url}/api/v1/executor`, JSON.stringify({ type: 'GET_HEALTH' }), {
      'content-type': 'application/json',
    });
    // Today nothing serves it (404); with the executor API it is that API's answer.
    expect(r.bytes.toString()).not.toContain('get_health');
  });
});

/**
 * The built master as a real process against real NATS (JetStream) and Postgres, driven
 * at its edges: fake agents speaking the NATS protocol and frameworks on the v1 scheduler
 * HTTP API (and one over NATS).
 */
import { randomUUID } from 'node:crypto';
import { NatsClient } from '@dcos/nats';
import {
  createTestDatabase,
  freePort,
  httpJson,
  startService,
  stopAllServices,
  TEST_NATS_URL,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TestService,
} from '@dcos/testing';
import { subjectFor } from '@dcos/contracts';
import {
  FakeAgent,
  HttpScheduler,
  launchCall,
  parseRecordIo,
  post,
  taskInfo,
  type Json,
} from './harness';

jest.setTimeout(120_000);

describe('master (real process, fake agents at the NATS edge)', () => {
  let db: TestDatabase;
  let prefix: string;
  let port: number;
  let master: TestService;
  let env: Record<string, string>;
  const agents: FakeAgent[] = [];
  const frameworks: HttpScheduler[] = [];
  let a: FakeAgent;
  let b: FakeAgent;
  let fw: HttpScheduler;
  const used = new Set<string>();

  const state = async (): Promise<Json> =>
    (await httpJson(`${master.url}/master/state`)).body as Json;
  const findTask = (s: Json, id: string): Json | undefined =>
    [...s.frameworks, ...s.completed_frameworks]
      .flatMap((f: Json) => [...f.tasks, ...f.unreachable_tasks, ...f.completed_tasks])
      .find((t: Json) => t.id === id);

  beforeAll(async () => {
    db = await createTestDatabase('master');
    prefix = uniquePrefix('master');
    port = await freePort();
    env = {
      NATS_PREFIX: prefix,
      DATABASE_URL: db.url,
      MASTER_PORT: String(port),
      MASTER_AGENT_PING_TIMEOUT_MS: '200',
      MASTER_MAX_AGENT_PING_TIMEOUTS: '4',
      MASTER_ALLOCATION_INTERVAL_MS: '200',
      MASTER_SCHEDULER_HEARTBEAT_SECONDS: '1',
      MASTER_STATUS_UPDATE_RETRY_MS: '500',
      MASTER_AGENT_REREGISTER_TIMEOUT_MS: '5000',
      LOG_LEVEL: process.env.MASTER_LOG_LEVEL ?? 'warn',
    };
    master = await startService('master', env);
    a = new FakeAgent(prefix, TEST_NATS_URL, 'agent-a', await freePort(), '4,2048,31000,31010');
    b = new FakeAgent(prefix, TEST_NATS_URL, 'agent-b', await freePort(), '2,1024,32000,32005');
    agents.push(a, b);
    await a.start();
    await b.start();
    fw = new HttpScheduler(master.url, {
      name: 'e2e-framework',
      user: 'root',
      failover_timeout: 3600,
      capabilities: [{ type: 'PARTITION_AWARE' }],
    });
    frameworks.push(fw);
    await fw.subscribe();
  });

  afterAll(async () => {
    for (const f of frameworks) f.close();
    await Promise.all(agents.map((x) => x.stop()));
    await stopAllServices();
    await db?.drop();
  });

  it('registers agents and shows them in /master/state with slave(1)@ip:port pids', async () => {
    const s = await waitFor('two agents', async () => {
      const st = await state();
      return st.slaves.length === 2 && st;
    });
    const sa = s.slaves.find((x: Json) => x.id === a.agentId);
    expect(sa).toMatchObject({
      hostname: 'agent-a',
      pid: `slave(1)@127.0.0.1:${a.port}`,
      active: true,
      attributes: { rack: 'r1' },
      resources: { cpus: 4, mem: 2048, disk: 1024, gpus: 0, ports: '[31000-31010]' },
    });
    expect(s.leader).toBe(`master@127.0.0.1:${port}`);
    expect(s.activated_slaves).toBe(2);
  });

  it('sends offers from both agents with Mesos v1 fields', async () => {
    const oa = await waitFor('offer from a', () => fw.offers(a.agentId)[0]);
    await waitFor('offer from b', () => fw.offers(b.agentId)[0]);
    expect(oa).toMatchObject({
      framework_id: { value: fw.frameworkId },
      agent_id: { value: a.agentId },
      hostname: 'agent-a',
    });
    // Not MULTI_ROLE: Mesos strips allocation_info from the offer and its resources.
    expect(JSON.stringify(oa)).not.toContain('allocation_info');
    const ports = oa.resources.find((r: Json) => r.name === 'ports');
    expect(ports.ranges.range).toEqual([{ begin: 31000, end: 31010 }]);
  });

  it('launches an accepted task on the agent; JetStream updates reach the framework with uuids until acknowledged', async () => {
    const offer = await fw.takeOffer(a.agentId!, used);
    const r = await fw.call(
      launchCall(offer, [taskInfo('t1', a.agentId!, { cpus: 1, mem: 128, ports: [31000, 31000] })]),
    );
    expect(r.status).toBe(202);
    await waitFor('launch on agent a', () => a.launches.find((l) => l.task.task_id.value === 't1'));
    expect(a.launches[0].framework_id.value).toBe(fw.frameworkId);
    await a.update(fw.frameworkId, 't1', 'TASK_STARTING');
    await a.update(fw.frameworkId, 't1', 'TASK_RUNNING');
    const running = await fw.waitUpdate('t1', 'TASK_RUNNING');
    expect(running.uuid).toEqual(expect.any(String));
    expect(running.agent_id.value).toBe(a.agentId);
    const s = await waitFor('t1 RUNNING in state', async () => {
      const st = await state();
      return findTask(st, 't1')?.state === 'TASK_RUNNING' && st;
    });
    const t = findTask(s, 't1')!;
    expect(t).toMatchObject({
      framework_id: fw.frameworkId,
      slave_id: a.agentId,
      executor_id: '',
      resources: { cpus: 1, mem: 128, disk: 0, gpus: 0, ports: '[31000-31000]' },
    });
    expect(t.statuses.map((x: Json) => x.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(t.statuses[1].container_status.network_infos[0].ip_addresses[0].ip_address).toBe(
      '127.0.0.1',
    );
    // An unacknowledged update is re-sent: turn off acks, push one, see it twice.
    fw.autoAck = false;
    await a.update(fw.frameworkId, 't1', 'TASK_RUNNING', { healthy: true });
    await waitFor('retried update', () =>
      fw.updates('t1').filter((x) => x.healthy === true).length >= 2 ? true : undefined,
    );
    const pending = fw.updates('t1').find((x) => x.healthy === true)!;
    expect((await fw.ack(pending)).status).toBe(202);
    fw.autoAck = true;
    const n = fw.updates('t1').length;
    await new Promise((res) => setTimeout(res, 1_200));
    expect(fw.updates('t1').length).toBe(n);
  });

  it('answers bad launches with TASK_ERROR (and bad offers with TASK_DROPPED) without applying anything', async () => {
    const offer = await fw.takeOffer(a.agentId!, used);
    const r = await fw.call(
      launchCall(offer, [
        taskInfo('bad-ports', a.agentId!, { ports: [40000, 40000] }),
        taskInfo('t1', a.agentId!),
        taskInfo('too-big', a.agentId!, { cpus: 64 }),
        taskInfo('ok2', a.agentId!),
      ]),
    );
    expect(r.status).toBe(202);
    const e1 = await fw.waitUpdate('bad-ports', 'TASK_ERROR');
    expect(e1.reason).toBe('REASON_TASK_INVALID');
    expect(e1.message).toMatch(/ports \[40000-40000\] outside/);
    expect((await fw.waitUpdate('t1', 'TASK_ERROR')).message).toMatch(/duplicate ID: t1/);
    expect((await fw.waitUpdate('too-big', 'TASK_ERROR')).message).toMatch(/more resources/);
    await waitFor('ok2 launched', () => a.launches.find((l) => l.task.task_id.value === 'ok2'));
    expect(a.launches.filter((l) => l.task.task_id.value === 't1')).toHaveLength(1);
    // The same offer again: gone.
    const again = await fw.call(launchCall(offer, [taskInfo('reuse', a.agentId!)]));
    expect(again.status).toBe(202);
    const dropped = await fw.waitUpdate('reuse', 'TASK_DROPPED');
    expect(dropped.reason).toBe('REASON_INVALID_OFFERS');
    expect(a.launches.find((l) => l.task.task_id.value === 'reuse')).toBeUndefined();
    // Transport-level errors.
    expect((await fw.call({ type: 'NOPE' })).status).toBe(400);
    expect((await fw.call({ type: 'ACCEPT', accept: { offer_ids: 'x' } })).json!.message).toMatch(
      /accept/,
    );
    expect((await post(`${master.url}/api/v1/scheduler`, '{not json')).status).toBe(400);
    expect((await fw.call({ type: 'REVIVE' }, { 'mesos-stream-id': 'wrong-stream' })).status).toBe(
      400,
    );
    const unknown = await post(
      `${master.url}/api/v1/scheduler`,
      { type: 'REVIVE', framework_id: { value: 'nope' } },
      { 'mesos-stream-id': fw.streamId },
    );
    expect(unknown.status).toBe(403);
    const unsupported = await fw.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [{ value: 'x' }],
        operations: [{ type: 'RESERVE', reserve: { resources: [] } }],
      },
    });
    expect(unsupported.status).toBe(400);
    expect((await httpJson(`${master.url}/health`)).status).toBe(200);
    // JSON null = absent.
    expect((await fw.call({ type: 'REVIVE', revive: null })).status).toBe(202);
  });

  it('kills a task through the agent and reconciles explicitly and implicitly', async () => {
    expect((await fw.call({ type: 'KILL', kill: { task_id: { value: 't1' } } })).status).toBe(202);
    await waitFor('kill on agent', () => a.kills.find((k) => k.task_id.value === 't1'));
    await fw.waitUpdate('t1', 'TASK_KILLED');
    const before = fw.events.length;
    await fw.call({
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 't1' } }, { task_id: { value: 'ghost' } }] },
    });
    const rec = await waitFor('explicit reconciliation', () => {
      const got = fw.events
        .slice(before)
        .filter((e) => e.update?.status.reason === 'REASON_RECONCILIATION');
      return got.length >= 2 && got;
    });
    expect(rec.map((e: Json) => [e.update.status.task_id.value, e.update.status.state])).toEqual([
      ['t1', 'TASK_KILLED'],
      ['ghost', 'TASK_UNKNOWN'],
    ]);
    expect(rec[0].update.status.uuid).toBeUndefined();
    const mark = fw.events.length;
    await fw.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
    const implicit = await waitFor('implicit reconciliation', () =>
      fw.events.slice(mark).find((e) => e.update?.status.task_id.value === 'ok2'),
    );
    expect(implicit.update.status.state).toBe('TASK_STAGING');
  });

  it('marks a silent agent unreachable (TASK_UNREACHABLE) and reconciles its tasks when it comes back', async () => {
    const offer = await fw.takeOffer(b.agentId!, used);
    await fw.call(launchCall(offer, [taskInfo('tb', b.agentId!, { ports: [32001, 32001] })]));
    await waitFor('tb launched', () => b.launches.find((l) => l.task.task_id.value === 'tb'));
    await b.update(fw.frameworkId, 'tb', 'TASK_RUNNING');
    await fw.waitUpdate('tb', 'TASK_RUNNING');
    const silentSince = Date.now();
    b.heartbeating = false;
    const unreachable = await fw.waitUpdate('tb', 'TASK_UNREACHABLE', 5_000);
    expect(Date.now() - silentSince).toBeLessThan(3_000);
    expect(unreachable.source).toBe('SOURCE_MASTER');
    expect(unreachable.unreachable_time).toBeDefined();
    const s = await state();
    expect(s.unreachable_slaves).toBe(1);
    expect(s.slaves.map((x: Json) => x.id)).not.toContain(b.agentId);
    expect(s.frameworks[0].unreachable_tasks.map((t: Json) => t.id)).toContain('tb');
    const regs = b.registrations;
    b.heartbeating = true;
    await waitFor('b re-registered', () => b.registrations > regs);
    const back = await waitFor('tb RUNNING again', () =>
      fw
        .updates('tb')
        .find((x) => x.state === 'TASK_RUNNING' && x.reason === 'REASON_AGENT_REREGISTERED'),
    );
    expect(back.source).toBe('SOURCE_MASTER');
    expect(findTask(await state(), 'tb')?.state).toBe('TASK_RUNNING');
  });

  it('serves the operator API, the v1 SUBSCRIBE stream, KILL_TASK and the NATS state request', async () => {
    const health = await post(`${master.url}/api/v1`, { type: 'GET_HEALTH' });
    expect(health.json).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    const tasks = await post(`${master.url}/api/v1`, { type: 'GET_TASKS' });
    const tb = tasks.json!.get_tasks.tasks.find((t: Json) => t.task_id.value === 'tb');
    expect(tb).toMatchObject({ state: 'TASK_RUNNING', agent_id: { value: b.agentId } });
    const agentsRes = await post(`${master.url}/api/v1`, { type: 'GET_AGENTS' });
    expect(agentsRes.json!.get_agents.agents).toHaveLength(2);
    expect((await post(`${master.url}/api/v1`, { type: 'BOGUS' })).status).toBe(400);
    expect(
      (
        await post(`${master.url}/api/v1`, {
          type: 'KILL_TASK',
          kill_task: { task_id: { value: 'nope' } },
        })
      ).status,
    ).toBe(404);

    // Operator event stream.
    const events: Json[] = [];
    const ctrl = new AbortController();
    const res = await fetch(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'SUBSCRIBE' }),
      signal: ctrl.signal,
    });
    const feed = parseRecordIo((e) => events.push(e));
    void (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
          feed(Buffer.from(chunk));
      } catch {
        /* aborted */
      }
    })();
    await waitFor('SUBSCRIBED', () => events.find((e) => e.type === 'SUBSCRIBED'));
    expect(events[0].subscribed.get_state.get_tasks.tasks.length).toBeGreaterThan(0);

    const kill = await post(`${master.url}/api/v1`, {
      type: 'KILL_TASK',
      kill_task: { task_id: { value: 'tb' } },
    });
    expect(kill.status).toBe(200); // operator calls answer 200, as Mesos' (the kill goes on)
    await waitFor('kill tb on b', () => b.kills.find((k) => k.task_id.value === 'tb'));
    await fw.waitUpdate('tb', 'TASK_KILLED');
    const upd = await waitFor('TASK_UPDATED on the operator stream', () =>
      events.find((e) => e.type === 'TASK_UPDATED' && e.task_updated.state === 'TASK_KILLED'),
    );
    expect(upd.task_updated.framework_id.value).toBe(fw.frameworkId);
    ctrl.abort();

    const nc = new NatsClient({ url: TEST_NATS_URL, prefix, name: 'probe' });
    await nc.connect();
    try {
      const s = await nc.request<unknown, Json>(nc.subjects.masterState, {});
      expect(s.leader).toBe(`master@127.0.0.1:${port}`);
      expect(s.frameworks[0].id).toBe(fw.frameworkId);
    } finally {
      await nc.close();
    }
  });

  it('runs a framework over NATS (masterSchedulerCall + frameworkEvents)', async () => {
    const nc = new NatsClient({ url: TEST_NATS_URL, prefix, name: 'nats-fw' });
    await nc.connect();
    const id = `natsfw-${randomUUID().slice(0, 8)}`;
    const events: Json[] = [];
    nc.subscribe(subjectFor(prefix, 'frameworkEvents', id), (e: Json) => void events.push(e));
    // The HTTP framework holds every offer: suppress it and decline them so the NATS one gets some.
    expect((await fw.call({ type: 'SUPPRESS' })).status).toBe(202);
    const outstanding = await waitFor(
      'the framework to have seen every outstanding offer',
      async () => {
        const st = await state();
        const held: string[] = st.frameworks
          .find((f: Json) => f.id === fw.frameworkId)
          .offers.map((o: Json) => o.id);
        const seen = new Set(fw.offers().map((o) => o.id.value));
        return held.length > 0 && held.every((id) => seen.has(id)) && held;
      },
    );
    outstanding.forEach((id) => used.add(id));
    const declined = await fw.call({
      type: 'DECLINE',
      decline: {
        offer_ids: outstanding.map((value) => ({ value })),
        filters: { refuse_seconds: 60 },
      },
    });
    expect(declined.status).toBe(202);
    try {
      const reply = await nc.request<unknown, Json>(nc.subjects.masterSchedulerCall, {
        call: {
          type: 'SUBSCRIBE',
          subscribe: {
            framework_info: {
              name: 'natsfw',
              user: 'root',
              id: { value: id },
              roles: ['natsrole'],
              capabilities: [{ type: 'MULTI_ROLE' }],
            },
          },
        },
      });
      expect(reply.subscribed.framework_id.value).toBe(id);
      expect(reply.stream_id).toEqual(expect.any(String));
      await waitFor('SUBSCRIBED event', () => events.find((e) => e.type === 'SUBSCRIBED'));
      const offers = await waitFor('offers over NATS', () =>
        events.find((e) => e.type === 'OFFERS'),
      );
      expect(offers.offers.offers[0].allocation_info.role).toBe('natsrole');
      await expect(
        nc.request(nc.subjects.masterSchedulerCall, {
          call: { type: 'REVIVE', framework_id: { value: id } },
          stream_id: 'bogus',
        }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      const keep = await nc.request<unknown, Json>(nc.subjects.masterSchedulerKeepalive, {
        framework_id: { value: id },
        stream_id: reply.stream_id,
      });
      expect(keep.known).toBe(true);
      // Re-subscribing over NATS (a restarted framework): the new stream gets no
      // "failed over" ERROR (it shares the subject with the old one); the old stream id is refused.
      const again = await nc.request<unknown, Json>(nc.subjects.masterSchedulerCall, {
        call: {
          type: 'SUBSCRIBE',
          subscribe: {
            framework_info: {
              name: 'natsfw',
              user: 'root',
              id: { value: id },
              roles: ['natsrole'],
              capabilities: [{ type: 'MULTI_ROLE' }],
            },
          },
        },
      });
      expect(again.stream_id).not.toBe(reply.stream_id);
      await waitFor(
        'the second SUBSCRIBED event',
        () => events.filter((e) => e.type === 'SUBSCRIBED').length === 2,
      );
      expect(events.filter((e) => e.type === 'ERROR')).toEqual([]);
      await expect(
        nc.request(nc.subjects.masterSchedulerCall, {
          call: { type: 'REVIVE', framework_id: { value: id } },
          stream_id: reply.stream_id,
        }),
      ).rejects.toBeDefined();
      const td = await nc.request(nc.subjects.masterSchedulerCall, {
        call: { type: 'TEARDOWN', framework_id: { value: id } },
        stream_id: again.stream_id,
      });
      expect(td).toEqual({});
      const s = await state();
      expect(s.completed_frameworks.map((f: Json) => f.id)).toContain(id);
      // REVIVE clears the HTTP framework's decline filters: offers come back at once.
      expect((await fw.call({ type: 'REVIVE' })).status).toBe(202);
    } finally {
      await nc.close();
    }
  });

  it('restarts from Postgres: JetStream updates sent while it was down are applied, agents re-register, tasks stay', async () => {
    const offer = await fw.takeOffer(a.agentId!, used);
    await fw.call(launchCall(offer, [taskInfo('long', a.agentId!), taskInfo('short', a.agentId!)]));
    await waitFor(
      'both launched',
      () =>
        a.launches.some((l) => l.task.task_id.value === 'short') &&
        a.launches.some((l) => l.task.task_id.value === 'long'),
    );
    await a.update(fw.frameworkId, 'long', 'TASK_RUNNING');
    await a.update(fw.frameworkId, 'short', 'TASK_RUNNING');
    await fw.waitUpdate('short', 'TASK_RUNNING');
    await fw.waitUpdate('long', 'TASK_RUNNING');
    await waitFor(
      'persisted',
      async () => findTask(await state(), 'long')?.state === 'TASK_RUNNING',
    );
    await new Promise((r) => setTimeout(r, 200));

    await master.stop();
    fw.close();
    // While the master is down the agent reports a finished task: JetStream keeps it.
    await a.update(fw.frameworkId, 'short', 'TASK_FINISHED');
    const regs = a.registrations;
    master = await startService('master', env);

    await waitFor('agent a re-registered', () => a.registrations > regs);
    // Both agents re-register on their own schedule: wait for each, not just for agent a.
    const s = await waitFor('state restored', async () => {
      const st = await state();
      return findTask(st, 'short')?.state === 'TASK_FINISHED' && st.slaves.length === 2 && st;
    });
    expect(findTask(s, 'long')?.state).toBe('TASK_RUNNING');
    expect(s.frameworks[0]).toMatchObject({ id: fw.frameworkId, recovered: true, active: false });
    expect(s.slaves.map((x: Json) => x.id).sort()).toEqual([a.agentId, b.agentId].sort());

    // The framework re-subscribes with its id and gets the update it has not acknowledged.
    const again = new HttpScheduler(master.url, fw.info);
    frameworks.push(again);
    await again.subscribe(fw.frameworkId);
    expect(again.frameworkId).toBe(fw.frameworkId);
    const fin = await again.waitUpdate('short', 'TASK_FINISHED');
    expect(fin.uuid).toEqual(expect.any(String));
    const s2 = await state();
    expect(s2.frameworks[0]).toMatchObject({ recovered: false, active: true, connected: true });
    expect(findTask(s2, 'long')?.state).toBe('TASK_RUNNING');

    // Teardown kills through the agents and keeps the framework as completed.
    expect((await again.call({ type: 'TEARDOWN' })).status).toBe(202);
    await waitFor('shutdown on a', () =>
      a.shutdowns.find((x) => x.framework_id.value === fw.frameworkId),
    );
    const s3 = await state();
    const done = s3.completed_frameworks.find((f: Json) => f.id === fw.frameworkId);
    expect(done.completed_tasks.find((t: Json) => t.id === 'long').state).toBe('TASK_KILLED');
  });
});

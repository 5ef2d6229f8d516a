import { statusStream } from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import { uniquePrefix } from '@dcos/testing';
import { ensureStatusStream, statusPublisher, StreamAcks } from './jetstream';

/** The agents' status publisher against a real JetStream (no master: the stream only). */
describe('statusPublisher (real NATS JetStream)', () => {
  const prefix = uniquePrefix('statuspub');
  const nats = new NatsClient({
    url: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    prefix,
    name: 'status-publisher-e2e',
  });

  beforeAll(async () => {
    await nats.connect();
    await ensureStatusStream(nats);
  });

  afterAll(async () => {
    try {
      const jsm = await nats.jetstreamManager();
      await jsm.streams.delete(statusStream(prefix));
    } finally {
      await nats.close();
    }
  });

  const update = (task: string, uuid: string) => ({
    agent_id: { value: 'agent-1' },
    framework_id: { value: 'fw-1' },
    status: { task_id: { value: task }, state: 'TASK_RUNNING' as const, uuid },
  });

  it('resolves once the stream has the update; a retry of the same uuid is not stored twice', async () => {
    const publish = statusPublisher(nats);
    const jsm = await nats.jetstreamManager();
    const before = (await jsm.streams.info(statusStream(prefix))).state.messages;
    await Promise.all(Array.from({ length: 50 }, (_, i) => publish(update(`t${i}`, `u${i}`))));
    await publish(update('t0', 'u0'));
    const info = await jsm.streams.info(statusStream(prefix));
    expect(info.state.messages - before).toBe(50);
    const stored = await jsm.streams.getMessage(statusStream(prefix), { seq: info.state.last_seq });
    expect(stored.json<{ status: { uuid: string } }>().status.uuid).toBe('u49');
  });

  it('rejects an invalid update before publishing, naming the field', async () => {
    const publish = statusPublisher(nats);
    const bad = update('t', 'u') as unknown as { status: { state: string } };
    bad.status.state = 'TASK_BOGUS';
    await expect(publish(bad as never)).rejects.toThrow(/status\.state/);
  });

  it('rejects when no stream takes the subject (so the outbox retries it)', async () => {
    const acks = new StreamAcks(nats, 3_000);
    await expect(
      acks.publish(`${prefix}.nobody.listens.here`, new TextEncoder().encode('{}'), 'x'),
    ).rejects.toThrow(/JetStream publish (failed|timed out)/);
    expect(acks.inFlight).toBe(0);
  });
});

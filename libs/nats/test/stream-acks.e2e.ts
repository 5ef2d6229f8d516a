import { RetentionPolicy, StorageType } from 'nats';
import { NatsClient } from '../src/nats-client';
import { StreamAcks } from '../src/stream-acks';
import { TEST_NATS_URL, uniquePrefix } from '@dcos/testing';

/** JetStream publishes acknowledged on one inbox, against a real NATS JetStream. */
describe('StreamAcks (real NATS JetStream)', () => {
  const prefix = uniquePrefix('streamacks');
  const stream = `${prefix}_acks`;
  const nats = new NatsClient({ url: TEST_NATS_URL, prefix, name: 'stream-acks-e2e' });
  const body = (s: string) => new TextEncoder().encode(s);

  beforeAll(async () => {
    await nats.connect();
    const jsm = await nats.jetstreamManager();
    await jsm.streams.add({
      name: stream,
      subjects: [`${prefix}.acks.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.Memory,
      duplicate_window: 60_000_000_000,
    });
  });

  afterAll(async () => {
    try {
      const jsm = await nats.jetstreamManager();
      await jsm.streams.delete(stream);
    } finally {
      await nats.close();
    }
  });

  it('resolves once the stream stores each message; a repeated Nats-Msg-Id is stored once', async () => {
    const acks = new StreamAcks(nats, 3_000);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        acks.publish(`${prefix}.acks.m`, body(`${i}`), `id${i}`),
      ),
    );
    await acks.publish(`${prefix}.acks.m`, body('again'), 'id0');
    const jsm = await nats.jetstreamManager();
    expect((await jsm.streams.info(stream)).state.messages).toBe(20);
    expect(acks.inFlight).toBe(0);
  });

  it('rejects when no stream takes the subject (so the caller retries it)', async () => {
    const acks = new StreamAcks(nats, 3_000);
    await expect(acks.publish(`${prefix}.nobody.listens.here`, body('{}'), 'x')).rejects.toThrow(
      /JetStream publish (failed|timed out)/,
    );
    expect(acks.inFlight).toBe(0);
  });
});

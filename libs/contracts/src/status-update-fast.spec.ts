import { StatusUpdateContract } from './kernel';
import { mutations } from './fast-checks.mutations';
import { parseStatusUpdate, wellFormedStatusUpdate } from './status-update-fast';

/** Every field the schema knows, filled in (what a real agent sends, and more). */
const full = () => ({
  agent_id: { value: 'a1' },
  framework_id: { value: 'f1', extra: 1 },
  status: {
    task_id: { value: 't1' },
    state: 'TASK_RUNNING',
    message: 'm',
    source: 'SOURCE_EXECUTOR',
    reason: 'REASON_X',
    data: 'ZGF0YQ==',
    agent_id: { value: 'a1' },
    executor_id: { value: 't1' },
    timestamp: 1700000000.5,
    uuid: 'AAECAwQFBgcICQoLDA0ODw==',
    healthy: true,
    labels: { labels: [{ key: 'k', value: 'v' }, { key: 'only-key' }] },
    container_status: {
      container_id: { value: 'c1' },
      network_infos: [
        { ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.0.1' }], name: 'n' },
        { ip_addresses: [{}] },
        {},
      ],
      executor_pid: 42,
      cgroup_info: { anything: [1, 2] },
    },
    unreachable_time: { nanoseconds: 5 },
    future_field: { kept: true },
  },
});

/** What the hollow and real agents send (apps/agent makeStatus). */
const minimal = () => ({
  agent_id: { value: 'a1' },
  framework_id: { value: 'f1' },
  status: {
    task_id: { value: 't1' },
    state: 'TASK_STAGING',
    source: 'SOURCE_AGENT',
    agent_id: { value: 'a1' },
    timestamp: 1700000000.25,
    uuid: 'u',
    container_status: {
      network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: 'x' }] }],
    },
    executor_id: { value: 't1' },
  },
});

/** The fast check agrees with the schema: accepted ⇒ the schema accepts it, unchanged. */
function agrees(payload: unknown): void {
  const snapshot = JSON.stringify(payload);
  const fast = wellFormedStatusUpdate(payload);
  const slow = StatusUpdateContract.safeParse(payload);
  if (fast !== undefined) {
    expect({ payload: snapshot, zodOk: slow.ok }).toEqual({ payload: snapshot, zodOk: true });
    if (slow.ok) expect(fast).toStrictEqual(slow.value);
  }
  const combined = parseStatusUpdate(payload);
  expect(combined.ok).toBe(slow.ok);
  if (combined.ok && slow.ok) expect(combined.value).toStrictEqual(slow.value);
  if (!combined.ok && !slow.ok) expect(combined.error.message).toBe(slow.error.message);
}

describe('wellFormedStatusUpdate', () => {
  it('takes what agents send and a payload with every field, as the schema gives them', () => {
    for (const p of [minimal(), full()]) {
      const fast = wellFormedStatusUpdate(p);
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(StatusUpdateContract.parse(p));
    }
  });

  it('rejects (leaves to the schema) every payload the schema rejects or changes', () => {
    let rejectedBySchema = 0;
    let leftToSchema = 0;
    for (const base of [minimal, full]) {
      for (const { payload } of mutations(base)) {
        agrees(payload);
        if (!StatusUpdateContract.safeParse(payload).ok) rejectedBySchema++;
        if (wellFormedStatusUpdate(payload) === undefined) leftToSchema++;
      }
    }
    // Sanity: the mutations did produce many schema rejections, all left to the schema.
    expect(rejectedBySchema).toBeGreaterThan(200);
    expect(leftToSchema).toBeGreaterThanOrEqual(rejectedBySchema);
  });

  it('rejects non-objects and wrong roots, and the combined parse names the field', () => {
    for (const p of [null, undefined, 1, 'x', [], [minimal()], { ...minimal(), extra: 1 }]) {
      expect(wellFormedStatusUpdate(p)).toBeUndefined();
      agrees(p);
    }
    const bad = minimal() as Record<string, unknown>;
    (bad['status'] as Record<string, unknown>)['state'] = 'TASK_NOPE';
    const r = parseStatusUpdate(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('status.state');
  });
});

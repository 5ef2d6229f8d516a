import type { StatusUpdate, TaskState } from '@dcos/contracts';
import { StatusUpdateQueue } from './status-queue';

const update = (task: string, state: TaskState, uuid: string): StatusUpdate => ({
  agent_id: { value: 'a' },
  framework_id: { value: 'f' },
  status: { task_id: { value: task }, state, uuid },
});

describe('StatusUpdateQueue', () => {
  it('sends each task’s updates in order, tasks in parallel, and drops only acked ones', async () => {
    const sent: string[] = [];
    let failOnce = new Set(['u-b1']);
    const queue = new StatusUpdateQueue({
      maxInFlight: 2,
      retryMs: 1,
      publish: async (u) => {
        sent.push(u.status.uuid);
        if (failOnce.has(u.status.uuid)) {
          failOnce.delete(u.status.uuid);
          throw new Error('no ack');
        }
      },
    });
    for (const t of ['a', 'b', 'c']) {
      queue.enqueue(update(t, 'TASK_STAGING', `u-${t}1`));
      queue.enqueue(update(t, 'TASK_RUNNING', `u-${t}2`));
    }
    expect(queue.pending).toBe(6);
    await queue.drained();
    expect(queue.pending).toBe(0);
    expect(queue.stats).toEqual({ pending: 0, acked: 6, failures: 1 });
    // Per task: the second update only after the first was acked (b1 failed, then again).
    for (const t of ['a', 'b', 'c']) {
      const firsts = sent.map((u, i) => (u === `u-${t}1` ? i : -1)).filter((i) => i >= 0);
      expect(sent.indexOf(`u-${t}2`)).toBeGreaterThan(Math.max(...firsts));
    }
    expect(sent.filter((u) => u === 'u-b1')).toHaveLength(2);
    expect([...sent].sort()).toEqual(['u-a1', 'u-a2', 'u-b1', 'u-b1', 'u-b2', 'u-c1', 'u-c2']);
    failOnce = new Set();
    queue.stop();
  });
});

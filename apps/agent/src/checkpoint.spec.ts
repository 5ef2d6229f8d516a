import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { StatusUpdate } from '@dcos/contracts';
import { AgentCheckpoint, type TaskRecord } from './checkpoint';
import { StatusUpdateQueue } from './status-queue';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(tmpdir(), 'agent-ckpt-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function update(task: string, state: string, uuid: string): StatusUpdate {
  return {
    agent_id: { value: 'a1' },
    framework_id: { value: 'fw' },
    status: { task_id: { value: task }, state: state as never, uuid },
  };
}

describe('AgentCheckpoint', () => {
  it('keeps the agent id and task records across instances (an agent restart)', () => {
    const dir = tmp();
    const a = new AgentCheckpoint(dir);
    expect(a.readAgentId()).toBeUndefined();
    a.writeAgentId('abc-S1', 'node-1');
    const r: TaskRecord = {
      frameworkId: 'fw',
      framework: { name: 'f', user: '' },
      task: { name: 't', task_id: { value: 't1' }, agent_id: { value: 'abc-S1' }, resources: [] },
      state: 'TASK_RUNNING',
      statuses: [],
      containerId: 'c1',
      launchedAt: 1,
    };
    a.saveTask(r);
    const b = new AgentCheckpoint(dir);
    expect(b.readAgentId()).toBe('abc-S1');
    expect(b.readTasks()).toEqual([r]);
    b.removeTask('fw', 't1');
    expect(new AgentCheckpoint(dir).readTasks()).toEqual([]);
  });

  it('skips torn task files and refuses ids that would escape the directory', () => {
    const dir = tmp();
    const a = new AgentCheckpoint(dir);
    fs.mkdirSync(path.join(dir, 'meta/frameworks/fw/tasks'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'meta/frameworks/fw/tasks/x.json'), '{"frameworkId":');
    expect(a.readTasks()).toEqual([]);
    expect(() => a.removeTask('..', 'x')).toThrow(/unsafe id/);
  });
});

describe('StatusUpdateQueue', () => {
  it('checkpoints updates until acknowledged and resends them after a restart', async () => {
    const dir = tmp();
    const q1 = new StatusUpdateQueue({
      dir,
      publish: () => Promise.reject(new Error('down')),
      retryMs: 10_000,
    });
    q1.enqueue(update('t1', 'TASK_RUNNING', 'u1'));
    q1.enqueue(update('t1', 'TASK_FINISHED', 'u2'));
    expect(fs.readdirSync(dir)).toHaveLength(2);
    q1.stop();
    const sent: string[] = [];
    const q2 = new StatusUpdateQueue({
      dir,
      publish: async (u) => void sent.push(u.status.uuid as string),
    });
    expect(q2.pending).toBe(2);
    q2.kick();
    await q2.drained();
    expect(sent).toEqual(['u1', 'u2']);
    expect(fs.readdirSync(dir)).toHaveLength(0);
  });

  it('sends one update per task at a time, in order, retrying failures with backoff', async () => {
    let failOnce = true;
    const order: string[] = [];
    const inFlight = new Set<string>();
    const q = new StatusUpdateQueue({
      retryMs: 5,
      publish: async (u) => {
        const task = u.status.task_id.value;
        expect(inFlight.has(task)).toBe(false);
        inFlight.add(task);
        await new Promise((r) => setTimeout(r, 1));
        inFlight.delete(task);
        if (u.status.uuid === 'a2' && failOnce) {
          failOnce = false;
          throw new Error('no ack');
        }
        order.push(u.status.uuid as string);
      },
    });
    q.enqueue(update('a', 'TASK_STAGING', 'a1'));
    q.enqueue(update('a', 'TASK_RUNNING', 'a2'));
    q.enqueue(update('b', 'TASK_STAGING', 'b1'));
    q.enqueue(update('a', 'TASK_FINISHED', 'a3'));
    await q.drained();
    expect(order.filter((u) => u.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(order).toContain('b1');
    expect(q.stats).toMatchObject({ pending: 0, acked: 4, failures: 1 });
  });
});

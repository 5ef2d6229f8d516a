import { httpJson, startService, stopAllServices, uniquePrefix, waitFor } from '@dcos/testing';
import { FakeMaster } from './fake-master';

describe('hollow agents (one process, N nodes over real NATS, no processes)', () => {
  const prefix = uniquePrefix('hollow');
  const master = new FakeMaster(prefix);

  beforeAll(async () => {
    await master.start();
  });

  afterAll(async () => {
    await stopAllServices();
    await master.stop();
  });

  it('registers N agents with distinct names and the configured resources; tasks go RUNNING, KILLED, FINISHED', async () => {
    const hollow = await startService('agent', {
      NATS_PREFIX: prefix,
      AGENT_HOLLOW: 'true',
      AGENT_HOLLOW_NODES: '25',
      AGENT_HOLLOW_TASK_DURATION_MS: '1500',
      AGENT_NODE_NAME: 'hollow-e2e',
      AGENT_RESOURCES: 'cpus:8;mem:16384;disk:100000;ports:[31000-31999]',
      AGENT_ATTRIBUTES: 'zone:z1',
    });
    await waitFor('25 hollow registrations', () => master.registrations.length >= 25);
    const names = master.registrations.map((r) => r.agent_info.hostname);
    expect(new Set(names).size).toBe(25);
    expect(names).toContain('hollow-e2e-1');
    expect(names).toContain('hollow-e2e-25');
    expect(master.registrations[0]?.agent_info.resources).toEqual(
      expect.arrayContaining([{ name: 'cpus', type: 'SCALAR', scalar: { value: 8 } }]),
    );
    const id1 = master.assigned.get('hollow-e2e-1') as string;
    const id2 = master.assigned.get('hollow-e2e-2') as string;
    await waitFor('heartbeats from every node', () => master.heartbeats.size >= 25);

    await master.launch(id1, { task_id: { value: 'h-long' } });
    await master.launch(id2, { task_id: { value: 'h-short' } });
    await master.waitForState('h-long', 'TASK_RUNNING');
    expect(master.states('h-long')).toEqual(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING']);
    await master.kill(id1, 'h-long');
    await master.waitForState('h-long', 'TASK_KILLED');
    // h-short was not killed: it finishes after the configured duration.
    const fin = await master.waitForState('h-short', 'TASK_FINISHED');
    expect(fin.agent_id.value).toBe(id2);
    await expect(master.kill(id1, 'h-long')).rejects.toMatchObject({ code: 'UNKNOWN_TASK' });

    // A master restart that forgot the node: it re-registers with its running tasks.
    await master.launch(id1, { task_id: { value: 'h-again' } });
    await master.waitForState('h-again', 'TASK_RUNNING');
    const before = master.registrations.length;
    master.forgotten.add(id1);
    await master.waitForAgent('hollow-e2e-1', before);
    expect(master.lastRegistration()?.tasks.map((t) => t.task.task_id.value)).toEqual(['h-again']);

    const state = (await httpJson(`${hollow.url}/state`)).body as Record<string, unknown>;
    expect(state).toMatchObject({ hollow: true, nodes: 25, registered: 25 });
  });
});

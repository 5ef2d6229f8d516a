import type { Instance } from './model';
import { taskJson } from './views';

describe('task JSON', () => {
  it("health check results name the instance as Marathon's RAML Health does: a string", () => {
    const inst = {
      instanceId: 'web.instance-1',
      appId: '/web',
      incarnation: 1,
      state: 'TASK_RUNNING',
      killing: false,
      version: 'v',
      configVersion: 'v',
      hostPorts: [31000],
      servicePorts: [10000],
      ipAddresses: [],
      scheduledAt: 't',
      health: [
        {
          alive: true,
          consecutiveFailures: 0,
          firstSuccess: 't',
          lastSuccess: 't',
          lastFailure: null,
          lastFailureCause: null,
        },
      ],
    } as Instance;
    expect(taskJson(inst).healthCheckResults).toEqual([
      {
        alive: true,
        consecutiveFailures: 0,
        firstSuccess: 't',
        lastSuccess: 't',
        lastFailure: null,
        lastFailureCause: null,
        instanceId: 'web.instance-1',
      },
    ]);
  });
});

import {
  ExecutorCallError,
  executorEnvironment,
  executorOf,
  mesosDuration,
  parseExecutorCall,
  recordIo,
} from './executor-api';

const ids = { framework_id: { value: 'fw' }, executor_id: { value: 'ex' } };
const uuid = Buffer.alloc(16, 7).toString('base64');

function refusal(body: unknown): ExecutorCallError {
  try {
    parseExecutorCall(body);
  } catch (e) {
    if (e instanceof ExecutorCallError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseExecutorCall', () => {
  it('accepts SUBSCRIBE, UPDATE and MESSAGE', () => {
    expect(parseExecutorCall({ type: 'SUBSCRIBE', ...ids, subscribe: {} }).type).toBe('SUBSCRIBE');
    const u = parseExecutorCall({
      type: 'UPDATE',
      ...ids,
      update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid } },
    });
    expect(u.update?.status.state).toBe('TASK_RUNNING');
    expect(parseExecutorCall({ type: 'MESSAGE', ...ids, message: { data: 'aGk=' } }).type).toBe(
      'MESSAGE',
    );
  });

  it.each([
    [{ ...ids }, 'type'],
    [{ type: 'LAUNCH', ...ids }, 'type'],
    [{ type: 'SUBSCRIBE', executor_id: { value: 'ex' } }, 'framework_id'],
    [
      { type: 'SUBSCRIBE', framework_id: { value: 'fw' }, executor_id: { value: '' } },
      'executor_id.value',
    ],
    [{ type: 'UPDATE', ...ids }, 'update'],
    [{ type: 'MESSAGE', ...ids }, 'message'],
    [
      {
        type: 'UPDATE',
        ...ids,
        update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING' } },
      },
      'update.status.uuid',
    ],
    [
      {
        type: 'UPDATE',
        ...ids,
        update: { status: { task_id: { value: 't' }, state: 'RUNNING', uuid } },
      },
      'update.status.state',
    ],
    [
      {
        type: 'UPDATE',
        ...ids,
        update: { status: { task_id: { value: 't' }, state: 'TASK_STAGING', uuid } },
      },
      'update.status.state',
    ],
    ['not an object', 'body'],
  ])('refuses %j naming %s', (body, field) => {
    const e = refusal(body);
    expect(e.status).toBe(400);
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });
});

describe('executorEnvironment', () => {
  it("is Mesos' executor environment", () => {
    const env = executorEnvironment({
      frameworkId: 'fw',
      executorId: 'ex',
      agentId: 'a-S0',
      sandbox: '/w/slaves/a-S0/frameworks/fw/executors/ex/runs/c',
      agentEndpoint: '10.0.0.1:5051',
      checkpoint: false,
      shutdownGraceMs: 5000,
    });
    expect(env).toEqual({
      MESOS_FRAMEWORK_ID: 'fw',
      MESOS_EXECUTOR_ID: 'ex',
      MESOS_DIRECTORY: '/w/slaves/a-S0/frameworks/fw/executors/ex/runs/c',
      MESOS_SANDBOX: '/w/slaves/a-S0/frameworks/fw/executors/ex/runs/c',
      MESOS_AGENT_ID: 'a-S0',
      MESOS_SLAVE_ID: 'a-S0',
      MESOS_SLAVE_PID: 'slave(1)@10.0.0.1:5051',
      MESOS_AGENT_ENDPOINT: '10.0.0.1:5051',
      MESOS_CHECKPOINT: '0',
      MESOS_HTTP_COMMAND_EXECUTOR: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
    });
  });

  it('a checkpointing framework: recovery settings too', () => {
    const env = executorEnvironment({
      frameworkId: 'fw',
      executorId: 'ex',
      agentId: 'a',
      sandbox: '/s',
      agentEndpoint: 'h:1',
      checkpoint: true,
      shutdownGraceMs: 500,
    });
    expect(env['MESOS_CHECKPOINT']).toBe('1');
    expect(env['MESOS_RECOVERY_TIMEOUT']).toBe('15mins');
    expect(env['MESOS_SUBSCRIPTION_BACKOFF_MAX']).toBe('2secs');
    expect(env['MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD']).toBe('500ms');
  });
});

describe('helpers', () => {
  it('mesosDuration renders as Mesos', () => {
    expect(mesosDuration(500)).toBe('500ms');
    expect(mesosDuration(5000)).toBe('5secs');
    expect(mesosDuration(120_000)).toBe('2mins');
    expect(mesosDuration(0)).toBe('0secs');
  });

  it('recordIo frames a record with its byte length', () => {
    const r = recordIo({ type: 'SUBSCRIBED', x: 'é' });
    const text = r.toString('utf8');
    const nl = text.indexOf('\n');
    const body = r.subarray(Buffer.byteLength(text.slice(0, nl)) + 1);
    expect(Number(text.slice(0, nl))).toBe(body.length);
    expect(JSON.parse(body.toString('utf8'))).toEqual({ type: 'SUBSCRIBED', x: 'é' });
  });

  it('executorOf reads TaskInfo.executor only with an executor_id', () => {
    const base = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, resources: [] };
    expect(executorOf(base)).toBeUndefined();
    expect(executorOf({ ...base, executor: { command: {} } })).toBeUndefined();
    expect(executorOf({ ...base, executor: { executor_id: { value: 'e' } } })?.executor_id).toEqual(
      {
        value: 'e',
      },
    );
  });
});

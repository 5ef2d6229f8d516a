import { SchedulerCallRequestContract } from '@dcos/contracts';
import { wellFormedAcknowledge } from './scheduler-fast-path';

const ack = () => ({
  stream_id: 's1',
  call: {
    type: 'ACKNOWLEDGE',
    framework_id: { value: 'f1' },
    acknowledge: { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid: 'AAAA' },
  },
});

describe('wellFormedAcknowledge', () => {
  it('takes a well-formed ACKNOWLEDGE as the schema would parse it', () => {
    const raw = ack();
    expect(wellFormedAcknowledge(raw)).toEqual(SchedulerCallRequestContract.parse(raw));
  });

  it('leaves everything else to the schema (and its field-naming errors)', () => {
    const variants: unknown[] = [
      null,
      'x',
      { call: { type: 'DECLINE' } },
      { ...ack(), extra: 1 },
      { ...ack(), stream_id: '' },
      { ...ack(), stream_id: null },
      { ...ack(), call: { ...ack().call, framework_id: { value: '' } } },
      { ...ack(), call: { ...ack().call, framework_id: { value: 'f', x: 1 } } },
      { ...ack(), call: { ...ack().call, acknowledge: { ...ack().call.acknowledge, uuid: '' } } },
      { ...ack(), call: { ...ack().call, acknowledge: { ...ack().call.acknowledge, uuid: null } } },
      { ...ack(), call: { ...ack().call, acknowledge: { agent_id: { value: 'a' }, uuid: 'u' } } },
      { ...ack(), call: { ...ack().call, acknowledge: { ...ack().call.acknowledge, task_id: 7 } } },
      { ...ack(), call: { ...ack().call, acknowledge: { ...ack().call.acknowledge, z: 1 } } },
      {
        ...ack(),
        call: {
          ...ack().call,
          acknowledge: { ...ack().call.acknowledge, task_id: { value: 'x'.repeat(256) } },
        },
      },
    ];
    for (const v of variants) expect(wellFormedAcknowledge(v)).toBeUndefined();
    expect(() =>
      SchedulerCallRequestContract.parse({
        ...ack(),
        call: { ...ack().call, acknowledge: { ...ack().call.acknowledge, uuid: '' } },
      }),
    ).toThrow(/call\.acknowledge\.uuid/);
  });
});

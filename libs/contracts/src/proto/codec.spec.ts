import fc from 'fast-check';
import * as protobuf from 'protobufjs';
import {
  decodeMesos,
  encodeMesos,
  MESOS_MESSAGES,
  MesosDecodeError,
  mesosFromJson,
  mesosToJson,
  mesosType,
  mesosUnknownFields,
} from './codec';

/**
 * An arbitrary of canonical Mesos JSON for a message, derived from the same definitions the
 * codec uses: required fields always, optional ones sometimes, enums by name, bytes in Base64,
 * 64-bit integers as (safe) numbers. Depth-bounded so recursive types stay small.
 */
function arbitraryJson(type: protobuf.Type, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const field of type.fieldsArray) {
    if (field.map) continue;
    const deep = depth >= 4;
    if (deep && !field.required) continue;
    const one = scalarOrMessage(field, depth);
    model[field.name] = field.repeated ? fc.array(one, { minLength: 1, maxLength: 2 }) : one;
    if (field.required) required.push(field.name);
  }
  return fc.record(model, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
}

function scalarOrMessage(field: protobuf.Field, depth: number): fc.Arbitrary<unknown> {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type)
    return fc.constant(null).chain(() => arbitraryJson(rt, depth + 1));
  if (rt instanceof protobuf.Enum) return fc.constantFrom(...Object.keys(rt.values));
  switch (field.type) {
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 8 });
    case 'bytes':
      return fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'));
    case 'bool':
      return fc.boolean();
    case 'double':
      return fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .map((d) => (Object.is(d, -0) ? 0 : d));
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
      return fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    case 'uint64':
      return fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    default:
      throw new Error(`no arbitrary for ${field.type}`);
  }
}

const MAIN_MESSAGES = [
  MESOS_MESSAGES.schedulerCall,
  MESOS_MESSAGES.schedulerEvent,
  MESOS_MESSAGES.masterCall,
  MESOS_MESSAGES.masterResponse,
  MESOS_MESSAGES.masterEvent,
  MESOS_MESSAGES.agentCall,
  MESOS_MESSAGES.agentResponse,
  'mesos.v1.TaskInfo',
  'mesos.v1.TaskStatus',
  'mesos.v1.Offer',
  'mesos.v1.Resource',
  'mesos.v1.FrameworkInfo',
  'mesos.v1.AgentInfo',
];

describe('Mesos v1 protobuf codec', () => {
  it.each(MAIN_MESSAGES)('%s: JSON → message → protobuf → message → JSON round-trips', (name) => {
    fc.assert(
      fc.property(arbitraryJson(mesosType(name)), (json) => {
        const bytes = encodeMesos(name, json);
        expect(decodeMesos(name, bytes)).toEqual(json);
        expect(mesosToJson(name, mesosFromJson(name, json))).toEqual(json);
      }),
      { numRuns: 60 },
    );
  });

  it('uses Mesos field numbers on the wire (scheduler ACKNOWLEDGE with a bytes uuid)', () => {
    const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const bytes = encodeMesos(MESOS_MESSAGES.schedulerCall, {
      framework_id: { value: 'f' },
      type: 'ACKNOWLEDGE',
      acknowledge: {
        agent_id: { value: 'a' },
        task_id: { value: 't' },
        uuid: uuid.toString('base64'),
      },
    });
    // framework_id = 1 (LEN "f"), type = 2 (varint ACKNOWLEDGE = 8), acknowledge = 8 (LEN) with
    // agent_id = 1, task_id = 2, uuid = 3 (16 raw bytes).
    const ack = Buffer.concat([
      Buffer.from([0x0a, 3, 0x0a, 1, 0x61, 0x12, 3, 0x0a, 1, 0x74, 0x1a, 16]),
      uuid,
    ]);
    expect(Buffer.from(bytes)).toEqual(
      Buffer.concat([Buffer.from([0x0a, 3, 0x0a, 1, 0x66, 0x10, 8, 0x42, ack.length]), ack]),
    );
  });

  it('encodes TaskState and Resource with Mesos numbers (TASK_RUNNING = 1, RANGES = 1)', () => {
    const status = encodeMesos('mesos.v1.TaskStatus', {
      task_id: { value: 't' },
      state: 'TASK_RUNNING',
    });
    expect([...status]).toEqual([0x0a, 3, 0x0a, 1, 0x74, 0x10, 1]);
    const ports = encodeMesos('mesos.v1.Resource', {
      name: 'p',
      type: 'RANGES',
      ranges: { range: [{ begin: 1, end: 2 }] },
    });
    expect([...ports]).toEqual([0x0a, 1, 0x70, 0x10, 1, 0x22, 6, 0x0a, 4, 0x08, 1, 0x10, 2]);
  });

  it('drops JSON members that have no field, or the wrong shape, instead of failing', () => {
    const json = {
      type: 'GET_AGENTS',
      get_agents: {
        agents: [
          {
            agent_info: { hostname: 'h', resources: [], attributes: { rack: 'r1' } },
            active: true,
            version: '1.11.0',
            pid: 'slave(1)@127.0.0.1:5051',
            resource_providers: [],
            not_mesos: { deep: [1, 2] },
            registered_time: 'soon',
          },
          { agent_info: { hostname: { not: 'a string' } }, active: true, version: 7 },
        ],
      },
      extra: 'dropped',
    };
    expect(
      decodeMesos(MESOS_MESSAGES.masterResponse, encodeMesos(MESOS_MESSAGES.masterResponse, json)),
    ).toEqual({
      type: 'GET_AGENTS',
      get_agents: {
        agents: [
          {
            agent_info: { hostname: 'h' },
            active: true,
            version: '1.11.0',
            pid: 'slave(1)@127.0.0.1:5051',
          },
          { agent_info: { hostname: '' }, active: true, version: '7' },
        ],
      },
    });
  });

  it('keeps a message decodable when JSON leaves out a required sub-message', () => {
    const bytes = encodeMesos(MESOS_MESSAGES.schedulerEvent, { type: 'UPDATE', update: {} });
    expect(decodeMesos(MESOS_MESSAGES.schedulerEvent, bytes)).toEqual({
      type: 'UPDATE',
      update: { status: { task_id: { value: '' }, state: 'TASK_STAGING' } },
    });
  });

  it('refuses truncated bodies and missing required fields with MesosDecodeError', () => {
    const ok = encodeMesos('mesos.v1.TaskStatus', { task_id: { value: 't' }, state: 'TASK_LOST' });
    expect(() => decodeMesos('mesos.v1.TaskStatus', ok.subarray(0, ok.length - 1))).toThrow(
      MesosDecodeError,
    );
    expect(() => decodeMesos('mesos.v1.TaskStatus', new Uint8Array(0))).toThrow(
      /missing required 'task_id'/,
    );
  });
});

describe('mesosUnknownFields', () => {
  it('lists the JSON members protobuf cannot carry, by path', () => {
    expect(
      mesosUnknownFields(MESOS_MESSAGES.masterResponse, {
        type: 'GET_AGENTS',
        get_agents: {
          agents: [{ agent_info: { hostname: 'h', extra: 1 }, active: true, version: 'v' }],
          recovered_agents: [],
          nope: { a: 1 },
        },
        empty: {},
      }),
    ).toEqual(['get_agents.agents[0].agent_info.extra', 'get_agents.nope']);
  });
});

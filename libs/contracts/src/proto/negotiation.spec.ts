import { encodeMesos, MESOS_MESSAGES } from './codec';
import {
  accepts,
  mesosBody,
  mesosRecord,
  negotiateMesosCall,
  RecordIoReader,
  requestFormat,
  responseFormat,
} from './negotiation';

const call = MESOS_MESSAGES.masterCall;

describe('Mesos HTTP content negotiation', () => {
  it('reads the body format from Content-Type (parameters and case ignored)', () => {
    expect(requestFormat('application/json')).toBe('json');
    expect(requestFormat('Application/JSON; charset=utf-8')).toBe('json');
    expect(requestFormat('application/x-protobuf')).toBe('protobuf');
    expect(requestFormat('text/plain')).toBeUndefined();
    expect(requestFormat('application/jsonp')).toBeUndefined();
    expect(requestFormat(undefined)).toBeUndefined();
  });

  it('answers JSON unless Accept only allows protobuf, as Mesos', () => {
    expect(responseFormat(undefined)).toBe('json');
    expect(responseFormat('')).toBe('json');
    expect(responseFormat('*/*')).toBe('json');
    expect(responseFormat('application/*')).toBe('json');
    expect(responseFormat('application/json')).toBe('json');
    expect(responseFormat('application/x-protobuf')).toBe('protobuf');
    expect(responseFormat('application/x-protobuf, application/json')).toBe('json');
    expect(responseFormat('application/json;q=0, application/x-protobuf')).toBe('protobuf');
    expect(responseFormat('*/*;q=0.1, application/json;q=0')).toBe('protobuf');
    expect(responseFormat('text/html')).toBeUndefined();
    expect(responseFormat('application/json;q=0')).toBeUndefined();
    expect(accepts('text/*', 'application/json')).toBe(false);
  });

  it('415 with a body naming Content-Type for any other body type', () => {
    for (const contentType of ['text/plain', undefined, 'application/xml']) {
      expect(negotiateMesosCall(call, { contentType, accept: undefined, body: {} })).toEqual({
        ok: false,
        status: 415,
        field: 'Content-Type',
        message: expect.stringContaining('application/x-protobuf'),
      });
    }
  });

  it('406 with a body naming Accept when neither JSON nor protobuf is acceptable', () => {
    expect(
      negotiateMesosCall(call, {
        contentType: 'application/json',
        accept: 'text/html',
        body: { type: 'GET_HEALTH' },
      }),
    ).toEqual({ ok: false, status: 406, field: 'Accept', message: expect.any(String) });
  });

  it('checks Accept only for calls that answer with a body when told so (scheduler API)', () => {
    const answers = (c: Record<string, unknown>) => c['type'] === 'SUBSCRIBE';
    const req = (type: string) => ({
      contentType: 'application/json',
      accept: 'text/html',
      body: { type },
    });
    const sched = MESOS_MESSAGES.schedulerCall;
    expect(negotiateMesosCall(sched, req('SUBSCRIBE'), { answers })).toMatchObject({
      ok: false,
      status: 406,
    });
    expect(negotiateMesosCall(sched, req('ACKNOWLEDGE'), { answers })).toMatchObject({
      ok: true,
      call: { type: 'ACKNOWLEDGE' },
    });
  });

  it('decodes a protobuf Call into Mesos JSON, and answers in the negotiated format', () => {
    const body = Buffer.from(encodeMesos(call, { type: 'GET_AGENTS' }));
    const n = negotiateMesosCall(call, {
      contentType: 'application/x-protobuf',
      accept: 'application/x-protobuf',
      body,
    });
    expect(n).toEqual({
      ok: true,
      call: { type: 'GET_AGENTS' },
      requestFormat: 'protobuf',
      format: 'protobuf',
    });
    const json = { type: 'GET_HEALTH', get_health: { healthy: true } };
    const pb = mesosBody('protobuf', MESOS_MESSAGES.masterResponse, json);
    expect(pb.contentType).toBe('application/x-protobuf');
    expect([...pb.body]).toEqual([0x08, 1, 0x12, 2, 0x08, 1]);
    expect(mesosBody('json', MESOS_MESSAGES.masterResponse, json)).toEqual({
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify(json)),
    });
  });

  it('400 naming the body for a protobuf body that is not a Call, or JSON that is no object', () => {
    expect(
      negotiateMesosCall(MESOS_MESSAGES.schedulerCall, {
        contentType: 'application/x-protobuf',
        accept: undefined,
        body: Buffer.from([0x1a, 0x05, 0x01]),
      }),
    ).toMatchObject({ ok: false, status: 400, field: 'body' });
    expect(
      negotiateMesosCall(call, { contentType: 'application/json', accept: undefined, body: [1] }),
    ).toMatchObject({ ok: false, status: 400, field: 'body' });
  });

  it('frames events as RecordIO records and reads them back across chunk boundaries', () => {
    const a = mesosRecord('protobuf', MESOS_MESSAGES.schedulerEvent, { type: 'HEARTBEAT' });
    const b = mesosRecord('json', MESOS_MESSAGES.schedulerEvent, { type: 'HEARTBEAT' });
    expect(a.toString('latin1')).toBe('2\n\x08\x08');
    expect(b.toString()).toBe('20\n{"type":"HEARTBEAT"}');
    const reader = new RecordIoReader();
    const all = Buffer.concat([a, b]);
    const got = [...reader.push(all.subarray(0, 3)), ...reader.push(all.subarray(3))];
    expect(got.map((x) => x.toString('latin1'))).toEqual(['\x08\x08', '{"type":"HEARTBEAT"}']);
  });
});

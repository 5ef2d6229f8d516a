import * as protobuf from 'protobufjs';
import {
  MESOS_V1_AGENT_PROTO,
  MESOS_V1_MASTER_PROTO,
  MESOS_V1_PROTO,
  MESOS_V1_SCHEDULER_PROTO,
} from './mesos-v1.proto';

/**
 * One codec, both ways, for the Mesos v1 protocol: Mesos JSON (proto field names, enums as
 * their names, bytes as Base64, 64-bit integers as numbers) ↔ protobufjs message ↔ protobuf
 * bytes. Everything is derived from the `.proto` text in mesos-v1.proto.ts.
 */

/** The top-level messages of the HTTP APIs. */
export const MESOS_MESSAGES = {
  masterCall: 'mesos.v1.master.Call',
  masterResponse: 'mesos.v1.master.Response',
  masterEvent: 'mesos.v1.master.Event',
  schedulerCall: 'mesos.v1.scheduler.Call',
  schedulerEvent: 'mesos.v1.scheduler.Event',
  agentCall: 'mesos.v1.agent.Call',
  agentResponse: 'mesos.v1.agent.Response',
} as const;

/** A message's full name, e.g. `mesos.v1.TaskInfo` or `mesos.v1.scheduler.Call`. */
export type MesosTypeName = string;

export type MesosJson = Record<string, unknown>;

let root: protobuf.Root | undefined;

/** The parsed definitions (field names kept as written: Mesos JSON uses them as they are). */
export function mesosRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  for (const text of [
    MESOS_V1_PROTO,
    MESOS_V1_MASTER_PROTO,
    MESOS_V1_SCHEDULER_PROTO,
    MESOS_V1_AGENT_PROTO,
  ]) {
    protobuf.parse(text, r, { keepCase: true });
  }
  r.resolveAll();
  root = r;
  return r;
}

const types = new Map<string, protobuf.Type>();

export function mesosType(name: MesosTypeName): protobuf.Type {
  let t = types.get(name);
  if (!t) {
    t = mesosRoot().lookupType(name);
    types.set(name, t);
  }
  return t;
}

/** A protobuf body that is not a valid message of the expected type. */
export class MesosDecodeError extends Error {}

const TO_JSON: protobuf.IConversionOptions = {
  enums: String,
  longs: Number,
  bytes: String,
  defaults: false,
  arrays: false,
  objects: false,
  json: true,
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

/**
 * Keeps only what the type can hold: unknown members, `null`s and members of the wrong shape
 * (an object where a list is expected, a string where a message is) are dropped, so a JSON
 * renderer that says more than the protocol never breaks the protobuf encoding.
 */
function prune(type: protobuf.Type, json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key];
    if (!field || value === null || value === undefined || field.map) continue;
    const one = (v: unknown): unknown => {
      if (v === null || v === undefined) return undefined;
      const rt = field.resolvedType;
      if (rt instanceof protobuf.Type) return isPlainObject(v) ? prune(rt, v) : undefined;
      if (rt instanceof protobuf.Enum) {
        return typeof v === 'string' || typeof v === 'number' ? v : undefined;
      }
      if (field.type === 'string') {
        return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : undefined;
      }
      if (field.type === 'bytes')
        return typeof v === 'string' || v instanceof Uint8Array ? v : undefined;
      if (field.type === 'bool') return typeof v === 'boolean' ? v : undefined;
      // Numbers (32/64-bit integers, doubles): Mesos JSON also allows them as strings.
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      return undefined;
    };
    if (field.repeated) {
      if (!Array.isArray(value)) continue;
      out[key] = value.map(one).filter((v) => v !== undefined);
    } else {
      const v = one(value);
      if (v !== undefined) out[key] = v;
    }
  }
  return out;
}

/**
 * The paths of JSON members protobuf cannot carry (no such field, or the wrong shape), e.g.
 * `get_agents.agents[0].extra`; empty lists and objects are not counted. For tests and
 * diagnostics: what a protobuf client would not see of a JSON answer.
 */
export function mesosUnknownFields(name: MesosTypeName, json: unknown): string[] {
  const out: string[] = [];
  const isEmpty = (v: unknown) =>
    v === null ||
    v === undefined ||
    (Array.isArray(v) && v.length === 0) ||
    (isPlainObject(v) && Object.keys(v).length === 0);
  const walk = (type: protobuf.Type, j: Record<string, unknown>, at: string): void => {
    for (const [key, value] of Object.entries(j)) {
      const here = at ? `${at}.${key}` : key;
      if (isEmpty(value)) continue;
      const field = type.fields[key];
      if (!field || field.map || (field.repeated && !Array.isArray(value))) {
        out.push(here);
        continue;
      }
      const rt = field.resolvedType;
      if (!(rt instanceof protobuf.Type)) continue;
      const items = field.repeated ? (value as unknown[]) : [value];
      items.forEach((v, i) => {
        const p = field.repeated ? `${here}[${i}]` : here;
        if (isPlainObject(v)) walk(rt, v, p);
        else if (!isEmpty(v)) out.push(p);
      });
    }
  };
  if (isPlainObject(json)) walk(mesosType(name), json, '');
  return out;
}

/**
 * A message must carry its required sub-messages to be encoded at all; when JSON left one out
 * it is encoded empty (its required scalars take their defaults), as a C++ Mesos would refuse
 * to, but a reader gets a parseable message rather than a broken stream.
 */
function fillRequired(type: protobuf.Type, msg: protobuf.Message): void {
  const m = msg as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    const rt = field.resolvedType;
    if (!(rt instanceof protobuf.Type)) continue;
    const v = m[field.name];
    if (field.repeated) {
      if (Array.isArray(v)) for (const x of v) fillRequired(rt, x as protobuf.Message);
    } else if (v !== null && v !== undefined) {
      fillRequired(rt, v as protobuf.Message);
    } else if (field.required) {
      const empty = rt.create();
      fillRequired(rt, empty);
      m[field.name] = empty;
    }
  }
}

/** Mesos JSON → message (members without a field in the protocol are dropped). */
export function mesosFromJson(name: MesosTypeName, json: unknown): protobuf.Message {
  const type = mesosType(name);
  const msg = type.fromObject(isPlainObject(json) ? prune(type, json) : {});
  fillRequired(type, msg);
  return msg;
}

/** Message → Mesos JSON. */
export function mesosToJson(name: MesosTypeName, msg: protobuf.Message): MesosJson {
  return mesosType(name).toObject(msg, TO_JSON) as MesosJson;
}

/** Mesos JSON → protobuf bytes. */
export function encodeMesos(name: MesosTypeName, json: unknown): Uint8Array {
  const type = mesosType(name);
  return type.encode(mesosFromJson(name, json)).finish();
}

/**
 * Protobuf bytes → Mesos JSON. Throws MesosDecodeError naming what is wrong (a truncated
 * body, a missing required field) so callers can answer 400.
 */
export function decodeMesos(name: MesosTypeName, bytes: Uint8Array): MesosJson {
  const type = mesosType(name);
  let msg: protobuf.Message;
  try {
    msg = type.decode(bytes);
  } catch (e) {
    throw new MesosDecodeError(`body: not a valid ${name} protobuf (${(e as Error).message})`);
  }
  return mesosToJson(name, msg);
}

import type { SchedulerCallRequest } from '@dcos/contracts';

const isId = (v: unknown): v is { value: string } =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).length === 1 &&
  typeof (v as { value?: unknown }).value === 'string' &&
  (v as { value: string }).value.length > 0 &&
  (v as { value: string }).value.length <= 255;

const hasOnly = (o: object, keys: string[]) => Object.keys(o).every((k) => keys.includes(k));

/**
 * ACKNOWLEDGE is most of the calls (one per status update); a well-formed one (exactly the
 * fields the schema knows, no nulls) is taken as is, which is what the schema would give.
 * Anything else goes through the schema, with its errors naming the field.
 */
export function wellFormedAcknowledge(raw: unknown): SchedulerCallRequest | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { stream_id?: unknown; call?: Record<string, unknown> };
  const call = r.call;
  if (typeof call !== 'object' || call === null || call['type'] !== 'ACKNOWLEDGE') return undefined;
  const ack = call['acknowledge'] as Record<string, unknown> | undefined;
  const ok =
    hasOnly(r, ['stream_id', 'call']) &&
    (r.stream_id === undefined || (typeof r.stream_id === 'string' && r.stream_id.length > 0)) &&
    hasOnly(call, ['type', 'framework_id', 'acknowledge']) &&
    (call['framework_id'] === undefined || isId(call['framework_id'])) &&
    typeof ack === 'object' &&
    ack !== null &&
    hasOnly(ack, ['agent_id', 'task_id', 'uuid']) &&
    isId(ack['agent_id']) &&
    isId(ack['task_id']) &&
    typeof ack['uuid'] === 'string' &&
    ack['uuid'].length > 0;
  return ok ? (raw as SchedulerCallRequest) : undefined;
}

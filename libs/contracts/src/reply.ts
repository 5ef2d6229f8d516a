import { z } from 'zod';

/** Every NATS request/reply answer is wrapped in this envelope. */
export type Reply<T> =
  | { ok: true; data: T }
  | {
      ok: false;
      error: { message: string; code?: string; fields?: { field: string; message: string }[] };
    };

export const ReplyEnvelopeSchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      message: z.string(),
      code: z.string().optional(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  }),
]);

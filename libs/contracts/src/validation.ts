import { z } from 'zod';

/** A validation failure that names the offending field(s). */
export class ContractError extends Error {
  constructor(
    readonly contract: string,
    readonly issues: { field: string; message: string }[],
  ) {
    super(`${contract}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'ContractError';
  }
}

/** A payload contract: its TypeScript type and runtime validator in one. */
export interface Contract<T> {
  readonly name: string;
  readonly schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  parse(input: unknown): T;
  safeParse(input: unknown): { ok: true; value: T } | { ok: false; error: ContractError };
}

export function contract<T>(
  name: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
): Contract<T> {
  const toError = (e: z.ZodError) =>
    new ContractError(
      name,
      e.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })),
    );
  return {
    name,
    schema,
    parse(input) {
      const r = schema.safeParse(input);
      if (!r.success) throw toError(r.error);
      return r.data;
    },
    safeParse(input) {
      const r = schema.safeParse(input);
      return r.success ? { ok: true, value: r.data } : { ok: false, error: toError(r.error) };
    },
  };
}

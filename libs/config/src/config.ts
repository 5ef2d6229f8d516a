import { z } from 'zod';

/** One or more environment variables with bad values; each problem names its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      'invalid configuration: ' + problems.map((p) => `${p.variable}: ${p.message}`).join('; '),
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;
type Shape = Record<string, z.ZodTypeAny>;

/** Env-var value parsers. Every value arrives as a string (or undefined when unset). */
export const env = {
  string: (def?: string) =>
    def === undefined ? z.string().min(1) : z.string().min(1).default(def),
  optionalString: () => z.string().min(1).optional(),
  int: (def: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
    z
      .string()
      .regex(/^-?\d+$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max))
      .default(String(def)),
  port: (def: number) =>
    z
      .string()
      .regex(/^\d+$/, 'must be a port number (0-65535)')
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(0, 'must be a port number (0-65535)')
          .max(65535, 'must be a port number (0-65535)'),
      )
      .default(String(def)),
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], {
        errorMap: () => ({ message: 'must be true or false' }),
      })
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .default(def ? 'true' : 'false'),
  url: (def: string, protocols: string[]) =>
    z
      .string()
      .default(def)
      .superRefine((v, ctx) => {
        for (const part of v.split(',')) {
          let u: URL;
          try {
            u = new URL(part.trim());
          } catch {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a URL (got "${v}")` });
            return;
          }
          if (!protocols.includes(u.protocol.replace(/:$/, ''))) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              message: `must use ${protocols.join(' or ')}:// (got "${v}")`,
            });
            return;
          }
        }
      }),
  oneOf: <T extends [string, ...string[]]>(values: T, def: T[number]) =>
    z.enum(values).default(def as never),
  pattern: (re: RegExp, message: string, def: string) => z.string().regex(re, message).default(def),
};

export type ConfigOf<S extends Shape> = { [K in keyof S]: z.output<S[K]> };

/**
 * Parse the environment against a shape whose keys are the variable names.
 * Throws a ConfigError naming every bad variable; never returns a half-valid config.
 */
export function loadConfig<S extends Shape>(shape: S, source: Env = process.env): ConfigOf<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const raw = source[key];
    input[key] = raw === '' ? undefined : raw;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const variable = String(i.path[0] ?? '(env)');
        const got = source[variable];
        const msg = i.code === 'invalid_type' && got === undefined ? 'is required' : i.message;
        return {
          variable,
          message: got !== undefined && !msg.includes('got') ? `${msg} (got "${got}")` : msg,
        };
      }),
    );
  }
  return result.data as ConfigOf<S>;
}

/** Load config or stop the process with one clear line naming the variable. */
export function loadConfigOrExit<S extends Shape>(
  service: string,
  shape: S,
  source: Env = process.env,
): ConfigOf<S> {
  try {
    return loadConfig(shape, source);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`[${service}] ${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
}

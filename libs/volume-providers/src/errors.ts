/** A storage request that cannot be done as asked; `status` is the HTTP-ish class of the problem. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 422 | 503 = 400,
  ) {
    super(message);
    this.name = 'StorageError';
  }

  /** The error code a NATS reply envelope carries (mapped back to HTTP by DSS). */
  get code(): string {
    return STORAGE_ERROR_CODES[this.status];
  }
}

export const STORAGE_ERROR_CODES = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'UNPROCESSABLE',
  503: 'UNAVAILABLE',
} as const;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkId(kind: string, id: string): void {
  if (typeof id !== 'string' || !ID_RE.test(id))
    throw new StorageError(
      `${kind} "${String(id)}" must be 1-128 of [A-Za-z0-9._-] starting with a letter or digit`,
    );
}

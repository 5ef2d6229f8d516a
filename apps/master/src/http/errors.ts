import type { Response } from 'express';
import type { ZodError } from 'zod';

/** Error bodies at the edge: `{message, errors?: [{field, message}]}`. */
export function sendError(
  res: Response,
  status: number,
  message: string,
  errors?: { field: string; message: string }[],
): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.status(status).json({ message, ...(errors ? { errors } : {}) });
}

export function badRequestFromZod(res: Response, e: ZodError): void {
  const errors = e.issues.map((i) => ({
    field: i.path.join('.') || '(root)',
    message: i.message,
  }));
  sendError(res, 400, errors.map((x) => `${x.field}: ${x.message}`).join('; '), errors);
}

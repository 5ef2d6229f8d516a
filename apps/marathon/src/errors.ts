import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { requestBodyError } from '@dcos/service';

/** One field problem as Marathon reports it: JSON-pointer-like path and messages. */
export interface Violation {
  path: string;
  errors: string[];
}

/** An HTTP error with Marathon's body: `{message, details?}` or `{message, deployments}`. */
export class MarathonError extends HttpException {
  constructor(status: number, body: { message: string; [k: string]: unknown }) {
    super(body, status);
  }
}

export const invalid = (details: Violation[], message = 'Object is not valid') =>
  new MarathonError(422, { message, details });
export const notFound = (message: string) => new MarathonError(404, { message });
export const conflict = (message: string, extra: Record<string, unknown> = {}) =>
  new MarathonError(409, { message, ...extra });
export const badRequest = (message: string, details?: Violation[]) =>
  new MarathonError(400, details ? { message, details } : { message });

/** Every error answers with Marathon's body; unexpected ones are logged and become 500. */
@Catch()
export class MarathonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  catch(e: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    if (res.headersSent) return;
    if (e instanceof MarathonError) {
      res.status(e.getStatus()).json(e.getResponse());
      return;
    }
    const parser = e as { type?: string; message?: string };
    if (parser.type === 'entity.parse.failed' || e instanceof SyntaxError) {
      res.status(400).json({
        message: 'Invalid JSON',
        details: [{ path: '/', errors: [parser.message ?? 'malformed JSON'] }],
      });
      return;
    }
    const unreadable = requestBodyError(e);
    if (unreadable) {
      res.status(unreadable.getStatus()).json(unreadable.getResponse());
      return;
    }
    if (e instanceof HttpException) {
      const r = e.getResponse() as string | { message?: string | string[] };
      const msg =
        typeof r === 'string' ? r : Array.isArray(r.message) ? r.message.join('; ') : r.message;
      if (e.getStatus() === 400 && /JSON/.test(msg ?? '')) {
        res.status(400).json({ message: 'Invalid JSON', details: [{ path: '/', errors: [msg] }] });
        return;
      }
      res.status(e.getStatus()).json({ message: msg ?? e.message });
      return;
    }
    this.logger.error(`${req.method} ${req.path}: ${(e as Error)?.stack ?? String(e)}`);
    res.status(500).json({ message: 'An unexpected server error occurred' });
  }
}

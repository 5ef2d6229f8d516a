import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { FieldProblem } from '@dcos/storage-plan';

/** An API error with a clear message; `errors` names the fields of a bad body. */
export class DssError extends HttpException {
  constructor(status: number, message: string, errors?: FieldProblem[]) {
    super({ code: status, message, ...(errors ? { errors } : {}) }, status);
  }
}

export const invalid = (errors: FieldProblem[]) =>
  new DssError(400, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

/** Every error as `{code, message, errors?}`; unexpected ones are logged and become 500. */
@Catch()
export class DssExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  catch(e: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const body = e.getResponse();
      if (typeof body === 'string') res.status(status).json({ code: status, message: body });
      else {
        const b = body as { message?: unknown };
        const message = Array.isArray(b.message) ? b.message.join('; ') : b.message;
        res.status(status).json({
          code: status,
          ...body,
          message:
            status === 400 &&
            /JSON/.test(String(message)) &&
            !String(message).startsWith('request body')
              ? `request body is not valid JSON: ${String(message)}`
              : message,
        });
      }
      return;
    }
    const parser = e as { type?: string; message?: string };
    if (parser.type === 'entity.parse.failed') {
      res
        .status(400)
        .json({ code: 400, message: `request body is not valid JSON: ${parser.message ?? ''}` });
      return;
    }
    this.logger.error((e as Error).stack ?? String(e));
    res.status(500).json({ code: 500, message: (e as Error).message ?? 'internal error' });
  }
}

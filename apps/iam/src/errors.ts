import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { DCOS_AUTH_CHALLENGE } from '@dcos/auth';

export interface FieldProblem {
  field: string;
  message: string;
}

/** Error body as DC/OS IAM answers: `{title, description, code}` (+ `errors` naming fields). */
export interface IamErrorBody {
  title: string;
  description: string;
  code: string;
  errors?: FieldProblem[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class IamError extends HttpException {
  constructor(
    status: number,
    code: string,
    description: string,
    extra: { errors?: FieldProblem[]; headers?: Record<string, string> } = {},
  ) {
    const body: IamErrorBody = { title: TITLES[status] ?? 'Error', description, code };
    if (extra.errors) body.errors = extra.errors;
    super(body, status);
    this.headers = extra.headers ?? {};
  }
  readonly headers: Record<string, string>;
}

export const invalidData = (errors: FieldProblem[], code = 'ERR_INVALID_DATA') =>
  new IamError(400, code, errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });

export const unauthorized = (description: string, code = 'ERR_INVALID_AUTH_TOKEN') =>
  new IamError(401, code, description, { headers: { 'WWW-Authenticate': DCOS_AUTH_CHALLENGE } });

export const forbidden = (description: string) => new IamError(403, 'ERR_FORBIDDEN', description);

export const notFound = (code: string, description: string) => new IamError(404, code, description);

export const conflict = (code: string, description: string) => new IamError(409, code, description);

/**
 * Turns every error under /acs/ into the DC/OS body; other routes (/health, /metrics)
 * keep Nest's bodies. Unexpected errors are logged (without request bodies) and become 500.
 */
@Catch()
export class IamExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  catch(e: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    if (res.headersSent) return;
    const iamRoute = (req.originalUrl ?? req.url ?? '').startsWith('/acs/');

    if (e instanceof IamError) {
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
      res.status(e.getStatus()).json(e.getResponse());
      return;
    }
    if (e instanceof HttpException && !iamRoute) {
      const body = e.getResponse();
      res.status(e.getStatus()).json(typeof body === 'string' ? { message: body } : body);
      return;
    }
    const bodyParser = e as { type?: string; status?: number; message?: string; limit?: number };
    let status: number;
    let code: string;
    let description: string;
    if (bodyParser.type === 'entity.too.large') {
      status = 413;
      code = 'ERR_REQUEST_TOO_LARGE';
      description = `request entity too large: the request body is larger than the limit of ${bodyParser.limit ?? '?'} bytes`;
    } else if (bodyParser.type === 'entity.parse.failed' || e instanceof SyntaxError) {
      status = 400;
      code = 'ERR_INVALID_DATA';
      const why = bodyParser.message ?? '';
      description = why.startsWith('request body') ? why : `request body is not valid JSON: ${why}`;
    } else if (typeof bodyParser.type === 'string' && bodyParser.type.startsWith('encoding.')) {
      status = 415;
      code = 'ERR_INVALID_DATA';
      description = bodyParser.message ?? 'unsupported request body encoding';
    } else if (e instanceof HttpException) {
      status = e.getStatus();
      const r = e.getResponse() as string | { message?: string | string[] };
      const msg =
        typeof r === 'string' ? r : Array.isArray(r.message) ? r.message.join('; ') : r.message;
      description = msg ?? e.message;
      if (status === 400 && /JSON/.test(description))
        description = `request body is not valid JSON: ${description}`;
      code =
        status === 404
          ? 'ERR_NOT_FOUND'
          : status === 400
            ? 'ERR_INVALID_DATA'
            : status === 405
              ? 'ERR_METHOD_NOT_ALLOWED'
              : `ERR_HTTP_${status}`;
    } else {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
      code = 'ERR_INTERNAL';
      description = 'internal error';
      this.logger.error(`${req.method} ${req.path}: ${(e as Error)?.stack ?? String(e)}`);
    }
    const body: IamErrorBody = { title: TITLES[status] ?? 'Error', description, code };
    res.status(status).json(body);
  }
}

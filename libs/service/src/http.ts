import {
  BadRequestException,
  type INestApplication,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { configureBodyParsing, type BodyParsingOptions } from './body';

export interface HttpSetup {
  title: string;
  description: string;
  version: string;
  /**
   * Request body parsing (see configureBodyParsing): a 1 MiB limit → 413, malformed → 400,
   * unsupported encodings → 415. `false` for a service that parses no bodies itself (a proxy).
   */
  body?: BodyParsingOptions | false;
}

function flatten(errors: ValidationError[], parent = ''): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const msg of Object.values(e.constraints ?? {})) out.push({ field, message: msg });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/** DTO validation whose 400 body names every bad field: `{message, errors:[{field,message}]}`. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new BadRequestException({
        message: details.map((d) => `${d.field}: ${d.message}`).join('; '),
        errors: details,
      });
    },
  });
}

/**
 * The HTTP side every service shares: pino logger, request body parsing, DTO validation,
 * OpenAPI at /openapi.json and /docs. Call before the app is initialised (listen/init).
 */
export function configureHttp(app: INestApplication, o: HttpSetup): void {
  app.useLogger(app.get(PinoLogger));
  if (o.body !== false) configureBodyParsing(app, o.body ?? {});
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(o.title)
      .setDescription(o.description)
      .setVersion(o.version)
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
}

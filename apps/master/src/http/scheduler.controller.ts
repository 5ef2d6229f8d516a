import { Controller, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import {
  MESOS_MEDIA_TYPE,
  MESOS_MESSAGES,
  SchedulerCallSchema,
  mesosRecord,
  negotiateMesosCall,
  type MesosFormat,
} from '@dcos/contracts';
import { CallError } from '../core/master';
import type { FrameworkConnection } from '../core/model';
import { stripNulls } from '../core/recordio';
import { KernelService } from '../kernel.service';
import { badRequestFromZod, sendError } from './errors';

/**
 * The Mesos v1 scheduler HTTP API: SUBSCRIBE keeps the response open as a RecordIO event
 * stream (`Mesos-Stream-Id` header); every other call answers 202 or 400/403/409.
 */
@ApiExcludeController()
@Controller()
export class SchedulerController {
  constructor(private readonly kernel: KernelService) {}

  @Post([
    'api/v1/scheduler',
    'api/v1/scheduler/*rest',
    'master/api/v1/scheduler',
    'master/api/v1/scheduler/*rest',
  ])
  call(@Req() req: Request, @Res() res: Response): void {
    const core = this.kernel.core;
    try {
      // JSON or protobuf both ways: a protobuf Call is decoded into Mesos JSON, then
      // validated as one; events go out in the format the Accept header asks for.
      const n = negotiateMesosCall(
        MESOS_MESSAGES.schedulerCall,
        { contentType: req.headers['content-type'], accept: req.headers.accept, body: req.body },
        // As Mesos: only SUBSCRIBE answers with a body, so only it is refused by Accept.
        { answers: (c) => c['type'] === 'SUBSCRIBE' },
      );
      if (!n.ok) {
        if (n.status === 400) core.counters.invalid_framework_calls++;
        sendError(res, n.status, n.message, [{ field: n.field, message: n.message }]);
        return;
      }
      const body = stripNulls(n.call);
      const parsed = SchedulerCallSchema.safeParse(body);
      if (!parsed.success) {
        core.counters.invalid_framework_calls++;
        badRequestFromZod(res, parsed.error);
        return;
      }
      const call = parsed.data;
      const streamHeader = req.header('mesos-stream-id');
      if (call.type !== 'SUBSCRIBE') {
        core.handleCall(call, streamHeader);
        core.counters.valid_framework_calls++;
        res.status(202).end();
        return;
      }
      if (streamHeader) {
        sendError(res, 400, 'Mesos-Stream-Id: SUBSCRIBE must not carry a stream id');
        return;
      }
      if (!call.subscribe) {
        sendError(res, 400, 'subscribe: required for SUBSCRIBE');
        return;
      }
      const conn = httpStream(res, randomUUID(), n.format);
      const { frameworkId } = core.subscribe(
        call.subscribe.framework_info,
        conn,
        call.subscribe.suppressed_roles ?? [],
      );
      core.counters.valid_framework_calls++;
      req.socket.setTimeout(0);
      req.socket.setNoDelay(true);
      res.on('close', () => core.disconnect(frameworkId, conn, 'subscription connection closed'));
    } catch (e) {
      if (e instanceof CallError) {
        core.counters.invalid_framework_calls++;
        sendError(res, e.status, e.message);
        return;
      }
      sendError(res, 500, `internal error: ${(e as Error).message}`);
    }
  }
}

function httpStream(res: Response, streamId: string, format: MesosFormat): FrameworkConnection {
  let closed = false;
  return {
    kind: 'http',
    streamId,
    send(event) {
      if (closed || res.writableEnded || res.destroyed) return;
      if (!res.headersSent) {
        res.writeHead(200, {
          'Content-Type': MESOS_MEDIA_TYPE[format],
          'Mesos-Stream-Id': streamId,
          'Cache-Control': 'no-cache',
          Connection: 'keep-alive',
          'Record-IO': 'true',
        });
      }
      res.write(mesosRecord(format, MESOS_MESSAGES.schedulerEvent, event));
    },
    close() {
      if (closed) return;
      closed = true;
      if (!res.writableEnded) res.end();
    },
  };
}

import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Agent } from './agent';
import { ExecutorCallError, parseExecutorCall, recordIo } from './executor-api';
import type { ExecutorConnection } from './executors';

/** How often a subscribed executor gets HEARTBEAT (lets both ends notice a dead connection). */
export const EXECUTOR_HEARTBEAT_MS = 30_000;

function accepts(req: Request, type: string): boolean {
  const accept = req.headers.accept;
  if (!accept) return true;
  return accept
    .split(',')
    .map((a) => a.split(';')[0]?.trim().toLowerCase())
    .some((a) => a === type || a === '*/*' || a === 'application/*');
}

/**
 * The Mesos v1 executor HTTP API: `POST /api/v1/executor` (JSON). SUBSCRIBE answers 200 with
 * a RecordIO stream of events (SUBSCRIBED, LAUNCH, KILL, ACKNOWLEDGED, SHUTDOWN, HEARTBEAT);
 * UPDATE and MESSAGE answer 202. Registered before the operator controller: its exact path
 * must win over any `/api/v1` catch-all there.
 */
@ApiExcludeController()
@Controller()
export class ExecutorController {
  constructor(@Inject(Agent) private readonly agent: Agent) {}

  @Post('api/v1/executor')
  call(@Req() req: Request, @Res() res: Response): void {
    try {
      const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (ct !== 'application/json') {
        throw new ExecutorCallError(
          415,
          `content-type: expected application/json (got ${ct || 'none'})`,
          'content-type',
        );
      }
      const call = parseExecutorCall(req.body);
      switch (call.type) {
        case 'SUBSCRIBE':
          if (!accepts(req, 'application/json'))
            throw new ExecutorCallError(406, 'accept: only application/json is served', 'accept');
          this.subscribe(call, req, res);
          return;
        case 'UPDATE':
          this.agent.executorUpdate(call);
          break;
        case 'MESSAGE':
          this.agent.executorMessage(call);
          break;
      }
      res.status(202).end();
    } catch (e) {
      if (!(e instanceof ExecutorCallError)) throw e;
      res.status(e.status).json({ message: e.message, ...(e.field ? { field: e.field } : {}) });
    }
  }

  private subscribe(call: ReturnType<typeof parseExecutorCall>, req: Request, res: Response): void {
    const timer: { heartbeat?: NodeJS.Timeout } = {};
    let open = true;
    const conn: ExecutorConnection = {
      send: (event) => {
        if (open) res.write(recordIo(event));
      },
      close: () => {
        if (!open) return;
        open = false;
        clearInterval(timer.heartbeat);
        res.end();
      },
    };
    res.status(200);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-cache');
    // Throws (a 4xx) for an unknown executor before any byte of the 200 goes out.
    const ex = this.agent.executorSubscribe(call, conn);
    timer.heartbeat = setInterval(() => conn.send({ type: 'HEARTBEAT' }), EXECUTOR_HEARTBEAT_MS);
    timer.heartbeat.unref();
    req.socket.setKeepAlive(true);
    res.on('close', () => {
      open = false;
      clearInterval(timer.heartbeat);
      this.agent.executorDisconnected(ex, conn);
    });
  }
}

import { Controller, Get, Next, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import {
  MESOS_MEDIA_TYPE,
  MESOS_MESSAGES,
  mesosBody,
  mesosRecord,
  negotiateMesosCall,
  type MesosFormat,
} from '@dcos/contracts';
import { COMPAT_VERSIONS } from '@dcos/service';
import { stripNulls } from '../core/recordio';
import {
  agentJson,
  frameworkJson,
  recoveredAgentJson,
  stateSummaryJson,
  taskJson,
  v1GetAgents,
  v1GetExecutors,
  v1GetFrameworks,
  v1GetState,
  v1GetTasks,
} from '../core/render';
import { KernelService } from '../kernel.service';
import { badRequestFromZod, sendError } from './errors';
import { isSchedulerPath } from './routing';

const TASK_LIMIT = 100;

const OperatorCallSchema = z
  .object({
    type: z.string().min(1),
    kill_task: z
      .object({
        task_id: z.object({ value: z.string().min(1) }),
        framework_id: z.object({ value: z.string().min(1) }).optional(),
      })
      .optional(),
  })
  .passthrough();

/** Mesos' operator endpoints: the legacy `/master/*` JSON and the v1 operator API. */
@ApiTags('operator')
@Controller()
export class OperatorController {
  constructor(private readonly kernel: KernelService) {}

  private json(res: Response, body: unknown, jsonp?: unknown): void {
    if (typeof jsonp === 'string' && /^[A-Za-z_$][\w$.]*$/.test(jsonp)) {
      res.type('text/javascript').send(`${jsonp}(${JSON.stringify(body)});`);
      return;
    }
    res.json(body);
  }

  @Get(['master/state', 'state.json', 'master/state.json', 'state'])
  @ApiOkResponse({ description: 'Mesos /master/state JSON' })
  state(@Query('jsonp') jsonp: unknown, @Res() res: Response): void {
    // Pre-serialized (cached task texts) and sent as is: no second stringify, no ETag hash.
    const text = this.kernel.core.stateText();
    if (typeof jsonp === 'string' && /^[A-Za-z_$][\w$.]*$/.test(jsonp)) {
      res.type('text/javascript').end(`${jsonp}(${text});`);
      return;
    }
    res.status(200).type('application/json').end(text);
  }

  @Get(['master/state-summary', 'state-summary'])
  summary(@Query('jsonp') jsonp: unknown, @Res() res: Response): void {
    this.json(res, stateSummaryJson(this.kernel.core.renderContext()), jsonp);
  }

  @Get(['master/slaves', 'slaves'])
  slaves(@Query('slave_id') slaveId: unknown, @Res() res: Response): void {
    const ctx = this.kernel.core.renderContext();
    const pick = (id: string) => typeof slaveId !== 'string' || slaveId === id;
    res.json({
      slaves: ctx.agents
        .filter((a) => a.state === 'active' && pick(a.id))
        .map((a) => agentJson(a, ctx)),
      recovered_slaves: ctx.agents
        .filter((a) => a.state === 'recovered' && pick(a.id))
        .map(recoveredAgentJson),
    });
  }

  @Get(['master/frameworks', 'frameworks'])
  frameworks(@Query('framework_id') frameworkId: unknown, @Res() res: Response): void {
    const ctx = this.kernel.core.renderContext();
    const pick = (id: string) => typeof frameworkId !== 'string' || frameworkId === id;
    res.json({
      frameworks: ctx.frameworks
        .filter((f) => f.state !== 'completed' && pick(f.id))
        .map((f) => frameworkJson(f, ctx)),
      completed_frameworks: ctx.frameworks
        .filter((f) => f.state === 'completed' && pick(f.id))
        .map((f) => frameworkJson(f, ctx)),
      unregistered_frameworks: [],
    });
  }

  @Get(['master/tasks', 'tasks'])
  tasks(@Query() q: Record<string, unknown>, @Res() res: Response): void {
    const num = (v: unknown, def: number, field: string): number | string => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      return Number.isInteger(n) && n >= 0 ? n : `${field}: must be a non-negative integer`;
    };
    const limit = num(q.limit, TASK_LIMIT, 'limit');
    const offset = num(q.offset, 0, 'offset');
    if (typeof limit === 'string' || typeof offset === 'string') {
      sendError(res, 400, typeof limit === 'string' ? limit : (offset as string));
      return;
    }
    const asc = q.order === 'asc';
    const all = [];
    for (const f of this.kernel.core.frameworks.values()) {
      if (typeof q.framework_id === 'string' && f.id !== q.framework_id) continue;
      for (const t of f.tasks.values()) {
        if (typeof q.task_id === 'string' && t.id !== q.task_id) continue;
        all.push(t);
      }
    }
    all.sort((a, b) => (asc ? a.launchedAt - b.launchedAt : b.launchedAt - a.launchedAt));
    res.json({ tasks: all.slice(offset, offset + limit).map(taskJson) });
  }

  @Get('master/redirect')
  redirect(@Res() res: Response): void {
    // The only master is the leader (standbys would answer with the leader's address).
    const c = this.kernel.core.opts;
    res.redirect(307, `//${c.hostname}:${c.port}`);
  }

  @Get('master/health')
  health(@Res() res: Response): void {
    res.status(200).end();
  }

  @Get(['metrics/snapshot', 'master/metrics/snapshot'])
  metrics(@Res() res: Response): void {
    res.json(this.kernel.core.metrics());
  }

  @Post(['master/teardown', 'teardown'])
  @ApiExcludeEndpoint()
  teardown(@Req() req: Request, @Res() res: Response): void {
    const id = (req.body as Record<string, unknown> | undefined)?.frameworkId;
    if (typeof id !== 'string' || id === '') {
      sendError(res, 400, 'frameworkId: required');
      return;
    }
    const fw = this.kernel.core.frameworks.get(id);
    if (!fw || fw.state === 'completed') {
      sendError(res, 400, `frameworkId: no framework with id ${id}`);
      return;
    }
    this.kernel.core.teardown(fw, 'operator teardown');
    res.status(200).end();
  }

  /**
   * The v1 operator API. libprocess routes by the longest registered prefix, so every
   * `/api/v1/<anything>` but the scheduler's (`/api/v1/operator` included) comes here.
   */
  @Post(['api/v1', 'api/v1/*rest', 'master/api/v1', 'master/api/v1/*rest'])
  @ApiExcludeEndpoint()
  operator(@Req() req: Request, @Res() res: Response, @Next() next: NextFunction): void {
    if (isSchedulerPath(req.path)) {
      next();
      return;
    }
    const n = negotiateMesosCall(MESOS_MESSAGES.masterCall, {
      contentType: req.headers['content-type'],
      accept: req.headers.accept,
      body: req.body,
    });
    if (!n.ok) {
      sendError(res, n.status, n.message, [{ field: n.field, message: n.message }]);
      return;
    }
    const parsed = OperatorCallSchema.safeParse(stripNulls(n.call));
    if (!parsed.success) {
      badRequestFromZod(res, parsed.error);
      return;
    }
    const core = this.kernel.core;
    const call = parsed.data;
    // Every non-streaming operator call answers 200, as Mesos (never Nest's POST default 201).
    const reply = (json: Record<string, unknown>): void => {
      const { contentType, body } = mesosBody(n.format, MESOS_MESSAGES.masterResponse, json);
      res.status(200).setHeader('Content-Type', contentType);
      res.end(body);
    };
    switch (call.type) {
      case 'GET_HEALTH':
        reply({ type: 'GET_HEALTH', get_health: { healthy: true } });
        return;
      case 'GET_VERSION':
        reply({
          type: 'GET_VERSION',
          get_version: {
            version_info: {
              version: COMPAT_VERSIONS.mesos,
              build_date: '2026-11-22 00:00:00',
              build_time: 1_795_305_600,
              build_user: 'dcos-ts',
            },
          },
        });
        return;
      case 'GET_FLAGS':
        reply({
          type: 'GET_FLAGS',
          get_flags: {
            flags: Object.entries(core.flags()).map(([name, value]) => ({ name, value })),
          },
        });
        return;
      case 'GET_MASTER':
        reply({
          type: 'GET_MASTER',
          get_master: {
            master_info: core.masterInfo(),
            start_time: core.startTime,
            elected_time: core.startTime,
          },
        });
        return;
      case 'GET_METRICS':
        reply({
          type: 'GET_METRICS',
          get_metrics: {
            metrics: Object.entries(core.metrics()).map(([name, value]) => ({ name, value })),
          },
        });
        return;
      case 'GET_STATE':
        reply({ type: 'GET_STATE', get_state: v1GetState(core.renderContext()) });
        return;
      case 'GET_AGENTS':
        reply({ type: 'GET_AGENTS', get_agents: v1GetAgents(core.renderContext()) });
        return;
      case 'GET_FRAMEWORKS':
        reply({ type: 'GET_FRAMEWORKS', get_frameworks: v1GetFrameworks(core.renderContext()) });
        return;
      case 'GET_TASKS':
        reply({ type: 'GET_TASKS', get_tasks: v1GetTasks(core.renderContext()) });
        return;
      case 'GET_EXECUTORS':
        reply({ type: 'GET_EXECUTORS', get_executors: v1GetExecutors(core.renderContext()) });
        return;
      case 'KILL_TASK': {
        // dcos-ts extension (not in Mesos): kill a task by id, as `dcos task kill` needs.
        if (!call.kill_task) {
          sendError(res, 400, 'kill_task: required for KILL_TASK');
          return;
        }
        const ok = core.killTaskByOperator(
          call.kill_task.task_id.value,
          call.kill_task.framework_id?.value,
        );
        if (!ok) {
          sendError(res, 404, `kill_task.task_id: no live task ${call.kill_task.task_id.value}`);
          return;
        }
        res.status(200).end();
        return;
      }
      case 'SUBSCRIBE':
        this.subscribe(req, res, n.format);
        return;
      default:
        sendError(res, 400, `type: unsupported operator call "${call.type}"`);
    }
  }

  private subscribe(req: Request, res: Response, format: MesosFormat): void {
    const core = this.kernel.core;
    const heartbeatSeconds = 15;
    res.writeHead(200, {
      'Content-Type': MESOS_MEDIA_TYPE[format],
      'Cache-Control': 'no-cache',
      'Record-IO': 'true',
    });
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    const record = (event: unknown) => mesosRecord(format, MESOS_MESSAGES.masterEvent, event);
    res.write(
      record({
        type: 'SUBSCRIBED',
        subscribed: {
          get_state: v1GetState(core.renderContext()),
          heartbeat_interval_seconds: heartbeatSeconds,
        },
      }),
    );
    const off = core.addOperatorListener((event) => {
      if (!res.writableEnded) res.write(record(event));
    });
    const hb = setInterval(() => {
      if (!res.writableEnded) res.write(record({ type: 'HEARTBEAT' }));
    }, heartbeatSeconds * 1000);
    res.on('close', () => {
      off();
      clearInterval(hb);
    });
  }
}

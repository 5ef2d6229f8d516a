import {
  Controller,
  Get,
  HttpException,
  Inject,
  Next,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { MESOS_MESSAGES, mesosBody, negotiateMesosCall } from '@dcos/contracts';
import { Agent } from './agent';
import { FilesError, SandboxFiles } from './files';
import { agentFlags, agentStateJson, versionJson } from './state-json';

function filesError(e: unknown): never {
  if (e instanceof FilesError) throw new HttpException({ message: e.message }, e.status);
  throw e;
}

const AGENT_CALLS = [
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_STATE',
  'GET_TASKS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_AGENT',
  'GET_CONTAINERS',
  'LIST_FILES',
  'READ_FILE',
] as const;

/** The Mesos agent's HTTP API (`/slave(1)/...` paths are rewritten to these in main.ts). */
@ApiExcludeController()
@Controller()
export class AgentController {
  constructor(
    @Inject(Agent) private readonly agent: Agent,
    @Inject(SandboxFiles) private readonly files: SandboxFiles,
  ) {}

  @Get(['state', 'state.json'])
  state(): Record<string, unknown> {
    return agentStateJson(this.agent);
  }

  @Get('flags')
  flags(): Record<string, unknown> {
    return { flags: agentFlags(this.agent) };
  }

  @Get('version')
  version(): Record<string, unknown> {
    return versionJson(this.agent.startedAt);
  }

  @Get('metrics/snapshot')
  metrics(): Record<string, number> {
    return this.metricsMap();
  }

  @Get('containers')
  containers(): Record<string, unknown>[] {
    return [...this.agent.tasks.values()]
      .filter((r) => r.containerId)
      .map((r) => ({
        container_id: r.containerId,
        executor_id: r.task.task_id.value,
        executor_name: `Command Executor (Task: ${r.task.task_id.value})`,
        framework_id: r.frameworkId,
        source: r.task.task_id.value,
        status: {
          executor_pid: r.pid,
          network_infos: r.statuses.at(-1)?.container_status?.network_infos ?? [],
        },
        statistics: { timestamp: Date.now() / 1000 },
      }));
  }

  @Get('files/browse')
  browse(@Query('path') p: unknown): unknown {
    try {
      return this.files.browse(p);
    } catch (e) {
      filesError(e);
    }
  }

  @Get('files/read')
  read(
    @Query('path') p: unknown,
    @Query('offset') offset: unknown,
    @Query('length') length: unknown,
  ): unknown {
    try {
      return this.files.read(p, offset, length);
    } catch (e) {
      filesError(e);
    }
  }

  @Get('files/download')
  download(@Query('path') p: unknown, @Res() res: Response): void {
    let file: ReturnType<SandboxFiles['download']>;
    try {
      file = this.files.download(p);
    } catch (e) {
      filesError(e);
    }
    res.status(200);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('Content-Disposition', `attachment; filename="${file.name.replace(/"/g, '')}"`);
    file.stream.pipe(res);
  }

  /**
   * The v1 agent operator API, JSON or protobuf both ways, always 200. As libprocess routes by
   * the longest prefix, `/api/v1/<anything>` but the executor API (`/api/v1/executor`, served
   * elsewhere) comes here.
   */
  @Post(['api/v1', 'api/v1/*rest'])
  call(@Req() req: Request, @Res() res: Response, @Next() next: NextFunction): void {
    if (/^\/api\/v1\/executor(?:\/|$)/.test(req.path)) {
      next();
      return;
    }
    const n = negotiateMesosCall(MESOS_MESSAGES.agentCall, {
      contentType: req.headers['content-type'],
      accept: req.headers.accept,
      body: req.body,
    });
    if (!n.ok) throw new HttpException({ message: n.message, field: n.field }, n.status);
    const answer = mesosBody(n.format, MESOS_MESSAGES.agentResponse, this.answer(n.call));
    res.status(200).setHeader('Content-Type', answer.contentType);
    res.end(answer.body);
  }

  private answer(body: unknown): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpException({ message: 'the body must be a JSON object with "type"' }, 400);
    }
    const call = body as Record<string, unknown>;
    const type = call['type'];
    if (typeof type !== 'string' || !(AGENT_CALLS as readonly string[]).includes(type)) {
      throw new HttpException(
        {
          message: `type: unsupported call ${JSON.stringify(type)} (supported: ${AGENT_CALLS.join(', ')})`,
          field: 'type',
        },
        400,
      );
    }
    const a = this.agent;
    switch (type as (typeof AGENT_CALLS)[number]) {
      case 'GET_HEALTH':
        return { type, get_health: { healthy: true } };
      case 'GET_FLAGS':
        return {
          type,
          get_flags: {
            flags: Object.entries(agentFlags(a)).map(([name, value]) => ({ name, value })),
          },
        };
      case 'GET_VERSION': {
        const v = versionJson(a.startedAt);
        return { type, get_version: { version_info: v } };
      }
      case 'GET_METRICS':
        return {
          type,
          get_metrics: {
            metrics: Object.entries(this.metricsMap()).map(([name, value]) => ({ name, value })),
          },
        };
      case 'GET_STATE':
        return {
          type,
          get_state: {
            get_tasks: this.getTasks(),
            get_executors: this.getExecutors(),
            get_frameworks: this.getFrameworks(),
          },
        };
      case 'GET_TASKS':
        return { type, get_tasks: this.getTasks() };
      case 'GET_FRAMEWORKS':
        return { type, get_frameworks: this.getFrameworks() };
      case 'GET_EXECUTORS':
        return { type, get_executors: this.getExecutors() };
      case 'GET_AGENT':
        return {
          type,
          get_agent: {
            agent_info: {
              ...(a.agentId ? { id: { value: a.agentId } } : {}),
              hostname: a.hostname,
              port: a.config.AGENT_PORT,
              resources: a.mesosResources,
              attributes: a.attributes,
            },
          },
        };
      case 'GET_CONTAINERS':
        return {
          type,
          get_containers: {
            containers: [...a.tasks.values()]
              .filter((r) => r.containerId)
              .map((r) => ({
                framework_id: { value: r.frameworkId },
                executor_id: { value: r.task.task_id.value },
                executor_name: `Command Executor (Task: ${r.task.task_id.value})`,
                container_id: { value: r.containerId },
                container_status: { executor_pid: r.pid },
              })),
          },
        };
      case 'LIST_FILES': {
        const p = (call['list_files'] as { path?: unknown } | undefined)?.path;
        try {
          const infos = this.files.browse(p);
          return {
            type,
            list_files: {
              file_infos: infos.map((f) => ({
                path: f.path,
                nlink: f.nlink,
                size: f.size,
                mtime: { nanoseconds: f.mtime * 1e9 },
                mode: parseMode(f.mode),
                uid: f.uid,
                gid: f.gid,
              })),
            },
          };
        } catch (e) {
          filesError(e);
        }
        break;
      }
      case 'READ_FILE': {
        const rf = (call['read_file'] ?? {}) as {
          path?: unknown;
          offset?: unknown;
          length?: unknown;
        };
        const offset = rf.offset ?? 0;
        const length = rf.length ?? -1;
        if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
          throw new HttpException(
            {
              message: 'read_file.offset must be a non-negative integer',
              field: 'read_file.offset',
            },
            400,
          );
        }
        if (!Number.isSafeInteger(length) || (length as number) < -1) {
          throw new HttpException(
            {
              message: 'read_file.length must be a non-negative integer',
              field: 'read_file.length',
            },
            400,
          );
        }
        try {
          const { data, size } = this.files.readBytes(rf.path, offset as number, length as number);
          return { type, read_file: { size, data: data.toString('base64') } };
        } catch (e) {
          filesError(e);
        }
        break;
      }
    }
    throw new HttpException({ message: 'unreachable' }, 500);
  }

  private metricsMap(): Record<string, number> {
    const a = this.agent;
    const used = { cpus: 0, mem: 0, disk: 0 };
    for (const r of a.tasks.values()) {
      for (const res of r.task.resources) {
        if (res.type === 'SCALAR' && res.name in used) {
          used[res.name as keyof typeof used] += res.scalar?.value ?? 0;
        }
      }
    }
    const states = [...a.tasks.values()].map((r) => r.state);
    const count = (s: string) => states.filter((x) => x === s).length;
    const q = a.queue.stats;
    return {
      'slave/uptime_secs': (Date.now() - a.startedAt) / 1000,
      'slave/registered': a.link.state === 'registered' ? 1 : 0,
      'slave/cpus_total': a.resources.cpus,
      'slave/cpus_used': used.cpus,
      'slave/mem_total': a.resources.mem,
      'slave/mem_used': used.mem,
      'slave/disk_total': a.resources.disk,
      'slave/disk_used': used.disk,
      'slave/tasks_staging': count('TASK_STAGING'),
      'slave/tasks_starting': count('TASK_STARTING'),
      'slave/tasks_running': count('TASK_RUNNING'),
      'slave/tasks_killing': count('TASK_KILLING'),
      'slave/tasks_finished': a.counters.finished,
      'slave/tasks_failed': a.counters.failed,
      'slave/tasks_killed': a.counters.killed,
      'slave/tasks_lost': a.counters.lost,
      'slave/status_updates_pending': q.pending,
      'slave/valid_status_updates': q.acked,
      'slave/status_update_retries': q.failures,
    };
  }

  private v1Task(r: ReturnType<Agent['allTasks']>[number]): Record<string, unknown> {
    return {
      name: r.task.name,
      task_id: r.task.task_id,
      framework_id: { value: r.frameworkId },
      executor_id: { value: r.task.task_id.value },
      agent_id: { value: this.agent.agentId ?? '' },
      state: r.state,
      resources: r.task.resources,
      statuses: r.statuses,
      status_update_state: r.state,
      status_update_uuid: r.statuses.at(-1)?.uuid,
      ...(r.task.labels ? { labels: r.task.labels } : {}),
      ...(r.task.discovery ? { discovery: r.task.discovery } : {}),
      ...(r.task.command?.user ? { user: r.task.command.user } : {}),
    };
  }

  private getTasks(): Record<string, unknown> {
    const a = this.agent;
    const all = [...a.tasks.values()];
    return {
      pending_tasks: [],
      queued_tasks: [],
      launched_tasks: all.map((r) => this.v1Task(r)),
      terminated_tasks: [],
      completed_tasks: a.completed.map((r) => this.v1Task(r)),
    };
  }

  private getExecutors(): Record<string, unknown> {
    const info = (r: ReturnType<Agent['allTasks']>[number]) => ({
      executor_info: {
        executor_id: { value: r.task.task_id.value },
        framework_id: { value: r.frameworkId },
        type: 'DEFAULT',
        command: r.task.command ?? {},
        resources: r.task.resources,
      },
    });
    return {
      executors: [...this.agent.tasks.values()].map(info),
      completed_executors: this.agent.completed.map(info),
    };
  }

  private getFrameworks(): Record<string, unknown> {
    const a = this.agent;
    const running = new Set([...a.tasks.values()].map((r) => r.frameworkId));
    const out = { frameworks: [] as unknown[], completed_frameworks: [] as unknown[] };
    for (const [id, info] of a.frameworks) {
      (running.has(id) ? out.frameworks : out.completed_frameworks).push({
        framework_info: { ...info, id: { value: id } },
      });
    }
    return out;
  }
}

function parseMode(mode: string): number {
  let m = 0;
  for (let i = 1; i < 10; i++) if (mode[i] !== '-') m |= 1 << (9 - i);
  if (mode[0] === 'd') m |= 0o040000;
  else if (mode[0] === 'l') m |= 0o120000;
  else m |= 0o100000;
  return m;
}

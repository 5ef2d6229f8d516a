import { Body, Controller, Delete, Get, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { canonicalPath, instanceIdOfTask, isUnder, parentOf } from '@dcos/marathon-plan';
import {
  appJson,
  flattenGroup,
  mergeApp,
  readApp,
  readGroup,
  INVALID_JSON,
  type AppDefinition,
  type AppInput,
  type ReadFailure,
} from './app-definition';
import { invalid, MarathonError, notFound } from './errors';
import { EventBus } from './events';
import { leaderHostPort, pong } from './http-compat';
import { MarathonService, planJson, stepJson, type DeploymentResult } from './marathon.service';
import { taskIdOf, type Instance } from './model';
import { Repository } from './repository';
import { appInfo, labelSelector, launched, parseEmbed, taskJson } from './views';
import { DCOS_TS_VERSION } from '@dcos/service';

type Q = Record<string, unknown>;
const flag = (v: unknown, def: boolean): boolean =>
  v === undefined ? def : String(Array.isArray(v) ? v[0] : v).toLowerCase() === 'true';

function stripVersion(a: AppDefinition): AppInput {
  const { version: _v, versionInfo: _vi, ...rest } = a;
  void _v;
  void _vi;
  return rest;
}

function deployed(res: Response, r: DeploymentResult, status = 200): DeploymentResult {
  res.setHeader('Marathon-Deployment-Id', r.deploymentId);
  res.status(status);
  return r;
}

function appPath(raw: string): string {
  const id = canonicalPath(decodeURIComponent(raw));
  if (!id || id === '/') throw notFound(`App '${raw}' does not exist`);
  return id;
}

@ApiExcludeController()
@Controller()
export class AppsController {
  constructor(
    private readonly m: MarathonService,
    private readonly repo: Repository,
    private readonly events: EventBus,
  ) {}

  private app(id: string): AppDefinition {
    const a = this.m.apps.get(id);
    if (!a) throw notFound(`App '${id}' does not exist`);
    return a;
  }

  @Get('v2/apps')
  list(@Query() q: Q): { apps: Record<string, unknown>[] } {
    const embed = parseEmbed(q.embed);
    const cmd = typeof q.cmd === 'string' ? q.cmd : undefined;
    const id = typeof q.id === 'string' ? q.id : undefined;
    const sel = typeof q.label === 'string' ? labelSelector(q.label) : undefined;
    const apps = [...this.m.apps.values()]
      .filter((a) => (cmd ? (a.cmd ?? '').includes(cmd) : true))
      .filter((a) => (id ? a.id.includes(id) : true))
      .filter((a) => (sel ? sel(a.labels) : true))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((a) => appInfo(this.m, a, embed));
    return { apps };
  }

  @Post('v2/apps')
  async create(
    @Body() body: unknown,
    @Query() q: Q,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Record<string, unknown>> {
    const r = readApp(body);
    if (!r.ok) throw invalid(r.violations, r.message);
    if (this.m.apps.has(r.app.id))
      throw new MarathonError(409, { message: `An app with id [${r.app.id}] already exists.` });
    if (this.m.groups.has(r.app.id))
      throw new MarathonError(409, { message: `A group with id [${r.app.id}] already exists.` });
    const d = await this.m.deploy({ put: [r.app], remove: [] }, flag(q.force, false));
    const app = this.app(r.app.id);
    this.events.publish('api_post_event', {
      clientIp: req.ip,
      uri: req.originalUrl,
      appDefinition: appJson(app),
    });
    res.setHeader('Location', `${req.protocol}://${req.get('host')}/v2/apps${app.id}`);
    res.setHeader('Marathon-Deployment-Id', d.deploymentId);
    res.status(201);
    return { ...appInfo(this.m, app, new Set()), deployments: [{ id: d.deploymentId }] };
  }

  @Put('v2/apps')
  bulkPut(@Body() body: unknown, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    return this.bulk(body, flag(q.partialUpdate, true), flag(q.force, false), res);
  }

  @Patch('v2/apps')
  bulkPatch(@Body() body: unknown, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    return this.bulk(body, true, flag(q.force, false), res);
  }

  private async bulk(body: unknown, partial: boolean, force: boolean, res: Response) {
    if (!Array.isArray(body)) throw invalid([{ path: '/', errors: ['error.expected.jsarray'] }]);
    const put: AppInput[] = [];
    const failures: ReadFailure[] = [];
    for (const [i, raw] of body.entries()) {
      const id =
        raw && typeof raw === 'object' ? canonicalPath(String((raw as Q).id ?? '')) : undefined;
      const current = id ? this.m.apps.get(id) : undefined;
      const merged = partial && current ? mergeApp(current, raw as Q) : raw;
      const r = readApp(merged, { path: `(${i})` });
      if (!r.ok) failures.push(r);
      else put.push(r.app);
    }
    // As Marathon, errors reading the JSON come alone, before validation errors.
    const unreadable = failures.filter((f) => f.message === INVALID_JSON);
    if (unreadable.length)
      throw invalid(
        unreadable.flatMap((f) => f.violations),
        INVALID_JSON,
      );
    if (failures.length) throw invalid(failures.flatMap((f) => f.violations));
    return deployed(res, await this.m.deploy({ put, remove: [] }, force));
  }

  @Get('v2/apps/*path')
  async get(@Req() req: Request, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    const rest = req.path.slice('/v2/apps'.length);
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^(.*)\/tasks$/))) {
      const app = this.app(appPath(m[1]));
      const tasks = launched(this.m.instancesOf(app.id));
      if (
        (req.get('accept') ?? '').includes('text/plain') &&
        !(req.get('accept') ?? '').includes('json')
      ) {
        res.type('text/plain');
        const lines = tasks.map((t) =>
          [app.id.slice(1).replace(/\//g, '_'), ...t.hostPorts.map((p) => `${t.host}:${p}`)].join(
            '\t',
          ),
        );
        return lines.join('\n') + (lines.length ? '\n' : '');
      }
      return { tasks: tasks.map(taskJson) };
    }
    if ((m = rest.match(/^(.*)\/versions\/([^/]+)$/))) {
      const id = appPath(m[1]);
      this.app(id);
      const v = await this.repo.version(id, decodeURIComponent(m[2]));
      if (!v) throw notFound(`App '${id}' does not exist in version ${m[2]}`);
      return appJson(v);
    }
    if ((m = rest.match(/^(.*)\/versions$/))) {
      const id = appPath(m[1]);
      this.app(id);
      return { versions: await this.repo.versions(id) };
    }
    const app = this.app(appPath(rest));
    const embed = parseEmbed(q.embed);
    if (embed.size === 0 || (embed.size === 1 && embed.has(''))) {
      for (const k of ['app.tasks', 'app.counts', 'app.deployments', 'app.lastTaskFailure'])
        embed.add(k);
    }
    return { app: appInfo(this.m, app, embed) };
  }

  @Put('v2/apps/*path')
  put(
    @Req() req: Request,
    @Body() body: unknown,
    @Query() q: Q,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.update(req, body, flag(q.partialUpdate, true), flag(q.force, false), res);
  }

  @Patch('v2/apps/*path')
  patch(
    @Req() req: Request,
    @Body() body: unknown,
    @Query() q: Q,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.update(req, body, true, flag(q.force, false), res);
  }

  private async update(
    req: Request,
    body: unknown,
    partial: boolean,
    force: boolean,
    res: Response,
  ) {
    const id = appPath(req.path.slice('/v2/apps'.length));
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw invalid([{ path: '/', errors: ['error.expected.jsobject'] }]);
    const b = { ...(body as Q) };
    if (b.id !== undefined && canonicalPath(String(b.id), parentOf(id)) !== id)
      throw invalid([
        {
          path: '/id',
          errors: [`The path id in the body (${String(b.id)}) does not match the URL (${id})`],
        },
      ]);
    b.id = id;
    const current = this.m.apps.get(id);
    const r = readApp(partial && current ? mergeApp(current, b) : b);
    if (!r.ok) throw invalid(r.violations, r.message);
    const d = await this.m.deploy({ put: [r.app], remove: [] }, force);
    this.events.publish('api_post_event', {
      clientIp: req.ip,
      uri: req.originalUrl,
      appDefinition: appJson(this.app(id)),
    });
    return deployed(res, d, current ? 200 : 201);
  }

  @Post('v2/apps/*path')
  async restart(@Req() req: Request, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    const m = req.path.slice('/v2/apps'.length).match(/^(.*)\/restart$/);
    if (!m) throw notFound(`Unknown resource ${req.path}`);
    const app = this.app(appPath(m[1]));
    const d = await this.m.deploy(
      { put: [stripVersion(app)], remove: [], restart: [app.id] },
      flag(q.force, false),
    );
    return deployed(res, d);
  }

  @Delete('v2/apps/*path')
  async remove(@Req() req: Request, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    const rest = req.path.slice('/v2/apps'.length);
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^(.*)\/tasks(?:\/([^/]+))?$/))) {
      const app = this.app(appPath(m[1]));
      let targets = launched(this.m.instancesOf(app.id));
      if (m[2]) {
        const tid = decodeURIComponent(m[2]);
        targets = targets.filter((i) => taskIdOf(i) === tid);
        if (targets.length === 0) throw notFound(`Task '${tid}' does not exist`);
      }
      if (typeof q.host === 'string') targets = targets.filter((i) => i.host === q.host);
      const one = Boolean(m[2]);
      // wipe=true: the instances' persistent volumes are released with them (not relaunched on).
      if (flag(q.wipe, false)) for (const t of targets) this.m.claims.releaseInstance(t.instanceId);
      return this.killTasks(app, targets, flag(q.scale, false), flag(q.force, false), res, one);
    }
    const app = this.app(appPath(rest));
    return deployed(res, await this.m.deploy({ put: [], remove: [app.id] }, flag(q.force, true)));
  }

  private async killTasks(
    app: AppDefinition,
    targets: Instance[],
    scale: boolean,
    force: boolean,
    res: Response,
    one: boolean,
  ) {
    if (scale) {
      const next = { ...stripVersion(app), instances: Math.max(0, app.instances - targets.length) };
      const d = await this.m.deploy(
        { put: [next], remove: [], killTasks: targets.map(taskIdOf) },
        force,
      );
      return deployed(res, d);
    }
    const json = targets.map(taskJson);
    for (const t of targets) await this.m.killInstance(t.instanceId, 'api');
    return one ? { task: json[0] } : { tasks: json };
  }
}

@ApiExcludeController()
@Controller()
export class TasksController {
  constructor(private readonly m: MarathonService) {}

  @Get('v2/tasks')
  list(@Query() q: Q): { tasks: Record<string, unknown>[] } {
    const raw = q.status ?? q['status[]'];
    const wanted = new Set(
      (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(
        (s) => `TASK_${String(s).toUpperCase()}`,
      ),
    );
    const tasks = launched([...this.m.instances.values()])
      .filter((i) => wanted.size === 0 || wanted.has(i.state))
      .map(taskJson);
    return { tasks };
  }

  @Post('v2/tasks/delete')
  async kill(@Body() body: unknown, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    const ids = (body as { ids?: unknown })?.ids;
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string'))
      throw invalid([{ path: '/ids', errors: ['error.expected.jsarray of task ids'] }]);
    const insts = (ids as string[])
      .map((t) => this.m.instances.get(instanceIdOfTask(t)))
      .filter(
        (i): i is Instance => Boolean(i) && (ids as string[]).includes(taskIdOf(i as Instance)),
      );
    if (flag(q.scale, false)) {
      const byApp = new Map<string, Instance[]>();
      for (const i of insts) byApp.set(i.appId, [...(byApp.get(i.appId) ?? []), i]);
      const put = [...byApp.entries()].flatMap(([appId, list]) => {
        const a = this.m.apps.get(appId);
        return a ? [{ ...stripVersion(a), instances: Math.max(0, a.instances - list.length) }] : [];
      });
      return deployed(
        res,
        await this.m.deploy(
          { put, remove: [], killTasks: insts.map(taskIdOf) },
          flag(q.force, false),
        ),
      );
    }
    for (const i of insts) await this.m.killInstance(i.instanceId, 'api');
    return { tasks: insts.map(taskJson) };
  }
}

@ApiExcludeController()
@Controller()
export class DeploymentsController {
  constructor(private readonly m: MarathonService) {}

  @Get('v2/deployments')
  list(): Record<string, unknown>[] {
    return [...this.m.deployments.values()].map((d) => {
      const step = d.steps[d.currentStep];
      return {
        id: d.id,
        version: d.version,
        affectedApps: d.affectedApps,
        affectedPods: [],
        steps: d.steps.map(stepJson),
        currentActions: (step?.actions ?? []).map((a) => ({
          action: a.action,
          app: a.app,
          readinessCheckResults: this.m.readinessResults(a.app),
        })),
        currentStep: Math.min(d.currentStep + 1, d.steps.length),
        totalSteps: d.steps.length,
      };
    });
  }

  @Delete('v2/deployments/:id')
  async remove(@Req() req: Request, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    const id = String(req.params.id);
    if (!this.m.deployments.has(id)) throw notFound(`DeploymentPlan ${id} does not exist`);
    if (flag(q.force, false)) {
      await this.m.cancelDeployment(id);
      res.status(202);
      return undefined;
    }
    return deployed(res, await this.m.rollback(id));
  }
}

@ApiExcludeController()
@Controller()
export class GroupsController {
  constructor(private readonly m: MarathonService) {}

  private groupIds(): Set<string> {
    const ids = new Set<string>(['/']);
    const addParents = (p: string) => {
      for (let g = parentOf(p); g !== '/'; g = parentOf(g)) ids.add(g);
    };
    for (const a of this.m.apps.keys()) addParents(a);
    for (const g of this.m.groups.keys()) {
      ids.add(g);
      addParents(g);
    }
    return ids;
  }

  private groupJson(id: string, ids: Set<string>, embed: Set<string>): Record<string, unknown> {
    const explicit = this.m.groups.get(id);
    const apps = [...this.m.apps.values()].filter((a) => parentOf(a.id) === id && a.id !== id);
    const children = [...ids].filter((g) => g !== '/' && g !== id && parentOf(g) === id).sort();
    const versions = [...apps.map((a) => a.version), explicit?.version ?? ''].sort();
    const out: Record<string, unknown> = {
      id,
      dependencies: explicit?.dependencies ?? [],
      version: versions[versions.length - 1] || new Date(0).toISOString(),
      enforceRole: explicit?.enforceRole ?? false,
    };
    if (embed.size === 0 || embed.has('group.apps'))
      out.apps = apps.sort((a, b) => a.id.localeCompare(b.id)).map((a) => appJson(a));
    if (embed.size === 0 || embed.has('group.groups'))
      out.groups = children.map((c) => this.groupJson(c, ids, embed));
    out.pods = [];
    return out;
  }

  @Get('v2/groups')
  root(@Query() q: Q) {
    return this.groupJson('/', this.groupIds(), parseEmbed(q.embed));
  }

  @Get('v2/groups/*path')
  get(@Req() req: Request, @Query() q: Q) {
    const rest = req.path.slice('/v2/groups'.length);
    // `/{id}/versions/{version}` (dcos marathon group show --group-version): only the current
    // version is kept for groups.
    const at = rest.match(/^(.*)\/versions\/([^/]+)$/);
    const idPart = at ? at[1] : rest.replace(/\/versions$/, '');
    const id = canonicalPath(decodeURIComponent(idPart)) ?? '';
    const ids = this.groupIds();
    if (!ids.has(id)) throw notFound(`Group '${id}' does not exist`);
    if (at) {
      const version = decodeURIComponent(at[2]);
      const g = this.groupJson(id, ids, parseEmbed(q.embed));
      if (g.version !== version)
        throw notFound(`Group '${id}' does not exist in version ${version}`);
      return g;
    }
    if (rest.endsWith('/versions')) return [this.groupJson(id, ids, new Set()).version];
    return this.groupJson(id, ids, parseEmbed(q.embed));
  }

  @Post('v2/groups')
  createRoot(@Body() body: unknown, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    return this.write('/', body, true, q, res);
  }
  @Post('v2/groups/*path')
  create(
    @Req() req: Request,
    @Body() body: unknown,
    @Query() q: Q,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.write(
      canonicalPath(req.path.slice('/v2/groups'.length)) ?? '/',
      body,
      true,
      q,
      res,
    );
  }
  @Put('v2/groups')
  updateRoot(@Body() body: unknown, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    return this.write('/', body, false, q, res);
  }
  @Put('v2/groups/*path')
  update(
    @Req() req: Request,
    @Body() body: unknown,
    @Query() q: Q,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.write(
      canonicalPath(req.path.slice('/v2/groups'.length)) ?? '/',
      body,
      false,
      q,
      res,
    );
  }

  private async write(base: string, body: unknown, create: boolean, q: Q, res: Response) {
    const defaultId = create ? undefined : base;
    const r = readGroup(body, { base: create ? base : parentOf(base), defaultId });
    if (!r.ok) throw invalid(r.violations, r.message);
    const g = r.group;
    if (create && base !== '/' && g.id !== base && !isUnder(g.id, base))
      throw invalid([{ path: '/id', errors: [`group ${g.id} is not under ${base}`] }]);
    const scaleBy = (body as Q).scaleBy;
    if (create && this.groupIds().has(g.id) && g.id !== '/')
      throw new MarathonError(409, {
        message: `Group ${g.id} is already created. Use PUT to change this group.`,
      });
    if (this.m.apps.has(g.id))
      throw new MarathonError(409, { message: `An app with id [${g.id}] already exists.` });
    const version = new Date().toISOString();
    const explicitGroups = (
      grp: typeof g,
    ): { id: string; dependencies: string[]; enforceRole?: boolean; version: string }[] => [
      { id: grp.id, dependencies: grp.dependencies, enforceRole: grp.enforceRole, version },
      ...grp.groups.flatMap(explicitGroups),
    ];
    let put: AppInput[] = flattenGroup(g);
    let remove: string[] = [];
    if (typeof scaleBy === 'number') {
      put = [...this.m.apps.values()]
        .filter((a) => isUnder(a.id, g.id))
        .map((a) => ({ ...stripVersion(a), instances: Math.ceil(a.instances * scaleBy) }));
    } else if (!create) {
      // PUT replaces the group's content: apps under it that are not in the body go away.
      const keep = new Set(put.map((a) => a.id));
      remove = [...this.m.apps.keys()].filter((a) => isUnder(a, g.id) && !keep.has(a));
    }
    const change = { put, remove, groups: g.id === '/' ? [] : explicitGroups(g) };
    // dryRun: the plan this change would deploy, nothing changed.
    if (flag(q.dryRun, false)) return this.m.dryRun(change);
    const d = await this.m.deploy(change, flag(q.force, false));
    return deployed(res, d, create ? 201 : 200);
  }

  /** PATCH changes only `enforceRole`, of a top-level group (Marathon's GroupPartialUpdate). */
  @Patch('v2/groups/*path')
  async patch(
    @Req() req: Request,
    @Body() body: unknown,
    @Query() q: Q,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = canonicalPath(decodeURIComponent(req.path.slice('/v2/groups'.length))) ?? '';
    if (!this.groupIds().has(id)) throw notFound(`Group '${id}' does not exist`);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw invalid([{ path: '/', errors: ['error.expected.jsobject'] }]);
    const violations = Object.keys(body)
      .filter((k) => k !== 'enforceRole')
      .map((k) => ({ path: `/${k}`, errors: ['error.unknown.field: unknown field'] }));
    const enforceRole = (body as Q).enforceRole;
    if (enforceRole !== undefined && typeof enforceRole !== 'boolean')
      violations.push({ path: '/enforceRole', errors: ['error.expected.jsboolean'] });
    if (id === '/' || parentOf(id) !== '/')
      violations.push({
        path: '/enforceRole',
        errors: ['enforceRole can only be set for top-level groups'],
      });
    if (violations.length) throw invalid(violations);
    const current = this.m.groups.get(id);
    const group = {
      id,
      dependencies: current?.dependencies ?? [],
      enforceRole: (enforceRole as boolean | undefined) ?? current?.enforceRole ?? false,
      version: new Date().toISOString(),
    };
    return deployed(
      res,
      await this.m.deploy({ put: [], remove: [], groups: [group] }, flag(q.force, false)),
    );
  }

  @Delete('v2/groups/*path')
  async remove(@Req() req: Request, @Query() q: Q, @Res({ passthrough: true }) res: Response) {
    const id = canonicalPath(decodeURIComponent(req.path.slice('/v2/groups'.length))) ?? '';
    if (!this.groupIds().has(id)) throw notFound(`Group '${id}' does not exist`);
    const apps = [...this.m.apps.keys()].filter((a) => isUnder(a, id));
    const groups = [...this.m.groups.keys()].filter((g) => isUnder(g, id));
    return deployed(
      res,
      await this.m.deploy({ put: [], remove: apps, removeGroups: groups }, flag(q.force, false)),
    );
  }

  @Delete('v2/groups')
  async removeRoot(@Query() q: Q, @Res({ passthrough: true }) res: Response) {
    return deployed(
      res,
      await this.m.deploy(
        { put: [], remove: [...this.m.apps.keys()], removeGroups: [...this.m.groups.keys()] },
        flag(q.force, false),
      ),
    );
  }
}

@ApiExcludeController()
@Controller()
export class MiscController {
  constructor(private readonly m: MarathonService) {}

  /** Marathon's plugin list (`dcos marathon plugin list`): this Marathon loads no plugins. */
  @Get('v2/plugins')
  plugins() {
    return { plugins: [] };
  }

  @Get('v2/plugins/:pluginId/*path')
  plugin(@Req() req: Request) {
    throw notFound(`No plugin with this pluginId: ${String(req.params.pluginId)}`);
  }

  @Get('v2/queue')
  queue() {
    return { queue: this.m.queue() };
  }

  @Delete('v2/queue/*path')
  async resetDelay(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const m = req.path.slice('/v2/queue'.length).match(/^(.*)\/delay$/);
    const id = m ? canonicalPath(decodeURIComponent(m[1])) : undefined;
    if (!id || !this.m.apps.has(id))
      throw notFound(`Application ${id ?? req.path} not found in tasks queue.`);
    await this.m.resetDelay(id);
    res.status(204);
  }

  private leaderAddress(): string {
    return leaderHostPort(this.m.config);
  }

  @Get('v2/info')
  info() {
    const c = this.m.config;
    return {
      name: 'marathon',
      version: '1.10.0',
      buildref: `dcos-ts-${DCOS_TS_VERSION}`,
      elected: true,
      leader: this.leaderAddress(),
      frameworkId: this.m.currentFrameworkId ?? null,
      marathon_config: {
        master: `nats:${c.NATS_PREFIX}`,
        framework_name: c.MARATHON_FRAMEWORK_NAME,
        hostname: c.ADVERTISE_HOST,
        mesos_role: c.MARATHON_MESOS_ROLE,
        local_port_min: c.MARATHON_LOCAL_PORT_MIN,
        local_port_max: c.MARATHON_LOCAL_PORT_MAX,
        task_launch_timeout: c.MARATHON_TASK_LAUNCH_TIMEOUT_MS,
        failover_timeout: c.MARATHON_FAILOVER_TIMEOUT_SECONDS,
        decline_offer_duration: c.MARATHON_DECLINE_OFFER_DURATION_SECONDS * 1000,
        checkpoint: true,
        executor: '//cmd',
        features: [],
      },
      zookeeper_config: {
        zk: `postgres:${c.DATABASE_URL.replace(/\/\/[^@]*@/, '//')}#marathon`,
        zk_timeout: 10000,
        zk_session_timeout: 10000,
        zk_max_versions: 50,
      },
      http_config: { http_port: c.MARATHON_PORT, https_port: null },
      event_subscriber: null,
    };
  }

  @Get('v2/leader')
  leader() {
    if (!this.m.isLeader) throw notFound('There is no leader');
    return { leader: this.leaderAddress() };
  }

  /**
   * Abdication (Marathon's LeaderResource): 200 and leadership ends 500 ms later; alone, this
   * instance then leads again. `backup`/`restore` (a storage backup at abdication) are not
   * supported: refused, nothing done.
   */
  @Delete('v2/leader')
  abdicate(@Query() q: Q) {
    const unsupported = ['backup', 'restore'].filter((k) => q[k] !== undefined);
    if (unsupported.length)
      throw invalid(
        unsupported.map((k) => ({
          path: `/${k}`,
          errors: [`${k} on abdication is not supported by this Marathon`],
        })),
      );
    if (!this.m.isLeader) throw notFound('There is no leader');
    this.m.abdicate();
    return { message: 'Leadership abdicated' };
  }

  /** As Marathon's SystemResource.ping: negotiated on Accept, 204 when nothing fits. */
  @Get('ping')
  ping(@Req() req: Request, @Res() res: Response) {
    const p = pong(req.get('accept'));
    if (!p) {
      res.status(204).end();
      return;
    }
    // Set by hand: Express would add a charset Marathon does not send.
    res.status(200).setHeader('Content-Type', p.type);
    res.end(p.body);
  }
}

@ApiExcludeController()
@Controller()
export class EventsController {
  constructor(
    private readonly events: EventBus,
    private readonly m: MarathonService,
  ) {}

  @Get('v2/events')
  stream(@Req() req: Request, @Res() res: Response, @Query() q: Q) {
    if (!(req.get('accept') ?? '').includes('text/event-stream')) {
      res.status(405).json({ message: 'Events are only served as text/event-stream' });
      return;
    }
    const raw = q.event_type;
    const filter = new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String));
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Connection', 'keep-alive');
    res.flushHeaders();
    const send = (e: { eventType: string }) => {
      if (filter.size && !filter.has(e.eventType)) return;
      res.write(`event: ${e.eventType}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    const unsubscribe = this.events.subscribe(send);
    send({
      eventType: 'event_stream_attached',
      remoteAddress: req.ip,
      timestamp: new Date().toISOString(),
    } as never);
    const keep = setInterval(() => res.write('\n'), 15_000);
    req.on('close', () => {
      clearInterval(keep);
      unsubscribe();
      this.events.publish('event_stream_detached', { remoteAddress: req.ip });
    });
    void this.m;
  }
}

void planJson;

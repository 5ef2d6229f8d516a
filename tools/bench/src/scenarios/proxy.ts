/**
 * `proxy`: `wrk` through our Admin Router to a small upstream (nginx serving a short
 * static JSON body), side by side in the same run with Debian's nginx proxying the same
 * upstream, and straight to the upstream. req/s, the ratio ours/nginx, and the p99 each
 * proxy adds over the direct p99.
 *
 * The Admin Router runs with authentication ON, the real path: a real IAM (own database)
 * issued the superuser token wrk sends (`Authorization: token=…`), the router verifies it
 * against IAM's JWK set and asks IAM (over NATS, cached) whether `dcos:adminrouter:
 * service:marathon` is allowed; its `MARATHON_URL` is the upstream, so `/marathon/ping` is
 * proxied there. nginx does no authentication (plain `proxy_pass`). Both proxies use one
 * core (nginx: `worker_processes 1`) and keep-alive to the upstream; wrk: 1 thread, 32
 * connections, `--proxy-seconds` (default 10; quick 2) per target, targets in rotating
 * order between runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDatabase } from '@dcos/testing';
import type { NatsClient } from '@dcos/nats';
import { ProcessGroup, findExecutable } from '../processes';
import { RunResult, Scenario, ScenarioOptions, SkipScenario } from '../scenario';
import {
  BenchService,
  benchDatabase,
  benchPrefix,
  connectNats,
  startBuiltService,
} from '../services';
import { STATIC_UPSTREAM, proxyTo, startNginx, type Nginx } from './support/nginx';
import { intArg } from './support/sizes';
import { runWrk, type WrkResult } from './support/wrk';

const INSTALL = 'apt-get install -y nginx wrk';
const PATH = '/marathon/ping';

interface Ctx {
  group: ProcessGroup;
  dir: string;
  db: TestDatabase;
  nats: NatsClient;
  wrk: string;
  upstream: Nginx;
  nginx: Nginx;
  router: BenchService;
  token: string;
  seconds: number;
  connections: number;
  run: number;
}

async function login(iamUrl: string, uid: string, password: string): Promise<string> {
  const r = await fetch(`${iamUrl}/acs/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uid, password }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await r.json()) as { token?: string };
  if (r.status !== 200 || !body.token) throw new Error(`IAM login: ${r.status}`);
  return body.token;
}

async function setup(opts: ScenarioOptions): Promise<Ctx> {
  const wrk = findExecutable('wrk');
  const nginxExe = findExecutable('nginx');
  if (!wrk || !nginxExe) {
    const missing = [!nginxExe && 'nginx', !wrk && 'wrk'].filter(Boolean).join(', ');
    throw new SkipScenario(`${missing} not installed: ${INSTALL}`);
  }
  const prefix = benchPrefix('proxy');
  const group = new ProcessGroup();
  const dir = mkdtempSync(join(tmpdir(), 'bench-proxy-'));
  let nats: NatsClient | undefined;
  let db: TestDatabase | undefined;
  try {
    nats = await connectNats(prefix, 'bench-proxy');
    db = await benchDatabase('proxy');
    const upstream = await startNginx(group, nginxExe, dir, 'upstream', STATIC_UPSTREAM);
    const nginx = await startNginx(
      group,
      nginxExe,
      dir,
      'nginx-proxy',
      proxyTo(`127.0.0.1:${upstream.port}`),
    );
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const iam = await startBuiltService(group, 'iam', {
      env: {
        DATABASE_URL: db.url,
        NATS_PREFIX: prefix,
        IAM_BOOTSTRAP_UID: 'bench',
        IAM_BOOTSTRAP_PASSWORD: password,
        IAM_SECRET_KEY_FILE: join(dir, 'iam-secret.key'),
      },
    });
    const router = await startBuiltService(group, 'admin-router', {
      env: {
        NATS_PREFIX: prefix,
        IAM_URL: iam.url,
        MARATHON_URL: upstream.url,
        MASTER_URL: upstream.url,
        MESOS_DNS_URL: upstream.url,
      },
    });
    const token = await login(iam.url, 'bench', password);
    const ctx: Ctx = {
      group,
      dir,
      db,
      nats,
      wrk,
      upstream,
      nginx,
      router,
      token,
      seconds: intArg(opts, 'proxy-seconds', opts.quick ? 2 : 10),
      connections: intArg(opts, 'connections', 32),
      run: 0,
    };
    // The real path, checked once: no token → 401, the token → the upstream's body.
    const denied = await fetch(`${router.url}${PATH}`);
    if (denied.status !== 401) throw new Error(`router without a token: ${denied.status}`);
    const ok = await fetch(`${router.url}${PATH}`, {
      headers: { authorization: `token=${token}` },
    });
    const text = await ok.text();
    if (ok.status !== 200 || !text.includes('"bench"'))
      throw new Error(`router with the token: ${ok.status} ${text}`);
    return ctx;
  } catch (e) {
    await group.stopAll();
    await db?.drop().catch(() => undefined);
    await nats?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export const scenario: Scenario<Ctx> = {
  name: 'proxy',
  description:
    'wrk (1 thread, 32 connections) through the Admin Router (auth on: real IAM token) vs ' +
    'nginx proxy_pass vs direct, to a static nginx upstream: req/s, ours/nginx, added p99 ms',
  order: 60,
  runs: 3,
  warmup: 1,
  setup,
  async run(opts, ctx): Promise<RunResult> {
    const targets = [
      { label: 'ours', url: `${ctx.router.url}${PATH}`, auth: true },
      { label: 'nginx', url: `${ctx.nginx.url}${PATH}`, auth: false },
      { label: 'direct', url: `${ctx.upstream.url}${PATH}`, auth: false },
    ];
    const shift = ctx.run++ % targets.length;
    const order = [...targets.slice(shift), ...targets.slice(0, shift)];
    const r: Record<string, WrkResult> = {};
    for (const t of order) {
      r[t.label] = await runWrk(ctx.group, {
        wrk: ctx.wrk,
        url: t.url,
        seconds: ctx.seconds,
        connections: ctx.connections,
        headers: t.auth ? { authorization: `token=${ctx.token}` } : {},
      });
      opts.log(
        `proxy: ${t.label} ${r[t.label].rps.toFixed(0)} req/s, p50 ${r[t.label].p50Ms} ms, p99 ${r[t.label].p99Ms} ms`,
      );
    }
    if (!ctx.router.child.running) throw new Error('the admin router exited during the run');
    return {
      'ours (auth on)': { value: r['ours'].rps, unit: 'req/s', better: 'higher' },
      nginx: { value: r['nginx'].rps, unit: 'req/s', better: 'higher' },
      direct: { value: r['direct'].rps, unit: 'req/s', better: 'higher' },
      'ours/nginx': { value: r['ours'].rps / r['nginx'].rps, unit: 'x', better: 'higher' },
      'ours added p99': { value: r['ours'].p99Ms - r['direct'].p99Ms, unit: 'ms' },
      'nginx added p99': { value: r['nginx'].p99Ms - r['direct'].p99Ms, unit: 'ms' },
    };
  },
  async teardown(ctx) {
    await ctx.group.stopAll();
    await ctx.db.drop().catch(() => undefined);
    await ctx.nats.close().catch(() => undefined);
    rmSync(ctx.dir, { recursive: true, force: true });
  },
};

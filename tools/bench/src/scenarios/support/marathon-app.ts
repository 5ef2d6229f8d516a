/**
 * Launching through Marathon's /v2 API: POST an app of N small instances, wait until
 * `tasksRunning` = N, DELETE it and wait until the master has no live task left.
 */
import type { BenchCluster } from './cluster';
import { poll } from './poll';
import { SMALL_TASK } from './sizes';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    signal: AbortSignal.timeout(60_000),
  });
  const text = await r.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: r.status, body };
}

export interface MarathonLaunch {
  /** ms from POST /v2/apps to tasksRunning = instances. */
  ms: number;
}

export async function launchApp(
  cluster: BenchCluster,
  appId: string,
  instances: number,
  timeoutMs: number,
): Promise<MarathonLaunch> {
  const base = cluster.marathon?.url;
  if (!base) throw new Error('the cluster has no Marathon');
  const t0 = performance.now();
  const created = await json(`${base}/v2/apps`, {
    method: 'POST',
    body: JSON.stringify({
      id: appId,
      instances,
      cpus: SMALL_TASK.cpus,
      mem: SMALL_TASK.mem,
      disk: 0,
      cmd: SMALL_TASK.command,
      portDefinitions: [],
    }),
  });
  if (created.status !== 201)
    throw new Error(`POST /v2/apps: ${created.status} ${JSON.stringify(created.body)}`);
  let running = 0;
  await cluster.race(
    poll(
      () => `${appId}: ${instances} tasks running (now ${running})`,
      async () => {
        const r = await json(`${base}/v2/apps${appId}`);
        running = r.body?.app?.tasksRunning ?? 0;
        return running >= instances;
      },
      { timeoutMs, intervalMs: 100 },
    ),
  );
  return { ms: performance.now() - t0 };
}

export async function deleteApp(cluster: BenchCluster, appId: string): Promise<void> {
  const r = await json(`${cluster.marathon?.url}/v2/apps${appId}?force=true`, {
    method: 'DELETE',
  });
  if (r.status !== 200) throw new Error(`DELETE ${appId}: ${r.status} ${JSON.stringify(r.body)}`);
  await cluster.drained(300_000);
}

import { ClusterClient, CliError, resolveTarget, type TargetOptions } from './http-client';

/** IAM answers errors as `{title, description, code}`; say the description to the user. */
export function iamError(what: string, status: number, body: unknown): CliError {
  const b = (body ?? {}) as {
    description?: string;
    title?: string;
    code?: string;
    message?: string;
  };
  const why =
    b.description ??
    b.message ??
    b.title ??
    (typeof body === 'string' && body ? body : `HTTP ${status}`);
  return new CliError(`${what}: ${why}${b.code ? ` (${b.code})` : ''}`);
}

/** One IAM call; throws a CliError worded from IAM's answer unless the status is expected. */
export async function iamCall(
  client: ClusterClient,
  what: string,
  method: string,
  path: string,
  body?: unknown,
  ok: number[] = [200, 201, 204],
): Promise<unknown> {
  const r = await client.send(method, client.iamUrl(path), body);
  if (!ok.includes(r.status)) throw iamError(what, r.status, r.body);
  return r.body;
}

export function iamClient(opts: TargetOptions): ClusterClient {
  return new ClusterClient(resolveTarget(opts));
}

/** Path segment for an id or rid (rids contain ':' and '/', which IAM wants encoded). */
export const seg = (s: string) => encodeURIComponent(s);

export const ACTIONS = ['create', 'read', 'update', 'delete', 'full'] as const;

export function checkAction(action: string): string {
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new CliError(`action must be one of ${ACTIONS.join(', ')} (got "${action}")`);
  }
  return action;
}

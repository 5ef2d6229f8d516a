import { readFileSync } from 'node:fs';
import { CliError, ClusterClient, unauthorizedMessage } from './http-client';

/**
 * A failure the DC/OS CLI prints as it is (`Error: App '/x' does not exist`), without the
 * `dcos:` prefix other commands' errors get; the command exits 1.
 */
export class MarathonCliError extends CliError {
  /** Marathon's HTTP status, when Marathon answered. */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MarathonCliError';
  }
}

interface MarathonErrorBody {
  message?: unknown;
  details?: { path?: unknown; errors?: unknown }[];
  errors?: { error?: unknown }[];
  deployments?: { id?: unknown }[];
}

/**
 * The message for a failed Marathon call, worded as the DC/OS CLI words it, plus what Marathon
 * says in detail (the field paths of a 422, the deployments holding a 409).
 */
export function marathonErrorMessage(
  status: number,
  method: string,
  url: string,
  body: unknown,
): string {
  const json = body !== undefined && typeof body === 'object' && body !== null;
  if (status === 400) {
    const suffix = json ? `:\n${JSON.stringify(body, null, 2)}` : '';
    return `Error on request [${method} ${url}]: HTTP 400: Bad Request${suffix}`;
  }
  const b = (json ? body : {}) as MarathonErrorBody;
  if (status === 409 && Array.isArray(b.deployments)) {
    const ids = b.deployments.map((d) => String(d.id)).join(', ');
    return (
      'App or group is locked by one or more deployments. Override with --force.' +
      (ids ? `\nDeployments: ${ids}` : '')
    );
  }
  if (!json) {
    const text = typeof body === 'string' && body ? `: ${body.slice(0, 300)}` : '';
    return `Error decoding response from [${url}]: HTTP ${status}${text}`;
  }
  if (typeof b.message !== 'string') {
    if (Array.isArray(b.errors)) return b.errors.map((e) => String(e.error)).join('\n');
    return (
      `Marathon likely misconfigured (HTTP ${status} from ${url} without a message). ` +
      'Please check your proxy or MARATHON_URL / DCOS_URL settings.'
    );
  }
  const lines = [`Error: ${b.message}`];
  for (const d of Array.isArray(b.details) ? b.details : []) {
    const errors = Array.isArray(d.errors) ? d.errors.map(String).join('; ') : '';
    lines.push(`  ${String(d.path ?? '/')}: ${errors}`);
  }
  return lines.join('\n');
}

/** `web` → `/web`; `/prod/web/` → `/prod/web` (the DC/OS CLI's normalize_marathon_id_path). */
export function normalizeId(id: string): string {
  const trimmed = id.trim().replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed || '/' : `/${trimmed}`;
}

/** `/prod/web` → `/prod/web` with every segment URL-encoded. */
export function idPath(id: string): string {
  const n = normalizeId(id);
  return n === '/' ? '' : n.split('/').map(encodeURIComponent).join('/');
}

/** Marathon's `/v2` API through the cluster client (base URL and token live there). */
export class MarathonApi {
  constructor(readonly client: ClusterClient) {}

  async call<T>(
    method: string,
    path: string,
    opts: { body?: unknown; query?: Record<string, string | boolean | undefined> } = {},
  ): Promise<T> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined && v !== false) q.set(k, String(v));
    const qs = q.toString();
    const url = this.client.marathonUrl(path) + (qs ? `?${qs}` : '');
    const res = await this.client.send(method, url, opts.body);
    if (res.status === 401) {
      throw new CliError(unauthorizedMessage(url, this.client.target.token));
    }
    if (res.status < 200 || res.status >= 300) {
      throw new MarathonCliError(
        marathonErrorMessage(res.status, method, url, res.body),
        res.status,
      );
    }
    return res.body as T;
  }

  get<T>(path: string, query?: Record<string, string | boolean | undefined>): Promise<T> {
    return this.call<T>('GET', path, { query });
  }

  /** Whether `GET path` finds something (404 → false; other failures throw). */
  async exists(path: string): Promise<boolean> {
    try {
      await this.get(path);
      return true;
    } catch (e) {
      if (e instanceof MarathonCliError && e.status === 404) return false;
      throw e;
    }
  }
}

const TTY_MESSAGE = (example: string) =>
  "We currently don't support reading from the TTY. Please specify an application JSON.\n" +
  `E.g.: ${example}`;

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MarathonCliError(`Error loading JSON from ${source}: ${(e as Error).message}`);
  }
}

async function readStdin(example: string): Promise<string> {
  if (process.stdin.isTTY) throw new MarathonCliError(TTY_MESSAGE(example));
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON resource from a file, or from stdin when no file is named (as the DC/OS CLI reads). */
export async function readResource(file: string | undefined, example: string): Promise<unknown> {
  if (file === undefined) return parseJson(await readStdin(example), 'stdin');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new MarathonCliError(`Can't read from resource: ${file}. Please check that it exists.`);
  }
  return parseJson(text, file);
}

/** Fields that are strings in Marathon's schema: `cmd=123` stays the string "123". */
const STRING_FIELDS = new Set(['id', 'cmd', 'user', 'executor', 'role', 'killSelection']);

/**
 * `key=value` pairs into a JSON object: values are JSON when they parse as JSON
 * (`instances=3`, `env={"A":"1"}`), else strings (`cmd=sleep 10`).
 */
export function parseProperties(props: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of props) {
    const i = p.indexOf('=');
    if (i <= 0)
      throw new MarathonCliError(`'${p}' is not a valid json-item: expected <key>=<value>`);
    const key = p.slice(0, i).trim();
    const raw = p.slice(i + 1);
    if (key in out) throw new MarathonCliError(`Key '${key}' was specified more than once`);
    let value: unknown = raw;
    if (!STRING_FIELDS.has(key)) {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    out[key] = value;
  }
  return out;
}

/** The properties of an update: `key=value` arguments, else a JSON object on stdin. */
export async function readUpdate(props: string[], example: string): Promise<unknown> {
  if (props.length) return parseProperties(props);
  return parseJson(await readStdin(example), 'stdin');
}

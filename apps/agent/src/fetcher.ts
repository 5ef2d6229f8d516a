import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

/** One CommandInfo.URI (Mesos v1 JSON). */
export interface FetchUri {
  value: string;
  executable?: boolean;
  /** Default true, as Mesos: archives are extracted into the sandbox. */
  extract?: boolean;
  /** Accepted, no cache: every task downloads its own copy (the Mesos fetcher cache is optional). */
  cache?: boolean;
  output_file?: string;
}

export interface FetchOptions {
  /** Where the files go (the task's sandbox). */
  sandbox: string;
  /** Largest download accepted, in bytes (default 1 GiB). */
  maxBytes?: number;
  /** Time limit of one URI, download and extraction (default 5 minutes). */
  timeoutMs?: number;
  /** Owner of the fetched files (the task's user). */
  owner?: { uid: number; gid: number };
  /** Receives the fetcher's log lines (the agent appends them to the sandbox's stderr). */
  log?: (line: string) => void;
}

/** A URI that could not be fetched; the message names it. */
export class FetchError extends Error {
  constructor(
    readonly uri: string,
    message: string,
  ) {
    super(`Failed to fetch '${uri}': ${message}`);
    this.name = 'FetchError';
  }
}

const DEFAULT_MAX_BYTES = 1024 ** 3;
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** Archive suffixes the fetcher extracts, and how (Mesos' list). */
const ARCHIVES: { suffix: string; kind: 'tar' | 'zip' | 'gz' }[] = [
  { suffix: '.tar.gz', kind: 'tar' },
  { suffix: '.tgz', kind: 'tar' },
  { suffix: '.tar.bz2', kind: 'tar' },
  { suffix: '.tbz2', kind: 'tar' },
  { suffix: '.tar.xz', kind: 'tar' },
  { suffix: '.txz', kind: 'tar' },
  { suffix: '.tar', kind: 'tar' },
  { suffix: '.zip', kind: 'zip' },
  { suffix: '.gz', kind: 'gz' },
];

/**
 * The Mesos fetcher: downloads (http/https) or copies (absolute paths, file:// URLs) each URI
 * into the sandbox, in order, before the command starts. Archives are extracted unless
 * `extract` is false, `executable` files are made executable, `output_file` renames. The first
 * URI that fails stops the fetch with a FetchError naming it.
 */
export async function fetchUris(uris: readonly FetchUri[], opts: FetchOptions): Promise<string[]> {
  const log = opts.log ?? (() => undefined);
  const fetched: string[] = [];
  fs.mkdirSync(opts.sandbox, { recursive: true });
  for (const uri of uris) {
    log(`Fetching URI '${uri.value}'`);
    try {
      const file = await fetchOne(uri, opts, log);
      fetched.push(file);
      log(`Successfully fetched '${uri.value}' to '${file}'`);
    } catch (e) {
      const err = e instanceof FetchError ? e : new FetchError(uri.value, (e as Error).message);
      throw err;
    }
  }
  return fetched;
}

async function fetchOne(
  uri: FetchUri,
  opts: FetchOptions,
  log: (line: string) => void,
): Promise<string> {
  const value = uri.value.trim();
  if (!value) throw new FetchError(uri.value, 'the URI is empty');
  const source = parseSource(value);
  const name = uri.output_file ?? decodeURIComponent(path.posix.basename(source.path));
  const target = sandboxFile(opts.sandbox, name, uri.value);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const deadline = AbortSignal.timeout(timeoutMs);
  if (source.kind === 'http') {
    log(`Downloading resource from '${value}' to '${target}'`);
    await download(value, target, maxBytes, deadline, timeoutMs);
  } else {
    log(`Copying resource with command: cp '${source.path}' '${target}'`);
    const st = await fs.promises.stat(source.path).catch((e: NodeJS.ErrnoException) => {
      throw new Error(e.code === 'ENOENT' ? 'no such file' : e.message);
    });
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    await fs.promises.copyFile(source.path, target);
  }
  if (opts.owner) fs.chownSync(target, opts.owner.uid, opts.owner.gid);
  if (uri.executable) {
    fs.chmodSync(target, 0o755);
  } else if (uri.extract !== false) {
    const archive = ARCHIVES.find((a) => target.toLowerCase().endsWith(a.suffix));
    if (archive) {
      await extract(archive.kind, target, path.dirname(target), deadline, log);
      if (opts.owner) chownTree(path.dirname(target), opts.owner);
    }
  }
  return target;
}

type Source = { kind: 'http'; path: string } | { kind: 'file'; path: string };

function parseSource(value: string): Source {
  if (value.startsWith('/')) return { kind: 'file', path: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('not an absolute path or a URL');
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    return { kind: 'http', path: url.pathname || '/' };
  }
  if (url.protocol === 'file:') return { kind: 'file', path: fileURLToPath(url) };
  throw new Error(`unsupported scheme '${url.protocol.replace(/:$/, '')}'`);
}

/** A path inside the sandbox; output_file may name sub-directories but may not leave it. */
function sandboxFile(sandbox: string, name: string, uri: string): string {
  if (!name || name === '/' || name === '.' || name === '..') {
    throw new FetchError(uri, 'cannot derive a file name (give output_file)');
  }
  if (path.isAbsolute(name)) throw new FetchError(uri, `output_file '${name}' is absolute`);
  const root = path.resolve(sandbox);
  const target = path.resolve(root, name);
  if (!target.startsWith(root + path.sep)) {
    throw new FetchError(uri, `output_file '${name}' leaves the sandbox`);
  }
  return target;
}

async function download(
  url: string,
  target: string,
  maxBytes: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (e) {
    throw new Error(
      signal.aborted ? `timed out after ${timeoutMs} ms` : describeFetchError(e as Error),
    );
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
  }
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (length > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`${length} bytes is larger than the limit of ${maxBytes} bytes`);
  }
  if (!res.body) throw new Error('empty response');
  let seen = 0;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  body.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) body.destroy(new Error(`larger than the limit of ${maxBytes} bytes`));
  });
  try {
    await pipeline(body, fs.createWriteStream(target));
  } catch (e) {
    fs.rmSync(target, { force: true });
    throw new Error(signal.aborted ? `timed out after ${timeoutMs} ms` : (e as Error).message);
  }
}

function describeFetchError(e: Error): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}

function extract(
  kind: 'tar' | 'zip' | 'gz',
  file: string,
  dir: string,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  const [cmd, args]: [string, string[]] =
    kind === 'tar'
      ? ['tar', ['-C', dir, '-xf', file]]
      : kind === 'zip'
        ? ['unzip', ['-o', '-q', '-d', dir, file]]
        : ['gunzip', ['-k', '-f', file]];
  log(`Extracting with command: ${cmd} ${args.map((a) => `'${a}'`).join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { signal, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (err) {
        const why = signal.aborted ? 'timed out' : stderr.trim() || err.message;
        reject(new Error(`cannot extract: ${why}`));
      } else {
        log(`Extracted '${file}' into '${dir}'`);
        resolve();
      }
    });
  });
}

function chownTree(dir: string, owner: { uid: number; gid: number }): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    fs.lchownSync(p, owner.uid, owner.gid);
    if (e.isDirectory()) chownTree(p, owner);
  }
}

/** A glog-style line, as the Mesos fetcher's lines read in a sandbox's stderr. */
function glogLine(level: 'I' | 'E', text: string, at = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp =
    `${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())} ` +
    `${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}.${p(at.getUTCMilliseconds() * 1000, 6)}`;
  return `${level}${stamp} ${process.pid} fetcher.ts] ${text}\n`;
}

/**
 * Fetches a task's URIs into its sandbox before the command starts, appending the fetcher's
 * log lines to the sandbox's `stderr` (the task's own output follows them).
 */
export async function fetchIntoSandbox(
  uris: readonly FetchUri[],
  opts: Omit<FetchOptions, 'log'>,
): Promise<void> {
  fs.mkdirSync(opts.sandbox, { recursive: true });
  const stderr = path.join(opts.sandbox, 'stderr');
  const write = (level: 'I' | 'E', line: string) => {
    try {
      fs.appendFileSync(stderr, glogLine(level, line));
    } catch {
      /* the log is best effort; the fetch result is what counts */
    }
  };
  try {
    await fetchUris(uris, { ...opts, log: (l) => write('I', l) });
  } catch (e) {
    write('E', `Failed to fetch all URIs for container: ${(e as Error).message}`);
    throw e;
  }
}

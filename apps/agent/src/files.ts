import * as fs from 'node:fs';
import * as path from 'node:path';

/** A refused files API request: HTTP status + message. */
export class FilesError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'FilesError';
  }
}

/** Mesos' read cap: 16 pages per /files/read. */
export const MAX_READ_LENGTH = 16 * 4096;

export interface FileInfo {
  path: string;
  nlink: number;
  size: number;
  /** seconds since the epoch */
  mtime: number;
  /** `ls -l` style, e.g. `-rw-r--r--` */
  mode: string;
  uid: string;
  gid: string;
}

function idNames(file: string): Map<number, string> {
  const out = new Map<number, string>();
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const parts = line.split(':');
      if (parts.length >= 3 && parts[0]) out.set(Number(parts[2]), parts[0]);
    }
  } catch {
    /* no names: numeric ids are shown */
  }
  return out;
}

function modeString(st: fs.Stats): string {
  const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let out = type;
  for (let i = 0; i < 9; i++) out += st.mode & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}

/**
 * The agent's files API, confined to the sandboxes under `<workDir>/slaves`: a path with
 * `..`, or one that leaves the sandboxes (also through a symlink), is refused.
 */
export class SandboxFiles {
  private readonly root: string;
  private users = idNames('/etc/passwd');
  private groups = idNames('/etc/group');

  constructor(workDir: string) {
    this.root = path.join(path.resolve(workDir), 'slaves');
  }

  /** Resolves a requested path to a real path inside the sandboxes, or throws FilesError. */
  resolve(requested: unknown): string {
    if (typeof requested !== 'string' || requested.length === 0) {
      throw new FilesError(400, "Expecting 'path' in query");
    }
    if (requested.includes('\0')) throw new FilesError(400, "'path' contains a NUL byte");
    if (requested.split('/').includes('..')) {
      throw new FilesError(403, `'path' must not contain '..' (got "${requested}")`);
    }
    const abs = path.resolve(requested);
    if (abs !== this.root && !abs.startsWith(this.root + path.sep)) {
      throw new FilesError(404, `No such file or directory: ${requested} is not in a sandbox`);
    }
    let real: string;
    let realRoot: string;
    try {
      realRoot = fs.realpathSync(this.root);
      real = fs.realpathSync(abs);
    } catch {
      throw new FilesError(404, `No such file or directory: ${requested}`);
    }
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
      throw new FilesError(403, `${requested} leads out of the sandboxes`);
    }
    return real;
  }

  private info(p: string, st: fs.Stats): FileInfo {
    return {
      path: p,
      nlink: st.nlink,
      size: st.size,
      mtime: Math.floor(st.mtimeMs / 1000),
      mode: modeString(st),
      uid: this.users.get(st.uid) ?? String(st.uid),
      gid: this.groups.get(st.gid) ?? String(st.gid),
    };
  }

  /** `/files/browse`: the entries of a directory (or the file itself), paths as requested. */
  browse(requested: unknown): FileInfo[] {
    const real = this.resolve(requested);
    const shown = path.resolve(requested as string);
    const st = fs.statSync(real);
    if (!st.isDirectory()) return [this.info(shown, st)];
    const out: FileInfo[] = [];
    for (const name of fs.readdirSync(real).sort()) {
      try {
        out.push(this.info(path.join(shown, name), fs.lstatSync(path.join(real, name))));
      } catch {
        /* vanished meanwhile */
      }
    }
    return out;
  }

  /**
   * `/files/read` as Mesos: offset -1 (or absent) → `{data:"", offset:<size>}`; otherwise up
   * to `length` (capped at 16 pages) bytes from `offset`.
   */
  read(
    requested: unknown,
    offsetRaw: unknown,
    lengthRaw: unknown,
  ): { data: string; offset: number } {
    const offset = parseIntParam('offset', offsetRaw, -1);
    if (offset < -1) throw new FilesError(400, `Negative offset provided: ${offset}`);
    const lengthIn = parseIntParam('length', lengthRaw, -1);
    if (lengthIn < -1) throw new FilesError(400, `Negative length provided: ${lengthIn}`);
    const { data, size } = this.readBytes(requested, offset, lengthIn);
    if (offset === -1) return { data: '', offset: size };
    return { data: data.toString('utf8'), offset };
  }

  /** Raw bytes for READ_FILE and /files/read; length -1 = to the end (capped). */
  readBytes(requested: unknown, offset: number, length: number): { data: Buffer; size: number } {
    const real = this.resolve(requested);
    const st = fs.statSync(real);
    if (st.isDirectory()) throw new FilesError(400, 'Cannot read a directory');
    if (offset === -1 || offset >= st.size) return { data: Buffer.alloc(0), size: st.size };
    const want = Math.min(length === -1 ? MAX_READ_LENGTH : length, MAX_READ_LENGTH);
    const n = Math.max(0, Math.min(want, st.size - offset));
    const buf = Buffer.alloc(n);
    const fd = fs.openSync(real, 'r');
    try {
      const got = fs.readSync(fd, buf, 0, n, offset);
      return { data: buf.subarray(0, got), size: st.size };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** `/files/download`: a readable stream of a regular file. */
  download(requested: unknown): { stream: fs.ReadStream; name: string; size: number } {
    const real = this.resolve(requested);
    const st = fs.statSync(real);
    if (st.isDirectory()) throw new FilesError(400, 'Cannot download a directory');
    return { stream: fs.createReadStream(real), name: path.basename(real), size: st.size };
  }
}

function parseIntParam(name: string, raw: unknown, def: number): number {
  if (raw === undefined || raw === '') return def;
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) {
    throw new FilesError(400, `Failed to parse ${name}: "${String(raw)}" is not an integer`);
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new FilesError(400, `Failed to parse ${name}: out of range`);
  return n;
}

import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** A system command that failed: carries the command line and its stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | string | undefined,
    readonly stderr: string,
  ) {
    super(
      `${command} failed${code !== undefined ? ` (${code})` : ''}: ${stderr.trim() || 'no output'}`,
    );
    this.name = 'CommandError';
  }
}

export async function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, args, {
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (e) {
    const err = e as { code?: number | string; stderr?: string; message: string };
    throw new CommandError(`${cmd} ${args.join(' ')}`, err.code, err.stderr || err.message);
  }
}

export async function commandExists(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
    .split(':')
    .concat(['/usr/sbin', '/sbin'])) {
    try {
      await access(`${dir}/${cmd}`, constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

// ---- loop devices ----

export interface LoopDevice {
  device: string;
  backingFile: string;
}

/** Every loop device of the host with its backing file (` (deleted)` stripped). */
export async function listLoops(): Promise<LoopDevice[]> {
  const out = await run('losetup', ['-J', '-l']);
  if (!out.trim()) return [];
  const parsed = JSON.parse(out) as { loopdevices?: { name: string; 'back-file'?: string }[] };
  return (parsed.loopdevices ?? []).map((l) => ({
    device: l.name,
    backingFile: (l['back-file'] ?? '').replace(/ \(deleted\)$/, ''),
  }));
}

export async function loopsOf(file: string): Promise<string[]> {
  return (await listLoops()).filter((l) => l.backingFile === file).map((l) => l.device);
}

/** Attach `file` as a loop device, reusing one already attached to it (idempotent). */
export async function attachLoop(file: string): Promise<string> {
  const existing = await loopsOf(file);
  if (existing.length) return existing[0];
  return (await run('losetup', ['--find', '--show', file])).trim();
}

/** Detach every loop device backed by `file` (no-op when none). */
export async function detachLoops(file: string): Promise<void> {
  for (const dev of await loopsOf(file)) await detachLoop(dev);
}

export async function detachLoop(dev: string): Promise<void> {
  try {
    await run('losetup', ['-d', dev]);
  } catch (e) {
    // Already gone (e.g. detached by a previous attempt): that is the goal.
    if (!(await listLoops()).some((l) => l.device === dev)) return;
    throw e;
  }
}

// ---- mounts ----

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
}

/** /proc/mounts, with the octal escapes (`\040` for space) decoded. */
export async function listMounts(): Promise<MountEntry[]> {
  const text = await readFile('/proc/mounts', 'utf8');
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [source, target, fstype] = line.split(' ');
      return { source: unescape(source), target: unescape(target), fstype };
    });
}

export async function isMounted(target: string): Promise<boolean> {
  return (await listMounts()).some((m) => m.target === target);
}

export async function mount(
  source: string,
  target: string,
  opts: { bind?: boolean; fstype?: string } = {},
): Promise<void> {
  if (await isMounted(target)) return;
  const args = opts.bind
    ? ['--bind', source, target]
    : opts.fstype
      ? ['-t', opts.fstype, source, target]
      : [source, target];
  await run('mount', args);
}

/** Unmount `target` and anything stacked on it (no-op when not mounted). */
export async function unmount(target: string): Promise<void> {
  while (await isMounted(target)) await run('umount', [target]);
}

// ---- filesystems and devices ----

export async function mkfs(fs: 'ext4' | 'xfs', device: string, label?: string): Promise<void> {
  // No discard: on a loop device it punches holes into the backing file and gives the
  // fallocated space of a volume back to its pool (the pool would overcommit).
  if (fs === 'ext4') {
    const args = ['-q', '-F', '-m', '0', '-E', 'nodiscard'];
    if (label) args.push('-L', label.slice(0, 16));
    await run('mkfs.ext4', [...args, device]);
  } else {
    const args = ['-q', '-f', '-K'];
    if (label) args.push('-L', label.slice(0, 12));
    await run('mkfs.xfs', [...args, device]);
  }
}

/** The filesystem type on a device, or undefined when it carries none. */
export async function filesystemOf(device: string): Promise<string | undefined> {
  try {
    const out = await run('blkid', ['-o', 'value', '-s', 'TYPE', device]);
    return out.trim() || undefined;
  } catch (e) {
    // blkid exits 2 when it finds no signature.
    if (e instanceof CommandError && e.code === 2) return undefined;
    throw e;
  }
}

export async function wipeSignatures(device: string): Promise<void> {
  await run('wipefs', ['-a', '-q', device]);
}

export interface BlockDeviceInfo {
  name: string;
  path: string;
  type: string;
  sizeBytes: number;
  rotational: boolean;
}

export async function blockDeviceInfo(path: string): Promise<BlockDeviceInfo> {
  const out = await run('lsblk', ['-J', '-b', '-d', '-o', 'NAME,TYPE,SIZE,ROTA,PATH', path]);
  const d = (JSON.parse(out) as { blockdevices: Record<string, unknown>[] }).blockdevices[0];
  return {
    name: String(d.name),
    path: String(d.path ?? path),
    type: String(d.type),
    sizeBytes: Number(d.size),
    rotational: d.rota === true || d.rota === '1' || d.rota === 1,
  };
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

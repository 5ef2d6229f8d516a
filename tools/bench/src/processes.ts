/**
 * Child processes started by scenarios (our services, baselines such as dnsmasq or
 * nginx, load generators): found on PATH or in the sbin folders, and always stopped,
 * on teardown, on a failed setup, and when the bench itself exits or is interrupted.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve, sep } from 'node:path';
import { SupervisedChild, serviceEntry, type ChildSpec } from '@dcos/supervisor';
import type { ServiceName } from '@dcos/contracts';

/** Where Debian puts daemons (dnsmasq, nginx): not on a non-root user's PATH. */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The absolute path of an executable, or undefined when it is not installed. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...SBIN];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The repository root, from dist/tools/bench/src (built) or tools/bench/src (sources). */
export const REPO_ROOT = resolve(
  __dirname,
  __dirname.split(sep).includes('dist') ? '../../../..' : '../../..',
);

/** The built entry of a service, or undefined when `npm run build` has not made it. */
export function builtService(service: ServiceName): string | undefined {
  try {
    return serviceEntry(REPO_ROOT, service);
  } catch {
    return undefined;
  }
}

const live = new Set<SupervisedChild>();
let hooked = false;

/** Last resort: whatever is still running when the bench exits is killed with it. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of live) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    });
  }
}

/** The children of one scenario; `stopAll` in teardown (and on a failed setup). */
export class ProcessGroup {
  private readonly children = new Set<SupervisedChild>();

  start(spec: ChildSpec): SupervisedChild {
    hookExit();
    const child = new SupervisedChild(spec);
    this.children.add(child);
    live.add(child);
    void child.exited.then(() => live.delete(child));
    return child;
  }

  /** SIGTERM every child still running, SIGKILL after `graceMs`; never throws. */
  async stopAll(graceMs = 3_000): Promise<void> {
    const all = [...this.children];
    this.children.clear();
    await Promise.all(all.map((c) => c.stop(graceMs).catch(() => undefined)));
  }
}

/** Rejects as soon as `child` exits, naming it and quoting its last output. */
export async function exitedEarly(child: SupervisedChild): Promise<never> {
  const e = await child.exited;
  const tail = child.output().split('\n').slice(-20).join('\n');
  throw new Error(`${child.spec.name} exited (${e.signal ?? e.code}):\n${tail}`);
}

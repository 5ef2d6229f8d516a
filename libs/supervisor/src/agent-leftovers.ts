import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Task processes outlive their agent by design (a restarted agent re-attaches them): the
 * local launcher on Ctrl-C, and tests in teardown, kill every process group an agent work
 * dir has checkpointed.
 */
export function killAgentTaskLeftovers(workDir: string): void {
  const dir = join(workDir, 'containers');
  if (!existsSync(dir)) return;
  for (const c of readdirSync(dir)) {
    try {
      const cp = JSON.parse(readFileSync(join(dir, c, 'checkpoint.json'), 'utf8')) as {
        pgid: number;
      };
      process.kill(-cp.pgid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
}

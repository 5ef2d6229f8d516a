import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './service';

const exec = promisify(execFile);
export const CLI_ENTRY = join(REPO_ROOT, 'dist/apps/cli/src/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built `dcos` CLI; never throws on a non-zero exit (tests assert on `code`). */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  try {
    const child = exec(process.execPath, [CLI_ENTRY, ...args], {
      env,
      timeout: opts.timeoutMs ?? 20_000,
    });
    if (opts.input !== undefined) child.child.stdin?.end(opts.input);
    const r = await child;
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    };
  }
}

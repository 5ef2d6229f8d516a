import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The module boundaries are real: lint rejects an app importing another app, a domain
 * lib importing infrastructure, and contracts importing anything else.
 */
const root = join(__dirname, '../..');

describe('module boundaries (@nx/enforce-module-boundaries)', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph; compute it as `npm run lint` does.
    execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'ignore',
    });
  }, 60_000);

  // ESLint runs as its own process: its flat config is ESM, which jest's VM cannot import.
  async function boundaryErrors(file: string, code: string): Promise<string[]> {
    let out: string;
    try {
      out = execFileSync(
        join(root, 'node_modules/.bin/eslint'),
        ['--stdin', '--stdin-filename', join(root, file), '--format', 'json'],
        { cwd: root, input: code, env: { ...process.env, NX_DAEMON: 'false' }, encoding: 'utf8' },
      );
    } catch (e) {
      out = (e as { stdout: string }).stdout; // exit code 1 = lint errors found
    }
    const [result] = JSON.parse(out) as {
      messages: { ruleId: string | null; message: string }[];
    }[];
    return result.messages
      .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
      .map((m) => m.message);
  }

  it('rejects an app importing another app by relative path', async () => {
    const errors = await boundaryErrors(
      'apps/agent/src/boundary-probe.ts',
      "import { masterConfigShape } from '../../master/src/config';\nexport const x = masterConfigShape;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rejects a domain lib importing an infrastructure lib', async () => {
    const errors = await boundaryErrors(
      'libs/allocator/src/boundary-probe.ts',
      "import { NatsClient } from '@dcos/nats';\nexport const x = NatsClient;\n",
    );
    expect(errors.join('\n')).toMatch(/type:domain|tags/);
  });

  it('rejects contracts importing infrastructure', async () => {
    const errors = await boundaryErrors(
      'libs/contracts/src/boundary-probe.ts',
      "import { loadConfig } from '@dcos/config';\nexport const x = loadConfig;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('keeps the test harness out of production code, but lets test files use it', async () => {
    const code = "import { waitFor } from '@dcos/testing';\nexport const x = waitFor;\n";
    expect((await boundaryErrors('apps/agent/src/boundary-probe.ts', code)).length).toBeGreaterThan(
      0,
    );
    expect(await boundaryErrors('apps/agent/test/boundary-probe.e2e.ts', code)).toEqual([]);
  });

  it('allows an app to import shared libs', async () => {
    const errors = await boundaryErrors(
      'apps/agent/src/boundary-probe.ts',
      "import { subjects } from '@dcos/contracts';\nimport { NatsClient } from '@dcos/nats';\nexport const x = [subjects, NatsClient];\n",
    );
    expect(errors).toEqual([]);
  });
});

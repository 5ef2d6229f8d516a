import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@dcos/testing';

describe('npm start -- --disks', () => {
  it('refuses a bad disk spec before starting anything, naming the option', () => {
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'dist/tools/launcher/src/main.js'), '--disks', '2xlots'],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 20_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--disks: "2xlots": /);
  });
});

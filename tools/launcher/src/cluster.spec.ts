import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentStorageEnv } from './cluster';

describe('agent storage env (--disks)', () => {
  it('gives every agent the disks and one shared external-volume pool under the data dir', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'launcher-disks-'));
    try {
      expect(agentStorageEnv({ dataDir })).toEqual({});
      expect(agentStorageEnv({ dataDir, disks: '2x1G' })).toEqual({
        AGENT_DISKS: '2x1G',
        AGENT_EXTERNAL_VOLUMES_DIR: join(dataDir, 'external-volumes'),
      });
      expect(existsSync(join(dataDir, 'external-volumes'))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

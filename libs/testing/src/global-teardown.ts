import { readdirSync, readFileSync } from 'node:fs';

// Jest loads globalTeardown outside the module mapper, so this file imports only node built-ins.

/** This process and its ancestors: never killed by the sweep below. */
function ancestors(): Set<number> {
  const keep = new Set<number>();
  let pid = process.pid;
  while (pid > 1 && !keep.has(pid)) {
    keep.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return keep;
}

/**
 * Runs once after the e2e suites: any service process this run started and a suite failed to
 * stop (its environment carries this run's DCOS_TEST_RUN_ID) is killed, so that a failed
 * teardown can never keep jest, or the CI job around it, waiting for ever.
 */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.DCOS_TEST_RUN_ID;
  if (!runId) return;
  const marker = `\0DCOS_TEST_RUN_ID=${runId}\0`;
  const keep = ancestors();
  const stray: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || keep.has(pid)) continue;
    try {
      if (`\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(marker)) stray.push(pid);
    } catch {
      /* gone, or not ours to read */
    }
  }
  for (const pid of stray) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  if (stray.length) console.warn(`e2e teardown: killed ${stray.length} leftover process(es)`);
}

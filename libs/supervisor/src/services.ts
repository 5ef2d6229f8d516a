import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PORTS } from '@dcos/config';
import type { ServiceName } from '@dcos/contracts';

/** How to start one service from the build in dist/ and which env var sets its HTTP port. */
export interface ServiceLaunchInfo {
  service: ServiceName;
  portVar: string;
  defaultPort: number;
  /** Does it own a Postgres schema (and so need DATABASE_URL)? */
  stateful: boolean;
}

export const SERVICE_LAUNCH: Record<ServiceName, ServiceLaunchInfo> = {
  master: {
    service: 'master',
    portVar: 'MASTER_PORT',
    defaultPort: DEFAULT_PORTS.master,
    stateful: true,
  },
  agent: {
    service: 'agent',
    portVar: 'AGENT_PORT',
    defaultPort: DEFAULT_PORTS.agent,
    stateful: false,
  },
  marathon: {
    service: 'marathon',
    portVar: 'MARATHON_PORT',
    defaultPort: DEFAULT_PORTS.marathon,
    stateful: true,
  },
  'mesos-dns': {
    service: 'mesos-dns',
    portVar: 'MESOS_DNS_HTTP_PORT',
    defaultPort: DEFAULT_PORTS['mesos-dns'],
    stateful: false,
  },
  iam: { service: 'iam', portVar: 'IAM_PORT', defaultPort: DEFAULT_PORTS.iam, stateful: true },
  'admin-router': {
    service: 'admin-router',
    portVar: 'ADMIN_ROUTER_PORT',
    defaultPort: DEFAULT_PORTS['admin-router'],
    stateful: false,
  },
  dss: { service: 'dss', portVar: 'DSS_PORT', defaultPort: DEFAULT_PORTS.dss, stateful: true },
};

/** The compiled entry point of a service (run `npm run build` first). */
export function serviceEntry(root: string, service: ServiceName): string {
  const entry = join(root, 'dist', 'apps', service, 'src', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: run "npm run build" first`);
  }
  return entry;
}

/**
 * The synthetic cluster the `dns` scenario serves: agents and RUNNING tasks of one
 * framework as the master reports them (`/master/state` JSON and task events), and
 * the same task names as a hosts file for dnsmasq and a dnsperf query file.
 */
import type { StateTask } from '@dcos/contracts';

export const FRAMEWORK_ID = 'bench-fw-marathon';
export const FRAMEWORK_NAME = 'marathon';
export const DOMAIN = 'mesos';

export interface StateAgent {
  id: string;
  hostname: string;
  pid: string;
  port: number;
}

export interface NamedAddress {
  /** `<task>.marathon.mesos` */
  name: string;
  ip: string;
}

export function agents(count: number): StateAgent[] {
  return Array.from({ length: count }, (_, i) => {
    const ip = `10.0.${(i >> 8) & 255}.${(i & 255) + 1}`;
    return { id: `bench-agent-${i}`, hostname: ip, pid: `slave(1)@${ip}:5051`, port: 5051 };
  });
}

/** The container IP of task `i` (netinfo: the first of Mesos-DNS's default IP sources). */
export function taskIp(i: number): string {
  const n = i + 1;
  return `10.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
}

/** Task `i` as the master's state and events carry it, in `state`. */
export function task(
  i: number,
  prefix: string,
  state: StateTask['state'],
  agentList: readonly StateAgent[],
): StateTask {
  const name = `${prefix}-${i}`;
  const id = `${name}.${(0x9e3779b1 * (i + 1)) >>> 0}`;
  return {
    id,
    name,
    framework_id: FRAMEWORK_ID,
    executor_id: '',
    slave_id: agentList[i % agentList.length].id,
    state,
    resources: {
      cpus: 0.1,
      mem: 32,
      disk: 0,
      gpus: 0,
      ports: `[${31000 + (i % 1000)}-${31000 + (i % 1000)}]`,
    },
    statuses: [
      {
        task_id: { value: id },
        state,
        timestamp: 1_700_000_000 + i,
        container_status: { network_infos: [{ ip_addresses: [{ ip_address: taskIp(i) }] }] },
      },
    ],
  };
}

export function nameOf(t: StateTask): string {
  return `${t.name}.${FRAMEWORK_NAME}.${DOMAIN}`;
}

/** `/etc/hosts` lines for dnsmasq: the same names and addresses as our A records. */
export function hostsFile(names: readonly NamedAddress[]): string {
  return names.map((n) => `${n.ip} ${n.name}`).join('\n') + '\n';
}

/** A dnsperf data file: one `name A` line per name, in a fixed shuffled order. */
export function queryFile(names: readonly NamedAddress[], seed = 7): string {
  const order = names.map((n) => n.name);
  let s = seed >>> 0;
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.map((n) => `${n} A`).join('\n') + '\n';
}

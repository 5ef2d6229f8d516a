import type { MesosState } from '../state';

/** Agent ids as Mesos writes them: `<master id>-S<n>`. */
export const S1 = '20160107-001256-134875658-5050-27524-S1';
export const S2 = '20160107-001256-134875658-5050-27524-S2';
export const S3 = '20160107-001256-134875658-5050-27524-S3';

export const NGINX_ID = 'nginx.1f3c2d4e-0000-11e5-a76e-1e7e1b5e6a2e'; // sha1 → zbase32 "5smd7"
export const WEB_ID = 'web_app.instance-3c4a5b6c-1111-11ee-8000-0242ac110002._app.1'; // "fhwen"
export const BOX_ID = 'chronos.task-1'; // "cix6y"
export const DB_ID = 'db.cassandra-1'; // "b3y4s"

/**
 * A `/master/state` with: a leader; three agents (one IPv6); Marathon with a
 * plain task (host ports, two RUNNING statuses), a DiscoveryInfo task (named
 * ports, container IPv4 + IPv6), a staging task and a task on an unknown agent;
 * a framework whose name has spaces, mixed case and a dot, without pid; an HTTP
 * framework on a host name; a task whose only IP is the MesosContainerizer label.
 */
export const masterState: MesosState = {
  leader: 'master@10.0.0.1:5050',
  slaves: [
    { id: S1, hostname: 'agent-1.example', pid: 'slave(1)@10.0.1.1:5051', port: 5051 },
    { id: S2, hostname: 'agent-2.example', pid: 'slave(1)@10.0.1.2:5051', port: 5051 },
    { id: S3, hostname: 'agent-3.example', pid: 'slave(1)@[fd00::3]:5052', port: 5052 },
  ],
  frameworks: [
    {
      id: 'fw-marathon',
      name: 'marathon',
      pid: 'scheduler-7a1f@10.0.0.5:38711',
      hostname: 'marathon-1.example',
      tasks: [
        {
          id: NGINX_ID,
          name: 'nginx',
          framework_id: 'fw-marathon',
          slave_id: S1,
          state: 'TASK_RUNNING',
          resources: { cpus: 0.1, mem: 32, ports: '[31000-31001]' },
          statuses: [
            {
              state: 'TASK_RUNNING',
              timestamp: 1700000002.5,
              container_status: {
                network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '9.0.0.1' }] }],
              },
            },
            {
              state: 'TASK_RUNNING',
              timestamp: 1700000001.5,
              container_status: {
                network_infos: [{ ip_addresses: [{ ip_address: '9.0.0.99' }] }],
              },
            },
            { state: 'TASK_STARTING', timestamp: 1700000003 },
          ],
        },
        {
          id: WEB_ID,
          name: 'app.web',
          framework_id: 'fw-marathon',
          slave_id: S2,
          state: 'TASK_RUNNING',
          resources: { ports: '[31005-31005]' },
          discovery: {
            visibility: 'FRAMEWORK',
            name: 'Web.Prod',
            ports: {
              ports: [
                { number: 8080, name: 'http', protocol: 'TCP' },
                { number: 9090, protocol: '' },
              ],
            },
          },
          statuses: [
            {
              state: 'TASK_RUNNING',
              timestamp: 1700000010,
              container_status: {
                network_infos: [
                  {
                    ip_addresses: [
                      { protocol: 'IPv4', ip_address: '172.17.0.2' },
                      { protocol: 'IPv4', ip_address: '172.17.0.3' },
                      { protocol: 'IPv6', ip_address: 'FD01:0:0::2' },
                    ],
                  },
                ],
              },
            },
          ],
        },
        {
          id: 'staging.1',
          name: 'staging',
          slave_id: S1,
          state: 'TASK_STAGING',
          resources: { ports: '[31010-31010]' },
        },
        {
          id: 'orphan.1',
          name: 'orphan',
          slave_id: '20160107-001256-134875658-5050-27524-S99',
          state: 'TASK_RUNNING',
        },
      ],
    },
    {
      id: 'fw-chronos',
      name: 'Chronos With A Space.Prod',
      hostname: '10.0.0.6',
      tasks: [
        {
          id: BOX_ID,
          name: 'Some_Box',
          slave_id: S3,
          state: 'TASK_RUNNING',
          resources: { ports: '[]' },
          statuses: [{ state: 'TASK_RUNNING', timestamp: 1 }],
        },
        {
          id: DB_ID,
          name: 'db',
          slave_id: S1,
          state: 'TASK_RUNNING',
          statuses: [
            {
              state: 'TASK_RUNNING',
              timestamp: 5,
              labels: [{ key: 'MesosContainerizer.NetworkSettings.IPAddress', value: '10.9.9.9' }],
              // Mesos 0.25 shape: a single ip_address, read by the netinfo source.
              container_status: { network_infos: [{ ip_address: '10.8.8.8' }] },
            },
          ],
        },
      ],
    },
    { id: 'fw-http', name: 'My.Framework', hostname: 'sched.example', tasks: [] },
  ],
};

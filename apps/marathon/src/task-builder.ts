import type { Offer, TaskInfo } from '@dcos/contracts';
import { mesosTaskName } from '@dcos/marathon-plan';
import type { ResourcesPicked } from '@dcos/placement';
import type { AppDefinition } from './app-definition';
import { appVolumes, mesosExternalVolumes } from './volumes';

/**
 * The TaskInfo Marathon sends for an app instance: name `web.prod`, command with Marathon's
 * env, DiscoveryInfo (what Mesos-DNS names SRV records from), labels, health check, kill policy.
 */
export function buildTaskInfo(
  app: AppDefinition,
  taskId: string,
  offer: Offer,
  picked: ResourcesPicked,
  servicePorts: number[],
): TaskInfo {
  const name = mesosTaskName(app.id);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(app.env)) if (typeof v === 'string') env[k] = v;
  const ports = picked.hostPorts;
  Object.assign(env, portEnv(app, ports));
  env.HOST = offer.hostname;
  env.MARATHON_APP_ID = app.id;
  env.MARATHON_APP_VERSION = app.version;
  env.MARATHON_APP_RESOURCE_CPUS = String(app.cpus);
  env.MARATHON_APP_RESOURCE_MEM = String(app.mem);
  env.MARATHON_APP_RESOURCE_DISK = String(app.disk);
  env.MARATHON_APP_RESOURCE_GPUS = String(app.gpus);
  env.MARATHON_APP_LABELS = Object.keys(app.labels)
    .filter((k) => /^[A-Za-z0-9_]+$/.test(k))
    .join(' ');
  for (const [k, v] of Object.entries(app.labels))
    if (/^[A-Za-z0-9_]+$/.test(k) && v.length <= 512)
      env[`MARATHON_APP_LABEL_${k.toUpperCase()}`] = v;
  const image = (app.container?.docker as { image?: string } | undefined)?.image;
  if (image) env.MARATHON_APP_DOCKER_IMAGE = image;
  env.MESOS_TASK_ID = taskId;

  const command: NonNullable<TaskInfo['command']> = {
    environment: { variables: Object.entries(env).map(([n, value]) => ({ name: n, value })) },
    uris: app.fetch.map((f) => ({
      value: f.uri,
      executable: f.executable,
      extract: f.extract,
      cache: f.cache,
      ...(f.destPath ? { output_file: f.destPath } : {}),
    })),
  };
  if (app.cmd !== undefined) {
    command.value = app.cmd;
    command.shell = true;
  } else {
    command.shell = false;
    command.arguments = app.args ?? [];
    if (command.arguments.length) command.value = command.arguments[0];
  }
  if (app.user) command.user = app.user;

  const task: TaskInfo = {
    name,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: picked.resources,
    command,
    labels: { labels: Object.entries(app.labels).map(([key, value]) => ({ key, value })) },
    discovery: {
      visibility: 'FRAMEWORK',
      name,
      ports: {
        ports: app.portDefinitions.map((d, i) => ({
          number: ports[i],
          name: d.name,
          protocol: d.protocol.split(',')[0],
          ...(d.labels
            ? {
                labels: {
                  labels: Object.entries(d.labels).map(([key, value]) => ({ key, value })),
                },
              }
            : {}),
        })),
      },
    },
  };
  void servicePorts;
  if (Array.isArray(app.container?.volumes)) {
    const external = mesosExternalVolumes(appVolumes(app));
    if (external.length) task.container = { type: 'MESOS', volumes: external };
  }
  if (app.taskKillGracePeriodSeconds !== undefined)
    task.kill_policy = { grace_period: { nanoseconds: app.taskKillGracePeriodSeconds * 1e9 } };
  const mesosCheck = app.healthChecks.find(
    (h) => h.protocol === 'COMMAND' || h.protocol.startsWith('MESOS_'),
  );
  if (mesosCheck) {
    const base = {
      delay_seconds: mesosCheck.delaySeconds,
      interval_seconds: mesosCheck.intervalSeconds,
      timeout_seconds: mesosCheck.timeoutSeconds,
      consecutive_failures: mesosCheck.maxConsecutiveFailures,
      grace_period_seconds: mesosCheck.gracePeriodSeconds,
    };
    const port = mesosCheck.port ?? ports[mesosCheck.portIndex ?? 0];
    if (mesosCheck.protocol === 'COMMAND')
      task.health_check = {
        ...base,
        type: 'COMMAND',
        command: {
          value: mesosCheck.command?.value,
          shell: true,
          environment: command.environment,
        },
      };
    else if (mesosCheck.protocol === 'MESOS_TCP')
      task.health_check = { ...base, type: 'TCP', tcp: { port } };
    else
      task.health_check = {
        ...base,
        type: 'HTTP',
        http: {
          port,
          path: mesosCheck.path ?? '/',
          scheme: mesosCheck.protocol === 'MESOS_HTTPS' ? 'https' : 'http',
        },
      };
  }
  return task;
}

/** `PORT`, `PORTS`, `PORT0..n`, `PORT_<port>`, `PORT_<NAME>` as Marathon's EnvironmentHelper. */
export function portEnv(app: AppDefinition, hostPorts: number[]): Record<string, string> {
  const env: Record<string, string> = {};
  if (hostPorts.length === 0) return env;
  hostPorts.forEach((p, i) => {
    env[`PORT${i}`] = String(p);
    const declared = app.portDefinitions[i]?.port;
    if (declared) env[`PORT_${declared}`] = String(p);
    const name = app.portDefinitions[i]?.name;
    if (name) env[`PORT_${name.toUpperCase().replace(/-/g, '_')}`] = String(p);
  });
  env.PORT = String(hostPorts[0]);
  env.PORTS = hostPorts.join(',');
  return env;
}

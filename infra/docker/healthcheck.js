#!/usr/bin/env node
// Container health probe for every dcos-ts service image (infra/docker/Dockerfile).
// GET http://127.0.0.1:<port>/health with node's fetch; exit 0 on 200, 1 otherwise.
// The port: HEALTHCHECK_PORT if set, else the app's HTTP port variable (see
// apps/<app>/src/config.ts), else that app's default port. APP names the app.
'use strict';

/** Apps whose HTTP port variable is not `<APP>_PORT` (mesos-dns: MESOS_DNS_PORT is DNS). */
const HTTP_PORT_VARS = { 'mesos-dns': 'MESOS_DNS_HTTP_PORT' };

/** Name of the environment variable that holds `app`'s HTTP port. */
function httpPortVar(app) {
  return HTTP_PORT_VARS[app] ?? `${app.toUpperCase().replace(/-/g, '_')}_PORT`;
}

function defaultPort(app) {
  try {
    // Compiled libs/config inside the image (/app/dist/...).
    return require('../../dist/libs/config/src/common.js').DEFAULT_PORTS[app];
  } catch {
    return undefined;
  }
}

async function probe(env = process.env) {
  const app = env.APP ?? '';
  const port = env.HEALTHCHECK_PORT || env[httpPortVar(app)] || defaultPort(app);
  if (!port) {
    process.stderr.write(`healthcheck: no HTTP port known for APP='${app}'\n`);
    return 1;
  }
  const url = `http://127.0.0.1:${port}/health`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
    if (res.status === 200) return 0;
    process.stderr.write(`healthcheck: ${url} answered ${res.status}: ${await res.text()}\n`);
  } catch (e) {
    process.stderr.write(`healthcheck: ${url}: ${e && e.message ? e.message : e}\n`);
  }
  return 1;
}

module.exports = { httpPortVar, probe };

if (require.main === module) {
  probe().then((code) => process.exit(code));
}

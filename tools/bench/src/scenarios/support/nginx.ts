/**
 * nginx (Debian's) as a scenario child: one instance per role, in the foreground
 * (`daemon off`), every path (pid, logs, temp dirs) under the scenario's directory, one
 * worker process (a single core, like one Node process), access log off.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@dcos/testing';
import { freePort, type SupervisedChild } from '@dcos/supervisor';
import { ProcessGroup, exitedEarly } from '../../processes';

export interface Nginx {
  port: number;
  url: string;
  child: SupervisedChild;
}

function config(dir: string, port: number, server: string): string {
  return `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000;
  ${server.replace(/PORT/g, String(port))}
}
`;
}

/** The small static upstream: every path answers 200 with a short JSON body. */
export const STATIC_UPSTREAM = `server {
    listen 127.0.0.1:PORT;
    default_type application/json;
    location / { return 200 '{"app":"bench","ok":true}'; }
  }`;

/** A reverse proxy to `upstream` (keep-alive connections to it, as the Admin Router has). */
export function proxyTo(upstream: string): string {
  return `upstream backend { server ${upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP $remote_addr;
    }
  }`;
}

export async function startNginx(
  group: ProcessGroup,
  exe: string,
  dir: string,
  name: string,
  server: string,
): Promise<Nginx> {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const conf = join(home, 'nginx.conf');
  writeFileSync(conf, config(home, port, server));
  const child = group.start({
    name,
    command: exe,
    args: ['-p', home, '-c', conf, '-e', join(home, 'error.log')],
    keepLines: 100,
  });
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitFor(`${name} on ${url}`, async () => (await fetch(`${url}/`)).status < 500, {
      timeoutMs: 10_000,
      intervalMs: 50,
    }),
    exitedEarly(child),
  ]);
  return { port, url, child };
}

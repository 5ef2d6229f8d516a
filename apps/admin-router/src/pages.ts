import type { ComponentHealth } from './health';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1b2029}table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}.ok{color:#0a7d32}.bad{color:#c0262d}</style>
</head><body>${body}</body></html>
`;
}

/** DC/OS' 401.html, in spirit: the browser gets told to log in. */
export function unauthorizedHtml(reason: string): string {
  return page(
    '401 Unauthorized',
    `<h1>401 Unauthorized</h1><p>${esc(reason)}.</p>
<p>Log in with <code>POST /acs/api/v1/auth/login</code> (or <code>dcos cluster setup</code>); the token is then sent as the
<code>dcos-acs-auth-cookie</code> cookie or an <code>Authorization: token=&lt;token&gt;</code> header.</p>`,
  );
}

export function forbiddenHtml(uid: string, rid: string): string {
  return page(
    '403 Forbidden',
    `<h1>403 Forbidden</h1><p>User <code>${esc(uid)}</code> lacks the permission <code>${esc(rid)}</code> (action <code>full</code>).</p>`,
  );
}

export function statusPage(components: ComponentHealth[], version: string): string {
  const rows = components
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td><td>${esc(c.id)}</td><td>${esc(c.version)}</td><td class="${c.health === 0 ? 'ok' : 'bad'}">${
          c.health === 0 ? 'healthy' : `unhealthy: ${esc(c.output)}`
        }</td></tr>`,
    )
    .join('\n');
  const healthy = components.filter((c) => c.health === 0).length;
  return page(
    'dcos-ts',
    `<h1>dcos-ts ${esc(version)}</h1>
<p>${healthy} of ${components.length} components healthy. The web UI is not installed; use the <code>dcos</code> CLI
(<code>dcos cluster setup ${'&lt;this URL&gt;'}</code>) or the APIs under <code>/mesos</code>, <code>/marathon</code>, <code>/service/&lt;name&gt;</code>.</p>
<table><thead><tr><th>component</th><th>instance</th><th>version</th><th>health</th></tr></thead><tbody>
${rows}
</tbody></table>`,
  );
}

import type { ComponentHealth } from './health';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>${head}
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1b2029}table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}.ok{color:#0a7d32}.bad{color:#c0262d}</style>
</head><body>${body}</body></html>
`;
}

/** Where the 401 page sends a browser: DC/OS' UI login route, which our `/` page serves. */
export const LOGIN_PATH = '/#/login';

/**
 * DC/OS' 401 page: a browser without a token is sent at once (`window.location`) to the login
 * page, with the page it wanted as `redirect`; without JavaScript it follows a meta refresh.
 */
export function unauthorizedHtml(reason: string): string {
  return page(
    '401 Unauthorized',
    `<h1>401 Unauthorized</h1><p>${esc(reason)}.</p>
<p><a href="${LOGIN_PATH}">Log in</a> (or <code>dcos cluster setup</code>); the token is then sent as the
<code>dcos-acs-auth-cookie</code> cookie or an <code>Authorization: token=&lt;token&gt;</code> header.</p>`,
    `
<noscript><meta http-equiv="refresh" content="5; url=${LOGIN_PATH}"></noscript>
<script>
(function () {
  var here = window.location;
  here.replace('${LOGIN_PATH}?redirect=' + encodeURIComponent(here.pathname + here.search + here.hash));
})();
</script>`,
  );
}

export function forbiddenHtml(uid: string, rid: string): string {
  return page(
    '403 Forbidden',
    `<h1>403 Forbidden</h1><p>User <code>${esc(uid)}</code> lacks the permission <code>${esc(rid)}</code> (action <code>full</code>).</p>`,
  );
}

/**
 * The login form of `/#/login` (shown by the status page when the URL says so): it posts to
 * IAM's login through the router, which sets the `dcos-acs-auth-cookie`, then goes back to the
 * page the 401 came from (`redirect`, a path on this origin only).
 */
const LOGIN_FORM = `<form id="login" hidden>
<h2>Log in</h2>
<p><label>User <input name="uid" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button></p><p id="login-error" class="bad"></p>
</form>
<script>
(function () {
  var form = document.getElementById('login');
  var target = '/';
  function show() {
    var hash = window.location.hash;
    form.hidden = hash.indexOf('#/login') !== 0;
    var q = hash.indexOf('?');
    target = q < 0 ? null : new URLSearchParams(hash.slice(q + 1)).get('redirect');
    // Only paths of this origin: the login page must not send anyone elsewhere.
    if (!target || target.charAt(0) !== '/' || target.charAt(1) === '/' || target.charAt(1) === '\\\\') target = '/';
  }
  show();
  window.addEventListener('hashchange', show);
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    fetch('/acs/api/v1/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: form.uid.value, password: form.password.value })
    }).then(function (r) {
      if (r.ok) return window.location.assign(target);
      return r.json().then(function (b) {
        document.getElementById('login-error').textContent = (b && b.description) || ('login failed: ' + r.status);
      });
    }, function (err) {
      document.getElementById('login-error').textContent = String(err);
    });
  });
})();
</script>`;

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
${LOGIN_FORM}
<p>${healthy} of ${components.length} components healthy. The web UI is not installed; use the <code>dcos</code> CLI
(<code>dcos cluster setup ${'&lt;this URL&gt;'}</code>) or the APIs under <code>/mesos</code>, <code>/marathon</code>, <code>/service/&lt;name&gt;</code>.</p>
<table><thead><tr><th>component</th><th>instance</th><th>version</th><th>health</th></tr></thead><tbody>
${rows}
</tbody></table>`,
  );
}

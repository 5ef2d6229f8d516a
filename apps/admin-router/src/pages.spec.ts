import { runInNewContext } from 'node:vm';
import { LOGIN_PATH, statusPage, unauthorizedHtml } from './pages';

/** The inline scripts of a page, in order. */
function scripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
}

describe('unauthorizedHtml (DC/OS 401 page)', () => {
  it('sends the browser to the login page with the page it wanted (window.location)', () => {
    const html = unauthorizedHtml('a DC/OS authentication token is required');
    expect(html).toContain('window.location');
    expect(html).toContain(`url=${LOGIN_PATH}`); // no-JavaScript fallback
    const [script] = scripts(html);
    const went: string[] = [];
    const location = {
      pathname: '/mesos/',
      search: '?a=1&b=2',
      hash: '#x',
      replace: (u: string) => went.push(u),
    };
    runInNewContext(script as string, { window: { location }, encodeURIComponent });
    expect(went).toEqual([`/#/login?redirect=${encodeURIComponent('/mesos/?a=1&b=2#x')}`]);
  });

  it('escapes the reason', () => {
    expect(unauthorizedHtml('<b>x</b>')).toContain('&#60;b&#62;x&#60;/b&#62;');
  });
});

describe('statusPage login form (/#/login)', () => {
  /** Run the page's login script at `/` + `hash`; `login` also submits the form. */
  function run(hash: string, ok = true) {
    const html = statusPage([], '0.0.0');
    const script = scripts(html).find((s) => s.includes('/acs/api/v1/auth/login')) as string;
    let submit: ((e: { preventDefault(): void }) => void) | undefined;
    const form = {
      hidden: true,
      uid: { value: 'alice' },
      password: { value: 'secret' },
      addEventListener: (_: string, f: typeof submit) => (submit = f),
    };
    const error = { textContent: '' };
    const posts: { url: string; init: Record<string, unknown> }[] = [];
    const went: string[] = [];
    const location = { hash, assign: (u: string) => went.push(u) };
    let onHashChange: (() => void) | undefined;
    const context = {
      window: {
        location,
        addEventListener: (type: string, f: () => void) => {
          if (type === 'hashchange') onHashChange = f;
        },
      },
      document: { getElementById: (id: string) => (id === 'login' ? form : error) },
      URLSearchParams,
      JSON,
      String,
      fetch: (url: string, init: Record<string, unknown>) => {
        posts.push({ url, init });
        return Promise.resolve({
          ok,
          status: ok ? 200 : 401,
          json: () => Promise.resolve({ description: 'wrong password' }),
        });
      },
    };
    runInNewContext(script, context);
    const submitNow = async () => {
      submit?.({ preventDefault: () => undefined });
      await new Promise((r) => setImmediate(r));
    };
    const navigate = (h: string) => {
      location.hash = h;
      onHashChange?.();
    };
    return { form, posts, went, error, submitNow, navigate };
  }

  async function login(hash: string, ok = true) {
    const page = run(hash, ok);
    await page.submitNow();
    return { ...page, error: page.error.textContent };
  }

  it('stays hidden on the plain status page', () => {
    const r = run('');
    expect(r.form.hidden).toBe(true);
    expect(r.posts).toEqual([]);
  });

  it('shows up when the page already open moves to #/login (no reload)', async () => {
    const r = run('');
    r.navigate(`#/login?redirect=${encodeURIComponent('/service/marathon/')}`);
    expect(r.form.hidden).toBe(false);
    await r.submitNow();
    expect(r.went).toEqual(['/service/marathon/']);
    r.navigate('');
    expect(r.form.hidden).toBe(true);
  });

  it("posts the credentials to IAM's login and goes back to the page that was refused", async () => {
    const r = await login(`#/login?redirect=${encodeURIComponent('/mesos/?x=1')}`);
    expect(r.form.hidden).toBe(false);
    expect(r.posts).toHaveLength(1);
    expect(r.posts[0]!.url).toBe('/acs/api/v1/auth/login');
    expect(r.posts[0]!.init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
    expect(JSON.parse(r.posts[0]!.init.body as string)).toEqual({
      uid: 'alice',
      password: 'secret',
    });
    expect(r.went).toEqual(['/mesos/?x=1']);
  });

  it('never redirects off this origin', async () => {
    for (const target of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const r = await login(`#/login?redirect=${encodeURIComponent(target)}`);
      expect([target, r.went]).toEqual([target, ['/']]);
    }
  });

  it('shows why a login failed and stays on the page', async () => {
    const r = await login('#/login', false);
    expect(r.went).toEqual([]);
    expect(r.error).toBe('wrong password');
  });
});

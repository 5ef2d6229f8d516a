import { generateKeyPairSync } from 'node:crypto';
import { signRs256 } from '@dcos/auth';
import { authenticate, VerifiedTokens, wantsHtml } from './auth';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys = async () => [publicKey];
const now = () => Math.floor(Date.now() / 1000);

describe('authenticate', () => {
  const good = () =>
    signRs256({ uid: 'alice', exp: now() + 60, iss: 'dcos-ts-iam' }, privateKey, 'k1');

  it('accepts token=, Bearer and the cookie', async () => {
    const t = good();
    await expect(
      authenticate({ authorization: `token=${t}` }, keys, 'dcos-ts-iam'),
    ).resolves.toMatchObject({ ok: true, uid: 'alice', source: 'authorization' });
    await expect(
      authenticate({ authorization: `Bearer ${t}` }, keys, 'dcos-ts-iam'),
    ).resolves.toMatchObject({ ok: true, uid: 'alice' });
    await expect(
      authenticate({ cookie: `a=b; dcos-acs-auth-cookie=${t}` }, keys, 'dcos-ts-iam'),
    ).resolves.toMatchObject({ ok: true, source: 'cookie', token: t });
  });

  it('refuses missing, malformed, expired and uid-less tokens', async () => {
    await expect(authenticate({}, keys)).resolves.toMatchObject({
      ok: false,
      code: 'ERR_MISSING_AUTH_TOKEN',
    });
    await expect(authenticate({ authorization: 'Basic abc' }, keys)).resolves.toMatchObject({
      ok: false,
      code: 'ERR_MISSING_AUTH_TOKEN',
    });
    const expired = signRs256({ uid: 'alice', exp: now() - 10 }, privateKey, 'k1');
    await expect(authenticate({ authorization: `token=${expired}` }, keys)).resolves.toMatchObject({
      ok: false,
      code: 'ERR_INVALID_AUTH_TOKEN',
    });
    const noUid = signRs256({ exp: now() + 60 }, privateKey, 'k1');
    await expect(authenticate({ authorization: `token=${noUid}` }, keys)).resolves.toMatchObject({
      ok: false,
      code: 'ERR_INVALID_AUTH_TOKEN',
    });
    await expect(
      authenticate({ authorization: `token=${good()}` }, keys, 'other-issuer'),
    ).resolves.toMatchObject({ ok: false });
  });
});

describe('VerifiedTokens', () => {
  it('skips the signature check for a token already verified, never past its exp', async () => {
    const cache = new VerifiedTokens(30_000);
    let lookups = 0;
    const counting = async () => {
      lookups++;
      return [publicKey];
    };
    const t = signRs256({ uid: 'bob', exp: now() + 60 }, privateKey, 'k1');
    for (let i = 0; i < 3; i++)
      await expect(
        authenticate({ authorization: `token=${t}` }, counting, undefined, cache),
      ).resolves.toMatchObject({ ok: true, uid: 'bob' });
    expect(lookups).toBe(1);
    // A tampered copy is another string: verified (and refused) on its own.
    await expect(
      authenticate({ authorization: `token=${t}x` }, counting, undefined, cache),
    ).resolves.toMatchObject({ ok: false });
    const c2 = new VerifiedTokens(30_000);
    c2.add('tok', 'u', 1_000, 999_000);
    expect(c2.get('tok', 999_500)).toBe('u');
    expect(c2.get('tok', 1_000_000)).toBeUndefined();
  });
});

describe('wantsHtml', () => {
  it('is true for browsers, false for API clients', () => {
    expect(wantsHtml('text/html,application/xhtml+xml,*/*;q=0.8')).toBe(true);
    expect(wantsHtml('application/json')).toBe(false);
    expect(wantsHtml('application/json, text/html')).toBe(false);
    expect(wantsHtml(undefined)).toBe(false);
    expect(wantsHtml('*/*')).toBe(false);
  });
});

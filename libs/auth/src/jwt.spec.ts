import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  checkClaims,
  DcosTokenError,
  decodeJwt,
  safeEqual,
  signRs256,
  verifyDcosToken,
} from './jwt';
import { JwksCache, jwkThumbprint, keysFromJwks, publicJwk } from './jwks';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('RS256 DC/OS tokens', () => {
  let priv: KeyObject;
  let pub: KeyObject;
  let otherPriv: KeyObject;
  beforeAll(() => {
    ({ privateKey: priv, publicKey: pub } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
    ({ privateKey: otherPriv } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
  });

  const reason = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(DcosTokenError);
      return (e as DcosTokenError).reason;
    }
    throw new Error('expected a rejection');
  };

  it('accepts a valid token and returns its claims', async () => {
    const t = signRs256({ uid: 'alice', exp: now() + 60, iss: 'iam' }, priv, 'k1');
    expect(decodeJwt(t).header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
    const c = await verifyDcosToken(t, pub, { issuer: 'iam' });
    expect(c.uid).toBe('alice');
  });

  it('rejects alg none', async () => {
    const t = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ uid: 'a', exp: now() + 60 })}.`;
    expect(await reason(verifyDcosToken(t, pub))).toBe('unsupported_algorithm');
  });

  it('rejects HS256, also when keyed with the public key', async () => {
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ uid: 'a', exp: now() + 60 })}`;
    const secret = pub.export({ type: 'spki', format: 'pem' });
    const sig = createHmac('sha256', secret).update(input).digest('base64url');
    expect(await reason(verifyDcosToken(`${input}.${sig}`, pub))).toBe('unsupported_algorithm');
  });

  it('rejects expired, not-yet-valid, future-issued and wrong-issuer tokens', async () => {
    const exp = signRs256({ uid: 'a', exp: now() - 60 }, priv);
    expect(await reason(verifyDcosToken(exp, pub))).toBe('expired');
    const nbf = signRs256({ uid: 'a', exp: now() + 600, nbf: now() + 300 }, priv);
    expect(await reason(verifyDcosToken(nbf, pub))).toBe('not_yet_valid');
    const iat = signRs256({ uid: 'a', exp: now() + 600, iat: now() + 300 }, priv);
    expect(await reason(verifyDcosToken(iat, pub))).toBe('not_yet_valid');
    const iss = signRs256({ uid: 'a', exp: now() + 600, iss: 'evil' }, priv);
    expect(await reason(verifyDcosToken(iss, pub, { issuer: 'iam' }))).toBe('wrong_issuer');
    const noIss = signRs256({ uid: 'a', exp: now() + 600 }, priv);
    expect(await reason(verifyDcosToken(noIss, pub, { issuer: 'iam' }))).toBe('wrong_issuer');
  });

  it('requires uid and exp', async () => {
    expect(await reason(verifyDcosToken(signRs256({ exp: now() + 60 }, priv), pub))).toBe(
      'missing_claim',
    );
    expect(await reason(verifyDcosToken(signRs256({ uid: 'a' }, priv), pub))).toBe('missing_claim');
    expect(await reason(verifyDcosToken(signRs256({ uid: '', exp: now() + 60 }, priv), pub))).toBe(
      'missing_claim',
    );
    expect(() => checkClaims({ uid: 'a', exp: 'soon' })).toThrow(DcosTokenError);
  });

  it('rejects tampered payloads, foreign keys and garbage', async () => {
    const t = signRs256({ uid: 'alice', exp: now() + 60 }, priv);
    const [h, , s] = t.split('.');
    const forged = `${h}.${b64({ uid: 'root', exp: now() + 60 })}.${s}`;
    expect(await reason(verifyDcosToken(forged, pub))).toBe('bad_signature');
    const foreign = signRs256({ uid: 'alice', exp: now() + 60 }, otherPriv);
    expect(await reason(verifyDcosToken(foreign, pub))).toBe('bad_signature');
    expect(await reason(verifyDcosToken(`${h}.${t.split('.')[1]}.`, pub))).toBe('bad_signature');
    for (const junk of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**', `${b64([1])}.${b64({})}.x`])
      expect(await reason(verifyDcosToken(junk, pub))).toBe('malformed');
    expect(await reason(verifyDcosToken('a'.repeat(9000), pub))).toBe('malformed');
  });

  it('tolerates small clock skew only', async () => {
    const t = signRs256({ uid: 'a', exp: now() - 2 }, priv);
    await expect(verifyDcosToken(t, pub)).resolves.toBeTruthy();
    await expect(verifyDcosToken(t, pub, { clockToleranceSec: 0 })).rejects.toThrow('expired');
  });

  it('never signs with a public or non-RSA key', () => {
    expect(() => signRs256({ uid: 'a' }, pub)).toThrow();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => signRs256({ uid: 'a' }, ec)).toThrow();
  });

  it('compares strings in constant time', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });

  describe('JWK sets', () => {
    it('publishes RSA keys with RFC 7638 thumbprints as kid and imports them back', async () => {
      const jwk = publicJwk(priv);
      expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(jwk.kid).toBe(jwkThumbprint(jwk));
      expect(jwk).not.toHaveProperty('d');
      const keys = keysFromJwks({
        keys: [
          jwk,
          { kty: 'EC', crv: 'P-256' },
          { kty: 'RSA', n: 'x' },
          { ...jwk, kid: 'hs', alg: 'HS256' },
        ],
      });
      expect([...keys.keys()]).toEqual([jwk.kid]);
      const t = signRs256({ uid: 'a', exp: now() + 60 }, priv, jwk.kid);
      await expect(verifyDcosToken(t, [...keys.values()])).resolves.toMatchObject({ uid: 'a' });
    });

    it('caches the set and refetches on an unknown kid (rate-limited)', async () => {
      let set = { keys: [publicJwk(priv, 'one')] };
      let calls = 0;
      const fakeFetch = (async () => {
        calls++;
        return new Response(JSON.stringify(set), { status: 200 });
      }) as unknown as typeof fetch;
      const cache = new JwksCache({
        url: 'http://iam/jwks',
        fetch: fakeFetch,
        minRefreshIntervalMs: 0,
      });
      const t1 = signRs256({ uid: 'a', exp: now() + 60 }, priv, 'one');
      await verifyDcosToken(t1, cache.resolver);
      await verifyDcosToken(t1, cache.resolver);
      expect(calls).toBe(1);
      set = { keys: [publicJwk(priv, 'one'), publicJwk(otherPriv, 'two')] };
      const t2 = signRs256({ uid: 'b', exp: now() + 60 }, otherPriv, 'two');
      await expect(verifyDcosToken(t2, cache.resolver)).resolves.toMatchObject({ uid: 'b' });
      expect(calls).toBe(2);
      const t3 = signRs256({ uid: 'c', exp: now() + 60 }, otherPriv, 'three');
      expect(await reason(verifyDcosToken(t3, cache.resolver))).toBe('unknown_key');
    });

    it('keeps the last good set when IAM is down, and says so when it never had one', async () => {
      let up = true;
      const fakeFetch = (async () => {
        if (!up) throw new Error('connection refused');
        return new Response(JSON.stringify({ keys: [publicJwk(priv, 'one')] }), { status: 200 });
      }) as unknown as typeof fetch;
      const cache = new JwksCache({
        url: 'http://iam/jwks',
        fetch: fakeFetch,
        minRefreshIntervalMs: 0,
        maxAgeMs: 0,
      });
      const t = signRs256({ uid: 'a', exp: now() + 60 }, priv, 'one');
      await verifyDcosToken(t, cache.resolver);
      up = false;
      await expect(verifyDcosToken(t, cache.resolver)).resolves.toMatchObject({ uid: 'a' });
      const cold = new JwksCache({ url: 'http://iam/jwks', fetch: fakeFetch });
      expect(await reason(verifyDcosToken(t, cold.resolver))).toBe('keys_unavailable');
    });
  });
});

import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSecret, SecretBox } from './secret';
import { oneTimePassword } from './bootstrap.service';
import {
  checkAction,
  checkRid,
  checkUid,
  LoginSchema,
  parseBody,
  UserPutSchema,
} from './validation';
import { IamError } from './errors';

describe('SecretBox', () => {
  const box = new SecretBox('x'.repeat(32));
  it('round-trips and binds the ciphertext to its aad', () => {
    const sealed = box.seal('-----BEGIN PRIVATE KEY-----', 'kid1');
    expect(sealed).not.toContain('PRIVATE');
    expect(box.open(sealed, 'kid1')).toBe('-----BEGIN PRIVATE KEY-----');
    expect(() => box.open(sealed, 'kid2')).toThrow();
  });
  it('fails with another secret', () => {
    const sealed = box.seal('data', 'k');
    expect(() => new SecretBox('y'.repeat(32)).open(sealed, 'k')).toThrow();
  });
  it('refuses short secrets', () => {
    expect(() => new SecretBox('short')).toThrow();
  });
});

describe('loadSecret', () => {
  it('prefers the env value, else creates a 0600 file once and reuses it', () => {
    expect(loadSecret('e'.repeat(32), '/nonexistent/x').source).toBe('env');
    const file = join(mkdtempSync(join(tmpdir(), 'iam-')), 'sub', 'secret.key');
    const a = loadSecret(undefined, file);
    expect(a.source).toBe('generated');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = loadSecret(undefined, file);
    expect(b).toEqual({ secret: a.secret, source: 'file' });
    expect(readFileSync(file, 'utf8').trim()).toBe(a.secret);
  });
});

describe('bootstrap password', () => {
  it('is random, long and shell-safe', () => {
    const a = oneTimePassword();
    expect(a).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(oneTimePassword()).not.toBe(a);
  });
});

describe('input validation names the field', () => {
  const fieldsOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(IamError);
      return ((e as IamError).getResponse() as { errors: { field: string }[] }).errors.map(
        (x) => x.field,
      );
    }
    throw new Error('expected a 400');
  };
  it('uids, rids, actions', () => {
    expect(checkUid('alice.b-c_d@x')).toBe('alice.b-c_d@x');
    expect(fieldsOf(() => checkUid('a'.repeat(97)))).toEqual(['uid']);
    expect(fieldsOf(() => checkUid('a b'))).toEqual(['uid']);
    expect(checkRid('dcos:service:marathon:marathon:services:/prod')).toBe(
      'dcos:service:marathon:marathon:services:/prod',
    );
    expect(checkRid('dcos:service:marathon:marathon:services:%2Fprod')).toBe(
      'dcos:service:marathon:marathon:services:/prod',
    );
    expect(fieldsOf(() => checkRid('nope:x'))).toEqual(['rid']);
    expect(fieldsOf(() => checkRid('dcos:a b'))).toEqual(['rid']);
    expect(fieldsOf(() => checkAction('write'))).toEqual(['action']);
  });
  it('bodies', () => {
    expect(fieldsOf(() => parseBody(UserPutSchema, { password: 5 }))).toEqual(['password']);
    expect(fieldsOf(() => parseBody(LoginSchema, { uid: 'a' }))).toEqual(['password']);
    expect(fieldsOf(() => parseBody(LoginSchema, {}))).toEqual(['uid']);
    expect(fieldsOf(() => parseBody(LoginSchema, []))).toEqual(['(body)']);
    expect(parseBody(LoginSchema, { uid: 'a', password: 'p' })).toEqual({
      uid: 'a',
      password: 'p',
    });
  });
});

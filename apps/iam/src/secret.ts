import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** AES-256-GCM under a key derived (HKDF-SHA256) from the configured secret. */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the key-encryption secret must be >= 32 characters');
    this.key = Buffer.from(
      hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'dcos-ts-iam', 'signing-key-encryption', 32),
    );
  }

  /** `v1.<iv>.<tag>.<ciphertext>` (base64url); `aad` binds the ciphertext to its row. */
  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return ['v1', iv, c.getAuthTag(), ct]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string, aad: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unknown sealed format');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }
}

/**
 * The key-encryption secret: IAM_SECRET_KEY when given, else the content of
 * IAM_SECRET_KEY_FILE, which is created with a random secret (mode 0600) when missing.
 */
export function loadSecret(
  given: string | undefined,
  file: string,
): { secret: string; source: 'env' | 'file' | 'generated' } {
  if (given) return { secret: given, source: 'env' };
  try {
    const s = readFileSync(file, 'utf8').trim();
    if (s.length < 32)
      throw new Error(`IAM_SECRET_KEY_FILE ${file} holds fewer than 32 characters`);
    return { secret: s, source: 'file' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, secret + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    // Another instance created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadSecret(undefined, file);
    throw e;
  }
  chmodSync(file, 0o600);
  return { secret, source: 'generated' };
}

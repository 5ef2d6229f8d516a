import * as fs from 'node:fs';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Parses /etc/passwd text into entries (malformed lines are skipped). */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || f[2] === '' || f[3] === '') continue;
    out.push({ name: f[0], uid, gid, home: f[5], shell: f[6] });
  }
  return out;
}

export class UnknownUserError extends Error {
  constructor(
    readonly user: string,
    passwdFile: string,
  ) {
    super(`unknown user "${user}": not found in ${passwdFile}`);
    this.name = 'UnknownUserError';
  }
}

/** Resolves a user name (or numeric uid) to uid/gid from a passwd file (default /etc/passwd). */
export function resolveUser(user: string, passwdFile = '/etc/passwd'): PasswdEntry {
  let text: string;
  try {
    text = fs.readFileSync(passwdFile, 'utf8');
  } catch (e) {
    throw new Error(`cannot resolve user "${user}": ${(e as Error).message}`);
  }
  const entries = parsePasswd(text);
  const byName = entries.find((e) => e.name === user);
  if (byName) return byName;
  if (/^\d+$/.test(user)) {
    const byUid = entries.find((e) => e.uid === Number(user));
    if (byUid) return byUid;
  }
  throw new UnknownUserError(user, passwdFile);
}

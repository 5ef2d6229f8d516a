import { Command } from 'commander';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { signRs256 } from '@dcos/auth';
import { updateConfig } from './cli-config';
import { CliError, withTargetOptions, type TargetOptions } from './http-client';
import { iamClient, iamError } from './iam';

/** Read a password without echoing it (TTY), or the first line of stdin (pipes). */
async function promptPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new CliError('no password given: use --password, --password-env or type it');
  }
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  process.stderr.write(question);
  muted = true;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

/** The short-lived login token a service account signs with its private key (`{uid, exp}`, RS256). */
export function serviceLoginToken(
  uid: string,
  privateKeyPem: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  let key;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (e) {
    throw new CliError(`--private-key is not a PEM private key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new CliError('--private-key must be an RSA key');
  return signRs256({ uid, exp: nowSeconds + 300 }, key);
}

export interface LoginOptions extends TargetOptions {
  username?: string;
  password?: string;
  passwordEnv?: string;
  privateKey?: string;
}

/** Log in to IAM (through the Admin Router, or IAM directly) and store the token. */
export async function login(opts: LoginOptions): Promise<void> {
  const uid = opts.username ?? (process.env['DCOS_USERNAME'] || undefined);
  if (!uid) throw new CliError('--username is required');
  let body: { uid: string; password?: string; token?: string };
  if (opts.privateKey) {
    let pem: string;
    try {
      pem = readFileSync(opts.privateKey, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read --private-key ${opts.privateKey}: ${(e as Error).message}`);
    }
    body = { uid, token: serviceLoginToken(uid, pem) };
  } else {
    let password = opts.password;
    if (password === undefined && opts.passwordEnv) {
      password = process.env[opts.passwordEnv];
      if (password === undefined)
        throw new CliError(`--password-env: ${opts.passwordEnv} is not set`);
    }
    password ??= await promptPassword(`${uid}'s password: `);
    body = { uid, password };
  }
  const client = iamClient(opts);
  const r = await client.send('POST', client.iamUrl('/auth/login'), body);
  if (r.status !== 200) throw iamError('login failed', r.status, r.body);
  const token = (r.body as { token?: string }).token;
  if (!token) throw new CliError('login failed: IAM answered without a token');
  updateConfig((c) => ({
    ...c,
    ...(client.target.mode === 'dcos' ? { dcos_url: client.target.baseUrl } : {}),
    dcos_acs_token: token,
    uid,
  }));
}

export function authCommand(): Command {
  const auth = new Command('auth').description('Log in to and out of the cluster');

  withTargetOptions(
    auth
      .command('login')
      .description(
        'Log in with a password (users) or a private key (service accounts); stores the token',
      )
      .option('--username <uid>', 'user or service account id')
      .option('--password <password>', 'the password (prefer --password-env or the prompt)')
      .option('--password-env <var>', 'read the password from this environment variable')
      .option('--private-key <path>', 'log in as a service account with this PEM private key'),
  ).action(async (opts: LoginOptions) => {
    await login(opts);
    process.stdout.write('Login successful!\n');
  });

  auth
    .command('logout')
    .description('Forget the stored token')
    .action(() => {
      updateConfig(({ dcos_acs_token: _t, uid: _u, ...rest }) => rest);
      process.stdout.write('Logged out\n');
    });

  return auth;
}

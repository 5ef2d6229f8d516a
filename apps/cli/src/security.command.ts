import { Command } from 'commander';
import Table from 'cli-table3';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { CliError, withTargetOptions, type TargetOptions } from './http-client';
import { checkAction, iamCall, iamClient, seg } from './iam';

interface IamUser {
  uid: string;
  description?: string;
  is_service?: boolean;
  provider_type?: string;
}
interface IamGroup {
  gid: string;
  description?: string;
}

function print(json: boolean | undefined, value: unknown, table: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : table() + '\n');
}

/** Grant `action` on `rid` (creating the ACL first, as the DC/OS CLI does). */
async function grant(
  opts: TargetOptions,
  kind: 'users' | 'groups',
  id: string,
  rid: string,
  action: string,
) {
  const client = iamClient(opts);
  checkAction(action);
  // 409 = the ACL already exists, which is fine.
  await iamCall(
    client,
    `cannot create ACL ${rid}`,
    'PUT',
    `/acls/${seg(rid)}`,
    { description: `${rid} (dcos CLI)` },
    [201, 409],
  );
  await iamCall(
    client,
    `cannot grant ${action} on ${rid} to ${id}`,
    'PUT',
    `/acls/${seg(rid)}/${kind}/${seg(id)}/${action}`,
  );
  process.stdout.write(
    `Granted ${action} on ${rid} to ${kind === 'users' ? 'user' : 'group'} ${id}\n`,
  );
}

function usersCommand(): Command {
  const users = new Command('users').description('Users and their permissions');
  withTargetOptions(
    users
      .command('create <uid>')
      .description('Create a user with a password')
      .option('--password <password>', 'the password (or --password-env)')
      .option('--password-env <var>', 'read the password from this environment variable')
      .option('--description <text>', 'description', ''),
  ).action(
    async (
      uid: string,
      opts: TargetOptions & { password?: string; passwordEnv?: string; description: string },
    ) => {
      const password =
        opts.password ?? (opts.passwordEnv ? process.env[opts.passwordEnv] : undefined);
      if (!password) throw new CliError('--password or --password-env is required');
      await iamCall(iamClient(opts), `cannot create user ${uid}`, 'PUT', `/users/${seg(uid)}`, {
        password,
        description: opts.description || uid,
      });
      process.stdout.write(`Created user ${uid}\n`);
    },
  );
  withTargetOptions(
    users.command('list').description('List users').option('--json', 'print JSON'),
  ).action(async (opts: TargetOptions & { json?: boolean }) => {
    const body = (await iamCall(iamClient(opts), 'cannot list users', 'GET', '/users')) as {
      array: IamUser[];
    };
    print(opts.json, body.array, () => {
      const t = new Table({ head: ['UID', 'DESCRIPTION'] });
      for (const u of body.array) t.push([u.uid, u.description ?? '']);
      return t.toString();
    });
  });
  withTargetOptions(users.command('delete <uid>').description('Delete a user')).action(
    async (uid: string, opts: TargetOptions) => {
      await iamCall(iamClient(opts), `cannot delete user ${uid}`, 'DELETE', `/users/${seg(uid)}`);
      process.stdout.write(`Deleted user ${uid}\n`);
    },
  );
  withTargetOptions(
    users.command('grant <uid> <rid> <action>').description('Grant a user an action on a resource'),
  ).action((uid: string, rid: string, action: string, opts: TargetOptions) =>
    grant(opts, 'users', uid, rid, action),
  );
  return users;
}

function groupsCommand(): Command {
  const groups = new Command('groups').description('Groups, their members and permissions');
  withTargetOptions(
    groups
      .command('create <gid>')
      .description('Create a group')
      .option('--description <text>', 'description', ''),
  ).action(async (gid: string, opts: TargetOptions & { description: string }) => {
    await iamCall(iamClient(opts), `cannot create group ${gid}`, 'PUT', `/groups/${seg(gid)}`, {
      description: opts.description || gid,
    });
    process.stdout.write(`Created group ${gid}\n`);
  });
  withTargetOptions(
    groups.command('add_user <gid> <uid>').description('Add a user to a group'),
  ).action(async (gid: string, uid: string, opts: TargetOptions) => {
    await iamCall(
      iamClient(opts),
      `cannot add ${uid} to ${gid}`,
      'PUT',
      `/groups/${seg(gid)}/users/${seg(uid)}`,
    );
    process.stdout.write(`Added ${uid} to group ${gid}\n`);
  });
  withTargetOptions(
    groups.command('list').description('List groups').option('--json', 'print JSON'),
  ).action(async (opts: TargetOptions & { json?: boolean }) => {
    const body = (await iamCall(iamClient(opts), 'cannot list groups', 'GET', '/groups')) as {
      array: IamGroup[];
    };
    print(opts.json, body.array, () => {
      const t = new Table({ head: ['GID', 'DESCRIPTION'] });
      for (const g of body.array) t.push([g.gid, g.description ?? '']);
      return t.toString();
    });
  });
  withTargetOptions(
    groups
      .command('grant <gid> <rid> <action>')
      .description('Grant a group an action on a resource'),
  ).action((gid: string, rid: string, action: string, opts: TargetOptions) =>
    grant(opts, 'groups', gid, rid, action),
  );
  return groups;
}

function serviceAccountsCommand(): Command {
  const sa = new Command('service-accounts').description('Service accounts (key-pair identities)');
  sa.command('keypair <private-key> <public-key>')
    .description('Write a new RSA 2048 key pair (PEM) for a service account')
    .action((privPath: string, pubPath: string) => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(privPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }));
      process.stdout.write(`Wrote ${privPath} and ${pubPath}\n`);
    });
  withTargetOptions(
    sa
      .command('create <uid>')
      .description('Create a service account with a public key')
      .requiredOption('-p, --public-key <path>', 'PEM public key')
      .option('-d, --description <text>', 'description', ''),
  ).action(
    async (uid: string, opts: TargetOptions & { publicKey: string; description: string }) => {
      let pem: string;
      try {
        pem = readFileSync(opts.publicKey, 'utf8');
        createPublicKey(pem);
      } catch (e) {
        throw new CliError(
          `--public-key ${opts.publicKey} is not a readable PEM public key: ${(e as Error).message}`,
        );
      }
      await iamCall(
        iamClient(opts),
        `cannot create service account ${uid}`,
        'PUT',
        `/users/${seg(uid)}`,
        {
          public_key: pem,
          description: opts.description || uid,
        },
      );
      process.stdout.write(`Created service account ${uid}\n`);
    },
  );
  withTargetOptions(
    sa.command('list').description('List service accounts').option('--json', 'print JSON'),
  ).action(async (opts: TargetOptions & { json?: boolean }) => {
    const body = (await iamCall(
      iamClient(opts),
      'cannot list service accounts',
      'GET',
      '/users?type=service',
    )) as { array: IamUser[] };
    print(opts.json, body.array, () => {
      const t = new Table({ head: ['UID', 'DESCRIPTION'] });
      for (const u of body.array) t.push([u.uid, u.description ?? '']);
      return t.toString();
    });
  });
  return sa;
}

export function securityCommand(): Command {
  const security = new Command('security').description('Identity and access management');
  const org = new Command('org').description('Users, groups, service accounts and permissions');
  org.addCommand(usersCommand()).addCommand(groupsCommand()).addCommand(serviceAccountsCommand());
  return security.addCommand(org);
}

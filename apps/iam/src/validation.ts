import { z } from 'zod';
import {
  IAM_ACTIONS,
  IAM_GID_MAX,
  IAM_GID_RE,
  IAM_RID_MAX,
  IAM_RID_RE,
  IAM_UID_MAX,
  IAM_UID_RE,
  type IamAction,
} from '@dcos/contracts';
import { invalidData } from './errors';

function issues(e: z.ZodError, prefix = '') {
  return e.issues.map((i) => ({
    field: prefix + (i.path.join('.') || '(body)'),
    message: i.message,
  }));
}

/** Validate a JSON body; a missing body counts as `{}`. 400 names every bad field. */
export function parseBody<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const r = schema.safeParse(body === undefined || body === null ? {} : body);
  if (!r.success) throw invalidData(issues(r.error));
  return r.data;
}

export function checkUid(uid: string, field = 'uid'): string {
  if (uid.length === 0)
    throw invalidData([{ field, message: 'must not be empty' }], 'ERR_INVALID_USER_ID');
  if (uid.length > IAM_UID_MAX)
    throw invalidData(
      [{ field, message: `must be at most ${IAM_UID_MAX} characters` }],
      'ERR_INVALID_USER_ID',
    );
  if (!IAM_UID_RE.test(uid))
    throw invalidData(
      [
        {
          field,
          message:
            "must start with a letter or digit and use only letters, digits, '.', '_', '@', '-'",
        },
      ],
      'ERR_INVALID_USER_ID',
    );
  return uid;
}

export function checkGid(gid: string, field = 'gid'): string {
  if (gid.length === 0 || gid.length > IAM_GID_MAX)
    throw invalidData(
      [{ field, message: `must be 1 to ${IAM_GID_MAX} characters` }],
      'ERR_INVALID_GROUP_ID',
    );
  if (!IAM_GID_RE.test(gid))
    throw invalidData(
      [
        {
          field,
          message:
            "must start with a letter or digit and use only letters, digits, '.', '_', '@', '-'",
        },
      ],
      'ERR_INVALID_GROUP_ID',
    );
  return gid;
}

/** Path rids arrive URL-decoded once; rids never contain `%`, so a second decode undoes double encoding. */
export function checkRid(raw: string, field = 'rid'): string {
  let rid = raw;
  if (rid.includes('%')) {
    try {
      rid = decodeURIComponent(rid);
    } catch {
      // left as is; the pattern check below rejects it
    }
  }
  if (rid.length === 0 || rid.length > IAM_RID_MAX)
    throw invalidData(
      [{ field, message: `must be 1 to ${IAM_RID_MAX} characters` }],
      'ERR_INVALID_RESOURCE_ID',
    );
  if (!IAM_RID_RE.test(rid))
    throw invalidData(
      [
        {
          field,
          message: "must start with 'dcos:' and use only letters, digits and _ - . : / @ *",
        },
      ],
      'ERR_INVALID_RESOURCE_ID',
    );
  return rid;
}

export function checkAction(action: string, field = 'action'): IamAction {
  if (!(IAM_ACTIONS as readonly string[]).includes(action))
    throw invalidData(
      [{ field, message: `must be one of ${IAM_ACTIONS.join(', ')}` }],
      'ERR_INVALID_ACTION',
    );
  return action as IamAction;
}

const description = z.string().max(1024, 'must be at most 1024 characters');
const password = z
  .string()
  .min(5, 'must be at least 5 characters')
  .max(1024, 'must be at most 1024 characters');
const publicKey = z.string().min(1).max(16_384, 'must be at most 16384 characters');

export const UserPutSchema = z.object({
  description: description.optional(),
  password: password.optional(),
  public_key: publicKey.optional(),
  provider_type: z.enum(['internal', 'oidc', 'saml', 'ldap']).optional(),
  provider_id: z.string().max(1024).optional(),
});

export const UserPatchSchema = z.object({
  description: description.optional(),
  password: password.optional(),
  public_key: publicKey.optional(),
});

export const GroupPutSchema = z.object({
  description: description.optional(),
  provider_type: z.enum(['internal', 'ldap', 'oidc', 'saml']).optional(),
});
export const GroupPatchSchema = z.object({ description });

export const AclPutSchema = z.object({ description: description.optional() });
export const AclPatchSchema = z.object({ description });

export const LoginSchema = z
  .object({
    uid: z.string({ required_error: 'is required' }),
    password: z.string().max(1024, 'must be at most 1024 characters').optional(),
    token: z.string().max(8192, 'must be at most 8192 characters').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.password === undefined && v.token === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'password (user) or token (service account) is required',
      });
    if (v.password !== undefined && v.token !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'give either password or token, not both',
      });
  });

export const AuthorizeSchema = z.object({
  uid: z.string({ required_error: 'is required' }),
  rid: z.string({ required_error: 'is required' }),
  action: z.string({ required_error: 'is required' }),
});

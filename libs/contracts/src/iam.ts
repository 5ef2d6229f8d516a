import { z } from 'zod';
import { contract } from './validation';

/** Actions of a DC/OS permission; `full` implies every other one. */
export const IAM_ACTIONS = ['create', 'read', 'update', 'delete', 'full'] as const;
export type IamAction = (typeof IAM_ACTIONS)[number];

/** The resource whose `full` grant allows everything. */
export const IAM_SUPERUSER_RID = 'dcos:superuser';

/** User / service-account ids: letters, digits, `-`, `_`, `.`, `@`; at most 96 characters. */
export const IAM_UID_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
export const IAM_UID_MAX = 96;
/** Group ids follow the same rule as uids. */
export const IAM_GID_RE = IAM_UID_RE;
export const IAM_GID_MAX = 96;
/** Resource ids: `dcos:` then letters, digits and `_ - . : / @ *`; at most 512 characters. */
export const IAM_RID_RE = /^dcos:[A-Za-z0-9_.:/@*-]+$/;
export const IAM_RID_MAX = 512;

const uid = z
  .string()
  .min(1)
  .max(IAM_UID_MAX)
  .regex(IAM_UID_RE, "must be letters, digits, '.', '_', '@' or '-'");
const rid = z
  .string()
  .min(1)
  .max(IAM_RID_MAX)
  .regex(IAM_RID_RE, "must start with 'dcos:' and use letters, digits and _ - . : / @ *");

/** Request of `iamAuthorize`: may `uid` perform `action` on resource `rid`? */
export const IamAuthorizeRequestContract = contract(
  'IamAuthorizeRequest',
  z.object({ uid, rid, action: z.enum(IAM_ACTIONS) }).strict(),
);
export type IamAuthorizeRequest = ReturnType<typeof IamAuthorizeRequestContract.parse>;

/** Answer of `iamAuthorize` (inside the reply envelope). Unknown users are never allowed. */
export const IamAuthorizeReplyContract = contract(
  'IamAuthorizeReply',
  z.object({ allowed: z.boolean() }),
);
export type IamAuthorizeReply = ReturnType<typeof IamAuthorizeReplyContract.parse>;

/** Event `iamChanged`: IAM state changed; caches of decisions and keys should be dropped. */
export const IamChangedContract = contract(
  'IamChanged',
  z.object({
    kind: z.enum(['users', 'groups', 'acls', 'keys']),
    at: z.string().datetime(),
  }),
);
export type IamChanged = ReturnType<typeof IamChangedContract.parse>;

import { IAM_ACTIONS, IAM_SUPERUSER_RID, type IamAction } from '@dcos/contracts';

/** The rids IAM itself checks (see apps/iam/README.md). */
export const IAM_RIDS = {
  users: 'dcos:iam:users',
  groups: 'dcos:iam:groups',
  acls: 'dcos:iam:acls',
  authorize: 'dcos:iam:authorize',
} as const;

export function isAction(v: string): v is IamAction {
  return (IAM_ACTIONS as readonly string[]).includes(v);
}

/** Does a set of granted actions allow `requested`? `full` implies all; `full` needs `full` or all four. */
export function actionsAllow(
  granted: ReadonlySet<string> | undefined,
  requested: IamAction,
): boolean {
  if (!granted || granted.size === 0) return false;
  if (granted.has('full')) return true;
  if (requested === 'full')
    return ['create', 'read', 'update', 'delete'].every((a) => granted.has(a));
  return granted.has(requested);
}

export interface PermissionSnapshot {
  users: Iterable<string>;
  memberships: Iterable<{ uid: string; gid: string }>;
  userGrants: Iterable<{ rid: string; uid: string; action: string }>;
  groupGrants: Iterable<{ rid: string; gid: string; action: string }>;
}

type Grants = Map<string, Set<string>>; // rid -> actions

function add(map: Map<string, Grants>, principal: string, rid: string, action: string): void {
  let g = map.get(principal);
  if (!g) map.set(principal, (g = new Map()));
  let a = g.get(rid);
  if (!a) g.set(rid, (a = new Set()));
  a.add(action);
}

/**
 * Immutable in-memory view of who may do what: a decision is a few map lookups.
 * Deny by default; unknown users are never allowed; `dcos:superuser` + `full`
 * (directly or through a group) allows everything. Rids match exactly.
 */
export class PermissionIndex {
  private readonly users: Set<string>;
  private readonly groupsByUser = new Map<string, string[]>();
  private readonly userGrants = new Map<string, Grants>();
  private readonly groupGrants = new Map<string, Grants>();

  constructor(s: PermissionSnapshot) {
    this.users = new Set(s.users);
    for (const m of s.memberships) {
      const list = this.groupsByUser.get(m.uid);
      if (list) list.push(m.gid);
      else this.groupsByUser.set(m.uid, [m.gid]);
    }
    for (const g of s.userGrants) add(this.userGrants, g.uid, g.rid, g.action);
    for (const g of s.groupGrants) add(this.groupGrants, g.gid, g.rid, g.action);
  }

  static empty(): PermissionIndex {
    return new PermissionIndex({ users: [], memberships: [], userGrants: [], groupGrants: [] });
  }

  hasUser(uid: string): boolean {
    return this.users.has(uid);
  }

  groupsOf(uid: string): readonly string[] {
    return this.groupsByUser.get(uid) ?? [];
  }

  private grantsAllow(grants: Grants | undefined, rid: string, action: IamAction): boolean {
    if (!grants) return false;
    return (
      actionsAllow(grants.get(IAM_SUPERUSER_RID), 'full') || actionsAllow(grants.get(rid), action)
    );
  }

  /** May `uid` do `action` on `rid` (directly, through a group, or as superuser)? */
  isAllowed(uid: string, rid: string, action: IamAction): boolean {
    if (!this.users.has(uid)) return false;
    if (this.grantsAllow(this.userGrants.get(uid), rid, action)) return true;
    return this.groupsOf(uid).some((gid) =>
      this.grantsAllow(this.groupGrants.get(gid), rid, action),
    );
  }

  isSuperuser(uid: string): boolean {
    return this.isAllowed(uid, IAM_SUPERUSER_RID, 'full');
  }

  /** May members of `gid` do `action` on `rid` through that group's grants? */
  groupAllows(gid: string, rid: string, action: IamAction): boolean {
    return this.grantsAllow(this.groupGrants.get(gid), rid, action);
  }
}

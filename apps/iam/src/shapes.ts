import type { AclEntity, GroupEntity, UserEntity } from './entities';

export const BASE = '/acs/api/v1';
const enc = encodeURIComponent;

export const userUrl = (uid: string) => `${BASE}/users/${enc(uid)}`;
export const groupUrl = (gid: string) => `${BASE}/groups/${enc(gid)}`;
export const aclUrl = (rid: string) => `${BASE}/acls/${enc(rid)}`;
export const membershipUrl = (gid: string, uid: string) => `${groupUrl(gid)}/users/${enc(uid)}`;

/** DC/OS User object. `public_key` only for service accounts. */
export function userJson(u: UserEntity) {
  return {
    uid: u.uid,
    url: userUrl(u.uid),
    description: u.description,
    is_remote: u.isRemote,
    is_service: u.isService,
    provider_type: u.providerType,
    provider_id: u.providerId,
    ...(u.isService ? { public_key: u.publicKey ?? '' } : {}),
  };
}

export function groupJson(g: GroupEntity) {
  return {
    gid: g.gid,
    url: groupUrl(g.gid),
    description: g.description,
    provider_type: g.providerType,
  };
}

export function aclJson(a: AclEntity) {
  return { rid: a.rid, url: aclUrl(a.rid), description: a.description };
}

const ORDER = ['create', 'read', 'update', 'delete', 'full'];
export function sortActions(actions: Iterable<string>): string[] {
  return [...new Set(actions)].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
}

export function actionsJson(base: string, actions: Iterable<string>) {
  return sortActions(actions).map((name) => ({ name, url: `${base}/${name}` }));
}

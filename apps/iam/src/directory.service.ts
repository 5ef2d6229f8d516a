import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { createPublicKey } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { IAM_SUPERUSER_RID, type IamAction } from '@dcos/contracts';
import { AuditLog } from './audit';
import { AuthzService } from './authz.service';
import {
  AclEntity,
  GroupEntity,
  GroupGrantEntity,
  MembershipEntity,
  UserEntity,
  UserGrantEntity,
} from './entities';
import { conflict, invalidData, notFound } from './errors';
import {
  aclJson,
  aclUrl,
  actionsJson,
  groupJson,
  groupUrl,
  membershipUrl,
  userJson,
  userUrl,
} from './shapes';

/** argon2id with the library's defaults (64 MiB, t=3, p=4). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Validate a service account's PEM public key: RSA, at least 2048 bits. */
export function checkPublicKey(pem: string): string {
  let key;
  try {
    key = createPublicKey(pem);
  } catch {
    throw invalidData([{ field: 'public_key', message: 'is not a PEM-encoded public key' }]);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048)
    throw invalidData([
      { field: 'public_key', message: 'must be an RSA public key of at least 2048 bits' },
    ]);
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

function isUniqueViolation(e: unknown): boolean {
  return (
    (e as { code?: string }).code === '23505' ||
    (e as { driverError?: { code?: string } }).driverError?.code === '23505'
  );
}

/** Users, groups, memberships, ACLs and grants in Postgres, in DC/OS shapes. Every change is audited. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly ds: DataSource,
    private readonly authz: AuthzService,
    private readonly audit: AuditLog,
  ) {}

  // ---- users ---------------------------------------------------------------

  async findUser(uid: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ uid });
  }

  async getUser(uid: string): Promise<UserEntity> {
    const u = await this.findUser(uid);
    if (!u) throw notFound('ERR_UNKNOWN_USER_ID', `User with uid \`${uid}\` not known.`);
    return u;
  }

  async listUsers(type: 'user' | 'service') {
    const users = await this.ds
      .getRepository(UserEntity)
      .find({ where: { isService: type === 'service' }, order: { uid: 'ASC' } });
    return { array: users.map(userJson) };
  }

  async createUser(
    actor: string,
    uid: string,
    body: {
      description?: string;
      password?: string;
      public_key?: string;
      provider_type?: string;
      provider_id?: string;
    },
  ): Promise<void> {
    if (body.password !== undefined && body.public_key !== undefined)
      throw invalidData([
        {
          field: 'public_key',
          message: 'give either password (user) or public_key (service account), not both',
        },
      ]);
    const now = new Date();
    const user: UserEntity = Object.assign(new UserEntity(), {
      uid,
      description: body.description ?? '',
      passwordHash: null,
      publicKey: null,
      isService: false,
      isRemote: false,
      providerType: 'internal',
      providerId: '',
      createdAt: now,
      updatedAt: now,
    });
    let kind: string;
    if (body.public_key !== undefined) {
      user.publicKey = checkPublicKey(body.public_key);
      user.isService = true;
      kind = 'service';
    } else if (body.password !== undefined) {
      kind = 'user';
    } else if (EMAIL_RE.test(uid) || (body.provider_type && body.provider_type !== 'internal')) {
      // Legacy DC/OS: an e-mail uid with no credentials is a remote (OIDC) user.
      user.isRemote = true;
      user.providerType = body.provider_type ?? 'oidc';
      user.providerId = body.provider_id ?? 'https://dcos.auth0.com/';
      kind = 'remote';
    } else {
      throw invalidData([
        {
          field: 'password',
          message: 'password (user) or public_key (service account) is required',
        },
      ]);
    }
    if (await this.findUser(uid))
      throw conflict('ERR_USER_EXISTS', `User with uid \`${uid}\` already exists.`);
    if (body.password !== undefined) user.passwordHash = await hashPassword(body.password);
    try {
      await this.ds.getRepository(UserEntity).insert(user);
    } catch (e) {
      if (isUniqueViolation(e))
        throw conflict('ERR_USER_EXISTS', `User with uid \`${uid}\` already exists.`);
      throw e;
    }
    this.authz.changed('users');
    this.audit.record({ actor, action: 'user.create', target: uid, kind });
  }

  async updateUser(
    actor: string,
    uid: string,
    body: { description?: string; password?: string; public_key?: string },
  ): Promise<void> {
    const u = await this.getUser(uid);
    const patch: Partial<UserEntity> = { updatedAt: new Date() };
    const fields: string[] = [];
    if (body.description !== undefined) {
      patch.description = body.description;
      fields.push('description');
    }
    if (body.password !== undefined) {
      if (u.isService || u.isRemote)
        throw invalidData([{ field: 'password', message: 'only local users have a password' }]);
      patch.passwordHash = await hashPassword(body.password);
      fields.push('password');
    }
    if (body.public_key !== undefined) {
      if (!u.isService)
        throw invalidData([
          { field: 'public_key', message: 'only service accounts have a public key' },
        ]);
      patch.publicKey = checkPublicKey(body.public_key);
      fields.push('public_key');
    }
    await this.ds.getRepository(UserEntity).update({ uid }, patch);
    this.authz.changed('users');
    this.audit.record({ actor, action: 'user.update', target: uid, fields });
  }

  async deleteUser(actor: string, uid: string): Promise<void> {
    const r = await this.ds.getRepository(UserEntity).delete({ uid });
    if (!r.affected) throw notFound('ERR_UNKNOWN_USER_ID', `User with uid \`${uid}\` not known.`);
    this.authz.changed('users');
    this.audit.record({ actor, action: 'user.delete', target: uid });
  }

  async userGroups(uid: string) {
    await this.getUser(uid);
    const rows: GroupEntity[] = await this.ds
      .getRepository(GroupEntity)
      .createQueryBuilder('g')
      .innerJoin(MembershipEntity, 'm', 'm.gid = g.gid')
      .where('m.uid = :uid', { uid })
      .orderBy('g.gid')
      .getMany();
    return {
      array: rows.map((g) => ({ group: groupJson(g), membershipurl: membershipUrl(g.gid, uid) })),
    };
  }

  async userPermissions(uid: string) {
    await this.getUser(uid);
    const direct = await this.ds.getRepository(UserGrantEntity).find({ where: { uid } });
    const groupRows: (GroupGrantEntity & { description: string })[] = await this.ds.query(
      `SELECT gg.rid, gg.gid, gg.action, a.description FROM "${this.schema}"."group_grants" gg
         JOIN "${this.schema}"."memberships" m ON m.gid = gg.gid
         JOIN "${this.schema}"."acls" a ON a.rid = gg.rid
        WHERE m.uid = $1 ORDER BY gg.rid, gg.gid`,
      [uid],
    );
    const acls = await this.aclDescriptions(direct.map((g) => g.rid));
    const byRid = new Map<string, string[]>();
    for (const g of direct) byRid.set(g.rid, [...(byRid.get(g.rid) ?? []), g.action]);
    const byRidGid = new Map<
      string,
      { rid: string; gid: string; description: string; actions: string[] }
    >();
    for (const g of groupRows) {
      const k = `${g.rid}\u0000${g.gid}`;
      const e = byRidGid.get(k) ?? {
        rid: g.rid,
        gid: g.gid,
        description: g.description,
        actions: [],
      };
      e.actions.push(g.action);
      byRidGid.set(k, e);
    }
    return {
      direct: [...byRid.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([rid, actions]) => ({
          rid,
          description: acls.get(rid) ?? '',
          aclurl: aclUrl(rid),
          actions: actionsJson(`${aclUrl(rid)}/users/${encodeURIComponent(uid)}`, actions),
        })),
      groups: [...byRidGid.values()].map((e) => ({
        rid: e.rid,
        gid: e.gid,
        description: e.description,
        aclurl: aclUrl(e.rid),
        membershipurl: membershipUrl(e.gid, uid),
        actions: actionsJson(`${aclUrl(e.rid)}/groups/${encodeURIComponent(e.gid)}`, e.actions),
      })),
    };
  }

  private get schema(): string {
    return (this.ds.options as { schema?: string }).schema ?? 'iam';
  }

  private async aclDescriptions(rids: string[]): Promise<Map<string, string>> {
    if (rids.length === 0) return new Map();
    const rows = await this.ds
      .getRepository(AclEntity)
      .createQueryBuilder('a')
      .where('a.rid IN (:...rids)', { rids: [...new Set(rids)] })
      .getMany();
    return new Map(rows.map((a) => [a.rid, a.description]));
  }

  // ---- groups --------------------------------------------------------------

  async getGroup(gid: string): Promise<GroupEntity> {
    const g = await this.ds.getRepository(GroupEntity).findOneBy({ gid });
    if (!g) throw notFound('ERR_UNKNOWN_GROUP_ID', `Group with gid \`${gid}\` not known.`);
    return g;
  }

  async listGroups() {
    const groups = await this.ds.getRepository(GroupEntity).find({ order: { gid: 'ASC' } });
    return { array: groups.map(groupJson) };
  }

  async createGroup(
    actor: string,
    gid: string,
    body: { description?: string; provider_type?: string },
  ) {
    try {
      await this.ds.getRepository(GroupEntity).insert({
        gid,
        description: body.description ?? '',
        providerType: body.provider_type ?? 'internal',
        createdAt: new Date(),
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw conflict('ERR_GROUP_EXISTS', `Group with gid \`${gid}\` already exists.`);
      throw e;
    }
    this.authz.changed('groups');
    this.audit.record({ actor, action: 'group.create', target: gid });
  }

  async updateGroup(actor: string, gid: string, body: { description: string }) {
    await this.getGroup(gid);
    await this.ds.getRepository(GroupEntity).update({ gid }, { description: body.description });
    this.authz.changed('groups');
    this.audit.record({ actor, action: 'group.update', target: gid, fields: ['description'] });
  }

  async deleteGroup(actor: string, gid: string) {
    const r = await this.ds.getRepository(GroupEntity).delete({ gid });
    if (!r.affected) throw notFound('ERR_UNKNOWN_GROUP_ID', `Group with gid \`${gid}\` not known.`);
    this.authz.changed('groups');
    this.audit.record({ actor, action: 'group.delete', target: gid });
  }

  async groupUsers(gid: string, type?: 'user' | 'service') {
    await this.getGroup(gid);
    const qb = this.ds
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .innerJoin(MembershipEntity, 'm', 'm.uid = u.uid')
      .where('m.gid = :gid', { gid });
    if (type) qb.andWhere('u.isService = :svc', { svc: type === 'service' });
    const users = await qb.orderBy('u.uid').getMany();
    return {
      array: users.map((u) => ({ user: userJson(u), membershipurl: membershipUrl(gid, u.uid) })),
    };
  }

  async addMember(actor: string, gid: string, uid: string) {
    await this.getGroup(gid);
    await this.getUser(uid);
    await this.ds
      .createQueryBuilder()
      .insert()
      .into(MembershipEntity)
      .values({ gid, uid })
      .orIgnore()
      .execute();
    this.authz.changed('groups');
    this.audit.record({ actor, action: 'group.member.add', target: gid, uid });
  }

  async removeMember(actor: string, gid: string, uid: string) {
    await this.getGroup(gid);
    const r = await this.ds.getRepository(MembershipEntity).delete({ gid, uid });
    if (!r.affected)
      throw notFound(
        'ERR_UNKNOWN_MEMBERSHIP',
        `User \`${uid}\` is not a member of group \`${gid}\`.`,
      );
    this.authz.changed('groups');
    this.audit.record({ actor, action: 'group.member.remove', target: gid, uid });
  }

  async groupPermissions(gid: string) {
    await this.getGroup(gid);
    const grants = await this.ds.getRepository(GroupGrantEntity).find({ where: { gid } });
    const acls = await this.aclDescriptions(grants.map((g) => g.rid));
    const byRid = new Map<string, string[]>();
    for (const g of grants) byRid.set(g.rid, [...(byRid.get(g.rid) ?? []), g.action]);
    return {
      array: [...byRid.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([rid, actions]) => ({
          rid,
          description: acls.get(rid) ?? '',
          aclurl: aclUrl(rid),
          actions: actionsJson(`${aclUrl(rid)}/groups/${encodeURIComponent(gid)}`, actions),
        })),
    };
  }

  // ---- ACLs and grants -----------------------------------------------------

  async getAcl(rid: string): Promise<AclEntity> {
    const a = await this.ds.getRepository(AclEntity).findOneBy({ rid });
    if (!a) throw notFound('ERR_UNKNOWN_RESOURCE_ID', `ACL for resource \`${rid}\` not found.`);
    return a;
  }

  async listAcls() {
    const acls = await this.ds.getRepository(AclEntity).find({ order: { rid: 'ASC' } });
    return { array: acls.map(aclJson) };
  }

  async createAcl(actor: string, rid: string, body: { description?: string }) {
    try {
      await this.ds
        .getRepository(AclEntity)
        .insert({ rid, description: body.description ?? '', createdAt: new Date() });
    } catch (e) {
      if (isUniqueViolation(e))
        throw conflict('ERR_ACL_EXISTS', `ACL for resource \`${rid}\` already exists.`);
      throw e;
    }
    this.authz.changed('acls');
    this.audit.record({ actor, action: 'acl.create', target: rid });
  }

  async updateAcl(actor: string, rid: string, body: { description: string }) {
    await this.getAcl(rid);
    await this.ds.getRepository(AclEntity).update({ rid }, { description: body.description });
    this.authz.changed('acls');
    this.audit.record({ actor, action: 'acl.update', target: rid, fields: ['description'] });
  }

  async deleteAcl(actor: string, rid: string) {
    const r = await this.ds.getRepository(AclEntity).delete({ rid });
    if (!r.affected)
      throw notFound('ERR_UNKNOWN_RESOURCE_ID', `ACL for resource \`${rid}\` not found.`);
    this.authz.changed('acls');
    this.audit.record({ actor, action: 'acl.delete', target: rid });
  }

  async aclPermissions(rid: string) {
    await this.getAcl(rid);
    const [ug, gg] = await Promise.all([
      this.ds.getRepository(UserGrantEntity).find({ where: { rid } }),
      this.ds.getRepository(GroupGrantEntity).find({ where: { rid } }),
    ]);
    const users = new Map<string, string[]>();
    for (const g of ug) users.set(g.uid, [...(users.get(g.uid) ?? []), g.action]);
    const groups = new Map<string, string[]>();
    for (const g of gg) groups.set(g.gid, [...(groups.get(g.gid) ?? []), g.action]);
    const base = aclUrl(rid);
    return {
      users: [...users.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([uid, actions]) => ({
          uid,
          userurl: userUrl(uid),
          actions: actionsJson(`${base}/users/${encodeURIComponent(uid)}`, actions),
        })),
      groups: [...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([gid, actions]) => ({
          gid,
          groupurl: groupUrl(gid),
          actions: actionsJson(`${base}/groups/${encodeURIComponent(gid)}`, actions),
        })),
    };
  }

  /** Direct grants of one principal on one rid. */
  async principalActions(kind: 'user' | 'group', id: string, rid: string): Promise<string[]> {
    await this.getAcl(rid);
    if (kind === 'user') {
      await this.getUser(id);
      return (await this.ds.getRepository(UserGrantEntity).find({ where: { rid, uid: id } })).map(
        (g) => g.action,
      );
    }
    await this.getGroup(id);
    return (await this.ds.getRepository(GroupGrantEntity).find({ where: { rid, gid: id } })).map(
      (g) => g.action,
    );
  }

  /** Grant an action; the ACL is created (empty description) when it does not exist yet. */
  async grant(actor: string, kind: 'user' | 'group', id: string, rid: string, action: IamAction) {
    if (kind === 'user') await this.getUser(id);
    else await this.getGroup(id);
    await this.ds.transaction(async (m: EntityManager) => {
      if (!(await m.getRepository(AclEntity).existsBy({ rid }))) {
        await m
          .createQueryBuilder()
          .insert()
          .into(AclEntity)
          .values({ rid, description: '', createdAt: new Date() })
          .orIgnore()
          .execute();
        this.audit.record({ actor, action: 'acl.create', target: rid, implicit: true });
      }
      const entity = kind === 'user' ? UserGrantEntity : GroupGrantEntity;
      const values = kind === 'user' ? { rid, uid: id, action } : { rid, gid: id, action };
      await m.createQueryBuilder().insert().into(entity).values(values).orIgnore().execute();
    });
    this.authz.changed('acls');
    this.audit.record({
      actor,
      action: 'acl.grant',
      target: rid,
      [kind === 'user' ? 'uid' : 'gid']: id,
      granted: action,
    });
  }

  /** Revoke one action, or every action when `action` is undefined. */
  async revoke(actor: string, kind: 'user' | 'group', id: string, rid: string, action?: IamAction) {
    await this.getAcl(rid);
    const r =
      kind === 'user'
        ? await this.ds
            .getRepository(UserGrantEntity)
            .delete({ rid, uid: id, ...(action ? { action } : {}) })
        : await this.ds
            .getRepository(GroupGrantEntity)
            .delete({ rid, gid: id, ...(action ? { action } : {}) });
    if (!r.affected)
      throw notFound(
        'ERR_UNKNOWN_PERMISSION',
        `${kind === 'user' ? 'User' : 'Group'} \`${id}\` has no${action ? ` ${action}` : ''} permission on \`${rid}\`.`,
      );
    this.authz.changed('acls');
    this.audit.record({
      actor,
      action: 'acl.revoke',
      target: rid,
      [kind === 'user' ? 'uid' : 'gid']: id,
      revoked: action ?? 'all',
    });
  }

  /** Used by bootstrap: a user with `dcos:superuser` `full`, all in one transaction. */
  async createSuperuser(m: EntityManager, uid: string, passwordHash: string): Promise<void> {
    const now = new Date();
    await m.getRepository(UserEntity).insert({
      uid,
      description: 'bootstrap superuser',
      passwordHash,
      publicKey: null,
      isService: false,
      isRemote: false,
      providerType: 'internal',
      providerId: '',
      createdAt: now,
      updatedAt: now,
    });
    await m
      .createQueryBuilder()
      .insert()
      .into(AclEntity)
      .values({
        rid: IAM_SUPERUSER_RID,
        description: 'Superuser: full control of the cluster',
        createdAt: now,
      })
      .orIgnore()
      .execute();
    await m.getRepository(UserGrantEntity).insert({ rid: IAM_SUPERUSER_RID, uid, action: 'full' });
  }
}

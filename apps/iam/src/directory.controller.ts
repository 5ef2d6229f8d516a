import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IAM_SUPERUSER_RID, type IamAction } from '@dcos/contracts';
import { Caller, TokenGuard, type Principal } from './auth.guard';
import { AuthzService } from './authz.service';
import { DirectoryService } from './directory.service';
import { forbidden, invalidData } from './errors';
import { IAM_RIDS } from './permissions';
import { aclJson, aclUrl, actionsJson, groupJson, userJson } from './shapes';
import {
  AclPatchSchema,
  AclPutSchema,
  AuthorizeSchema,
  checkAction,
  checkGid,
  checkRid,
  checkUid,
  GroupPatchSchema,
  GroupPutSchema,
  parseBody,
  UserPatchSchema,
  UserPutSchema,
} from './validation';

function userType(type: string | undefined): 'user' | 'service' {
  if (type === undefined || type === '' || type === 'user') return 'user';
  if (type === 'service') return 'service';
  throw invalidData([{ field: 'type', message: 'must be "service" or "user"' }]);
}

@ApiTags('users')
@Controller('acs/api/v1/users')
@UseGuards(TokenGuard)
export class UsersController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly authz: AuthzService,
  ) {}

  /** Self-service reads, else `dcos:iam:users` with `action`. */
  private async may(caller: Principal, uid: string, action: IamAction, selfOk: boolean) {
    if (selfOk && caller.uid === uid) return;
    await this.authz.require(caller.uid, IAM_RIDS.users, action);
  }

  @Get()
  async list(@Caller() caller: Principal, @Query('type') type?: string) {
    const t = userType(type);
    await this.authz.require(caller.uid, IAM_RIDS.users, 'read');
    return this.directory.listUsers(t);
  }

  @Get(':uid')
  async get(@Caller() caller: Principal, @Param('uid') uid: string) {
    checkUid(uid);
    await this.may(caller, uid, 'read', true);
    return userJson(await this.directory.getUser(uid));
  }

  @Put(':uid')
  @HttpCode(201)
  async create(@Caller() caller: Principal, @Param('uid') uid: string, @Body() raw: unknown) {
    checkUid(uid);
    const body = parseBody(UserPutSchema, raw);
    await this.authz.require(caller.uid, IAM_RIDS.users, 'create');
    await this.directory.createUser(caller.uid, uid, body);
  }

  @Patch(':uid')
  @HttpCode(204)
  async update(@Caller() caller: Principal, @Param('uid') uid: string, @Body() raw: unknown) {
    checkUid(uid);
    const body = parseBody(UserPatchSchema, raw);
    await this.may(caller, uid, 'update', body.public_key === undefined);
    await this.directory.updateUser(caller.uid, uid, body);
  }

  @Delete(':uid')
  @HttpCode(204)
  async remove(@Caller() caller: Principal, @Param('uid') uid: string) {
    checkUid(uid);
    await this.authz.require(caller.uid, IAM_RIDS.users, 'delete');
    await this.directory.deleteUser(caller.uid, uid);
  }

  @Get(':uid/groups')
  async groups(@Caller() caller: Principal, @Param('uid') uid: string) {
    checkUid(uid);
    await this.may(caller, uid, 'read', true);
    return this.directory.userGroups(uid);
  }

  @Get(':uid/permissions')
  async permissions(@Caller() caller: Principal, @Param('uid') uid: string) {
    checkUid(uid);
    await this.may(caller, uid, 'read', true);
    return this.directory.userPermissions(uid);
  }
}

@ApiTags('groups')
@Controller('acs/api/v1/groups')
@UseGuards(TokenGuard)
export class GroupsController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly authz: AuthzService,
  ) {}

  @Get()
  async list(@Caller() caller: Principal) {
    await this.authz.require(caller.uid, IAM_RIDS.groups, 'read');
    return this.directory.listGroups();
  }

  @Get(':gid')
  async get(@Caller() caller: Principal, @Param('gid') gid: string) {
    checkGid(gid);
    await this.authz.require(caller.uid, IAM_RIDS.groups, 'read');
    return groupJson(await this.directory.getGroup(gid));
  }

  @Put(':gid')
  @HttpCode(201)
  async create(@Caller() caller: Principal, @Param('gid') gid: string, @Body() raw: unknown) {
    checkGid(gid);
    const body = parseBody(GroupPutSchema, raw);
    await this.authz.require(caller.uid, IAM_RIDS.groups, 'create');
    await this.directory.createGroup(caller.uid, gid, body);
  }

  @Patch(':gid')
  @HttpCode(204)
  async update(@Caller() caller: Principal, @Param('gid') gid: string, @Body() raw: unknown) {
    checkGid(gid);
    const body = parseBody(GroupPatchSchema, raw);
    await this.authz.require(caller.uid, IAM_RIDS.groups, 'update');
    await this.directory.updateGroup(caller.uid, gid, body);
  }

  @Delete(':gid')
  @HttpCode(204)
  async remove(@Caller() caller: Principal, @Param('gid') gid: string) {
    checkGid(gid);
    await this.authz.require(caller.uid, IAM_RIDS.groups, 'delete');
    await this.directory.deleteGroup(caller.uid, gid);
  }

  @Get(':gid/users')
  async users(
    @Caller() caller: Principal,
    @Param('gid') gid: string,
    @Query('type') type?: string,
  ) {
    checkGid(gid);
    const t = type === undefined || type === '' ? undefined : userType(type);
    await this.authz.require(caller.uid, IAM_RIDS.groups, 'read');
    return this.directory.groupUsers(gid, t);
  }

  /** Joining a group that holds `dcos:superuser` makes a superuser: only superusers may. */
  private async mayChangeMembers(caller: Principal, gid: string) {
    await this.authz.require(caller.uid, IAM_RIDS.groups, 'update');
    const idx = await this.authz.current();
    if (idx.groupAllows(gid, IAM_SUPERUSER_RID, 'full') && !idx.isSuperuser(caller.uid))
      throw forbidden(
        `only superusers may change the members of ${gid}, which holds ${IAM_SUPERUSER_RID}`,
      );
  }

  @Put(':gid/users/:uid')
  @HttpCode(204)
  async addUser(@Caller() caller: Principal, @Param('gid') gid: string, @Param('uid') uid: string) {
    checkGid(gid);
    checkUid(uid);
    await this.mayChangeMembers(caller, gid);
    await this.directory.addMember(caller.uid, gid, uid);
  }

  @Delete(':gid/users/:uid')
  @HttpCode(204)
  async removeUser(
    @Caller() caller: Principal,
    @Param('gid') gid: string,
    @Param('uid') uid: string,
  ) {
    checkGid(gid);
    checkUid(uid);
    await this.mayChangeMembers(caller, gid);
    await this.directory.removeMember(caller.uid, gid, uid);
  }

  @Get(':gid/permissions')
  async permissions(@Caller() caller: Principal, @Param('gid') gid: string) {
    checkGid(gid);
    await this.authz.require(caller.uid, IAM_RIDS.groups, 'read');
    return this.directory.groupPermissions(gid);
  }
}

@ApiTags('acls')
@Controller('acs/api/v1/acls')
@UseGuards(TokenGuard)
export class AclsController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly authz: AuthzService,
  ) {}

  /** Changing grants needs `dcos:iam:acls` update; grants on `dcos:superuser` need a superuser. */
  private async mayGrant(caller: Principal, rid: string) {
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'update');
    if (rid === IAM_SUPERUSER_RID && !(await this.authz.current()).isSuperuser(caller.uid))
      throw forbidden(`only superusers may change grants on ${IAM_SUPERUSER_RID}`);
  }

  @Get()
  async list(@Caller() caller: Principal) {
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'read');
    return this.directory.listAcls();
  }

  @Get(':rid')
  async get(@Caller() caller: Principal, @Param('rid') rawRid: string) {
    const rid = checkRid(rawRid);
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'read');
    return aclJson(await this.directory.getAcl(rid));
  }

  @Put(':rid')
  @HttpCode(201)
  async create(@Caller() caller: Principal, @Param('rid') rawRid: string, @Body() raw: unknown) {
    const rid = checkRid(rawRid);
    const body = parseBody(AclPutSchema, raw);
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'create');
    await this.directory.createAcl(caller.uid, rid, body);
  }

  @Patch(':rid')
  @HttpCode(204)
  async update(@Caller() caller: Principal, @Param('rid') rawRid: string, @Body() raw: unknown) {
    const rid = checkRid(rawRid);
    const body = parseBody(AclPatchSchema, raw);
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'update');
    await this.directory.updateAcl(caller.uid, rid, body);
  }

  @Delete(':rid')
  @HttpCode(204)
  async remove(@Caller() caller: Principal, @Param('rid') rawRid: string) {
    const rid = checkRid(rawRid);
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'delete');
    if (rid === IAM_SUPERUSER_RID && !(await this.authz.current()).isSuperuser(caller.uid))
      throw forbidden(`only superusers may delete ${IAM_SUPERUSER_RID}`);
    await this.directory.deleteAcl(caller.uid, rid);
  }

  @Get(':rid/permissions')
  async permissions(@Caller() caller: Principal, @Param('rid') rawRid: string) {
    const rid = checkRid(rawRid);
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'read');
    return this.directory.aclPermissions(rid);
  }

  // -- users

  @Get(':rid/users/:uid')
  async userActions(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('uid') uid: string,
  ) {
    const rid = checkRid(rawRid);
    checkUid(uid);
    if (caller.uid !== uid) await this.authz.require(caller.uid, IAM_RIDS.acls, 'read');
    const actions = await this.directory.principalActions('user', uid, rid);
    return { actions: actionsJson(`${aclUrl(rid)}/users/${encodeURIComponent(uid)}`, actions) };
  }

  @Delete(':rid/users/:uid')
  @HttpCode(204)
  async revokeAllUser(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('uid') uid: string,
  ) {
    const rid = checkRid(rawRid);
    checkUid(uid);
    await this.mayGrant(caller, rid);
    await this.directory.revoke(caller.uid, 'user', uid, rid);
  }

  /** `{allowed}`: the effective decision (direct, groups, superuser), as the NATS check gives it. */
  @Get(':rid/users/:uid/:action')
  async userAllowed(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('uid') uid: string,
    @Param('action') rawAction: string,
  ) {
    const rid = checkRid(rawRid);
    checkUid(uid);
    const action = checkAction(rawAction);
    if (caller.uid !== uid) await this.authz.require(caller.uid, IAM_RIDS.acls, 'read');
    await this.directory.getAcl(rid);
    return { allowed: await this.authz.isAllowed(uid, rid, action) };
  }

  @Put(':rid/users/:uid/:action')
  @HttpCode(204)
  async grantUser(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('uid') uid: string,
    @Param('action') rawAction: string,
  ) {
    const rid = checkRid(rawRid);
    checkUid(uid);
    const action = checkAction(rawAction);
    await this.mayGrant(caller, rid);
    await this.directory.grant(caller.uid, 'user', uid, rid, action);
  }

  @Delete(':rid/users/:uid/:action')
  @HttpCode(204)
  async revokeUser(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('uid') uid: string,
    @Param('action') rawAction: string,
  ) {
    const rid = checkRid(rawRid);
    checkUid(uid);
    const action = checkAction(rawAction);
    await this.mayGrant(caller, rid);
    await this.directory.revoke(caller.uid, 'user', uid, rid, action);
  }

  // -- groups

  @Get(':rid/groups/:gid')
  async groupActions(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('gid') gid: string,
  ) {
    const rid = checkRid(rawRid);
    checkGid(gid);
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'read');
    const actions = await this.directory.principalActions('group', gid, rid);
    return { actions: actionsJson(`${aclUrl(rid)}/groups/${encodeURIComponent(gid)}`, actions) };
  }

  @Delete(':rid/groups/:gid')
  @HttpCode(204)
  async revokeAllGroup(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('gid') gid: string,
  ) {
    const rid = checkRid(rawRid);
    checkGid(gid);
    await this.mayGrant(caller, rid);
    await this.directory.revoke(caller.uid, 'group', gid, rid);
  }

  @Get(':rid/groups/:gid/:action')
  async groupAllowed(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('gid') gid: string,
    @Param('action') rawAction: string,
  ) {
    const rid = checkRid(rawRid);
    checkGid(gid);
    const action = checkAction(rawAction);
    await this.authz.require(caller.uid, IAM_RIDS.acls, 'read');
    await this.directory.getAcl(rid);
    await this.directory.getGroup(gid);
    return { allowed: (await this.authz.current()).groupAllows(gid, rid, action) };
  }

  @Put(':rid/groups/:gid/:action')
  @HttpCode(204)
  async grantGroup(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('gid') gid: string,
    @Param('action') rawAction: string,
  ) {
    const rid = checkRid(rawRid);
    checkGid(gid);
    const action = checkAction(rawAction);
    await this.mayGrant(caller, rid);
    await this.directory.grant(caller.uid, 'group', gid, rid, action);
  }

  @Delete(':rid/groups/:gid/:action')
  @HttpCode(204)
  async revokeGroup(
    @Caller() caller: Principal,
    @Param('rid') rawRid: string,
    @Param('gid') gid: string,
    @Param('action') rawAction: string,
  ) {
    const rid = checkRid(rawRid);
    checkGid(gid);
    const action = checkAction(rawAction);
    await this.mayGrant(caller, rid);
    await this.directory.revoke(caller.uid, 'group', gid, rid, action);
  }
}

/**
 * The authorization decision over HTTP, for tools: the same answer as the NATS
 * `iamAuthorize` request. Callers may ask about themselves; about others they need
 * `dcos:iam:authorize` read.
 */
@ApiTags('authorize')
@Controller('acs/api/v1/authorize')
@UseGuards(TokenGuard)
export class AuthorizeController {
  constructor(private readonly authz: AuthzService) {}

  private async decide(caller: Principal, raw: unknown) {
    const q = parseBody(AuthorizeSchema, raw);
    const uid = checkUid(q.uid);
    const rid = checkRid(q.rid);
    const action = checkAction(q.action);
    if (caller.uid !== uid) await this.authz.require(caller.uid, IAM_RIDS.authorize, 'read');
    return { uid, rid, action, allowed: await this.authz.isAllowed(uid, rid, action) };
  }

  @Get()
  get(@Caller() caller: Principal, @Query() query: Record<string, unknown>) {
    return this.decide(caller, query);
  }

  @Post()
  @HttpCode(200)
  post(@Caller() caller: Principal, @Body() body: unknown) {
    return this.decide(caller, body);
  }
}

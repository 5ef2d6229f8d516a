import { actionsAllow, PermissionIndex } from './permissions';

describe('actionsAllow', () => {
  it('full implies every action; full needs full or all four', () => {
    expect(actionsAllow(new Set(['full']), 'delete')).toBe(true);
    expect(actionsAllow(new Set(['read']), 'read')).toBe(true);
    expect(actionsAllow(new Set(['read']), 'update')).toBe(false);
    expect(actionsAllow(new Set(['read', 'update']), 'full')).toBe(false);
    expect(actionsAllow(new Set(['create', 'read', 'update', 'delete']), 'full')).toBe(true);
    expect(actionsAllow(undefined, 'read')).toBe(false);
  });
});

describe('PermissionIndex', () => {
  const index = new PermissionIndex({
    users: ['root', 'alice', 'bob', 'svc', 'carol'],
    memberships: [
      { uid: 'alice', gid: 'ops' },
      { uid: 'carol', gid: 'admins' },
    ],
    userGrants: [
      { rid: 'dcos:superuser', uid: 'root', action: 'full' },
      { rid: 'dcos:superuser', uid: 'bob', action: 'read' },
      { rid: 'dcos:adminrouter:ops:mesos', uid: 'svc', action: 'full' },
      { rid: 'dcos:adminrouter:ops:mesos', uid: 'ghost', action: 'full' },
    ],
    groupGrants: [
      { rid: 'dcos:adminrouter:service:marathon', gid: 'ops', action: 'read' },
      { rid: 'dcos:superuser', gid: 'admins', action: 'full' },
    ],
  });

  it('denies by default', () => {
    expect(index.isAllowed('alice', 'dcos:adminrouter:ops:mesos', 'read')).toBe(false);
  });
  it('allows through group grants, only for the granted action', () => {
    expect(index.isAllowed('alice', 'dcos:adminrouter:service:marathon', 'read')).toBe(true);
    expect(index.isAllowed('alice', 'dcos:adminrouter:service:marathon', 'update')).toBe(false);
    expect(index.groupAllows('ops', 'dcos:adminrouter:service:marathon', 'read')).toBe(true);
  });
  it('dcos:superuser full allows everything, directly or through a group', () => {
    expect(index.isAllowed('root', 'dcos:anything:at:all', 'delete')).toBe(true);
    expect(index.isAllowed('carol', 'dcos:iam:users', 'create')).toBe(true);
    expect(index.isSuperuser('carol')).toBe(true);
  });
  it('dcos:superuser with less than full is not a superuser', () => {
    expect(index.isAllowed('bob', 'dcos:iam:users', 'read')).toBe(false);
    expect(index.isSuperuser('bob')).toBe(false);
  });
  it('full on a rid covers every action on that rid only; rids match exactly', () => {
    expect(index.isAllowed('svc', 'dcos:adminrouter:ops:mesos', 'delete')).toBe(true);
    expect(index.isAllowed('svc', 'dcos:adminrouter:ops:mesos-dns', 'read')).toBe(false);
    expect(index.isAllowed('svc', 'dcos:adminrouter:ops', 'read')).toBe(false);
  });
  it('never allows unknown users, even with stale grants', () => {
    expect(index.isAllowed('ghost', 'dcos:adminrouter:ops:mesos', 'read')).toBe(false);
    expect(index.hasUser('ghost')).toBe(false);
  });
});

import { subjects } from '@dcos/contracts';
import { IamAuthorizer } from './authorizer';

describe('IamAuthorizer', () => {
  function fake(answers: boolean[]) {
    const calls: unknown[] = [];
    let onChange: ((e: unknown) => void) | undefined;
    const nats = {
      subjects: subjects('t'),
      request: jest.fn(async (subject: string, payload: unknown) => {
        calls.push({ subject, payload });
        return { allowed: answers.shift() ?? false };
      }),
      subscribe: jest.fn((_s: string, h: (e: unknown) => void) => {
        onChange = h;
        return {};
      }),
    };
    return {
      nats,
      calls,
      change: () => onChange?.({ kind: 'acls', at: new Date().toISOString() }),
    };
  }

  it('asks IAM on the iamAuthorize subject and caches the answer', async () => {
    const f = fake([true, false]);
    const a = new IamAuthorizer(f.nats as never, { cacheTtlMs: 60_000 });
    expect(await a.allowed('alice', 'dcos:x', 'read')).toBe(true);
    expect(await a.allowed('alice', 'dcos:x', 'read')).toBe(true);
    expect(f.calls).toEqual([
      { subject: 't.v1.iam.authorize', payload: { uid: 'alice', rid: 'dcos:x', action: 'read' } },
    ]);
    expect(await a.allowed('alice', 'dcos:x', 'update')).toBe(false);
    expect(f.calls).toHaveLength(2);
  });

  it('drops cached decisions when IAM announces a change', async () => {
    const f = fake([true, false]);
    const a = new IamAuthorizer(f.nats as never, { cacheTtlMs: 60_000 });
    a.watchChanges();
    expect(await a.allowed('alice', 'dcos:x', 'read')).toBe(true);
    f.change();
    expect(await a.allowed('alice', 'dcos:x', 'read')).toBe(false);
  });
});

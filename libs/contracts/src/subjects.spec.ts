import { statusStream, subjectFor, subjectPattern, subjects } from './subjects';

describe('per-agent subjects', () => {
  it('builds the concrete subject for an id', () => {
    expect(subjectFor('t1', 'agentLaunch', 'abc-S0')).toBe('t1.v1.agent.abc-S0.launch');
    expect(subjectFor('t1', 'agentStatusUpdate', 'abc-S0')).toBe('t1.v1.agent.abc-S0.status');
  });

  it('matches every agent with the pattern', () => {
    expect(subjectPattern('t1', 'agentStatusUpdate')).toBe('t1.v1.agent.*.status');
  });

  it('rejects ids that are not one NATS token', () => {
    expect(() => subjectFor('t1', 'agentKill', 'a.b')).toThrow(/invalid subject id/);
    expect(() => subjectFor('t1', 'agentKill', '*')).toThrow(/invalid subject id/);
    expect(() => subjectFor('t1', 'agentKill', '')).toThrow(/invalid subject id/);
  });

  it('names the status stream without dots', () => {
    expect(statusStream('a.b')).toBe('A_B_STATUS_UPDATES');
  });

  it('includes the master agent subjects in the prefixed set', () => {
    expect(subjects('p').masterAgentRegister).toBe('p.v1.master.agent.register');
  });
});

import { FailureLimiter } from './rate-limit';

describe('FailureLimiter', () => {
  it('blocks after max failures within the window and frees the key after it', () => {
    let t = 0;
    const l = new FailureLimiter(60_000, 100, () => t);
    for (let i = 0; i < 3; i++) {
      expect(l.blocked('uid:a', 3)).toBe(0);
      l.fail('uid:a');
      t += 1_000;
    }
    expect(l.blocked('uid:a', 3)).toBe(57_000);
    expect(l.blocked('uid:b', 3)).toBe(0);
    t = 60_001;
    expect(l.blocked('uid:a', 3)).toBe(0);
  });
  it('reset forgets a key', () => {
    const l = new FailureLimiter(60_000);
    l.fail('k');
    l.reset('k');
    expect(l.blocked('k', 1)).toBe(0);
  });
  it('bounds memory', () => {
    const l = new FailureLimiter(60_000, 10);
    for (let i = 0; i < 100; i++) l.fail(`k${i}`);
    expect(l.blocked('k0', 1)).toBe(0);
    expect(l.blocked('k99', 1)).toBeGreaterThan(0);
  });
});

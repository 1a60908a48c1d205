import { LoginLimiter } from '../../../server/auth/login-limiter';

describe('LoginLimiter', () => {
  const opts = {
    maxFailuresPerUser: 3,
    maxFailuresPerAddress: 5,
    windowSeconds: 60,
    lockoutSeconds: 30,
  };

  it('locks a user after max failures and unlocks after the lockout', () => {
    let now = 1_000_000;
    const l = new LoginLimiter(opts, () => now);
    for (let i = 0; i < 2; i++) l.recordFailure('bob', '1.1.1.1');
    expect(l.retryAfter('bob', '1.1.1.1')).toBe(0);
    l.recordFailure('bob', '1.1.1.1');
    expect(l.retryAfter('bob', '2.2.2.2')).toBe(30);
    now += 10_000;
    expect(l.retryAfter('bob', '2.2.2.2')).toBe(20);
    now += 20_001;
    expect(l.retryAfter('bob', '2.2.2.2')).toBe(0);
  });

  it('locks an address that tries many user names', () => {
    const l = new LoginLimiter(opts, () => 5_000);
    for (let i = 0; i < 5; i++) l.recordFailure(`user${i}`, '9.9.9.9');
    expect(l.retryAfter('someone-else', '9.9.9.9')).toBe(30);
    expect(l.retryAfter('someone-else', '8.8.8.8')).toBe(0);
  });

  it('forgets failures outside the window and after a success', () => {
    let now = 0;
    const l = new LoginLimiter(opts, () => now);
    l.recordFailure('a', 'x');
    l.recordFailure('a', 'x');
    now += 61_000;
    l.recordFailure('a', 'x');
    expect(l.retryAfter('a', 'y')).toBe(0);
    l.recordSuccess('a');
    l.recordFailure('a', 'x');
    l.recordFailure('a', 'x');
    expect(l.retryAfter('a', 'y')).toBe(0);
  });

  it('keeps memory bounded', () => {
    const l = new LoginLimiter({ ...opts, maxKeys: 100 }, () => 1);
    for (let i = 0; i < 10_000; i++) l.recordFailure(`u${i}`, `a${i}`);
    expect((l as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(
      100,
    );
  });
});

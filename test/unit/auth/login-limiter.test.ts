import { type LoginAttempt, LoginLimiter } from '../../../server/auth/login-limiter';

const opts = {
  maxFailuresPerUser: 3,
  maxFailuresPerAddress: 5,
  maxFailuresPerUserTotal: 10,
  windowSeconds: 60,
  lockoutSeconds: 30,
  maxLockoutSeconds: 100,
  knownAddressSeconds: 3600,
};
const at = (user: string, address: string, device: string | null = null): LoginAttempt => ({
  user,
  address,
  device,
});

describe('LoginLimiter', () => {
  it('locks a user name on one address after max failures, and unlocks after the lockout', () => {
    let now = 1_000_000;
    const l = new LoginLimiter(opts, () => now);
    for (let i = 0; i < 2; i++) l.recordFailure(at('bob', '1.1.1.1'));
    expect(l.retryAfter(at('bob', '1.1.1.1'))).toBe(0);
    l.recordFailure(at('bob', '1.1.1.1'));
    expect(l.refusal(at('bob', '1.1.1.1'))).toEqual({ seconds: 30, scope: 'user-address' });
    expect(l.retryAfter(at('bob', '2.2.2.2'))).toBe(0); // another address is not locked by it
    now += 10_000;
    expect(l.retryAfter(at('bob', '1.1.1.1'))).toBe(20);
    now += 20_001;
    expect(l.retryAfter(at('bob', '1.1.1.1'))).toBe(0);
  });

  it('locks an address that tries many user names', () => {
    const l = new LoginLimiter(opts, () => 5_000);
    for (let i = 0; i < 5; i++) l.recordFailure(at(`user${i}`, '9.9.9.9'));
    expect(l.refusal(at('someone-else', '9.9.9.9'))?.scope).toBe('address');
    expect(l.retryAfter(at('someone-else', '8.8.8.8'))).toBe(0);
  });

  it('locks a crowd of addresses guessing one name, but not the owner’s known address or browser', () => {
    let now = 0;
    const l = new LoginLimiter(opts, () => now);
    l.recordSuccess(at('owner', '10.0.0.1'));
    for (let i = 0; i < 10; i++) l.recordFailure(at('owner', `203.0.113.${i}`));
    expect(l.refusal(at('owner', '198.51.100.7'))?.scope).toBe('user');
    expect(l.retryAfter(at('owner', '10.0.0.1'))).toBe(0);
    expect(l.retryAfter(at('owner', '198.51.100.7', 'device-1'))).toBe(0);
    now += 3_600_001; // the trusted address ages out
    for (let i = 0; i < 10; i++) l.recordFailure(at('owner', `203.0.113.${i + 50}`));
    expect(l.refusal(at('owner', '10.0.0.1'))?.scope).toBe('user');
  });

  it('counts a known browser on its own: its failures lock it, others do not', () => {
    const l = new LoginLimiter(opts, () => 0);
    for (let i = 0; i < 3; i++) l.recordFailure(at('owner', `203.0.113.${i}`, 'stolen'));
    expect(l.refusal(at('owner', '10.0.0.1', 'stolen'))?.scope).toBe('device');
    expect(l.retryAfter(at('owner', '10.0.0.1', 'mine'))).toBe(0);
    expect(l.retryAfter(at('owner', '10.0.0.1'))).toBe(0);
  });

  it('doubles a lock that comes back soon, up to the maximum', () => {
    let now = 0;
    const l = new LoginLimiter(opts, () => now);
    const lengths: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) l.recordFailure(at('bob', '1.1.1.1'));
      lengths.push(l.retryAfter(at('bob', '1.1.1.1')));
      now += lengths[lengths.length - 1] * 1000 + 1;
    }
    expect(lengths).toEqual([30, 60, 100, 100]);
  });

  it('forgets failures outside the window, and a success clears its own client only', () => {
    let now = 0;
    const l = new LoginLimiter(opts, () => now);
    l.recordFailure(at('a', 'x'));
    l.recordFailure(at('a', 'x'));
    now += 61_000;
    l.recordFailure(at('a', 'x'));
    expect(l.retryAfter(at('a', 'x'))).toBe(0);
    l.recordSuccess(at('a', 'x'));
    l.recordFailure(at('a', 'x'));
    l.recordFailure(at('a', 'x'));
    expect(l.retryAfter(at('a', 'x'))).toBe(0);
  });

  it('keeps memory bounded', () => {
    const l = new LoginLimiter({ ...opts, maxKeys: 100 }, () => 1);
    for (let i = 0; i < 10_000; i++) {
      l.recordFailure(at(`u${i}`, `a${i}`));
      l.recordSuccess(at(`u${i}`, `b${i}`));
    }
    const inner = l as unknown as {
      entries: Map<string, unknown>;
      knownAddresses: Map<string, unknown>;
    };
    expect(inner.entries.size).toBeLessThanOrEqual(100);
    expect(inner.knownAddresses.size).toBeLessThanOrEqual(100);
  });
});

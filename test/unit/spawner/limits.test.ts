import { BadRequest } from '../../../server/errors';
import { parseMemory, resolveLimits } from '../../../server/spawner/limits';

const defaults = { memory_limit: '2g', cpu_limit: 1, pids_limit: 512 };

describe('parseMemory', () => {
  it('reads Docker memory syntax', () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('2g')).toBe(2 * 1024 ** 3);
    expect(parseMemory('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('1048576')).toBe(1048576);
    expect(parseMemory('64mb')).toBe(64 * 1024 ** 2);
  });
  it('refuses nonsense', () => {
    for (const s of ['', 'g', '-1g', '1x', '0']) expect(parseMemory(s)).toBeNull();
  });
});

describe('resolveLimits', () => {
  it('uses hub defaults when the policy sets nothing', () => {
    expect(
      resolveLimits(defaults, { memory_limit: null, cpu_limit: null, pids_limit: null }),
    ).toEqual({
      memoryBytes: 2 * 1024 ** 3,
      nanoCpus: 1e9,
      pidsLimit: 512,
    });
  });
  it('lets the policy override each limit', () => {
    expect(
      resolveLimits(defaults, { memory_limit: '256m', cpu_limit: 0.5, pids_limit: 64 }),
    ).toEqual({
      memoryBytes: 256 * 1024 ** 2,
      nanoCpus: 5e8,
      pidsLimit: 64,
    });
  });
  it('names the setting of a malformed limit', () => {
    expect(() => resolveLimits(defaults, { memory_limit: '1k' })).toThrow(BadRequest);
    expect(() => resolveLimits(defaults, { memory_limit: 'lots' })).toThrow(/memory_limit/);
    expect(() => resolveLimits(defaults, { pids_limit: 0 })).toThrow(/pids_limit/);
  });
});

// Process-wide settings refuse values that would hang the process or mean something else than
// what was asked.
import os from 'os';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib';

describe('setNumThreads bounds', () => {
  it('refuses more than 4 x the available cores, naming the bound, and keeps the current setting', () => {
    const cores = os.availableParallelism();
    const before = torch.getNumThreads();
    expect(() => torch.setNumThreads(1e5)).toThrow(`setNumThreads(n): expected an integer in [1, ${4 * cores}] (4 x the ${cores} available cores), received 100000`);
    expect(() => torch.setNumThreads(4 * cores + 1)).toThrow(/setNumThreads\(n\): expected an integer in \[1, /);
    expect(() => torch.setNumThreads(1.5)).toThrow(/setNumThreads\(n\)/);
    expect(torch.getNumThreads()).toBe(before);
  });

  it('accepts every count up to the bound', () => {
    const before = torch.getNumThreads();
    try {
      torch.setNumThreads(4 * os.availableParallelism());
      expect(torch.getNumThreads()).toBe(4 * os.availableParallelism());
    } finally {
      torch.setNumThreads(before);
    }
  });
});

describe('manualSeed range', () => {
  it('refuses seeds a JS number cannot hold exactly (2 ** 64), negative and fractional seeds', () => {
    expect(() => torch.manualSeed(2 ** 64)).toThrow('manualSeed(seed): expected an integer in [0, 2^53 - 1] (Number.MAX_SAFE_INTEGER), received 18446744073709552000');
    expect(() => torch.manualSeed(2n ** 64n)).toThrow(/received 18446744073709551616n/);
    expect(() => torch.manualSeed(2 ** 53)).toThrow(/manualSeed\(seed\)/);
    expect(() => torch.manualSeed(-1)).toThrow(/manualSeed\(seed\)/);
    expect(() => torch.manualSeed(0.5)).toThrow(/manualSeed\(seed\)/);
  });

  it('the largest safe seed and a bigint seed reproduce their draws', () => {
    const draw = (seed: number | bigint) => { torch.manualSeed(seed); return torch.randn([4]).toArray(); };
    expect(draw(Number.MAX_SAFE_INTEGER)).toEqual(draw(Number.MAX_SAFE_INTEGER));
    expect(draw(42n)).toEqual(draw(42));
  });
});

/**
 * Seeded shuffling and datasets-style splitting. Expected numbers come from an independent
 * Python implementation of SplitMix32 + xoshiro128** (whose core reproduces the reference
 * sequence 11520, 0, 5927040, 70819200, ... for state [1, 2, 3, 4]) and from datasets' size rules.
 */
import { describe, expect, it } from 'vitest';
import { permutation, Random, shuffle, trainTestSplit } from '../../lib/data';

describe('Random (SplitMix32-seeded xoshiro128**)', () => {
  it('gives the sequence the Python reference gives for seeds 42, 0 and 2^40 + 7', () => {
    const draw = (seed: number, n: number) => {
      const r = new Random(seed);
      return Array.from({ length: n }, () => r.nextUint32());
    };
    expect(draw(42, 5)).toEqual([2837322924, 544945897, 479756282, 3500138142, 339756180]);
    expect(draw(0, 3)).toEqual([3809008728, 1133695204, 53579671]);
    expect(draw(2 ** 40 + 7, 3)).toEqual([1722006567, 3668398331, 2436101295]);
  });

  // n = 3 * 2^30: 2^32 % n = 2^30, so draws from 3 * 2^30 up are rejected (a quarter of them).
  // Seed 42's fourth draw, 3500138142, is one: the next draw is used instead.
  it('nextInt rejects the draws past the largest multiple of n (no modulo bias)', () => {
    const r = new Random(42);
    expect(Array.from({ length: 4 }, () => r.nextInt(3 * 2 ** 30))).toEqual([2837322924, 544945897, 479756282, 339756180]);
  });

  it('refuses a negative or fractional seed', () => {
    expect(() => new Random(-1)).toThrow(/seed/);
    expect(() => new Random(1.5)).toThrow(/seed/);
  });

  it('nextInt stays in range and hits every value', () => {
    const r = new Random(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.nextInt(7);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(7);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
  });
});

describe('permutation and shuffle', () => {
  it('permutation(10, seed) is the Python reference Fisher-Yates order', () => {
    expect(permutation(10, 42)).toEqual([3, 6, 8, 7, 5, 0, 9, 2, 1, 4]);
    expect(permutation(10, 7)).toEqual([3, 9, 6, 5, 4, 7, 2, 1, 8, 0]);
  });

  it('shuffle keeps every item once, repeats with the same seed and defaults to seed 42', () => {
    const items = Array.from({ length: 100 }, (_, i) => `x${i}`);
    const a = shuffle(items, 3);
    expect([...a].sort()).toEqual([...items].sort());
    expect(shuffle(items, 3)).toEqual(a);
    expect(shuffle(items, 4)).not.toEqual(a);
    expect(shuffle(items)).toEqual(shuffle(items, 42));
    expect(items[0]).toBe('x0'); // the input is not touched
  });
});

describe('trainTestSplit (datasets train_test_split sizes)', () => {
  const items = Array.from({ length: 10 }, (_, i) => i);

  it('testSize 0.25 by default: ceil(2.5) = 3 test rows, taken first from the permutation', () => {
    const { train, test } = trainTestSplit(items, { seed: 42 });
    expect(test).toEqual([3, 6, 8]);
    expect(train).toEqual([7, 5, 0, 9, 2, 1, 4]);
  });

  it('fractions round as datasets rounds them: test ceil, train floor', () => {
    const s = trainTestSplit(items, { testSize: 0.15, trainSize: 0.55 });
    expect(s.test.length).toBe(2); // ceil(1.5)
    expect(s.train.length).toBe(5); // floor(5.5)
    expect(trainTestSplit(items, { trainSize: 0.66 }).test.length).toBe(4); // 10 - floor(6.6)
    expect(trainTestSplit(items, { testSize: 4 }).train.length).toBe(6);
  });

  it('shuffle: false keeps the order: train first, then test', () => {
    expect(trainTestSplit(items, { testSize: 0.2, shuffle: false })).toEqual({ train: [0, 1, 2, 3, 4, 5, 6, 7], test: [8, 9] });
  });

  it('refuses sizes that leave a side empty or overflow, and unknown options', () => {
    expect(() => trainTestSplit(items, { testSize: 10 })).toThrow(/0 train/);
    expect(() => trainTestSplit(items, { testSize: 6, trainSize: 6 })).toThrow(/at most 10/);
    expect(() => trainTestSplit(items, { testSize: 1.5 })).toThrow(/fraction/);
    expect(() => trainTestSplit(items, { test_size: 0.1 } as never)).toThrow(/unknown option 'test_size'/);
  });
});

describe('trainTestSplit and shuffle: every check, with its message', () => {
  const items = Array.from({ length: 10 }, (_, i) => i);

  it('seed 0 is a seed (not the default); negative, fractional and non-number seeds are refused by name', () => {
    expect(shuffle(items, 0)).toEqual(permutation(10, 0).map((i) => items[i]));
    expect(shuffle(items, 0)).not.toEqual(shuffle(items));
    expect(trainTestSplit(items, { seed: 0 }).test).toEqual(permutation(10, 0).slice(0, 3));
    expect(() => shuffle(items, -1)).toThrow('shuffle(): seed must be a non-negative integer, got -1');
    expect(() => shuffle(items, 0.5)).toThrow('shuffle(): seed must be a non-negative integer, got 0.5');
    expect(() => shuffle(items, '3' as never)).toThrow('shuffle(): seed must be a non-negative integer, got 3');
    expect(() => trainTestSplit(items, { seed: 2 ** 53 })).toThrow(`trainTestSplit(): seed must be a non-negative integer, got ${2 ** 53}`);
  });

  it('a size of 0, a negative size, NaN or a string is refused with the option named', () => {
    const msg = (name: string, v: string) => `trainTestSplit(): ${name} must be a fraction in (0, 1) or a positive row count, got ${v}`;
    expect(() => trainTestSplit(items, { testSize: 0 })).toThrow(msg('testSize', '0'));
    expect(() => trainTestSplit(items, { testSize: -0.5 })).toThrow(msg('testSize', '-0.5'));
    expect(() => trainTestSplit(items, { trainSize: NaN })).toThrow(msg('trainSize', 'NaN'));
    expect(() => trainTestSplit(items, { testSize: 0.2, trainSize: '3' as never })).toThrow(msg('trainSize', '3'));
    expect(() => trainTestSplit(items, { trainSize: 2.5 })).toThrow('trainTestSplit(): trainSize 2.5 is neither a fraction below 1 nor a whole row count');
  });

  it('a size of exactly 1 is one row, not the whole set', () => {
    expect(trainTestSplit(items, { testSize: 1 }).test.length).toBe(1);
    expect(trainTestSplit(items, { trainSize: 1, shuffle: false })).toEqual({ train: [0], test: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });

  it('trainSize alone: the test set is the rest; both sizes may leave rows out', () => {
    expect(trainTestSplit(items, { trainSize: 7, shuffle: false })).toEqual({ train: [0, 1, 2, 3, 4, 5, 6], test: [7, 8, 9] });
    const s = trainTestSplit(items, { testSize: 2, trainSize: 3, shuffle: false });
    expect(s).toEqual({ train: [0, 1, 2], test: [3, 4] });
    const shuffled = trainTestSplit(items, { testSize: 2, trainSize: 3, seed: 42 });
    expect(shuffled).toEqual({ test: [3, 6], train: [8, 7, 5] });  // permutation(10, 42) = 3 6 | 8 7 5 | ...
  });

  it('the size error gives both sizes as given (or unset) and the rows they make', () => {
    expect(() => trainTestSplit(items, { trainSize: 10 })).toThrow('trainTestSplit(): with 10 rows, testSize unset and trainSize 10 give 0 test and 10 train rows; both must be at least 1 and together at most 10');
    expect(() => trainTestSplit(items, { testSize: 0.99 })).toThrow('trainTestSplit(): with 10 rows, testSize 0.99 and trainSize unset give 10 test and 0 train rows; both must be at least 1 and together at most 10');
    expect(() => trainTestSplit(items, { testSize: 11 })).toThrow('give 11 test and -1 train rows');
    expect(() => trainTestSplit(items, { testSize: 5, trainSize: 6 })).toThrow('give 5 test and 6 train rows');
  });
});

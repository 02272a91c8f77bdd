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

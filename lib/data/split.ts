/**
 * Shuffling and splitting in-memory data sets, as datasets' Dataset.shuffle(seed) and
 * Dataset.train_test_split(test_size, train_size, shuffle, seed) do, with node-peft's seeded
 * generator (rng.ts): the sizes are datasets', the order is not NumPy's.
 */
import { rejectUnknownOptions } from '../tokenizers/validate';
import { permutation } from './rng';

/** Default seed, transformers' TrainingArguments.seed. */
export const DEFAULT_SEED = 42;

function checkSeed(where: string, seed: unknown): number {
  if (seed === undefined) return DEFAULT_SEED;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new TypeError(`${where}: seed must be a non-negative integer, got ${String(seed)}`);
  }
  return seed;
}

/** A shuffled copy of `items` (datasets' Dataset.shuffle(seed=...); default seed 42). */
export function shuffle<T>(items: readonly T[], seed?: number): T[] {
  const order = permutation(items.length, checkSeed('shuffle()', seed));
  return order.map((i) => items[i]);
}

export interface TrainTestSplitOptions {
  /** A fraction in (0, 1) (the test set gets ceil(fraction * n) rows) or a row count. */
  testSize?: number;
  /** A fraction in (0, 1) (floor(fraction * n) rows) or a row count; default: the rest. */
  trainSize?: number;
  /** Shuffle before splitting (default true, as datasets). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 42). */
  seed?: number;
}

const SPLIT_OPTIONS = ['testSize', 'trainSize', 'shuffle', 'seed'];

/** Rows a size option asks for: a fraction of n (rounded as datasets rounds it) or a count. */
function sizeOf(where: string, name: string, value: number, n: number, round: (x: number) => number): number {
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`${where}: ${name} must be a fraction in (0, 1) or a positive row count, got ${String(value)}`);
  if (value < 1) return round(value * n);
  if (!Number.isInteger(value)) throw new RangeError(`${where}: ${name} ${value} is neither a fraction below 1 nor a whole row count`);
  return value;
}

/**
 * Splits `items` into { train, test } like datasets' train_test_split: test_size 0.25 when
 * neither size is given; test rows ceil(test_size * n), train rows floor(train_size * n) or the
 * rest; shuffled (seed 42 unless given) unless shuffle is false, when train is the first rows.
 */
export function trainTestSplit<T>(items: readonly T[], options: TrainTestSplitOptions = {}): { train: T[]; test: T[] } {
  const where = 'trainTestSplit()';
  rejectUnknownOptions(where, options, SPLIT_OPTIONS);
  const n = items.length;
  const o = options;
  const testGiven = o.testSize ?? (o.trainSize === undefined ? 0.25 : undefined);
  const nTest = testGiven === undefined ? n - sizeOf(where, 'trainSize', o.trainSize!, n, Math.floor) : sizeOf(where, 'testSize', testGiven, n, Math.ceil);
  const nTrain = o.trainSize === undefined ? n - nTest : sizeOf(where, 'trainSize', o.trainSize, n, Math.floor);
  if (nTrain <= 0 || nTest <= 0 || nTrain + nTest > n) {
    throw new RangeError(
      `${where}: with ${n} rows, testSize ${o.testSize ?? 'unset'} and trainSize ${o.trainSize ?? 'unset'} give ` +
        `${nTest} test and ${nTrain} train rows; both must be at least 1 and together at most ${n}`,
    );
  }
  if (o.shuffle === false) return { train: items.slice(0, nTrain), test: items.slice(nTrain, nTrain + nTest) };
  const order = permutation(n, checkSeed(where, o.seed));
  return {
    test: order.slice(0, nTest).map((i) => items[i]),
    train: order.slice(nTest, nTest + nTrain).map((i) => items[i]),
  };
}

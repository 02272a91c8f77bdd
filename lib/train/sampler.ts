// The order in which the Trainer visits examples, as transformers 4.29 + torch 1.13 produce it:
// RandomSampler over a torch.Generator seeded once from the global generator (or dataSeed), one
// torch.randperm per epoch — plus the second, empty randperm RandomSampler draws at the end of
// every pass when num_samples == n — and LengthGroupedSampler for groupByLength. The permutations
// come from libtorch itself, so the numbers are PyTorch's.
import { native, type NativeGenerator } from '../binding';
import { wrap } from '../tensor';

/** torch.randperm(n, generator=g).tolist() */
function randperm(generator: NativeGenerator, n: number): number[] {
  const t = wrap(native.generatorRandperm(generator, n));
  const out = Array.from(t.toTypedArray() as BigInt64Array, Number);
  t.dispose();
  return out;
}

export interface Sampler {
  /** The example indices of the next epoch (each call is one more pass). */
  nextEpoch(): number[];
}

export class SequentialSampler implements Sampler {
  constructor(private readonly n: number) {}
  nextEpoch(): number[] { return Array.from({ length: this.n }, (_, i) => i); }
}

/** transformers' _get_train_sampler generator: dataSeed, or a draw from the global generator. */
export function samplerGenerator(dataSeed: number | null): NativeGenerator {
  return native.generatorCreate(dataSeed);
}

export class RandomSampler implements Sampler {
  constructor(private readonly n: number, private readonly generator: NativeGenerator) {}
  nextEpoch(): number[] {
    const order = randperm(this.generator, this.n);
    randperm(this.generator, this.n);  // torch 1.13: `randperm(n)[:num_samples % n]`, drawn even when empty
    return order;
  }
}

/**
 * transformers' LengthGroupedSampler (get_length_grouped_indices): a random permutation cut into
 * megabatches of megaBatchMult × batchSize, each sorted by length (longest first, stable), with
 * the longest megabatch head swapped to the front so an out-of-memory shows up at once.
 */
export class LengthGroupedSampler implements Sampler {
  constructor(private readonly lengths: number[], private readonly batchSize: number, private readonly generator: NativeGenerator) {}
  nextEpoch(): number[] {
    const { lengths, batchSize } = this;
    let mult = Math.min(Math.floor(lengths.length / (batchSize * 4)), 50);
    if (mult === 0) mult = 1;
    const indices = randperm(this.generator, lengths.length);
    const size = mult * batchSize;
    const megabatches: number[][] = [];
    for (let i = 0; i < indices.length; i += size) {
      megabatches.push(indices.slice(i, i + size).sort((a, b) => lengths[b] - lengths[a]));
    }
    const maxes = megabatches.map((m) => lengths[m[0]]);
    const maxIdx = maxes.indexOf(Math.max(...maxes));  // torch.argmax: the first maximum
    [megabatches[0][0], megabatches[maxIdx][0]] = [megabatches[maxIdx][0], megabatches[0][0]];
    return megabatches.flat();
  }
}

/** Cuts an epoch's order into batches (the last one short unless dropLast). */
export function toBatches(order: number[], batchSize: number, dropLast: boolean): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) {
    const batch = order.slice(i, i + batchSize);
    if (batch.length === batchSize || !dropLast) batches.push(batch);
  }
  return batches;
}

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
  /** Indices per epoch when not the data set's length (a rank's shard). */
  readonly numSamples?: number;
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

/** torch.utils.data.DistributedSampler's indices for one epoch (torch 1.13), with drop_last false. */
export function distributedIndices(order: number[], worldSize: number, rank: number): number[] {
  const numSamples = Math.ceil(order.length / worldSize);
  const total = numSamples * worldSize;
  const padded = order.slice();
  // Padding repeats the order from its start (as many times as needed) so every rank gets numSamples.
  while (padded.length < total) padded.push(...order.slice(0, total - padded.length));
  const mine: number[] = [];
  for (let i = rank; i < total; i += worldSize) mine.push(padded[i]);
  return mine;
}

/**
 * torch's DistributedSampler, as transformers 4.29 uses it under a process group: epoch e is
 * randperm(n) over a generator seeded with seed + e, padded to a multiple of the world size by
 * repeating its start, and rank r takes indices[r::worldSize] — disjoint shards of equal length.
 */
export class DistributedSampler implements Sampler {
  #epoch = 0;
  readonly numSamples: number;
  constructor(private readonly n: number, private readonly options: { worldSize: number; rank: number; seed: number; shuffle?: boolean }) {
    this.numSamples = Math.ceil(n / options.worldSize);
  }
  nextEpoch(): number[] {
    const { worldSize, rank, seed, shuffle = true } = this.options;
    let order: number[];
    if (shuffle) {
      const g = native.generatorCreate(seed + this.#epoch);
      order = randperm(g, this.n);
    } else {
      order = Array.from({ length: this.n }, (_, i) => i);
    }
    this.#epoch += 1;  // the Trainer's sampler.set_epoch(epoch) before each epoch
    return distributedIndices(order, worldSize, rank);
  }
}

/** transformers' DistributedLengthGroupedSampler: LengthGroupedSampler's order over a generator seeded with seed + epoch, then sharded as DistributedSampler. */
export class DistributedLengthGroupedSampler implements Sampler {
  #epoch = 0;
  readonly numSamples: number;
  constructor(private readonly lengths: number[], private readonly batchSize: number, private readonly options: { worldSize: number; rank: number; seed: number }) {
    this.numSamples = Math.ceil(lengths.length / options.worldSize);
  }
  nextEpoch(): number[] {
    const g = native.generatorCreate(this.options.seed + this.#epoch++);
    return distributedIndices(new LengthGroupedSampler(this.lengths, this.batchSize, g).nextEpoch(), this.options.worldSize, this.options.rank);
  }
}

/**
 * transformers' ShardSampler for evaluation under a process group: the data in order, padded
 * (repeating from the start) to whole rounds of worldSize batches; rank r takes batches r,
 * r + worldSize, ... so gathering each round's batches in rank order restores the data's order.
 */
export class ShardSampler implements Sampler {
  readonly numSamples: number;
  constructor(private readonly n: number, private readonly batchSize: number, private readonly worldSize: number, private readonly rank: number) {
    this.numSamples = Math.ceil(n / (batchSize * worldSize)) * batchSize;
  }
  nextEpoch(): number[] {
    const round = this.batchSize * this.worldSize;
    const total = Math.ceil(this.n / round) * round;
    const out: number[] = [];
    for (let i = this.rank * this.batchSize; i < total; i += round) {
      for (let j = i; j < i + this.batchSize; j++) out.push(j % this.n);
    }
    return out;
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

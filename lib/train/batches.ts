// Turning a data set into the batches of one epoch: the sampler's order, cut into batches,
// columns the model does not take removed, and the collator applied. Arrays are shuffled with
// transformers' sampler; async iterables (streamed corpora) are read in order, a batch at a time.
import type { NativeModelInputs, NativeTensor } from '../binding';
import type { Dataset, Example } from '../data/types';
import type { Device } from '../dtype';
import { handleOf, type Tensor } from '../tensor';
import type { Batch, DataCollator } from './collator';
import { toBatches, type Sampler } from './sampler';

/** Columns the model's forward takes (transformers' _remove_unused_columns keeps the signature's). */
const MODEL_COLUMNS = ['inputIds', 'attentionMask', 'tokenTypeIds', 'labels'];

export function isArrayDataset(d: Dataset): d is readonly Example[] {
  return Array.isArray(d);
}

/** transformers' _remove_unused_columns, per row (label columns kept). */
export function projector(remove: boolean, labelNames: string[]): (row: Example) => Example {
  if (!remove) return (row) => row;
  const keep = new Set([...MODEL_COLUMNS, ...labelNames]);
  return (row) => {
    if (row === null || typeof row !== 'object') throw new TypeError(`a data set row must be an object with inputIds, received ${String(row)}`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(row)) if (keep.has(key)) out[key] = row[key];
    return out as Example;
  };
}

export interface BatchSource {
  /** Micro-batches of one epoch, collated; `skip` first ones are passed over without collating. */
  epoch(skip: number): AsyncGenerator<{ batch: Batch | null; size: number }>;
  /** Draws an epoch's order without producing it (resuming after finished epochs). */
  skipEpoch(): void;
  /** Batches per epoch, when known (arrays), else null. */
  readonly length: number | null;
}

export function arrayBatches(rows: readonly Example[], sampler: Sampler, batchSize: number, dropLast: boolean, collate: DataCollator, project: (r: Example) => Example): BatchSource {
  const n = sampler.numSamples ?? rows.length;  // a rank's shard under a process group
  const length = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  return {
    length,
    skipEpoch: () => { sampler.nextEpoch(); },
    async *epoch(skip: number) {
      const batches = toBatches(sampler.nextEpoch(), batchSize, dropLast);
      for (let i = 0; i < batches.length; i++) {
        yield i < skip ? { batch: null, size: batches[i].length } : { batch: collate(batches[i].map((j) => project(rows[j]))), size: batches[i].length };
      }
    },
  };
}

export function streamBatches(rows: AsyncIterable<Example>, batchSize: number, dropLast: boolean, collate: DataCollator, project: (r: Example) => Example): BatchSource {
  return {
    length: null,
    skipEpoch: () => {},
    async *epoch(skip: number) {
      let pending: Example[] = [];
      let index = 0;
      const emit = (list: Example[]) => (index++ < skip ? { batch: null, size: list.length } : { batch: collate(list), size: list.length });
      for await (const row of rows) {
        pending.push(project(row));
        if (pending.length === batchSize) {
          yield emit(pending);
          pending = [];
        }
      }
      if (pending.length > 0 && !dropLast) yield emit(pending);
    },
  };
}

/**
 * transformers' IterableDatasetShard (drop_last false): rows in rounds of worldSize × batchSize;
 * rank r takes the r-th batch of each round; a short last round is filled up by repeating its
 * own first rows, so every rank gets the same number of batches.
 */
export async function* shardStream(rows: AsyncIterable<Example>, batchSize: number, worldSize: number, rank: number): AsyncGenerator<Example> {
  const round = batchSize * worldSize;
  let buffer: Example[] = [];
  let first: Example[] | null = null;
  for await (const row of rows) {
    buffer.push(row);
    if (first === null && buffer.length === round) first = buffer.slice();
    if (buffer.length === round) {
      yield* buffer.slice(rank * batchSize, (rank + 1) * batchSize);
      buffer = [];
    }
  }
  if (buffer.length === 0) return;
  const fill = first ?? buffer.slice();
  for (let i = 0; buffer.length < round; i++) buffer.push(fill[i % fill.length]);
  yield* buffer.slice(rank * batchSize, (rank + 1) * batchSize);
}

/**
 * A batch as the native forward takes it, moved to `device`; `release` frees the device copies
 * (the batch itself is freed by disposeBatch).
 */
export function nativeInputs(batch: Batch, device: string, autocast: 'bfloat16' | null, returnLogits = true): { inputs: NativeModelInputs; release: () => void } {
  const copies: Tensor[] = [];
  const put = (t: Tensor | undefined): NativeTensor | null => {
    if (t === undefined) return null;
    if (device === 'cpu') return handleOf(t, 'batch');
    const moved = t.to(device as Device);
    copies.push(moved);
    return handleOf(moved, 'batch');
  };
  const inputs: NativeModelInputs = {
    inputIds: put(batch.inputIds)!, attentionMask: put(batch.attentionMask), tokenTypeIds: put(batch.tokenTypeIds),
    labels: put(batch.labels), autocast, returnLogits,
  };
  return { inputs, release: () => copies.forEach((t) => t.dispose()) };
}

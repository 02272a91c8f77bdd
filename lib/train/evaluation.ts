// transformers' evaluation_loop: the model in eval mode without a graph, batch by batch in order;
// the loss of each batch counted once per example (loss.repeat(batch_size)); logits and labels
// gathered for computeMetrics (padded with -100 across batches of different lengths).
import { native } from '../binding';
import { cat, full, tensor } from '../creation';
import { gatherShardedRows } from '../distributed/gather';
import { withCallerStack } from '../errors';
import { moduleHandle } from '../nn/module';
import { noGrad } from '../scope';
import { type Tensor, wrap } from '../tensor';
import { disposeBatch } from './collator';
import { nativeInputs, type BatchSource } from './batches';
import type { EvalPrediction } from './metrics';
import type { TrainTarget } from './target';

export interface EvalLoopOutput {
  predictions: Tensor | null;
  labelIds: Tensor | null;
  /** The per-example losses' mean, or null without labels. */
  loss: number | null;
  numSamples: number;
  numSteps: number;
}

/** Concatenates along dim 0, padding dim 1 (sequence length) with -100 as nested_concat does. */
function padConcat(parts: Tensor[]): Tensor {
  if (parts[0].ndim < 2 || parts.every((p) => p.shape[1] === parts[0].shape[1])) return cat(parts, 0);
  const length = Math.max(...parts.map((p) => p.shape[1]));
  const padded = parts.map((p) => {
    const shape = p.shape;
    const out = full([shape[0], length, ...shape.slice(2)], -100, { dtype: p.dtype });
    const view = out.narrow(1, 0, shape[1]);
    noGrad(() => view.copy_(p));
    view.dispose();
    return out;
  });
  const result = cat(padded, 0);
  padded.forEach((t) => t.dispose());
  return result;
}

/** Mean of float32 losses summed in float32, as numpy's float32 mean does for short arrays. */
function float32Mean(losses: number[]): number {
  let sum = 0;
  for (const l of losses) sum = Math.fround(sum + l);
  return Math.fround(sum / losses.length);
}

/** Under a process group: the data set's size and the batch size of the ShardSampler that split it. */
export interface EvalShards {
  n: number;
  batchSize: number;
}

/** [async] Every rank's losses, predictions and labels in the data's order (transformers' nested gather + truncate). */
async function gatherShards(shards: EvalShards, losses: number[], predictions: Tensor | null, labelIds: Tensor | null) {
  const gather = async (t: Tensor | null, pad: number) => {
    if (!t) return null;
    const all = await gatherShardedRows(t, shards.batchSize, shards.n, pad);
    t.dispose();
    return all;
  };
  let all: number[] = [];
  if (losses.length > 0) {
    const t = await gather(tensor(losses, { dtype: 'float32' }), 0);
    all = Array.from(t!.toTypedArray() as Float32Array);
    t!.dispose();
  }
  return { losses: all, predictions: await gather(predictions, -100), labelIds: await gather(labelIds, -100) };
}

export async function evaluationLoop(target: TrainTarget, source: BatchSource, options: { keepPredictions: boolean; device: string; autocast: 'bfloat16' | null; shards?: EvalShards | null }): Promise<EvalLoopOutput> {
  target.model.eval();
  native.drawGlobalSeed();  // iter(DataLoader) draws its base seed from the global generator
  const losses: number[] = [];
  const logits: Tensor[] = [];
  const labels: Tensor[] = [];
  let numSamples = 0;
  let numSteps = 0;
  for await (const { batch, size } of source.epoch(0)) {
    if (!batch) continue;
    numSamples += size;
    numSteps += 1;
    const { inputs, release } = nativeInputs(batch, options.device, options.autocast, options.keepPredictions);
    const out = await noGrad(() => withCallerStack(native.modelForwardAsync(moduleHandle(target.model), inputs))).finally(release);
    if (out.loss) {
      const loss = wrap(out.loss);
      const value = loss.item() as number;
      for (let i = 0; i < size; i++) losses.push(value);
      loss.dispose();
    }
    if (options.keepPredictions && out.logits) {
      const raw = wrap(out.logits);
      const cpu = raw.cpu();
      logits.push(cpu.float());
      [raw, cpu].forEach((t) => t.dispose());
    }
    // cpu() returns a new handle (on the CPU one sharing the labels' storage), so the batch's own
    // handles are all freed here.
    if (options.keepPredictions && batch.labels) labels.push(batch.labels.cpu());
    for (const h of [out.lastHiddenState, out.poolerOutput, options.keepPredictions ? null : out.logits]) if (h) h.dispose();
    disposeBatch(batch);
  }
  let predictions = logits.length > 0 ? padConcat(logits) : null;
  let labelIds = labels.length > 0 ? padConcat(labels) : null;
  [...logits, ...labels].forEach((t) => t.dispose());
  let allLosses = losses;
  if (options.shards) {
    ({ losses: allLosses, predictions, labelIds } = await gatherShards(options.shards, losses, predictions, labelIds));
    numSamples = options.shards.n;
  }
  return { predictions, labelIds, loss: allLosses.length > 0 ? float32Mean(allLosses) : null, numSamples, numSteps };
}

export type { EvalPrediction };

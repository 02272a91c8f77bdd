// One micro-batch of training as one native call (native/train/step.cc): forward with labels,
// loss / gradientAccumulationSteps, backward — and, at an accumulation boundary, clipping, the
// optimizer step, the scheduler step and freeing the gradients. Nothing crosses back into JS in
// between; the promise settles with the numbers the Trainer logs.
import { native } from '../binding';
import { withCallerStack } from '../errors';
import type { DistributedDataParallel } from '../distributed/data-parallel';
import type { LRScheduler } from '../optim/scheduler';
import type { Optimizer } from '../optim/optimizer';
import { moduleHandle } from '../nn/module';
import type { PreTrainedModel } from '../models/pretrained';
import type { Batch } from './collator';
import { nativeInputs } from './batches';

export interface TrainingStepOptions {
  /** Divides the loss before backward (transformers' gradient_accumulation_steps). Default 1. */
  gradientAccumulationSteps?: number;
  /** Given at an accumulation boundary: the update runs after the backward. */
  optimizer?: Optimizer | null;
  scheduler?: LRScheduler | null;
  /** Clip the gradients' total norm to this before the update (0: no clipping). */
  maxGradNorm?: number;
  device?: string;
  autocast?: 'bfloat16' | null;
  /** Data parallel: at an update the gradients are averaged over the ranks before clipping. */
  dataParallel?: DistributedDataParallel | null;
  /** Data parallel: this rank was asked to stop; the result's stopRequested tells every rank. */
  stopRequested?: boolean;
}

export interface TrainingStepResult {
  /** The batch's loss (mean over its tokens or rows). */
  loss: number;
  /** loss / gradientAccumulationSteps in float32, what transformers adds to its running loss. */
  scaledLoss: number;
  /** The gradients' total norm before clipping (at an update with clipping), else null. */
  gradNorm: number | null;
  /** false: the loss was NaN or infinite (under data parallelism: on some rank) and no update ran. */
  finite: boolean;
  updated: boolean;
  /** Data parallel: some rank asked to stop after this update (false without data parallelism). */
  stopRequested: boolean;
  /** Each parameter group's learning rate after the update. */
  lr: number[];
}

/** [async] One training micro-step on a worker thread; the model must be in train() mode for dropout. */
export async function trainingStep(model: PreTrainedModel, batch: Batch, options: TrainingStepOptions = {}): Promise<TrainingStepResult> {
  const { inputs, release } = nativeInputs(batch, options.device ?? 'cpu', options.autocast ?? null, false);
  try {
    return await withCallerStack(native.trainStepAsync(moduleHandle(model), inputs, {
      lossDivisor: options.gradientAccumulationSteps ?? 1,
      optimizer: options.optimizer ? options.optimizer.handle : null,
      scheduler: options.scheduler ? options.scheduler.handle : null,
      maxGradNorm: options.maxGradNorm ?? 0,
      gradSync: options.dataParallel?.handle ?? null,
      stopRequested: options.stopRequested ?? false,
    }));
  } finally {
    release();
  }
}

// transformers 4.29's _inner_training_loop: epochs of micro-batches, an optimizer step every
// gradientAccumulationSteps micro-batches (or at the end of an epoch shorter than that), the
// callbacks' decisions to log, evaluate and save after each step and each epoch, resuming in the
// middle of an epoch, SIGINT and non-finite losses.
import { native } from '../binding';
import type { DistributedDataParallel } from '../distributed/data-parallel';
import { barrier } from '../distributed/process-group';
import type { LRScheduler } from '../optim/scheduler';
import type { Optimizer } from '../optim/optimizer';
import type { BatchSource } from './batches';
import type { CallbackEventName, CallbackHandler } from './callbacks';
import { disposeBatch } from './collator';
import { loadProgress, loadRngState, rotateCheckpoints, saveCheckpoint } from './checkpoint';
import { gatherRankState, meanOverRanks } from './ranks';
import type { TrainerControl, TrainerState } from './state';
import { trainingStep } from './step';
import type { TrainTarget } from './target';
import type { TrainingArguments } from './training-args';
import { pyRound } from './pyround';

export interface LoopParts {
  args: TrainingArguments;
  state: TrainerState;
  control: TrainerControl;
  callbacks: CallbackHandler;
  target: TrainTarget;
  optimizer: Optimizer;
  scheduler: LRScheduler;
  source: BatchSource;
  /** Evaluates on the eval set and logs (Trainer.evaluate). */
  evaluate: () => Promise<Record<string, number>>;
  /** Appends to the log history (Trainer.log). */
  log: (logs: Record<string, number>) => Promise<void>;
  /** Under a process group: this rank and the world size (only rank 0 writes checkpoints). */
  world?: { rank: number; worldSize: number } | null;
  /** Data parallel (world size > 1): the gradients are averaged over the ranks in each update. */
  dataParallel?: DistributedDataParallel | null;
}

/** Where the loop starts: from scratch, or after `globalStep` steps of a checkpoint. */
export interface LoopStart {
  epochsTrained: number;
  /** Micro-batches of the first epoch already trained. */
  stepsTrainedInEpoch: number;
  checkpoint: string | null;
}

export interface LoopResult {
  interrupted: boolean;
  lastCheckpoint: string | null;
  trainLoss: number;
}

export class NonFiniteLossError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}

export class TrainingLoop {
  #trLoss = 0;            // float32, as transformers' tr_loss tensor
  #totalLossScalar = 0;   // Python float
  #lastLoggedStep: number;
  #currentFlos = 0;
  #nonEmbedding: number;
  #interrupted = false;
  #stopRequested = false;  // data parallel: asked locally, in effect once every rank knows
  #lastCheckpoint: string | null = null;
  #inEpochEnd = false;

  constructor(private readonly p: LoopParts) {
    this.#lastLoggedStep = p.state.globalStep;
    this.#nonEmbedding = p.target.nonEmbeddingParameters();
  }

  /** Continues the running sums of a checkpoint (node-peft's; transformers restarts them at 0). */
  #restore(checkpoint: string): boolean {
    const progress = loadProgress(checkpoint, this.p.world?.rank ?? 0);
    if (!progress) return true;
    this.#trLoss = progress.trLoss;
    this.#totalLossScalar = progress.totalLossScalar;
    this.#lastLoggedStep = progress.lastLoggedStep;
    return progress.epochEndDone;
  }

  /** Asks the loop to stop after the current optimizer step, with a checkpoint (SIGINT). */
  interrupt(): void {
    // Under data parallelism a rank may not stop alone (the others would wait in the next
    // all-reduce): the request rides with the next update and takes effect on every rank at once.
    if (this.p.dataParallel) this.#stopRequested = true;
    else this.#interrupted = true;
  }

  #event(name: CallbackEventName, extra: object = {}): Promise<TrainerControl> {
    const { args, state, control } = this.p;
    return this.p.callbacks.call(name, { args, state, control, ...extra });
  }

  async run(start: LoopStart, numTrainEpochs: number): Promise<LoopResult> {
    let skip = start.stepsTrainedInEpoch;
    // transformers replays the sampler over finished epochs (list(sampler)) so the next epoch's order is the one it would have had.
    if (!this.p.args.ignoreDataSkip) for (let e = 0; e < start.epochsTrained; e++) this.p.source.skipEpoch();
    const epochEndDone = start.checkpoint ? this.#restore(start.checkpoint) : true;
    for (let epoch = start.epochsTrained; epoch < numTrainEpochs; epoch++) {
      if (epoch === start.epochsTrained && start.checkpoint && skip === 0) {
        await loadRngState(start.checkpoint, this.p.world);
        // A checkpoint written at the last step of an epoch, before that epoch's end (evaluation,
        // logging): finish it as the uninterrupted run did.
        if (!epochEndDone && epoch > 0) await this.#epochEnd();
      }
      native.drawGlobalSeed();  // iter(DataLoader) draws its base seed from the global generator
      this.p.control.newEpoch();
      await this.#event('onEpochBegin');
      await this.#epoch(epoch, skip, start.checkpoint);
      skip = 0;
      await this.#epochEnd();
      if (this.p.control.shouldTrainingStop || this.#interrupted) break;
    }
    // Under a process group the ranks' losses are averaged, so every rank reports the same train_loss.
    this.#totalLossScalar += this.p.world ? await meanOverRanks(this.#trLoss) : this.#trLoss;
    this.#storeFlos();
    const steps = Math.max(this.p.state.globalStep, 1);
    return { interrupted: this.#interrupted, lastCheckpoint: this.#lastCheckpoint, trainLoss: this.#totalLossScalar / steps };
  }

  async #epochEnd(): Promise<void> {
    this.#inEpochEnd = true;
    await this.#event('onEpochEnd');
    await this.#maybeLogSaveEvaluate();
    this.#inEpochEnd = false;
  }

  async #epoch(epoch: number, skip: number, checkpoint: string | null): Promise<void> {
    const { args, source } = this.p;
    const ga = args.gradientAccumulationSteps;
    // A streamed data set has no length: transformers then counts maxSteps × accumulation per epoch.
    const stepsInEpoch = source.length ?? args.maxSteps * ga;
    let step = -1;
    let rngToSync = skip > 0;
    for await (const { batch } of source.epoch(skip)) {
      step += 1;
      if (!batch) continue;  // trained before the checkpoint we resume from
      if (rngToSync && checkpoint) {
        await loadRngState(checkpoint, this.p.world);
        rngToSync = false;
      }
      const boundary = (step + 1) % ga === 0 || (stepsInEpoch <= ga && step + 1 === stepsInEpoch);
      if (step % ga === 0) await this.#event('onStepBegin');
      await this.#microStep(batch, boundary, epoch, step);
      if (boundary) {
        this.p.state.globalStep += 1;
        this.p.state.epoch = epoch + (step + 1) / stepsInEpoch;
        await this.#event('onStepEnd');
        if (this.#interrupted) this.p.control.shouldSave = true;
        await this.#maybeLogSaveEvaluate();
      } else {
        await this.#event('onSubstepEnd');
      }
      if (this.p.control.shouldEpochStop || this.p.control.shouldTrainingStop || (boundary && this.#interrupted)) break;
    }
  }

  async #microStep(batch: Parameters<typeof trainingStep>[1], boundary: boolean, epoch: number, step: number): Promise<void> {
    const { args, target, optimizer, scheduler, state } = this.p;
    target.model.train();
    try {
      const r = await trainingStep(target.model, batch, {
        gradientAccumulationSteps: args.gradientAccumulationSteps, maxGradNorm: args.maxGradNorm,
        optimizer: boundary ? optimizer : null, scheduler: boundary ? scheduler : null,
        device: args.device, autocast: args.autocast === 'bfloat16' ? 'bfloat16' : null,
        dataParallel: this.p.dataParallel, stopRequested: this.#stopRequested,
      });
      if (r.stopRequested) this.#interrupted = true;  // another rank got SIGINT: stop at this same step
      if (!r.finite) {
        const where = Number.isFinite(r.loss) && this.p.world ? `another rank's training loss is not finite (this rank's is ${r.loss})` : `the training loss is ${r.loss}`;
        throw new NonFiniteLossError(`${where} at step ${state.globalStep + 1} (epoch ${epoch}, micro-batch ${step}): training stopped. ` +
          `The last checkpoint (${this.#lastCheckpoint ?? 'none saved in this run'}) is intact; lower the learning rate, use maxGradNorm, or check the data of this batch.`);
      }
      this.#trLoss = Math.fround(this.#trLoss + r.scaledLoss);
      this.#currentFlos += 6 * batch.numTokens * this.#nonEmbedding;
    } finally {
      disposeBatch(batch);
    }
  }

  #storeFlos(): void {
    this.p.state.totalFlos += this.#currentFlos;
    this.#currentFlos = 0;
  }

  /** transformers' _maybe_log_save_evaluate. */
  async #maybeLogSaveEvaluate(): Promise<void> {
    const { control, state, scheduler } = this.p;
    if (control.shouldLog) {
      // transformers logs the mean over the ranks (_nested_gather(tr_loss).mean()).
      const trLoss = this.p.world ? await meanOverRanks(this.#trLoss) : this.#trLoss;
      this.#trLoss = 0;
      const logs = { loss: pyRound(trLoss / (state.globalStep - this.#lastLoggedStep), 4), learning_rate: scheduler.getLastLr()[0] };
      this.#totalLossScalar += trLoss;
      this.#lastLoggedStep = state.globalStep;
      this.#storeFlos();
      await this.p.log(logs);
    }
    let metrics: Record<string, number> | null = null;
    if (control.shouldEvaluate) metrics = await this.p.evaluate();
    if (control.shouldSave) {
      await this.#save(metrics);
      await this.#event('onSave');
    }
    control.newStep();
  }

  /** transformers' _save_checkpoint: best-metric bookkeeping, the checkpoint, the rotation. */
  async #save(metrics: Record<string, number> | null): Promise<void> {
    const { args, state } = this.p;
    const dir = `${args.outputDir}/checkpoint-${state.globalStep}`;
    if (metrics && args.metricForBestModel) {
      const name = args.metricForBestModel.startsWith('eval_') ? args.metricForBestModel : `eval_${args.metricForBestModel}`;
      const value = metrics[name];
      if (value === undefined) throw new Error(`metricForBestModel '${args.metricForBestModel}': the evaluation returned no '${name}' (it returned ${Object.keys(metrics).join(', ')})`);
      const better = args.greaterIsBetter ? value > (state.bestMetric ?? -Infinity) : value < (state.bestMetric ?? Infinity);
      if (state.bestMetric === null || state.bestModelCheckpoint === null || better) {
        state.bestMetric = value;
        state.bestModelCheckpoint = dir;
      }
    }
    this.#storeFlos();  // transformers' _save_checkpoint stores the flos first
    const progress = { trLoss: this.#trLoss, totalLossScalar: this.#totalLossScalar, lastLoggedStep: this.#lastLoggedStep, epochEndDone: this.#inEpochEnd };
    if (!this.p.world) {
      this.#lastCheckpoint = await saveCheckpoint(this.p, progress);
      await rotateCheckpoints(args, state.bestModelCheckpoint);
      return;
    }
    // Under a process group rank 0 writes the checkpoint, with every rank's RNG state and running
    // loss; the others wait, so that nobody reads a checkpoint before it is complete.
    const ranks = await gatherRankState(this.#trLoss);
    try {
      if (this.p.world.rank === 0) {
        this.#lastCheckpoint = await saveCheckpoint(this.p, progress, ranks);
        await rotateCheckpoints(args, state.bestModelCheckpoint);
      } else {
        this.#lastCheckpoint = dir;
      }
    } finally {
      ranks.rngStates.forEach((t) => t.dispose());
    }
    await barrier();
  }
}

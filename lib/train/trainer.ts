// Trainer: transformers' Trainer for node-peft models — train (with resume), evaluate, predict,
// saveModel, logHistory — over the fused native training step.
import fs from 'fs';
import path from 'path';
import type { Dataset, Example } from '../data/types';
import { DistributedDataParallel } from '../distributed/data-parallel';
import { getLocalRank, worldInfo } from '../distributed/process-group';
import type { PreTrainedModel } from '../models/pretrained';
import { AdamW } from '../optim/adamw';
import type { Optimizer } from '../optim/optimizer';
import { getScheduler, type LRScheduler } from '../optim/scheduler';
import { SGD } from '../optim/sgd';
import type { PeftModel } from '../peft/peft-model';
import { manualSeed } from '../runtime';
import { writeJsonAtomic } from '../util/fs';
import { expectOptions, invalid } from '../validate';
import { arrayBatches, isArrayDataset, projector, shardStream, streamBatches, type BatchSource } from './batches';
import { CallbackHandler, DefaultFlowCallback, resolveSteps, type TrainerCallback } from './callbacks';
import { dataCollatorForLanguageModeling, dataCollatorWithPadding, type DataCollator } from './collator';
import { getLastCheckpoint, loadCheckpoint } from './checkpoint';
import { dataCollatorForMaskedLM, type MaskingTokenizer } from './mlm-collator';
import { evaluationLoop } from './evaluation';
import { TrainingLoop, type LoopStart } from './loop';
import type { EvalPrediction } from './metrics';
import { pyRound } from './pyround';
import { JsonlLoggerCallback, ProgressCallback } from './reporting';
import { DistributedLengthGroupedSampler, DistributedSampler, LengthGroupedSampler, RandomSampler, samplerGenerator, SequentialSampler, ShardSampler, type Sampler } from './sampler';
import { TrainerControl, TrainerState } from './state';
import { TensorBoardCallback } from './tensorboard';
import { trainTarget, type TrainTarget } from './target';
import { TrainingArguments } from './training-args';

export interface TrainerOptions {
  model: PreTrainedModel | PeftModel;
  args?: TrainingArguments;
  trainDataset?: Dataset;
  evalDataset?: Dataset;
  /** Default: dynamic padding (DataCollatorWithPadding), or the causal-LM collator for OPTForCausalLM. */
  dataCollator?: DataCollator;
  /** Gives the default collator its pad id and padding side (and, for masked LM, the mask token). */
  tokenizer?: { padTokenId?: number | null; paddingSide?: 'right' | 'left' } | MaskingTokenizer;
  computeMetrics?: (p: EvalPrediction) => Record<string, number>;
  callbacks?: TrainerCallback[];
  /** [optimizer, scheduler] to use instead of the ones built from args. */
  optimizers?: [Optimizer | null, LRScheduler | null];
}

export interface TrainOutput {
  globalStep: number;
  trainingLoss: number;
  metrics: Record<string, number>;
  /** 'interrupted': SIGINT (or interrupt()) stopped the run after a step, with a checkpoint. */
  status: 'completed' | 'interrupted';
  checkpoint: string | null;
}

export interface PredictionOutput {
  predictions: EvalPrediction['predictions'] | null;
  labelIds: EvalPrediction['labelIds'];
  metrics: Record<string, number>;
}

const OPTION_KEYS = ['model', 'args', 'trainDataset', 'evalDataset', 'dataCollator', 'tokenizer', 'computeMetrics', 'callbacks', 'optimizers'] as const;

/** transformers' speed_metrics. */
function speedMetrics(split: string, start: number, numSamples: number, numSteps: number): Record<string, number> {
  const runtime = pyRound((performance.now() - start) / 1000, 4);
  const out: Record<string, number> = { [`${split}_runtime`]: runtime };
  if (numSamples) out[`${split}_samples_per_second`] = pyRound(numSamples / runtime, 3);
  if (numSteps) out[`${split}_steps_per_second`] = pyRound(numSteps / runtime, 3);
  return out;
}

export class Trainer {
  readonly args: TrainingArguments;
  readonly target: TrainTarget;
  state = new TrainerState();
  readonly control = new TrainerControl();
  readonly callbackHandler: CallbackHandler;
  readonly trainDataset?: Dataset;
  readonly evalDataset?: Dataset;
  readonly dataCollator: DataCollator;
  readonly computeMetrics?: (p: EvalPrediction) => Record<string, number>;
  optimizer: Optimizer | null;
  lrScheduler: LRScheduler | null;
  #loop: TrainingLoop | null = null;
  /** The process group at construction (data parallel when worldSize > 1), or null. */
  readonly world: { rank: number; worldSize: number } | null;
  /** While train() runs under a process group of several ranks: the gradient averaging. */
  dataParallel: DistributedDataParallel | null = null;
  /** Bytes each rank all-reduced per optimizer step in the last train() (data parallel), else null. */
  allReduceBytesPerStep: number | null = null;

  constructor(options: TrainerOptions) {
    const o = expectOptions('Trainer', options, OPTION_KEYS);
    if (!o.model) invalid('Trainer.model', 'a model or a PeftModel', o.model);
    this.args = o.args ?? new TrainingArguments();
    if (!(this.args instanceof TrainingArguments)) invalid('Trainer.args', 'a TrainingArguments', this.args);
    manualSeed(this.args.seed);  // transformers' set_seed(args.seed) in Trainer.__init__
    this.target = trainTarget(o.model);
    if (this.args.device !== 'cpu') this.target.model.to(this.args.device as 'cuda');
    this.trainDataset = o.trainDataset;
    this.evalDataset = o.evalDataset;
    this.dataCollator = o.dataCollator ?? this.#defaultCollator(o.tokenizer);
    this.computeMetrics = o.computeMetrics;
    [this.optimizer, this.lrScheduler] = o.optimizers ?? [null, null];
    this.world = worldInfo();
    this.state.isWorldProcessZero = (this.world?.rank ?? 0) === 0;
    this.state.isLocalProcessZero = getLocalRank() === 0;
    const defaults: TrainerCallback[] = [new DefaultFlowCallback()];
    // Under a process group only rank 0 reports (transformers' callbacks check is_world_process_zero).
    if (this.state.isWorldProcessZero) this.#reporting(defaults);
    this.callbackHandler = new CallbackHandler([...defaults, ...(o.callbacks ?? [])]);
    void this.callbackHandler.call('onInitEnd', { args: this.args, state: this.state, control: this.control });
  }

  #reporting(defaults: TrainerCallback[]): void {
    if (this.args.reportTo.includes('jsonl')) defaults.push(new JsonlLoggerCallback(path.join(this.args.outputDir, 'log.jsonl')));
    if (this.args.reportTo.includes('tensorboard')) defaults.push(new TensorBoardCallback({ logDir: this.args.loggingDir ?? undefined }));
    if (!this.args.disableTqdm) defaults.push(new ProgressCallback(this.args.trainBatchSize * this.args.gradientAccumulationSteps * (this.world?.worldSize ?? 1)));
  }

  #defaultCollator(tokenizer: TrainerOptions['tokenizer']): DataCollator {
    const config = this.target.model.config;
    const padTokenId = tokenizer?.padTokenId ?? config.get<number>('pad_token_id') ?? 0;
    const side = tokenizer && 'paddingSide' in tokenizer ? tokenizer.paddingSide : undefined;
    const common = { padTokenId, paddingSide: side ?? 'right', padToMultipleOf: this.args.padToMultipleOf } as const;
    if (this.target.model.type === 'OPTForCausalLM') return dataCollatorForLanguageModeling(common);
    if (this.target.model.type === 'BertForMaskedLM') {
      if (!tokenizer || !('maskTokenId' in tokenizer)) throw new Error('Trainer: a BertForMaskedLM needs a tokenizer (for its mask token) or a dataCollator (dataCollatorForMaskedLM)');
      return dataCollatorForMaskedLM({ tokenizer: tokenizer as MaskingTokenizer, padToMultipleOf: this.args.padToMultipleOf });
    }
    const problem = config.get<string>('problem_type');
    // num_labels lives in id2label (config.numLabels), as in transformers' PretrainedConfig.
    const float = config.numLabels === 1 || problem === 'regression' || problem === 'multi_label_classification';
    return dataCollatorWithPadding({ ...common, labelDtype: float ? 'float32' : 'int64' });
  }

  #source(dataset: Dataset, train: boolean): BatchSource {
    const batchSize = train ? this.args.trainBatchSize : this.args.evalBatchSize;
    const project = projector(this.args.removeUnusedColumns, this.args.labelNames ?? ['labels']);
    if (!isArrayDataset(dataset)) {
      // transformers' IterableDatasetShard: each rank takes its batch of every round of worldSize batches.
      const rows = train && this.world && this.world.worldSize > 1 ? shardStream(dataset, batchSize, this.world.worldSize, this.world.rank) : dataset;
      return streamBatches(rows, batchSize, this.args.dataloaderDropLast, this.dataCollator, project);
    }
    if (dataset.length === 0) throw new RangeError(`the ${train ? 'training' : 'evaluation'} data set is empty`);
    if (!train) {
      const w = this.world && this.world.worldSize > 1 ? this.world : null;
      const sampler = w ? new ShardSampler(dataset.length, batchSize, w.worldSize, w.rank) : new SequentialSampler(dataset.length);
      return arrayBatches(dataset, sampler, batchSize, this.args.dataloaderDropLast, this.dataCollator, project);
    }
    return arrayBatches(dataset, this.#trainSampler(dataset, batchSize), batchSize, this.args.dataloaderDropLast, this.dataCollator, project);
  }

  /** transformers' _get_train_sampler; under a process group, torch's DistributedSampler (seed + epoch). */
  #trainSampler(dataset: readonly Example[], batchSize: number): Sampler {
    const lengths = () => dataset.map((r, i) => (typeof r[this.args.lengthColumnName] === 'number' ? (r[this.args.lengthColumnName] as number) : r.inputIds?.length ?? invalid(`trainDataset[${i}].inputIds`, 'token ids', r.inputIds)));
    const group = batchSize * this.args.gradientAccumulationSteps;
    if (this.world) {
      // No draw from the global generator here: transformers seeds DistributedSampler with args.seed.
      const shard = { worldSize: this.world.worldSize, rank: this.world.rank, seed: this.args.dataSeed ?? this.args.seed };
      return this.args.groupByLength ? new DistributedLengthGroupedSampler(lengths(), group, shard) : new DistributedSampler(dataset.length, shard);
    }
    const generator = samplerGenerator(this.args.dataSeed);
    return this.args.groupByLength ? new LengthGroupedSampler(lengths(), group, generator) : new RandomSampler(dataset.length, generator);
  }

  /** transformers' create_optimizer: weight decay on everything but biases and LayerNorm weights. */
  createOptimizer(): Optimizer {
    if (this.optimizer) return this.optimizer;
    const prefix = this.target.peft ? 'base_model.model.' : '';
    // LayerNorm weights by name; every bias (LayerNorm's included) is caught by the name test below.
    const norms = new Set(this.target.model.namedModules().filter(([, m]) => m.type === 'LayerNorm').map(([n]) => `${prefix}${n}.weight`));
    const trainable = this.target.namedParameters().filter(([, t]) => t.requiresGrad);
    if (trainable.length === 0) throw new Error('the model has no trainable parameters: nothing to train (did you freeze everything?)');
    const decays = ([n]: [string, unknown]) => !norms.has(n) && !n.includes('bias');
    const decay = trainable.filter(decays);
    const noDecay = trainable.filter((p) => !decays(p));
    const a = this.args;
    const groups = [{ params: decay, weightDecay: a.weightDecay }, { params: noDecay, weightDecay: 0 }];
    this.optimizer = a.optim === 'sgd' ? new SGD(groups, { lr: a.learningRate })
      : new AdamW(groups, { lr: a.learningRate, betas: [a.adamBeta1, a.adamBeta2], eps: a.adamEpsilon });
    return this.optimizer;
  }

  /** transformers' create_scheduler: lrSchedulerType with warmupSteps or warmupRatio. */
  createScheduler(numTrainingSteps: number, optimizer = this.createOptimizer()): LRScheduler {
    if (this.lrScheduler) return this.lrScheduler;
    this.lrScheduler = getScheduler(this.args.lrSchedulerType, optimizer, {
      numWarmupSteps: this.args.getWarmupSteps(numTrainingSteps), numTrainingSteps, ...this.args.lrSchedulerKwargs,
    });
    return this.lrScheduler;
  }

  /** Asks a running train() to stop after the current optimizer step and save a checkpoint. */
  interrupt(): void { this.#loop?.interrupt(); }

  /** [async] Trains; resumeFromCheckpoint: a checkpoint folder, or true for the last one in outputDir. */
  async train(options: { resumeFromCheckpoint?: string | boolean } = {}): Promise<TrainOutput> {
    const o = expectOptions('train', options, ['resumeFromCheckpoint']);
    if (!this.trainDataset) throw new Error('Trainer.train() requires a trainDataset');
    const checkpoint = this.#resolveCheckpoint(o.resumeFromCheckpoint);
    const source = this.#source(this.trainDataset, true);
    const plan = this.#plan(source);
    const optimizer = this.createOptimizer();
    const scheduler = this.createScheduler(plan.maxSteps, optimizer);
    const start = await this.#start(checkpoint, plan.perEpoch, optimizer, scheduler);
    this.dataParallel = await this.#dataParallel();
    this.allReduceBytesPerStep = this.dataParallel?.bytesPerStep ?? null;
    Object.assign(this.state, { maxSteps: plan.maxSteps, numTrainEpochs: plan.epochs, loggingSteps: resolveSteps(this.args.loggingSteps, plan.maxSteps), evalSteps: resolveSteps(this.args.evalSteps ?? this.args.loggingSteps, plan.maxSteps), saveSteps: resolveSteps(this.args.saveSteps, plan.maxSteps) });
    const loop = new TrainingLoop({
      args: this.args, state: this.state, control: this.control, callbacks: this.callbackHandler, target: this.target,
      optimizer, scheduler, source, evaluate: () => this.evaluate(), log: (logs) => this.log(logs),
      world: this.world, dataParallel: this.dataParallel,
    });
    try {
      return await this.#runLoop(loop, start, plan);
    } finally {
      this.dataParallel?.dispose();
      this.dataParallel = null;
    }
  }

  /** Under a process group of several ranks: rank 0's weights everywhere, and the gradient hooks. */
  async #dataParallel(): Promise<DistributedDataParallel | null> {
    if (!this.world || this.world.worldSize < 2) return null;
    const states = [...this.target.model.stateDict().values()];
    const named = this.target.namedParameters();
    try {
      return await DistributedDataParallel.create(states, named.filter(([, t]) => t.requiresGrad).map(([, t]) => t));
    } finally {
      [...states, ...named.map(([, t]) => t)].forEach((t) => t.dispose());  // the handles only; the weights stay
    }
  }

  async #runLoop(loop: TrainingLoop, start: LoopStart, plan: { epochs: number; samples: number; maxSteps: number }): Promise<TrainOutput> {
    const began = performance.now();
    this.#loop = loop;
    const onSigint = () => {
      process.stderr.write('\nnode-peft: interrupted: finishing the current step and saving a checkpoint (Ctrl-C again to abort)\n');
      process.removeListener('SIGINT', onSigint);
      loop.interrupt();
    };
    process.on('SIGINT', onSigint);
    this.control.newTraining();
    await this.callbackHandler.call('onTrainBegin', { args: this.args, state: this.state, control: this.control });
    try {
      const r = await loop.run(start, plan.epochs);
      if (!r.interrupted && this.args.loadBestModelAtEnd && this.state.bestModelCheckpoint) await this.target.load(this.state.bestModelCheckpoint);
      const metrics = { ...speedMetrics('train', began, plan.samples, plan.maxSteps), total_flos: this.state.totalFlos, train_loss: r.trainLoss };
      await this.log(metrics);
      await this.callbackHandler.call('onTrainEnd', { args: this.args, state: this.state, control: this.control });
      return { globalStep: this.state.globalStep, trainingLoss: r.trainLoss, metrics, status: r.interrupted ? 'interrupted' : 'completed', checkpoint: r.lastCheckpoint };
    } finally {
      process.removeListener('SIGINT', onSigint);
      this.#loop = null;
    }
  }

  /** Steps per epoch, total steps, epochs and samples, as _inner_training_loop computes them. */
  #plan(source: BatchSource): { perEpoch: number; maxSteps: number; epochs: number; samples: number } {
    const a = this.args;
    const total = a.trainBatchSize * a.gradientAccumulationSteps * (this.world?.worldSize ?? 1);
    if (source.length === null) {
      if (a.maxSteps <= 0) throw new RangeError('a streamed trainDataset has no length: set TrainingArguments.maxSteps');
      return { perEpoch: a.maxSteps, maxSteps: a.maxSteps, epochs: Number.MAX_SAFE_INTEGER, samples: a.maxSteps * total };
    }
    const perEpoch = Math.max(Math.floor(source.length / a.gradientAccumulationSteps), 1);
    if (a.maxSteps > 0) return { perEpoch, maxSteps: a.maxSteps, epochs: Math.floor(a.maxSteps / perEpoch) + (a.maxSteps % perEpoch > 0 ? 1 : 0), samples: a.maxSteps * total };
    const rows = (this.trainDataset as unknown[]).length;
    return { perEpoch, maxSteps: Math.ceil(a.numTrainEpochs * perEpoch), epochs: Math.ceil(a.numTrainEpochs), samples: rows * a.numTrainEpochs };
  }

  #resolveCheckpoint(resume: string | boolean | undefined): string | null {
    if (resume === undefined || resume === false) return null;
    if (resume === true) {
      const last = getLastCheckpoint(this.args.outputDir);
      if (!last) throw new Error(`No valid checkpoint found in output directory (${this.args.outputDir})`);
      return last;
    }
    if (typeof resume !== 'string' || !fs.existsSync(resume)) invalid('train.resumeFromCheckpoint', 'an existing checkpoint folder or true', resume);
    return resume;
  }

  /** Loads a checkpoint's state and works out where the loop resumes. */
  async #start(checkpoint: string | null, perEpoch: number, optimizer: Optimizer, scheduler: LRScheduler): Promise<LoopStart> {
    if (!checkpoint) return { epochsTrained: 0, stepsTrainedInEpoch: 0, checkpoint: null };
    this.state = await loadCheckpoint(checkpoint, { target: this.target, optimizer, scheduler });
    const epochsTrained = Math.floor(this.state.globalStep / perEpoch);
    const steps = this.args.ignoreDataSkip ? 0 : (this.state.globalStep % perEpoch) * this.args.gradientAccumulationSteps;
    return { epochsTrained, stepsTrainedInEpoch: steps, checkpoint };
  }

  /** Adds epoch and step to a log entry, keeps it in state.logHistory and tells the callbacks. */
  async log(logs: Record<string, number>): Promise<void> {
    if (this.state.epoch !== null) logs.epoch = pyRound(this.state.epoch, 2);
    const entry = { ...logs, step: this.state.globalStep };
    this.state.logHistory.push(entry);
    await this.callbackHandler.call('onLog', { args: this.args, state: this.state, control: this.control, logs: entry });
  }

  /** [async] Loss and computeMetrics on evalDataset (keys prefixed "eval_"), logged. */
  async evaluate(options: { evalDataset?: Dataset; metricKeyPrefix?: string } = {}): Promise<Record<string, number>> {
    const o = expectOptions('evaluate', options, ['evalDataset', 'metricKeyPrefix']);
    const dataset = o.evalDataset ?? this.evalDataset;
    if (!dataset) throw new Error('Trainer.evaluate() requires an evalDataset');
    const start = performance.now();
    const { metrics, numSamples, numSteps, predictions, labelIds } = await this.#evaluationMetrics(dataset, o.metricKeyPrefix ?? 'eval');
    // computeMetrics has read them; unlike predict(), evaluate() hands them to nobody.
    predictions?.dispose();
    labelIds?.dispose();
    Object.assign(metrics, speedMetrics(o.metricKeyPrefix ?? 'eval', start, numSamples, numSteps));
    await this.log(metrics);
    await this.callbackHandler.call('onEvaluate', { args: this.args, state: this.state, control: this.control, metrics });
    return metrics;
  }

  async #evaluationMetrics(dataset: Dataset, prefix: string, keepPredictions = this.computeMetrics !== undefined) {
    const shards = this.world && this.world.worldSize > 1 && isArrayDataset(dataset) ? { n: dataset.length, batchSize: this.args.evalBatchSize } : null;
    const out = await evaluationLoop(this.target, this.#source(dataset, false), { keepPredictions, device: this.args.device, autocast: this.args.autocast === 'bfloat16' ? 'bfloat16' : null, shards });
    let metrics: Record<string, number> = {};
    if (this.computeMetrics && out.predictions && out.labelIds) metrics = { ...this.computeMetrics({ predictions: out.predictions, labelIds: out.labelIds }) };
    if (out.loss !== null) metrics[`${prefix}_loss`] = out.loss;
    // transformers prefixes every key and re-inserts it, so the loss comes first.
    const prefixed: Record<string, number> = {};
    if (metrics[`${prefix}_loss`] !== undefined) prefixed[`${prefix}_loss`] = metrics[`${prefix}_loss`];
    for (const [k, v] of Object.entries(metrics)) if (k !== `${prefix}_loss`) prefixed[k.startsWith(`${prefix}_`) ? k : `${prefix}_${k}`] = v;
    return { metrics: prefixed, numSamples: out.numSamples, numSteps: out.numSteps, predictions: out.predictions, labelIds: out.labelIds };
  }

  /** [async] Predictions (logits), labels and metrics (prefixed "test_") on a data set; the caller disposes the two tensors. */
  async predict(testDataset: Dataset, options: { metricKeyPrefix?: string } = {}): Promise<PredictionOutput> {
    const prefix = expectOptions('predict', options, ['metricKeyPrefix']).metricKeyPrefix ?? 'test';
    const start = performance.now();
    const r = await this.#evaluationMetrics(testDataset, prefix, true);
    Object.assign(r.metrics, speedMetrics(prefix, start, r.numSamples, r.numSteps));
    await this.callbackHandler.call('onPredict', { args: this.args, state: this.state, control: this.control, metrics: r.metrics });
    return { predictions: r.predictions, labelIds: r.labelIds, metrics: r.metrics };
  }

  /** [async] Writes outputDir/trainer_state.json (transformers' save_state). */
  async saveState(): Promise<void> {
    await writeJsonAtomic(path.join(this.args.outputDir, 'trainer_state.json'), this.state.toJSON());
  }

  /** [async] Saves the model (the adapter for a PeftModel) and the training arguments to outputDir (or dir). */
  async saveModel(dir = this.args.outputDir): Promise<void> {
    await this.target.save(dir);
    await writeJsonAtomic(path.join(dir, 'training_args.json'), this.args.toDict());
  }
}

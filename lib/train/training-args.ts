// TrainingArguments: transformers 4.29's names in camelCase, with its defaults and its __post_init__
// checks. Unknown or misspelled arguments are errors that name them.
import os from 'os';
import path from 'path';
import type { DType } from '../dtype';
import { closestName, expectBool, expectInt, expectNumber, expectOneOf, invalid } from '../validate';

export type IntervalStrategy = 'no' | 'steps' | 'epoch';
const STRATEGIES = ['no', 'steps', 'epoch'] as const;
const SCHEDULERS = ['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'inverse_sqrt'] as const;
// adamw_torch is transformers' default since 4.34 (4.29 defaulted to its own deprecated AdamW).
const OPTIMS = ['adamw_torch', 'sgd'] as const;
// Where logged entries go: 'jsonl' (outputDir/log.jsonl), 'tensorboard' (event files in
// loggingDir); 'all' is both, 'none' neither. node-peft's default is 'jsonl' (transformers'
// is 'all' installed integrations).
const REPORTERS = ['none', 'all', 'jsonl', 'tensorboard'] as const;

/** Every argument, with transformers' default. */
const DEFAULTS = {
  outputDir: 'trainer_output',
  overwriteOutputDir: false,
  numTrainEpochs: 3,
  maxSteps: -1,
  perDeviceTrainBatchSize: 8,
  perDeviceEvalBatchSize: 8,
  gradientAccumulationSteps: 1,
  learningRate: 5e-5,
  weightDecay: 0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  maxGradNorm: 1.0,
  optim: 'adamw_torch' as (typeof OPTIMS)[number],
  lrSchedulerType: 'linear' as (typeof SCHEDULERS)[number],
  /** Extra arguments of the schedule: numCycles, power, lrEnd, timescale. */
  lrSchedulerKwargs: {} as Record<string, number>,
  warmupRatio: 0,
  warmupSteps: 0,
  loggingStrategy: 'steps' as IntervalStrategy,
  loggingFirstStep: false,
  loggingSteps: 500 as number,
  evaluationStrategy: 'no' as IntervalStrategy,
  evalSteps: null as number | null,
  evalDelay: 0,
  saveStrategy: 'steps' as IntervalStrategy,
  saveSteps: 500 as number,
  saveTotalLimit: null as number | null,
  saveOnlyModel: false,
  loadBestModelAtEnd: false,
  metricForBestModel: null as string | null,
  greaterIsBetter: null as boolean | null,
  seed: 42,
  dataSeed: null as number | null,
  bf16: false,
  groupByLength: false,
  lengthColumnName: 'length',
  removeUnusedColumns: true,
  labelNames: null as string[] | null,
  dataloaderDropLast: false,
  ignoreDataSkip: false,
  disableTqdm: false,
  reportTo: ['jsonl'] as string[],
  /** TensorBoard's folder (transformers' logging_dir); default outputDir/runs/<date>_<host>. */
  loggingDir: null as string | null,
  device: 'cpu' as string,
  /** Pads every batch to a multiple of this (the default collator's pad_to_multiple_of). */
  padToMultipleOf: null as number | null,
};

export type TrainingArgumentsOptions = Partial<typeof DEFAULTS> & { evalStrategy?: IntervalStrategy };
const NAMES = [...Object.keys(DEFAULTS), 'evalStrategy'];

export class TrainingArguments {
  outputDir!: string; overwriteOutputDir!: boolean; numTrainEpochs!: number; maxSteps!: number;
  perDeviceTrainBatchSize!: number; perDeviceEvalBatchSize!: number; gradientAccumulationSteps!: number;
  learningRate!: number; weightDecay!: number; adamBeta1!: number; adamBeta2!: number; adamEpsilon!: number;
  maxGradNorm!: number; optim!: (typeof OPTIMS)[number]; lrSchedulerType!: (typeof SCHEDULERS)[number];
  lrSchedulerKwargs!: Record<string, number>; warmupRatio!: number; warmupSteps!: number;
  loggingStrategy!: IntervalStrategy; loggingFirstStep!: boolean; loggingSteps!: number;
  evaluationStrategy!: IntervalStrategy; evalSteps!: number | null; evalDelay!: number;
  saveStrategy!: IntervalStrategy; saveSteps!: number; saveTotalLimit!: number | null; saveOnlyModel!: boolean;
  loadBestModelAtEnd!: boolean; metricForBestModel!: string | null; greaterIsBetter!: boolean | null;
  seed!: number; dataSeed!: number | null; bf16!: boolean; groupByLength!: boolean; lengthColumnName!: string;
  removeUnusedColumns!: boolean; labelNames!: string[] | null; dataloaderDropLast!: boolean; ignoreDataSkip!: boolean;
  disableTqdm!: boolean; reportTo!: string[]; loggingDir!: string | null; device!: string; padToMultipleOf!: number | null;

  constructor(options: TrainingArgumentsOptions = {}) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) invalid('TrainingArguments', 'an options object', options);
    for (const key of Object.keys(options)) {
      if (!NAMES.includes(key)) {
        const hint = closestName(key, NAMES);
        throw new TypeError(`TrainingArguments: unknown argument '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
      }
    }
    const { evalStrategy, ...rest } = options;
    Object.assign(this, structuredClone(DEFAULTS), rest);
    if (evalStrategy !== undefined) this.evaluationStrategy = evalStrategy;  // transformers >= 4.41's name
    this.#check();
    this.#postInit();
  }

  #check(): void {
    for (const key of ['numTrainEpochs', 'learningRate', 'weightDecay', 'adamBeta1', 'adamBeta2', 'adamEpsilon', 'maxGradNorm', 'warmupRatio', 'loggingSteps', 'saveSteps', 'evalDelay'] as const) {
      if (!(expectNumber(`TrainingArguments.${key}`, this[key]) >= 0)) invalid(`TrainingArguments.${key}`, 'a number >= 0', this[key]);
    }
    for (const key of ['perDeviceTrainBatchSize', 'perDeviceEvalBatchSize', 'gradientAccumulationSteps'] as const) expectInt(`TrainingArguments.${key}`, this[key], 1);
    expectInt('TrainingArguments.maxSteps', this.maxSteps, -1);
    expectInt('TrainingArguments.warmupSteps', this.warmupSteps, 0);
    expectInt('TrainingArguments.seed', this.seed, 0);
    if (this.dataSeed !== null) expectInt('TrainingArguments.dataSeed', this.dataSeed, 0);
    if (this.saveTotalLimit !== null) expectInt('TrainingArguments.saveTotalLimit', this.saveTotalLimit, 1);
    if (this.padToMultipleOf !== null) expectInt('TrainingArguments.padToMultipleOf', this.padToMultipleOf, 1);
    if (this.evalSteps !== null && !(expectNumber('TrainingArguments.evalSteps', this.evalSteps) > 0)) invalid('TrainingArguments.evalSteps', 'a number > 0', this.evalSteps);
    if (this.warmupRatio > 1) invalid('TrainingArguments.warmupRatio', 'a ratio in [0, 1]', this.warmupRatio);
    for (const key of ['loggingStrategy', 'evaluationStrategy', 'saveStrategy'] as const) expectOneOf(`TrainingArguments.${key}`, this[key], STRATEGIES);
    expectOneOf('TrainingArguments.lrSchedulerType', this.lrSchedulerType, SCHEDULERS);
    expectOneOf('TrainingArguments.optim', this.optim, OPTIMS);
    for (const key of ['overwriteOutputDir', 'loggingFirstStep', 'saveOnlyModel', 'loadBestModelAtEnd', 'bf16', 'groupByLength', 'removeUnusedColumns', 'dataloaderDropLast', 'ignoreDataSkip', 'disableTqdm'] as const) {
      expectBool(`TrainingArguments.${key}`, this[key]);
    }
    if (typeof this.outputDir !== 'string' || this.outputDir === '') invalid('TrainingArguments.outputDir', 'a folder path', this.outputDir);
    if (typeof this.reportTo === 'string') this.reportTo = [this.reportTo];
    this.reportTo.forEach((r, i) => expectOneOf(`TrainingArguments.reportTo[${i}]`, r, REPORTERS));
    if (typeof this.device !== 'string' || !/^(cpu|cuda(:\d+)?)$/.test(this.device)) invalid('TrainingArguments.device', "'cpu', 'cuda' or 'cuda:N'", this.device);
  }

  // transformers' TrainingArguments.__post_init__: derived defaults and cross-argument checks.
  #postInit(): void {
    if (this.evalSteps === null && this.evaluationStrategy === 'steps') this.evalSteps = this.loggingSteps;
    if (this.evaluationStrategy === 'steps' && this.evalSteps === 0) throw new RangeError(`TrainingArguments: evaluationStrategy 'steps' requires evalSteps > 0 (or loggingSteps > 0)`);
    if (this.loggingStrategy === 'steps' && this.loggingSteps === 0) throw new RangeError(`TrainingArguments: loggingStrategy 'steps' requires loggingSteps > 0`);
    if (this.loadBestModelAtEnd) {
      if (this.evaluationStrategy !== this.saveStrategy) {
        throw new RangeError(`TrainingArguments: loadBestModelAtEnd requires the save and eval strategy to match, but found evaluationStrategy '${this.evaluationStrategy}' and saveStrategy '${this.saveStrategy}'`);
      }
      if (this.evaluationStrategy === 'steps' && this.saveSteps % this.evalSteps! !== 0) {
        throw new RangeError(`TrainingArguments: loadBestModelAtEnd requires saveSteps (${this.saveSteps}) to be a round multiple of evalSteps (${this.evalSteps})`);
      }
      if (this.metricForBestModel === null) this.metricForBestModel = 'loss';
    }
    if (this.greaterIsBetter === null && this.metricForBestModel !== null) this.greaterIsBetter = !this.metricForBestModel.endsWith('loss');
    if (this.reportTo.includes('all')) this.reportTo = ['jsonl', 'tensorboard'];
    if (this.reportTo.includes('none')) this.reportTo = [];
    if (this.loggingDir === null) {
      // transformers' default_logdir: runs/<Mon DD_HH-MM-SS>_<hostname>
      const d = new Date();
      const stamp = `${d.toLocaleString('en-US', { month: 'short' })}${String(d.getDate()).padStart(2, '0')}_${[d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join('-')}`;
      this.loggingDir = path.join(this.outputDir, 'runs', `${stamp}_${os.hostname()}`);
    }
  }

  /** train_batch_size (one device). */
  get trainBatchSize(): number { return this.perDeviceTrainBatchSize; }
  get evalBatchSize(): number { return this.perDeviceEvalBatchSize; }
  /** The autocast dtype of the forward, if any. */
  get autocast(): DType | null { return this.bf16 ? 'bfloat16' : null; }

  /** transformers' get_warmup_steps: warmupSteps if set, else ceil(steps × warmupRatio). */
  getWarmupSteps(numTrainingSteps: number): number {
    return this.warmupSteps > 0 ? this.warmupSteps : Math.ceil(numTrainingSteps * this.warmupRatio);
  }

  /** The arguments as transformers writes them (snake_case). */
  toDict(): Record<string, unknown> {
    const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return Object.fromEntries(Object.keys(DEFAULTS).map((k) => [snake(k), (this as unknown as Record<string, unknown>)[k]]));
  }
}

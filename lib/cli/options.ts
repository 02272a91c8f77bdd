// Option parsing shared by the commands: value parsers that reject bad input with a message naming
// the option and what would fix it, and the option groups several commands take (model, data,
// LoRA, training arguments), with their conversion to the library's options.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Device } from '../dtype';
import type { DataOptions } from '../finetune/data';
import type { LoraOptions } from '../finetune/methods';
import { TASKS, type Task } from '../finetune/task';
import type { TrainingArgumentsOptions } from '../train/training-args';

export const int = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};

export const num = (name: string, min = 0, max = Infinity) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max === Infinity ? '∞' : max}]`);
  return n;
};

export const positive = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

/** A comma-separated list ("a,b,c"); repeated options add to it. */
export const list = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export const intList = (name: string, min: number) => (value: string, previous: number[] = []): number[] => [...previous, ...list(value).map(int(name, min))];

/** A repeatable option collecting each value as given (texts may hold commas). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export const choice = (flags: string, description: string, choices: readonly string[], fallback?: string): Option => {
  const o = new Option(flags, description).choices(choices as string[]);
  return fallback === undefined ? o : o.default(fallback);
};

/** --verbose on every command: stack traces of failures. */
export function common(cmd: Command): Command {
  return cmd.option('--verbose', 'print the stack trace of a failure');
}

export function modelOptions(cmd: Command, withAdapter: boolean): Command {
  if (withAdapter) {
    cmd.option('--model <dir|id>', "model folder or hub id in the local HuggingFace cache (default with --adapter: the adapter's base_model_name_or_path)");
    cmd.option('--adapter <dir>', 'a LoRA adapter folder (PEFT files) to apply to the model');
  } else {
    cmd.requiredOption('--model <dir|id>', 'model folder or hub id in the local HuggingFace cache');
  }
  return cmd
    .option('--tokenizer <dir|id>', 'tokenizer folder (default: the adapter folder, then the model folder)')
    .addOption(choice('--task <task>', "the model's task (default: from config.json's architectures / model_type)", TASKS));
}

export function dataOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'data folder: TweetEval layout (<split>_text.txt + <split>_labels.txt) or files named by split; for causal LM a folder of .txt files')
    .option('--train-split <name>', 'split of --data-dir to train on (classification)')
    .option('--eval-split <name>', 'split of --data-dir to evaluate on (classification)')
    .option('--train-file <files...>', 'training data files (CSV, TSV, JSON Lines, Parquet; .txt texts for causal LM)')
    .option('--eval-file <files...>', 'evaluation data files')
    .option('--text-column <name>', 'column of the text', 'text')
    .option('--label-column <name>', 'column of the label', 'label')
    .option('--max-length <n>', "truncate classification texts to n tokens (default: the tokenizer's limit)", int('--max-length', 1))
    .option('--hold-out <files...>', 'causal LM: files of --data-dir kept for evaluation (e.g. 1656.txt)')
    .option('--block-size <n>', "causal LM: tokens per training block (default: min(1024, the tokenizer's limit))", int('--block-size', 1))
    .option('--max-train-samples <n>', 'use only the first n training rows (blocks)', int('--max-train-samples', 1))
    .option('--max-eval-samples <n>', 'use only the first n evaluation rows (blocks)', int('--max-eval-samples', 1))
    .option('--cache', 'cache tokenized data (NODE_PEFT_DATASETS_CACHE or ~/.cache/node-peft/datasets)', false);
}

export interface DataFlags {
  dataDir?: string; trainSplit?: string; evalSplit?: string; trainFile?: string[]; evalFile?: string[];
  textColumn: string; labelColumn: string; maxLength?: number; holdOut?: string[]; blockSize?: number;
  maxTrainSamples?: number; maxEvalSamples?: number; cache: boolean;
}

export function toDataOptions(o: DataFlags): DataOptions {
  return {
    dataDir: o.dataDir, trainSplit: o.trainSplit, evalSplit: o.evalSplit, trainFiles: o.trainFile, evalFiles: o.evalFile,
    textColumn: o.textColumn, labelColumn: o.labelColumn, maxLength: o.maxLength, holdOut: o.holdOut, blockSize: o.blockSize,
    maxTrainSamples: o.maxTrainSamples, maxEvalSamples: o.maxEvalSamples, cache: o.cache,
  };
}

export function loraOptions(cmd: Command, withRank = true): Command {
  if (withRank) cmd.option('--r <n>', 'LoRA rank', int('--r', 1), 8);
  return cmd
    .option('--alpha <n>', 'LoRA alpha (scaling = alpha / r)', positive('--alpha'), 8)
    .option('--dropout <p>', 'LoRA dropout', num('--dropout', 0, 1), 0)
    .option('--target-modules <names>', "modules to adapt, comma-separated, or 'all-linear' (default: PEFT's for the model type: query,value / q_proj,v_proj)", list)
    .option('--layers-to-transform <ids>', 'adapt only these layer indices (comma-separated)', intList('--layers-to-transform', 0))
    .option('--use-rslora', 'rank-stabilised scaling alpha / sqrt(r)', false)
    .option('--modules-to-save <names>', 'further modules to train and save whole (the classifier always is)', list);
}

export interface LoraFlags { r?: number; alpha: number; dropout: number; targetModules?: string[]; layersToTransform?: number[]; useRslora: boolean; modulesToSave?: string[] }

export function toLoraOptions(o: LoraFlags): LoraOptions {
  const targets = o.targetModules;
  return {
    r: o.r, alpha: o.alpha, dropout: o.dropout, useRslora: o.useRslora,
    ...(targets ? { targetModules: targets.length === 1 && targets[0] === 'all-linear' ? 'all-linear' : targets } : {}),
    ...(o.layersToTransform ? { layersToTransform: o.layersToTransform } : {}),
    ...(o.modulesToSave ? { modulesToSave: o.modulesToSave } : {}),
  };
}

const STRATEGIES = ['no', 'steps', 'epoch'] as const;
const SCHEDULES = ['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'inverse_sqrt'] as const;

export function trainingOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--output-dir <dir>', 'folder for checkpoints, log.jsonl, trainer_state.json, report.html and the trained model or adapter')
    .option('--epochs <n>', 'training epochs (fractions allowed)', positive('--epochs'), 3)
    .option('--max-steps <n>', 'optimizer steps; overrides --epochs when > 0', int('--max-steps', -1), -1)
    .option('--batch-size <n>', 'training batch size', int('--batch-size', 1), 8)
    .option('--eval-batch-size <n>', 'evaluation batch size', int('--eval-batch-size', 1), 8)
    .option('--grad-accum <n>', 'gradient accumulation steps', int('--grad-accum', 1), 1)
    .option('--lr <x>', 'peak learning rate', positive('--lr'), 5e-5)
    .addOption(choice('--lr-scheduler <type>', 'learning-rate schedule', SCHEDULES, 'linear'))
    .option('--warmup-steps <n>', 'linear warmup steps', int('--warmup-steps', 0), 0)
    .option('--warmup-ratio <x>', 'warmup as a fraction of the steps (when --warmup-steps is 0)', num('--warmup-ratio', 0, 1), 0)
    .option('--weight-decay <x>', 'AdamW weight decay (not on biases and LayerNorm weights)', num('--weight-decay'), 0)
    .option('--max-grad-norm <x>', 'clip gradients to this total norm (0: no clipping)', num('--max-grad-norm'), 1)
    .addOption(choice('--optim <name>', 'optimizer', ['adamw_torch', 'sgd'], 'adamw_torch'))
    .addOption(choice('--eval-strategy <when>', 'evaluate every epoch, every --eval-steps, or never (default: epoch with evaluation data, else no)', STRATEGIES))
    .option('--eval-steps <n>', 'steps between evaluations (default: --logging-steps)', positive('--eval-steps'))
    .addOption(choice('--save-strategy <when>', 'save checkpoints every --save-steps, every epoch, or never (SIGINT always saves one)', STRATEGIES, 'steps'))
    .option('--save-steps <n>', 'steps between checkpoints', positive('--save-steps'), 500)
    .option('--save-total-limit <n>', 'keep at most n checkpoints', int('--save-total-limit', 1))
    .option('--logging-steps <n>', 'steps between log entries (a number < 1: a fraction of the steps)', positive('--logging-steps'), 10)
    .option('--seed <n>', 'random seed', int('--seed', 0), 42)
    .option('--bf16', 'bfloat16 autocast for the forward pass', false)
    .option('--threads <n>', 'intra-op threads (default: the cores available)', int('--threads', 1))
    .option('--device <device>', "'cpu', 'cuda' or 'cuda:N'", deviceArg, 'cpu')
    .option('--report-to <list>', "integrations, comma-separated: tensorboard (event files), all (= tensorboard), jsonl or none (log.jsonl in --output-dir is always written)", reportList, ['jsonl'])
    .option('--logging-dir <dir>', 'folder of TensorBoard event files (default: <output-dir>/runs)')
    .option('--overwrite', "replace an earlier run's checkpoints and files in --output-dir", false)
    .option('--quiet', 'no progress bar, log lines or loss chart; only the final summary', false);
}

export function deviceArg(value: string): Device {
  if (!/^(cpu|cuda(:\d+)?)$/.test(value)) throw new InvalidArgumentError("--device must be 'cpu', 'cuda' or 'cuda:N'");
  return value as Device;
}

function reportList(value: string): string[] {
  const items = list(value);
  const bad = items.find((i) => !['none', 'jsonl', 'tensorboard', 'all'].includes(i));
  if (bad !== undefined || items.length === 0) throw new InvalidArgumentError(`--report-to takes none, jsonl, tensorboard or all, comma-separated (got ${JSON.stringify(bad ?? value)})`);
  return items;
}

export interface TrainingFlags {
  outputDir: string; epochs: number; maxSteps: number; batchSize: number; evalBatchSize: number; gradAccum: number; lr: number;
  lrScheduler: TrainingArgumentsOptions['lrSchedulerType']; warmupSteps: number; warmupRatio: number; weightDecay: number; maxGradNorm: number;
  optim: TrainingArgumentsOptions['optim']; evalStrategy?: (typeof STRATEGIES)[number]; evalSteps?: number; saveStrategy: (typeof STRATEGIES)[number];
  saveSteps: number; saveTotalLimit?: number; loggingSteps: number; seed: number; bf16: boolean; threads?: number; device: Device;
  reportTo: string[]; loggingDir?: string; overwrite: boolean; quiet: boolean;
}

/** The TrainingArguments of the flags; `hasEval` picks the evaluation default. */
export function toTrainingArguments(o: TrainingFlags, hasEval: boolean): TrainingArgumentsOptions & { outputDir: string } {
  return {
    outputDir: o.outputDir, numTrainEpochs: o.epochs, maxSteps: o.maxSteps, perDeviceTrainBatchSize: o.batchSize, perDeviceEvalBatchSize: o.evalBatchSize,
    gradientAccumulationSteps: o.gradAccum, learningRate: o.lr, lrSchedulerType: o.lrScheduler, warmupSteps: o.warmupSteps, warmupRatio: o.warmupRatio,
    weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm, optim: o.optim, evaluationStrategy: o.evalStrategy ?? (hasEval ? 'epoch' : 'no'),
    ...(o.evalSteps !== undefined ? { evalSteps: o.evalSteps } : {}), saveStrategy: o.saveStrategy, saveSteps: o.saveSteps,
    ...(o.saveTotalLimit !== undefined ? { saveTotalLimit: o.saveTotalLimit } : {}), loggingSteps: o.loggingSteps, seed: o.seed, bf16: o.bf16,
    device: o.device, disableTqdm: o.quiet, reportTo: ['jsonl'],
  };
}

/** TensorBoard when --report-to names it (or all). */
export function tensorboardOf(o: TrainingFlags): false | { logDir?: string } {
  return o.reportTo.includes('tensorboard') || o.reportTo.includes('all') ? (o.loggingDir ? { logDir: o.loggingDir } : {}) : false;
}

export function taskOption(o: { task?: string }): Task | undefined {
  return o.task as Task | undefined;
}

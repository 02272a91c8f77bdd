// fineTune: one fine-tuning run from a description — model folder, task, data, method, training
// arguments — to a trained model or adapter in outputDir with its log, trainer state, report.html
// and summary. What `node-peft train` and each run of a sweep do.
import fs from 'fs';
import path from 'path';
import { barrier, initFromEnvironment, isInitialized, getRank } from '../distributed/process-group';
import type { LogEntry } from '../report/history';
import { renderReportHtml } from '../report/html';
import { formatBytes, formatCount, formatMetric, formatSeconds } from '../report/format';
import { setNumThreads } from '../runtime';
import type { TrainerCallback } from '../train/callbacks';
import { classificationMetrics } from '../train/metrics';
import { TensorBoardCallback } from '../train/tensorboard';
import { Trainer } from '../train/trainer';
import { TrainingArguments, type TrainingArgumentsOptions } from '../train/training-args';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs';
import { loadTaskData, type DataOptions, type TaskData } from './data';
import { frozenNewWeights, frozenNewWeightsWarning } from './frozen-new';
import { predictRows, withPerplexity } from './inference';
import { applyMethod, trainableLine, type LoraOptions, type Method, type Prepared } from './methods';
import { filesSize, prepareOutputDir, SUMMARY_FILE, writeLabels } from './outputs';
import { copyTokenizerFiles, loadTaskModel, loadTokenizerFor, taskOf, type Task } from './task';

export interface FineTuneSpec {
  model: string;
  tokenizer?: string;
  task?: Task;
  method: Method;
  lora?: LoraOptions;
  data: DataOptions;
  args: TrainingArgumentsOptions & { outputDir: string };
  /** Intra-op threads (setNumThreads). */
  threads?: number;
  /** true: the last checkpoint in outputDir; a string: that checkpoint. */
  resume?: boolean | string;
  overwrite?: boolean;
  /** Write TensorBoard event files (to logDir, default outputDir/runs). */
  tensorboard?: boolean | { logDir?: string };
}

export interface FineTuneResult {
  status: 'completed' | 'interrupted';
  outputDir: string;
  task: Task;
  method: Method;
  r: number | null;
  trainable: number;
  all: number;
  globalStep: number;
  /** Final evaluation metrics (eval_*, with eval_perplexity for causal LM) and training metrics. */
  metrics: Record<string, number>;
  /** Seconds of training and evaluation, summed over the sessions of a resumed run. */
  wallSeconds: number;
  peakRssBytes: number;
  /** Bytes of what was saved: the adapter files (LoRA) or config + weights. */
  savedBytes: number;
  checkpoint: string | null;
  history: LogEntry[];
  /** Data parallel (under node-peft launch): the ranks and the bytes each all-reduced per step. */
  distributed?: { worldSize: number; allReduceBytesPerStep: number | null };
}

export interface FineTuneHooks {
  /** Progress lines for people (trainable parameters, data read, files written). */
  print?: (line: string) => void;
  /** Extra callbacks, e.g. a SIGINT guard. */
  callbacks?: TrainerCallback[];
  /** Called with the Trainer before training starts. */
  onTrainer?: (trainer: Trainer) => void;
  /** Warnings of transformers about newly initialised weights (default true). */
  warn?: boolean;
}

const SAVED_FILES = ['adapter_model.safetensors', 'adapter_config.json', 'model.safetensors', 'config.json'];

/** Peak resident memory of this process so far (getrusage's ru_maxrss). */
export const peakRssBytes = (): number => process.resourceUsage().maxRSS * 1024;

function previousSummary(dir: string): Partial<FineTuneResult> {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8')) as Partial<FineTuneResult>;
  } catch {
    return {};
  }
}

/** Whether this process writes the run's files: always, except ranks other than 0 of a process group. */
export const writesOutputs = (): boolean => !isInitialized() || getRank() === 0;

async function setUp(spec: FineTuneSpec, hooks: FineTuneHooks) {
  const print = hooks.print ?? (() => undefined);
  if (spec.threads !== undefined) setNumThreads(spec.threads);
  const task = taskOf(spec.model, spec.task);
  // Started by node-peft launch (or torchrun): join the group; the Trainer then trains data-parallel.
  const grouped = await initFromEnvironment();
  // Before the (slow) data and model: a run that cannot write its folder fails at once.
  if (writesOutputs()) {
    await prepareOutputDir(spec.args.outputDir, { resume: spec.resume ?? false, overwrite: spec.overwrite ?? false });
    await fs.promises.mkdir(spec.args.outputDir, { recursive: true });
  }
  if (grouped) await barrier();
  const { tokenizer, dir: tokenizerDir } = await loadTokenizerFor(spec.tokenizer, [spec.model]);
  const data = await loadTaskData(task, spec.data, tokenizer);
  print(`data: ${data.describe}`);
  const base = await loadTaskModel(spec.model, task, { labels: data.labels ?? undefined, warn: hooks.warn ?? true });
  const prepared = applyMethod(base, task, spec.method, spec.lora);
  const frozen = prepared.peft ? frozenNewWeights(base) : [];
  if (frozen.length > 0 && (hooks.warn ?? true)) console.warn(frozenNewWeightsWarning(frozen, spec.model));
  print(trainableLine(prepared));
  return { task, tokenizer, tokenizerDir, data, prepared };
}

/** [async] Trains as `spec` says; resolves when training completed or was interrupted (SIGINT: a checkpoint was saved). */
export async function fineTune(spec: FineTuneSpec, hooks: FineTuneHooks = {}): Promise<FineTuneResult> {
  const began = performance.now();
  const { task, tokenizer, tokenizerDir, data, prepared } = await setUp(spec, hooks);
  const args = new TrainingArguments(spec.args);
  const callbacks = [...(hooks.callbacks ?? [])];
  if (spec.tensorboard && writesOutputs()) callbacks.push(new TensorBoardCallback(typeof spec.tensorboard === 'object' ? spec.tensorboard : {}));
  const trainer = new Trainer({
    model: prepared.model, args, trainDataset: data.train, ...(data.eval ? { evalDataset: data.eval } : {}), callbacks,
    tokenizer: { padTokenId: tokenizer.padTokenId ?? 0, paddingSide: tokenizer.paddingSide },
    ...(task === 'sequence-classification' ? { computeMetrics: classificationMetrics() } : {}),
  });
  hooks.onTrainer?.(trainer);
  const out = await trainer.train(spec.resume ? { resumeFromCheckpoint: spec.resume } : {});
  const dir = args.outputDir;
  let metrics: Record<string, number> = { ...out.metrics };
  if (out.status === 'completed') metrics = { ...metrics, ...(await finish(trainer, task, prepared, data, tokenizerDir)) };
  if (writesOutputs()) await writeJsonAtomic(path.join(dir, 'trainer_state.json'), trainer.state.toJSON());
  const before = spec.resume ? previousSummary(dir) : {};
  const result: FineTuneResult = {
    status: out.status, outputDir: dir, task, method: spec.method, r: spec.method === 'lora' ? prepared.peft!.peftConfig.get('default')!.r : null,
    trainable: prepared.trainable, all: prepared.all, globalStep: out.globalStep, metrics,
    wallSeconds: (before.wallSeconds ?? 0) + (performance.now() - began) / 1000,
    peakRssBytes: Math.max(before.peakRssBytes ?? 0, peakRssBytes()),
    savedBytes: out.status === 'completed' ? filesSize(dir, SAVED_FILES) : 0,
    checkpoint: out.checkpoint, history: trainer.state.logHistory,
    ...(trainer.world ? { distributed: { worldSize: trainer.world.worldSize, allReduceBytesPerStep: trainer.allReduceBytesPerStep } } : {}),
  };
  if (!writesOutputs()) return result;
  await writeFileAtomic(path.join(dir, 'report.html'), renderReportHtml({ title: `node-peft: ${spec.method} on ${spec.model} (${task})`, history: result.history, summary: summaryRows(result) }));
  await writeJsonAtomic(path.join(dir, SUMMARY_FILE), { ...result, history: undefined });
  return result;
}

/** After a completed run: the model or adapter with tokenizer (and labels), the final evaluation, the eval set's predictions. */
async function finish(trainer: Trainer, task: Task, prepared: Prepared, data: TaskData, tokenizerDir: string): Promise<Record<string, number>> {
  const dir = trainer.args.outputDir;
  const writes = writesOutputs();  // every rank evaluates its shard below; rank 0 writes
  if (writes) {
    await trainer.saveModel(dir);
    await copyTokenizerFiles(tokenizerDir, dir);
    if (data.labels && prepared.peft) await writeLabels(dir, data.labels);
  }
  if (!data.eval) return {};
  const metrics = task === 'causal-lm' ? withPerplexity(await trainer.evaluate()) : await trainer.evaluate();
  if (task === 'sequence-classification' && data.labels) {
    const preds = await predictRows(trainer, data.eval, data.labels.id2label);
    if (!writes) return metrics;
    const lines = preds.map((p, i) => JSON.stringify({ index: i, label: p.label, true_label: data.labels!.id2label[data.eval![i].labels as number], probabilities: p.probabilities }));
    await writeFileAtomic(path.join(dir, 'eval_predictions.jsonl'), `${lines.join('\n')}\n`);
  }
  return metrics;
}

/** The summary's rows (name, value): final metrics, steps, time, memory, size. */
export function summaryRows(r: FineTuneResult): [string, string][] {
  const rows: [string, string][] = [['status', r.status], ['task', r.task], ['method', r.r === null ? r.method : `lora (r=${r.r})`], ['steps', String(r.globalStep)]];
  for (const [k, v] of Object.entries(r.metrics)) if (/^(eval_(?!runtime|samples|steps)|train_loss$)/.test(k)) rows.push([k, formatMetric(v)]);
  rows.push(['trainable params', `${formatCount(r.trainable)} of ${formatCount(r.all)} (${((100 * r.trainable) / r.all).toFixed(4)}%)`]);
  rows.push(['wall time', formatSeconds(r.wallSeconds)], ['peak RSS', formatBytes(r.peakRssBytes)]);
  if (r.status === 'completed') rows.push([r.method === 'lora' ? 'adapter size' : 'model size', formatBytes(r.savedBytes)]);
  if (r.distributed) rows.push(['processes', String(r.distributed.worldSize)]);
  if (r.distributed?.allReduceBytesPerStep) rows.push(['all-reduced per step', formatBytes(r.distributed.allReduceBytesPerStep)]);
  if (r.checkpoint) rows.push(['last checkpoint', r.checkpoint]);
  return rows;
}

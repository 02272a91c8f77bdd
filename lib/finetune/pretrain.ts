// runPretrain: `node-peft pretrain` — a BERT (masked LM) or OPT (causal LM) pre-trained from
// scratch on text files (lib/train/pretrain.ts), with the output-folder rules of `train` (resume,
// overwrite), report.html and summary.json. The model folder is the output folder itself, as a
// `train --method full` run leaves it.
import fs from 'fs';
import path from 'path';
import { listDataFiles } from '../data/files';
import type { ConfigDict } from '../models/config';
import { renderReportHtml } from '../report/html';
import { formatBytes, formatCount, formatMetric, formatSeconds } from '../report/format';
import { setNumThreads } from '../runtime';
import type { TrainerCallback } from '../train/callbacks';
import type { LogEntry } from '../train/state';
import { pretrain } from '../train/pretrain';
import { TensorBoardCallback } from '../train/tensorboard';
import type { TrainingArgumentsOptions } from '../train/training-args';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs';
import { filesSize, prepareOutputDir, SUMMARY_FILE } from './outputs';
import { peakRssBytes } from './run';

export interface PretrainSpec {
  family: 'bert' | 'opt';
  tokenizer: string;
  /** A folder of .txt files (every one trained on except `holdOut`), and/or explicit files. */
  dataDir?: string;
  holdOut?: string[];
  trainFiles?: string[];
  evalFiles?: string[];
  /** Config fields (transformers' names); vocab_size defaults to the tokenizer's. */
  config: ConfigDict;
  blockSize?: number;
  mlmProbability?: number;
  wholeWordMask?: boolean;
  saveFloat16?: boolean;
  args: TrainingArgumentsOptions & { outputDir: string };
  threads?: number;
  resume?: boolean;
  overwrite?: boolean;
  tensorboard?: boolean | { logDir?: string };
  cache?: boolean;
}

export interface PretrainRunResult {
  status: 'completed' | 'interrupted';
  outputDir: string;
  family: 'bert' | 'opt';
  globalStep: number;
  trainLoss: number;
  /** Held-out loss (masked tokens only for BERT) and its exp; NaN without held-out text. */
  evalLoss: number;
  perplexity: number;
  parameters: number;
  trainTokensPerEpoch: number;
  tokensSeen: number;
  wallSeconds: number;
  peakRssBytes: number;
  savedBytes: number;
  checkpoint: string | null;
  history: LogEntry[];
}

/** The training and held-out files of a spec (absolute paths); errors name the option at fault. */
export async function pretrainFiles(spec: Pick<PretrainSpec, 'dataDir' | 'holdOut' | 'trainFiles' | 'evalFiles'>): Promise<{ trainFiles: string[]; evalFiles: string[] }> {
  const holdOut = spec.holdOut ?? [];
  if (holdOut.length > 0 && !spec.dataDir) throw new Error('--hold-out names files of --data-dir: pass --data-dir DIR (or use --eval-file)');
  let fromDir: string[] = [];
  if (spec.dataDir) {
    if (!fs.existsSync(spec.dataDir) || !fs.statSync(spec.dataDir).isDirectory()) throw new Error(`--data-dir ${spec.dataDir}: no such folder`);
    // The folder's text files as `train --data-dir` lists them (lib/data: sorted, hidden files skipped, any case of .txt).
    const names = (await listDataFiles('--data-dir', undefined, spec.dataDir, ['.txt'])).map((f) => path.basename(f));
    const missing = holdOut.find((h) => !names.includes(h));
    if (missing !== undefined) throw new Error(`--hold-out ${missing}: not a .txt file of --data-dir ${spec.dataDir} (it has ${names.length} .txt files)`);
    fromDir = names.filter((f) => !holdOut.includes(f)).map((f) => path.resolve(spec.dataDir!, f));
  }
  const trainFiles = [...fromDir, ...(spec.trainFiles ?? []).map((f) => path.resolve(f))];
  const evalFiles = [...holdOut.map((f) => path.resolve(spec.dataDir!, f)), ...(spec.evalFiles ?? []).map((f) => path.resolve(f))];
  if (trainFiles.length === 0) throw new Error('no training text: pass --data-dir DIR (a folder of .txt files) or --train-file FILE...');
  const absent = [...trainFiles, ...evalFiles].find((f) => !fs.existsSync(f));
  if (absent !== undefined) throw new Error(`${absent}: no such file`);
  return { trainFiles, evalFiles };
}

/** [async] Pre-trains as `spec` says; resolves when training completed or was interrupted (SIGINT: a checkpoint was saved). */
export async function runPretrain(spec: PretrainSpec, callbacks: TrainerCallback[] = []): Promise<PretrainRunResult> {
  const began = performance.now();
  const files = await pretrainFiles(spec);
  if (spec.threads !== undefined) setNumThreads(spec.threads);
  const dir = spec.args.outputDir;
  await prepareOutputDir(dir, { resume: spec.resume ?? false, overwrite: spec.overwrite ?? false });
  await fs.promises.mkdir(dir, { recursive: true });
  const all = [...callbacks];
  if (spec.tensorboard) all.push(new TensorBoardCallback(typeof spec.tensorboard === 'object' ? spec.tensorboard : {}));
  const r = await pretrain({
    family: spec.family, config: spec.config, tokenizer: spec.tokenizer, ...files, args: spec.args, saveDir: dir, callbacks: all,
    resume: spec.resume ?? false, cache: spec.cache ?? false,
    ...(spec.blockSize !== undefined ? { blockSize: spec.blockSize } : {}), ...(spec.mlmProbability !== undefined ? { mlmProbability: spec.mlmProbability } : {}),
    ...(spec.wholeWordMask !== undefined ? { wholeWordMask: spec.wholeWordMask } : {}), ...(spec.saveFloat16 !== undefined ? { saveFloat16: spec.saveFloat16 } : {}),
  });
  const parameters = r.model.numParameters();
  const batch = (spec.args.perDeviceTrainBatchSize ?? 8) * (spec.args.gradientAccumulationSteps ?? 1);
  const result: PretrainRunResult = {
    status: r.train.status, outputDir: dir, family: spec.family, globalStep: r.train.globalStep, trainLoss: r.train.trainingLoss,
    evalLoss: r.evalLoss, perplexity: r.perplexity, parameters, trainTokensPerEpoch: r.trainTokens, tokensSeen: r.train.globalStep * batch * (spec.blockSize ?? 128),
    wallSeconds: (performance.now() - began) / 1000, peakRssBytes: peakRssBytes(),
    savedBytes: r.saveDir ? filesSize(dir, ['model.safetensors', 'config.json']) : 0, checkpoint: r.train.checkpoint, history: r.history,
  };
  await writeFileAtomic(path.join(dir, 'report.html'), renderReportHtml({ title: `node-peft: pre-training ${spec.family === 'bert' ? 'a BERT (masked LM)' : 'an OPT (causal LM)'}`, history: r.history, summary: pretrainSummaryRows(result) }));
  await writeJsonAtomic(path.join(dir, SUMMARY_FILE), { ...result, history: undefined });
  return result;
}

/** The summary's rows (name, value). */
export function pretrainSummaryRows(r: PretrainRunResult): [string, string][] {
  const rows: [string, string][] = [
    ['status', r.status], ['model', r.family === 'bert' ? 'BertForMaskedLM' : 'OPTForCausalLM'], ['parameters', formatCount(r.parameters)], ['steps', String(r.globalStep)],
    ['tokens per epoch', formatCount(r.trainTokensPerEpoch)], ['tokens seen', formatCount(r.tokensSeen)], ['train_loss', formatMetric(r.trainLoss)],
  ];
  if (Number.isFinite(r.evalLoss)) rows.push(['eval_loss', formatMetric(r.evalLoss)], ['eval_perplexity', formatMetric(r.perplexity)]);
  rows.push(['wall time', formatSeconds(r.wallSeconds)], ['peak RSS', formatBytes(r.peakRssBytes)]);
  if (r.status === 'completed') rows.push(['model size', formatBytes(r.savedBytes)]);
  if (r.checkpoint) rows.push(['last checkpoint', r.checkpoint]);
  return rows;
}

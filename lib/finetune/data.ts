// The training and evaluation data of a fine-tuning run, from the options a user gives: files
// (any format lib/data reads) or a folder (TweetEval's, with split names; for causal LM a folder
// of texts with held-out files).
import { loadTextBlocks } from '../data/text-blocks';
import { loadTextClassification } from '../data/classification';
import type { Example } from '../data/types';
import type { AnyTokenizer } from '../tokenizers/auto';
import type { LabelNames, Task } from './task';

export interface DataOptions {
  trainFiles?: string[];
  evalFiles?: string[];
  /** A folder: TweetEval's (or files named by split) for classification, texts for causal LM. */
  dataDir?: string;
  trainSplit?: string;
  evalSplit?: string;
  textColumn?: string;
  labelColumn?: string;
  /** Truncation of classification rows (tokens). */
  maxLength?: number;
  /** Causal LM: files of dataDir kept out of training, for evaluation. */
  holdOut?: string[];
  blockSize?: number;
  maxTrainSamples?: number;
  maxEvalSamples?: number;
  /** Cache tokenized data (lib/data's cache option). */
  cache?: boolean;
  /** Class names by id for evaluation data read without training data (a trained model's). */
  labelNames?: Record<number, string>;
}

export interface TaskData {
  train: Example[];
  eval: Example[] | null;
  labels: LabelNames | null;
  /** What was read, for the summary. */
  describe: string;
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

async function classification(o: DataOptions, tokenizer: AnyTokenizer, needTrain: boolean): Promise<TaskData> {
  if (!o.dataDir && !o.trainFiles && !o.evalFiles) throw new Error('no data: pass --data-dir DIR (with --train-split/--eval-split) or --train-file/--eval-file');
  const common = { tokenizer, ...defined({ textColumn: o.textColumn, labelColumn: o.labelColumn, maxLength: o.maxLength, cache: o.cache }) };
  const source = (files: string[] | undefined, split: string | undefined) => (files ? { files } : { dir: o.dataDir!, split });
  const wantTrain = needTrain && (o.trainFiles || (o.dataDir && o.trainSplit));
  if (needTrain && !wantTrain) throw new Error('no training data: pass --train-file FILE or --data-dir DIR with --train-split NAME');
  const train = wantTrain ? await loadTextClassification({ ...common, ...source(o.trainFiles, o.trainSplit), ...defined({ maxSamples: o.maxTrainSamples }) }) : null;
  const wantEval = o.evalFiles || (o.dataDir && o.evalSplit);
  // Evaluation rows take the training data's label ids, so that "positive" is the same class in both.
  const names = train?.id2label ?? o.labelNames;
  const labelNames = names ? { labelNames: names } : {};
  const ev = wantEval ? await loadTextClassification({ ...common, ...labelNames, ...source(o.evalFiles, o.evalSplit), ...defined({ maxSamples: o.maxEvalSamples }) }) : null;
  const space = train ?? ev!;
  const files = [...new Set([...(train?.files ?? []), ...(ev?.files ?? [])])];
  return {
    train: train?.examples ?? [], eval: ev?.examples ?? null, labels: { id2label: space.id2label, label2id: space.label2id },
    describe: `${train ? `${train.examples.length} training rows` : ''}${train && ev ? ', ' : ''}${ev ? `${ev.examples.length} evaluation rows` : ''} from ${files.join(', ')}`,
  };
}

/** Evaluation only (the eval command): the blocks of --eval-file, or of dataDir's held-out files. */
async function evalBlocks(o: DataOptions, tokenizer: AnyTokenizer): Promise<TaskData> {
  if (o.dataDir && o.holdOut?.length && !o.evalFiles) return textBlocks(o, tokenizer);
  if (!o.evalFiles) throw new Error('no evaluation data: pass --eval-file FILE (text) or --data-dir DIR with --hold-out FILE');
  const blocks = await loadTextBlocks({ tokenizer, files: o.evalFiles, ...defined({ blockSize: o.blockSize, maxSamples: o.maxEvalSamples, cache: o.cache }) });
  if (blocks.train.length === 0) throw new Error(`${o.evalFiles.join(', ')} make no block of ${blocks.blockSize} tokens: lower --block-size`);
  return { train: [], eval: blocks.train, labels: null, describe: `${blocks.train.length} evaluation blocks of ${blocks.blockSize} tokens from ${blocks.trainFiles.join(', ')}` };
}

async function textBlocks(o: DataOptions, tokenizer: AnyTokenizer): Promise<TaskData> {
  if (!o.dataDir && !o.trainFiles) throw new Error('no data: pass --data-dir DIR of text files (with --hold-out FILE for evaluation) or --train-file/--eval-file');
  const files = o.dataDir ? {} : { files: [...o.trainFiles!, ...(o.evalFiles ?? [])] };
  const holdOut = o.dataDir ? [...(o.holdOut ?? []), ...(o.evalFiles ?? [])] : o.evalFiles ?? [];
  const blocks = await loadTextBlocks({
    tokenizer, ...files, ...defined({ dir: o.dataDir, blockSize: o.blockSize, maxSamples: o.maxTrainSamples, maxEvalSamples: o.maxEvalSamples, cache: o.cache }),
    ...(holdOut.length ? { holdOut } : {}),
  });
  if (blocks.train.length === 0) throw new Error(`the training texts make no block of ${blocks.blockSize} tokens: lower --block-size or add text`);
  if (blocks.eval && blocks.eval.length === 0) throw new Error(`the held-out texts (${blocks.evalFiles.join(', ')}) make no block of ${blocks.blockSize} tokens: lower --block-size`);
  return {
    train: blocks.train, eval: blocks.eval ?? null, labels: null,
    describe: `${blocks.train.length} training blocks of ${blocks.blockSize} tokens from ${blocks.trainFiles.length} files${blocks.eval ? `, ${blocks.eval.length} evaluation blocks from ${blocks.evalFiles.join(', ')}` : ''}`,
  };
}

/** Loads and tokenizes the data of a task; `needTrain` false for eval (evaluation data only). */
export function loadTaskData(task: Task, o: DataOptions, tokenizer: AnyTokenizer, needTrain = true): Promise<TaskData> {
  if (task === 'causal-lm') return needTrain ? textBlocks(o, tokenizer) : evalBlocks(o, tokenizer);
  return classification(o, tokenizer, needTrain);
}

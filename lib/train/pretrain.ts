// Pre-training from scratch: a BERT (masked LM, BertForMaskedLM with its tied decoder) or an OPT
// (causal LM) built from a config, trained by the Trainer on text files cut into blocks (as
// transformers' run_mlm.py / run_clm.py do with group_texts), with its checkpoints, resume,
// progress and log. The result is an ordinary HuggingFace model folder: config.json,
// model.safetensors (float16 if asked), the tokenizer's files, and the held-out loss.
import fs from 'fs';
import path from 'path';
import { loadTextBlocks } from '../data/text-blocks';
import { addBertPooler } from './bert-pooler';
import type { Example } from '../data/types';
import { BertForMaskedLM } from '../models/bert';
import { BertConfig, OPTConfig, type ConfigDict } from '../models/config';
import { OPTForCausalLM } from '../models/opt';
import type { PreTrainedModel } from '../models/pretrained';
import { manualSeed } from '../runtime';
import { AutoTokenizer } from '../tokenizers/auto';
import { copyTokenizerFiles } from '../tokenizers/files';
import { expectOneOf, expectOptions, invalid } from '../validate';
import type { TrainerCallback } from './callbacks';
import { dataCollatorForLanguageModeling } from './collator';
import { perplexity } from './metrics';
import { dataCollatorForMaskedLM, type MaskingTokenizer } from './mlm-collator';
import type { LogEntry } from './state';
import { Trainer, type TrainOutput } from './trainer';
import { TrainingArguments, type TrainingArgumentsOptions } from './training-args';

export interface PretrainOptions {
  /** 'bert': masked LM (BertForMaskedLM); 'opt': causal LM (OPTForCausalLM). */
  family: 'bert' | 'opt';
  /** The model's config fields (transformers' names), e.g. hidden_size, num_hidden_layers. vocab_size defaults to the tokenizer's. */
  config: ConfigDict;
  /** A tokenizer folder (it is copied into the saved model). */
  tokenizer: string;
  /** Text files to train on and to evaluate on (Project Gutenberg headers are removed). */
  trainFiles: string[];
  evalFiles: string[];
  /** Tokens per block (default 128). */
  blockSize?: number;
  /** TrainingArguments (outputDir is where checkpoints go). */
  args: TrainingArgumentsOptions & { outputDir: string };
  /** Where the final model folder is written (default outputDir/model). */
  saveDir?: string;
  /** Save the final weights as float16 (default false). */
  saveFloat16?: boolean;
  /** Masked LM: share of tokens to predict (0.15) and whole-word masking (false). */
  mlmProbability?: number;
  wholeWordMask?: boolean;
  /** Resume from the last checkpoint in outputDir when there is one (default true). */
  resume?: boolean;
  /** Tokenized blocks are cached on disk (lib/data's cache; default true). */
  cache?: boolean | string;
  callbacks?: TrainerCallback[];
}

export interface PretrainResult {
  model: PreTrainedModel;
  train: TrainOutput;
  /** Mean loss on the evaluation blocks (masked tokens for BERT), and exp of it. */
  evalLoss: number;
  perplexity: number;
  trainTokens: number;
  evalTokens: number;
  /** Where the model was saved; null when the run was interrupted (its checkpoint is in outputDir). */
  saveDir: string | null;
  /** The Trainer's log history (every logged entry), for reports. */
  history: LogEntry[];
}

const KEYS = ['family', 'config', 'tokenizer', 'trainFiles', 'evalFiles', 'blockSize', 'args', 'saveDir', 'saveFloat16', 'mlmProbability', 'wholeWordMask', 'resume', 'cache', 'callbacks'] as const;

function build(family: 'bert' | 'opt', fields: ConfigDict): PreTrainedModel {
  return family === 'bert' ? BertForMaskedLM.fromConfig(new BertConfig(fields)) : OPTForCausalLM.fromConfig(new OPTConfig(fields));
}

/** [async] Pre-trains a model from scratch (see PretrainOptions); resumable. */
export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  const o = expectOptions('pretrain', options, KEYS) as PretrainOptions;
  const family = expectOneOf('pretrain.family', o.family, ['bert', 'opt'] as const);
  if (!Array.isArray(o.trainFiles) || o.trainFiles.length === 0) invalid('pretrain.trainFiles', 'a non-empty list of text files', o.trainFiles);
  const tokenizer = await AutoTokenizer.fromPretrained(o.tokenizer);
  const blockSize = o.blockSize ?? 128;
  const cache = o.cache ?? true;
  const data = await loadTextBlocks({ tokenizer, files: [...o.trainFiles, ...o.evalFiles], holdOut: o.evalFiles, blockSize, cache });
  const train = data.train as Example[];
  const evalSet = (data.eval ?? []) as Example[];
  manualSeed(o.args.seed ?? 42);
  const model = build(family, { vocab_size: tokenizer.length, pad_token_id: tokenizer.padTokenId ?? 0, ...o.config });
  const args = new TrainingArguments(o.args);
  const dataCollator = family === 'bert'
    ? dataCollatorForMaskedLM({ tokenizer: tokenizer as unknown as MaskingTokenizer, mlmProbability: o.mlmProbability, wholeWordMask: o.wholeWordMask })
    : dataCollatorForLanguageModeling({ padTokenId: tokenizer.padTokenId ?? 1 });
  const trainer = new Trainer({ model, args, trainDataset: train, evalDataset: evalSet.length > 0 ? evalSet : undefined, dataCollator, callbacks: o.callbacks });
  const resume = (o.resume ?? true) && fs.existsSync(args.outputDir) && fs.readdirSync(args.outputDir).some((d) => /^checkpoint-\d+$/.test(d));
  const result = await trainer.train({ resumeFromCheckpoint: resume || undefined });
  const tokens = (rows: Example[]) => rows.length * blockSize;
  const history = trainer.state.logHistory;
  // Interrupted (SIGINT): the checkpoint is the record; a model folder would pass for a finished one.
  if (result.status !== 'completed') return { model, train: result, evalLoss: NaN, perplexity: NaN, trainTokens: tokens(train), evalTokens: tokens(evalSet), saveDir: null, history };
  const evalLoss = evalSet.length > 0 ? (await trainer.evaluate()).eval_loss : NaN;
  const saveDir = o.saveDir ?? path.join(args.outputDir, 'model');
  if (o.saveFloat16) model.to('float16');
  await model.savePretrained(saveDir);
  if (o.saveFloat16) model.to('float32');
  await copyTokenizerFiles(o.tokenizer, saveDir);
  if (family === 'bert') await addBertPooler(saveDir, { hiddenSize: model.config.get('hidden_size') as number, initializerRange: model.config.get('initializer_range') as number, seed: o.args.seed ?? 42 });
  return { model, train: result, evalLoss, perplexity: perplexity(evalLoss), trainTokens: tokens(train), evalTokens: tokens(evalSet), saveDir, history };
}

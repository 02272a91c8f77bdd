// node-peft pretrain: a BERT (masked LM) or OPT (causal LM) pre-trained from scratch on text files
// (parsing and printing; the run is lib/finetune/pretrain.ts). The model's shape comes from
// --config (a config.json) and the shape flags, with transformers' field names behind them.
import fs from 'fs';
import { Command } from 'commander';
import type { ConfigDict } from '../models/config';
import { pretrainSummaryRows, runPretrain, type PretrainRunResult } from '../finetune/pretrain';
import { sigintGuard, SIGINT_EXIT_CODE } from '../finetune/signals';
import { lossChart } from '../report/terminal';
import { choice, common, int, num, tensorboardOf, toTrainingArguments, trainingOptions, type TrainingFlags } from './options';
import { printRows } from './print';

type PretrainFlags = TrainingFlags & {
  family: 'bert' | 'opt'; tokenizer: string; config?: string; hiddenSize?: number; layers?: number; heads?: number; ffnSize?: number; maxPositions?: number;
  dataDir?: string; holdOut?: string[]; trainFile?: string[]; evalFile?: string[]; blockSize: number; mlmProbability: number; wholeWordMask: boolean;
  float16: boolean; resume: boolean; cache: boolean;
};

/** The config fields: --config's file, then the shape flags under each family's names (BERT's intermediate_size is OPT's ffn_dim). */
export function configOf(o: Pick<PretrainFlags, 'family' | 'config' | 'hiddenSize' | 'layers' | 'heads' | 'ffnSize' | 'maxPositions'>): ConfigDict {
  let fields: ConfigDict = {};
  if (o.config) {
    try {
      fields = JSON.parse(fs.readFileSync(o.config, 'utf8')) as ConfigDict;
    } catch (err) {
      throw new Error(`--config ${o.config}: ${(err as Error).message} (expected a config.json with transformers' field names)`);
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new Error(`--config ${o.config}: expected a JSON object of config fields`);
  }
  const set = (key: string, value: number | undefined) => { if (value !== undefined) fields[key] = value; };
  set('hidden_size', o.hiddenSize);
  set('num_hidden_layers', o.layers);
  set('num_attention_heads', o.heads);
  set(o.family === 'bert' ? 'intermediate_size' : 'ffn_dim', o.ffnSize);
  set('max_position_embeddings', o.maxPositions);
  // OPT projects embeddings only when word_embed_proj_dim differs from hidden_size (opt-350m).
  if (o.family === 'opt' && o.hiddenSize !== undefined && !('word_embed_proj_dim' in fields)) fields.word_embed_proj_dim = o.hiddenSize;
  return fields;
}

export function pretrainCommand(): Command {
  const cmd = new Command('pretrain')
    .description('pre-train a BERT (masked LM, BertForMaskedLM) or an OPT (causal LM) from scratch on text files; writes the model folder (config.json, model.safetensors, tokenizer files), checkpoints, log.jsonl and report.html to --output-dir')
    .addOption(choice('--family <family>', 'bert (masked LM) or opt (causal LM)', ['bert', 'opt']).makeOptionMandatory())
    .requiredOption('--tokenizer <dir>', 'tokenizer folder (its vocabulary sets vocab_size; its files are copied into the model)')
    .option('--config <file>', "a config.json whose fields shape the model (transformers' names)")
    .option('--hidden-size <n>', 'hidden_size', int('--hidden-size', 1))
    .option('--layers <n>', 'num_hidden_layers', int('--layers', 1))
    .option('--heads <n>', 'num_attention_heads (must divide --hidden-size)', int('--heads', 1))
    .option('--ffn-size <n>', 'feed-forward width (intermediate_size for BERT, ffn_dim for OPT)', int('--ffn-size', 1))
    .option('--max-positions <n>', 'max_position_embeddings', int('--max-positions', 1))
    .option('--data-dir <dir>', 'a folder of .txt files to train on (all but --hold-out)')
    .option('--hold-out <files...>', 'files of --data-dir kept for the held-out loss (e.g. 1656.txt)')
    .option('--train-file <files...>', 'further .txt files to train on')
    .option('--eval-file <files...>', 'further .txt files for the held-out loss')
    .option('--block-size <n>', 'tokens per block (texts are concatenated and cut, as run_mlm/run_clm group_texts do)', int('--block-size', 2), 128)
    .option('--mlm-probability <p>', 'BERT: share of tokens to predict (80% [MASK], 10% random, 10% kept)', num('--mlm-probability', 0, 1), 0.15)
    .option('--whole-word-mask', 'BERT: mask whole words (all their WordPiece pieces) together', false)
    .option('--float16', 'save the final weights as float16', false)
    .option('--resume', 'continue an interrupted run from the last checkpoint in --output-dir', false)
    .option('--cache', 'cache tokenized blocks (NODE_PEFT_DATASETS_CACHE or ~/.cache/node-peft/datasets)', false);
  trainingOptions(cmd);
  return common(cmd).action(async (o: PretrainFlags) => {
    process.exitCode = await runPretrainCommand(o);
  });
}

async function runPretrainCommand(o: PretrainFlags): Promise<number> {
  const hasEval = Boolean(o.holdOut?.length || o.evalFile?.length);
  if (!hasEval && o.evalStrategy && o.evalStrategy !== 'no') throw new Error(`--eval-strategy ${o.evalStrategy} needs held-out text: pass --hold-out FILE or --eval-file FILE`);
  const tensorboard = tensorboardOf(o);
  const guard = sigintGuard();
  if (!o.quiet) console.log(`node-peft pretrain: ${o.family === 'bert' ? 'BERT (masked LM)' : 'OPT (causal LM)'} -> ${o.outputDir}`);
  let result: PretrainRunResult;
  try {
    result = await runPretrain({
      family: o.family, tokenizer: o.tokenizer, config: configOf(o), dataDir: o.dataDir, holdOut: o.holdOut, trainFiles: o.trainFile, evalFiles: o.evalFile,
      blockSize: o.blockSize, mlmProbability: o.mlmProbability, wholeWordMask: o.wholeWordMask, saveFloat16: o.float16,
      args: toTrainingArguments(o, hasEval), threads: o.threads, resume: o.resume, overwrite: o.overwrite, cache: o.cache, ...(tensorboard ? { tensorboard } : {}),
    }, [guard.callback]);
  } finally {
    guard.dispose();
  }
  const chart = o.quiet ? '' : lossChart(result.history);
  if (chart) console.log(`\n${chart}`);
  console.log('');
  printRows(pretrainSummaryRows(result));
  console.log(`report: ${result.outputDir}/report.html`);
  if (result.status === 'completed') return 0;
  console.error(`node-peft: interrupted at step ${result.globalStep}: checkpoint ${result.checkpoint} saved; run the same command with --resume to continue`);
  return SIGINT_EXIT_CODE;
}

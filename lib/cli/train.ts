// node-peft train: one fine-tuning run (parsing and printing; the run is lib/finetune/run.ts).
import { Command, InvalidArgumentError } from 'commander';
import { parseMethod, type Method } from '../finetune/methods';
import { fineTune, summaryRows, type FineTuneResult, type FineTuneSpec } from '../finetune/run';
import { sigintGuard, SIGINT_EXIT_CODE } from '../finetune/signals';
import { lossChart } from '../report/terminal';
import {
  common, dataOptions, loraOptions, modelOptions, taskOption, tensorboardOf, toDataOptions, toLoraOptions, toTrainingArguments, trainingOptions,
  type DataFlags, type LoraFlags, type TrainingFlags,
} from './options';
import { printRows } from './print';

export const methodArg = (value: string): Method => {
  try {
    return parseMethod(value);
  } catch {
    throw new InvalidArgumentError('expected full, lora or topN (top1, top2, ...)');
  }
};

export type TrainFlags = DataFlags & LoraFlags & TrainingFlags & { model: string; tokenizer?: string; task?: string; method: Method; resume?: boolean | string };

/** The library's run description of the flags (shared with sweep). */
export function toSpec(o: TrainFlags): FineTuneSpec {
  const hasEval = Boolean(o.evalFile || o.evalSplit || o.holdOut);
  // Found now rather than at the first evaluation, after the first steps of training.
  if (!hasEval && o.evalStrategy && o.evalStrategy !== 'no') throw new Error(`--eval-strategy ${o.evalStrategy} needs evaluation data: pass --eval-file FILE, --eval-split NAME or --hold-out FILE`);
  const tensorboard = tensorboardOf(o);
  return {
    model: o.model, tokenizer: o.tokenizer, task: taskOption(o), method: o.method, lora: toLoraOptions(o), data: toDataOptions(o),
    args: toTrainingArguments(o, hasEval), threads: o.threads, resume: o.resume, overwrite: o.overwrite, ...(tensorboard ? { tensorboard } : {}),
  };
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('fine-tune a model (full, topN or LoRA); writes the model or adapter, checkpoints, log.jsonl, trainer_state.json and report.html to --output-dir');
  modelOptions(cmd, false);
  cmd.option('--method <method>', 'full (every weight), topN (last N layers + head), lora', methodArg, 'lora');
  loraOptions(cmd);
  dataOptions(cmd);
  trainingOptions(cmd);
  cmd.option('--resume [checkpoint]', 'continue an interrupted run from the last checkpoint in --output-dir (or from the given checkpoint folder)');
  return common(cmd).action(async (o: TrainFlags) => {
    process.exitCode = await runTrain(o);
  });
}

async function runTrain(o: TrainFlags): Promise<number> {
  const spec = toSpec(o);
  const guard = sigintGuard();
  // Under node-peft launch only rank 0 prints (the others' errors still reach stderr).
  const speaks = process.env.RANK === undefined || process.env.RANK === '0';
  const print = (line: string) => { if (!o.quiet && speaks) console.log(line); };
  if (speaks) console.log(`node-peft train: ${o.method === 'lora' ? `LoRA r=${o.r}` : o.method} on ${o.model} -> ${o.outputDir}`);
  let result: FineTuneResult;
  try {
    // The trainable-parameter line is printed even when quiet: it is part of the record of a run.
    result = await fineTune(spec, { print: (line) => (line.startsWith('trainable params') && speaks ? console.log(line) : print(line)), callbacks: [guard.callback], warn: !o.quiet && speaks });
  } finally {
    guard.dispose();
  }
  if (!speaks) return result.status === 'completed' ? 0 : SIGINT_EXIT_CODE;
  printResult(result, o.quiet);
  if (result.status === 'completed') return 0;
  console.error(`node-peft: interrupted at step ${result.globalStep}: checkpoint ${result.checkpoint} saved; run the same command with --resume to continue`);
  return SIGINT_EXIT_CODE;
}

export function printResult(r: FineTuneResult, quiet: boolean): void {
  const chart = quiet ? '' : lossChart(r.history);
  if (chart) console.log(`\n${chart}`);
  console.log('');
  printRows(summaryRows(r));
  console.log(`report: ${r.outputDir}/report.html`);
}

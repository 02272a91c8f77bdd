// node-peft merge: base + LoRA adapter -> a plain transformers model folder.
import { Command } from 'commander';
import { mergeAdapter } from '../finetune/merge';
import { formatBytes } from '../report/format';
import { TASKS } from '../finetune/task';
import { choice, common, taskOption } from './options';
import { printRows } from './print';

type MergeFlags = { model?: string; adapter: string; tokenizer?: string; task?: string; outputDir: string; safeMerge: boolean };

export function mergeCommand(): Command {
  const cmd = new Command('merge')
    .description('merge a LoRA adapter into its base model and save the result (config.json, model.safetensors, tokenizer files) for transformers or node-peft')
    .option('--model <dir|id>', "the base model (default: the adapter's base_model_name_or_path)")
    .requiredOption('--adapter <dir>', 'the LoRA adapter folder')
    .requiredOption('--output-dir <dir>', 'folder to write the merged model to')
    .option('--tokenizer <dir|id>', 'tokenizer to copy (default: the adapter folder, then the model folder)')
    .addOption(choice('--task <task>', "the model's task (default: from config.json)", TASKS))
    .option('--no-safe-merge', 'skip the check of the merged weights for NaN/inf');
  return common(cmd).action(async (o: MergeFlags) => {
    const files = await mergeAdapter({ model: o.model, adapter: o.adapter, tokenizer: o.tokenizer, task: taskOption(o), outputDir: o.outputDir, safeMerge: o.safeMerge });
    console.log(`merged ${o.adapter} into ${o.model ?? 'its base model'}: ${o.outputDir}`);
    printRows(files.map(([f, size]) => [f, formatBytes(size)]));
  });
}

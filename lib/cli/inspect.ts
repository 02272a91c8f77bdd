// node-peft inspect: what a model, adapter or checkpoint folder holds.
import { Command } from 'commander';
import { inspectFolder, type Inspection } from '../finetune/inspect';
import { formatBytes, formatCount } from '../report/format';
import { common } from './options';
import { printRows } from './print';

type InspectFlags = { tree: boolean; model?: string; json: boolean };

// The config fields worth a line (the rest is in the file, and in --json).
const CONFIG_KEYS = ['model_type', 'architectures', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'ffn_dim', 'vocab_size',
  'max_position_embeddings', 'torch_dtype', 'id2label', 'peft_type', 'task_type', 'r', 'lora_alpha', 'lora_dropout', 'target_modules', 'layers_to_transform',
  'use_rslora', 'modules_to_save', 'base_model_name_or_path'];

export function inspectCommand(): Command {
  const cmd = new Command('inspect')
    .description("show a model, LoRA adapter or checkpoint folder: config, parameter counts, LoRA targets, file sizes (--tree: the module tree)")
    .argument('<dir>', 'a model folder (or hub id), an adapter folder, or a checkpoint-N folder')
    .option('--tree', 'load the model and print its module tree (for an adapter: the base with LoRA layers)', false)
    .option('--model <dir|id>', "the base model of an adapter for --tree (default: its base_model_name_or_path)")
    .option('--json', 'print everything as one JSON object', false);
  return common(cmd).action(async (dir: string, o: InspectFlags) => {
    const info = await inspectFolder(dir, { tree: o.tree, ...(o.model ? { base: o.model } : {}) });
    if (o.json) console.log(JSON.stringify(info, null, 2));
    else printInspection(info);
  });
}

function printInspection(i: Inspection): void {
  console.log(`${i.dir}: ${i.kind === 'adapter' ? 'LoRA adapter' : 'model'}${i.trainerState ? ' with trainer state (a checkpoint or run folder)' : ''}\n`);
  printRows(CONFIG_KEYS.filter((k) => i.config[k] !== undefined && i.config[k] !== null).map((k) => [k, JSON.stringify(i.config[k])]));
  if (i.lora) {
    console.log(`\nLoRA: r=${String(i.lora.r)}, alpha=${String(i.lora.alpha)}, ${i.lora.targets.length} adapted modules${i.lora.layers.length ? ` in layers ${i.lora.layers.join(',')}` : ''}`);
    for (const t of i.lora.targets) console.log(`  ${t}`);
    if (i.lora.modulesToSave.length) console.log(`trained whole (modules_to_save): ${i.lora.modulesToSave.join(', ')}`);
  }
  if (i.parameters) {
    console.log(`\nparameters: ${formatCount(i.parameters.total)}`);
    printRows(i.parameters.byModule.map(([m, n]) => [`  ${m}`, formatCount(n)]));
  }
  if (i.trainable) console.log(i.trainable);
  if (i.trainerState) {
    const s = i.trainerState;
    console.log(`\ntrainer state: step ${s.globalStep}, epoch ${s.epoch ?? '-'}${s.bestMetric !== null ? `, best metric ${s.bestMetric}` : ''}`);
    for (const e of s.lastLog) console.log(`  ${JSON.stringify(e)}`);
  }
  console.log('\nfiles:');
  printRows(i.files.map(([f, size]) => [`  ${f}`, formatBytes(size)]));
  if (i.tree) console.log(`\n${i.tree}`);
}

// node-peft eval: metrics of a model (or base + adapter) on a data set.
import { Command } from 'commander';
import type { Device } from '../dtype';
import { evaluateModel } from '../finetune/evaluate';
import { formatMetric } from '../report/format';
import { common, dataOptions, deviceArg, int, modelOptions, taskOption, toDataOptions, type DataFlags } from './options';
import { printRows } from './print';

type EvalFlags = DataFlags & { model?: string; adapter?: string; tokenizer?: string; task?: string; batchSize: number; device: Device; bf16: boolean; json: boolean };

export function evalCommand(): Command {
  const cmd = new Command('eval')
    .description('evaluate a model (+ --adapter): accuracy, precision, recall, F1 (macro) for classification; eval loss and perplexity for causal LM');
  modelOptions(cmd, true);
  dataOptions(cmd);
  cmd
    .option('--batch-size <n>', 'evaluation batch size', int('--batch-size', 1), 8)
    .option('--device <device>', "'cpu', 'cuda' or 'cuda:N'", deviceArg, 'cpu')
    .option('--bf16', 'bfloat16 autocast', false)
    .option('--json', 'print the metrics as one JSON object', false);
  return common(cmd).action(async (o: EvalFlags) => {
    const r = await evaluateModel({
      model: o.model, adapter: o.adapter, tokenizer: o.tokenizer, task: taskOption(o), data: toDataOptions(o), batchSize: o.batchSize, device: o.device, bf16: o.bf16,
    });
    if (o.json) {
      console.log(JSON.stringify(r.metrics));
      return;
    }
    console.log(`data: ${r.describe}`);
    printRows(Object.entries(r.metrics).map(([k, v]) => [k, /runtime|per_second/.test(k) ? String(v) : formatMetric(v)]));
  });
}

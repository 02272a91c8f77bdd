// node-peft predict: labels and class probabilities of texts (--text, repeatable, or --file).
import { Command } from 'commander';
import type { Device } from '../dtype';
import type { Prediction } from '../finetune/inference';
import { predictLabels, readTexts } from '../finetune/predict';
import { choice, collect, common, deviceArg, int, modelOptions, taskOption } from './options';
import { printTable } from './print';

type PredictFlags = {
  model?: string; adapter?: string; tokenizer?: string; task?: string; text?: string[]; file?: string; textColumn: string;
  maxLength?: number; maxSamples?: number; batchSize: number; device: Device; format?: 'jsonl' | 'table';
};

export function predictCommand(): Command {
  const cmd = new Command('predict').description('classify texts: label and class probabilities for each, as JSON Lines or a table');
  modelOptions(cmd, true);
  cmd
    .option('--text <text>', 'a text to classify (repeatable)', collect)
    .option('--file <file>', 'texts to classify: .txt (one a line), CSV, TSV, JSON Lines or Parquet (see --text-column)')
    .option('--text-column <name>', 'column of the text in --file', 'text')
    .option('--max-samples <n>', 'only the first n texts of --file', int('--max-samples', 1))
    .option('--max-length <n>', "truncate texts to n tokens (default: the tokenizer's limit)", int('--max-length', 1))
    .option('--batch-size <n>', 'batch size', int('--batch-size', 1), 8)
    .option('--device <device>', "'cpu', 'cuda' or 'cuda:N'", deviceArg, 'cpu')
    .addOption(choice('--format <format>', 'output: jsonl (one JSON object a line) or table (default: table on a terminal, else jsonl)', ['jsonl', 'table']));
  return common(cmd).action(async (o: PredictFlags) => {
    if (!o.text && !o.file) throw new Error('nothing to classify: pass --text TEXT (repeatable) or --file FILE');
    const texts = [...(o.text ?? []), ...(o.file ? (await readTexts(o.file, o.textColumn)).slice(0, o.maxSamples) : [])];
    const predictions = await predictLabels({
      model: o.model, adapter: o.adapter, tokenizer: o.tokenizer, task: taskOption(o), texts, maxLength: o.maxLength, batchSize: o.batchSize, device: o.device,
    });
    const format = o.format ?? (process.stdout.isTTY ? 'table' : 'jsonl');
    if (format === 'jsonl') {
      for (const [i, p] of predictions.entries()) console.log(JSON.stringify({ text: texts[i], label: p.label, probabilities: p.probabilities }));
    } else {
      printPredictions(texts, predictions);
    }
  });
}

function printPredictions(texts: string[], predictions: Prediction[]): void {
  const classes = Object.keys(predictions[0]?.probabilities ?? {});
  const short = (t: string) => (t.length > 48 ? `${t.slice(0, 45)}...` : t).replace(/\s+/g, ' ');
  printTable(['text', 'label', ...classes.map((c) => `p(${c})`)], predictions.map((p, i) => [short(texts[i]), p.label, ...classes.map((c) => p.probabilities[c].toFixed(4))]));
}

// `node-peft demo` (npm run demo): LoRA on node-peft's own pre-trained mini models with real data.
import { Command } from 'commander';
import { runDemo } from '../finetune/demo';

export function demoCommand(): Command {
  return new Command('demo')
    .description("LoRA-fine-tune node-peft's pre-trained mini-bert-cased on TweetEval sentiment and mini-opt on Plato (real data, no downloads; about two minutes on 2 cores)")
    .option('--quick', 'a few steps on a few rows (a smoke test, seconds)', false)
    .option('--output-dir <dir>', 'where the two runs are written (default: a new temporary folder)')
    .action(async (o: { quick: boolean; outputDir?: string }) => {
      await runDemo({ quick: o.quick, ...(o.outputDir ? { outputDir: o.outputDir } : {}) });
    });
}

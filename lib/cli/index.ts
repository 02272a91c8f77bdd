#!/usr/bin/env node
// The node-peft command line. Each command validates its options, then calls the library.
import { Command, InvalidArgumentError } from 'commander';
import { runDemo } from './demo';

const int = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return n;
};
const positive = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

export function buildProgram(): Command {
  const program = new Command('node-peft').description('Parameter-efficient fine-tuning (LoRA) on libtorch');
  program
    .command('demo')
    .description('train a rank-r LoRA adapter on a tiny frozen classifier (embedded data, no downloads)')
    .option('--steps <n>', 'training steps', int('--steps', 1), 300)
    .option('--rank <r>', 'LoRA rank', int('--rank', 1), 4)
    .option('--lr <x>', 'learning rate', positive('--lr'), 0.5)
    .option('--seed <n>', 'random seed', int('--seed', 0), 0)
    .action((o: { steps: number; rank: number; lr: number; seed: number }) => {
      const r = runDemo(o);
      console.log(`trainable params: ${r.trainable.toLocaleString('en-US')} || all params: ${r.all.toLocaleString('en-US')} || trainable%: ${((100 * r.trainable) / r.all).toFixed(4)}`);
      console.log(`accuracy of the frozen base with the adapter: ${r.before.toFixed(1)}% before training, ${r.after.toFixed(1)}% after ${o.steps} steps`);
    });
  return program;
}

if (require.main === module) {
  buildProgram().parseAsync(process.argv).catch((err: Error) => {
    console.error(`node-peft: ${err.message}`);
    process.exit(1);
  });
}

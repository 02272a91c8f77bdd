// node-peft sweep: the same fine-tuning over several methods and LoRA ranks, then the table
// (Markdown, CSV) and plot (SVG). Rerunning the command resumes it.
import { Command, InvalidArgumentError } from 'commander';
import { parseMethod, type Method } from '../finetune/methods';
import { SIGINT_EXIT_CODE } from '../finetune/signals';
import { runSweep } from '../finetune/sweep';
import { sweepMarkdown } from '../report/sweep-table';
import { common, dataOptions, intList, list, loraOptions, modelOptions, positive, trainingOptions } from './options';
import { toSpec, type TrainFlags } from './train';

type SweepFlags = Omit<TrainFlags, 'method' | 'r' | 'resume'> & { methods: Exclude<Method, 'lora'>[]; loraR: number[]; loraLr?: number };

const methodsArg = (value: string, previous: Exclude<Method, 'lora'>[] = []): Exclude<Method, 'lora'>[] => [
  ...previous,
  ...list(value).map((m) => {
    let method: Method;
    try {
      method = parseMethod(m);
    } catch {
      throw new InvalidArgumentError(`${JSON.stringify(m)} is not full or topN (top1, top2, ...)`);
    }
    if (method === 'lora') throw new InvalidArgumentError('LoRA runs are given by --lora-r (ranks), not in --methods');
    return method;
  }),
];

export function sweepCommand(): Command {
  const cmd = new Command('sweep')
    .description('fine-tune with several methods and LoRA ranks (one run each, in <output-dir>/<run>), then write sweep.md, sweep.csv and sweep.svg; rerun to resume (finished runs are kept)');
  modelOptions(cmd, false);
  cmd
    .option('--methods <list>', 'non-LoRA methods, comma-separated: full, top1, top2, ...', methodsArg, [])
    .option('--lora-r <list>', 'LoRA ranks, comma-separated (one LoRA run each), e.g. 1,2,4,8,16,32', intList('--lora-r', 1), [])
    .option('--lora-lr <x>', 'learning rate of the LoRA runs (default: --lr)', positive('--lora-lr'));
  loraOptions(cmd, false);
  dataOptions(cmd);
  trainingOptions(cmd);
  return common(cmd).action(async (o: SweepFlags) => {
    if (o.methods.length === 0 && o.loraR.length === 0) throw new Error('nothing to run: pass --methods (e.g. full,top1,top2) and/or --lora-r (e.g. 1,2,4,8)');
    // The shared description: a train run's, without method, rank and resume (set per run).
    const { method: _m, resume: _r, overwrite: _o, ...base } = toSpec({ ...o, method: 'lora' } as TrainFlags);
    const result = await runSweep({ base, methods: o.methods, ranks: o.loraR, loraLearningRate: o.loraLr, outputDir: o.outputDir, overwrite: o.overwrite, quiet: o.quiet }, {
      print: (line) => console.log(line),
    });
    console.log(`\n${sweepMarkdown(result.rows)}`);
    console.log(`table: ${result.files.markdown}, ${result.files.csv}\nplot: ${result.files.svg}`);
    if (result.status === 'interrupted') {
      console.error('node-peft: sweep interrupted; finished runs are kept and the current one has a checkpoint: run the same command again to resume');
      process.exitCode = SIGINT_EXIT_CODE;
    }
  });
}

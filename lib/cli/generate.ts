// node-peft generate: a prompt in, text streamed out as it is generated (with or without an adapter).
import { Command } from 'commander';
import { generateText } from '../finetune/generate';
import { loadForUse } from '../finetune/load';
import type { Device, DType } from '../dtype';
import { choice, common, deviceArg, int, modelOptions, num, positive, taskOption } from './options';

type GenerateFlags = {
  model?: string; adapter?: string; tokenizer?: string; task?: string; prompt: string; maxNewTokens: number; sample: boolean; temperature: number;
  topK: number; topP: number; repetitionPenalty: number; seed?: number; device: Device; dtype?: DType; skipPrompt: boolean;
};

export function generateCommand(): Command {
  const cmd = new Command('generate').description('generate text from a prompt with a causal LM (+ --adapter), streamed to stdout; greedy unless --sample');
  modelOptions(cmd, true);
  cmd
    .requiredOption('--prompt <text>', 'the text to continue')
    .option('--max-new-tokens <n>', 'tokens to generate at most (stops early at the end-of-sequence token)', int('--max-new-tokens', 1), 50)
    .option('--sample', 'sample the next token (default: greedy, the most likely one)', false)
    .option('--temperature <x>', 'sampling temperature', positive('--temperature'), 1)
    .option('--top-k <n>', 'sample among the k most likely tokens (0: all)', int('--top-k', 0), 50)
    .option('--top-p <x>', 'sample within the smallest set of tokens whose probability reaches p', num('--top-p', Number.MIN_VALUE, 1), 1)
    .option('--repetition-penalty <x>', 'divide the scores of tokens already present by this (CTRL; 1: off)', positive('--repetition-penalty'), 1)
    .option('--seed <n>', 'seed of the sampling (reproducible output)', int('--seed', 0))
    .option('--device <device>', "'cpu', 'cuda' or 'cuda:N'", deviceArg, 'cpu')
    .addOption(choice('--dtype <dtype>', 'load the weights in this dtype (default: as saved)', ['float32', 'bfloat16', 'float16']))
    .option('--skip-prompt', 'print only the generated text, not the prompt before it', false);
  return common(cmd).action(async (o: GenerateFlags) => {
    const loaded = await loadForUse({ model: o.model, adapter: o.adapter, tokenizer: o.tokenizer, task: taskOption(o), device: o.device, dtype: o.dtype });
    if (loaded.task !== 'causal-lm') throw new Error(`generate needs a causal LM; ${loaded.baseDir} is a sequence classifier: use predict`);
    if (!o.skipPrompt) process.stdout.write(o.prompt);
    const pieces = generateText(loaded.base, loaded.tokenizer, o.prompt, {
      maxNewTokens: o.maxNewTokens, doSample: o.sample, temperature: o.temperature, topK: o.topK, topP: o.topP, repetitionPenalty: o.repetitionPenalty,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    });
    for await (const piece of pieces) process.stdout.write(piece);
    process.stdout.write('\n');
  });
}

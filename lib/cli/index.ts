#!/usr/bin/env node
// The node-peft command line. Each command (one file each) parses its options and calls the
// library. Exit status: 0 success, 1 failure (one line on stderr; the stack with --verbose),
// 130 when SIGINT stopped a run (after its checkpoint was saved).
import { Command, CommanderError } from 'commander';
import { demoCommand } from './demo';
import { evalCommand } from './eval';
import { generateCommand } from './generate';
import { inspectCommand } from './inspect';
import { launchCommand } from './launch';
import { mergeCommand } from './merge';
import { predictCommand } from './predict';
import { pretrainCommand } from './pretrain';
import { serveCommand } from './serve';
import { sweepCommand } from './sweep';
import { trainCommand } from './train';

export function buildProgram(): Command {
  const program = new Command('node-peft')
    .description('Parameter-efficient fine-tuning (LoRA) of language models on libtorch')
    .showSuggestionAfterError(true)
    .enablePositionalOptions();  // launch passes everything after its command through
  for (const cmd of [trainCommand(), evalCommand(), predictCommand(), generateCommand(), serveCommand(), mergeCommand(), inspectCommand(), sweepCommand(), pretrainCommand(), launchCommand(), demoCommand()]) {
    program.addCommand(cmd);
  }
  // Commander's own messages (unknown option, missing value) become the one-line error below.
  const quietErrors = (c: Command) => {
    c.exitOverride().configureOutput({ outputError: () => undefined }).showSuggestionAfterError(true);
    c.commands.forEach(quietErrors);
  };
  quietErrors(program);
  return program;
}

/** An error as one line: "node-peft: <message>" with the message's lines joined. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `node-peft: ${message.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ')}`;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // --help and --version end parsing with an "error" whose status is 0.
    if (err instanceof CommanderError && err.exitCode === 0) return 0;
    console.error(oneLine(err));
    if (argv.includes('--verbose') && err instanceof Error && err.stack) console.error(err.stack);
    return 1;
  }
}

if (require.main === module) {
  // Exit explicitly: libtorch's thread pools must not keep a finished command alive.
  void main(process.argv).then((code) => process.exit(code));
}

/**
 * Reading a model folder's files with errors that name the file: a user with a broken
 * tokenizer_config.json must be told which file to fix, not get a bare JSON.parse message.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';

/**
 * Every file of a HuggingFace tokenizer folder that changes how it encodes (what transformers'
 * save_pretrained writes for the tokenizers node-peft reads). A folder's tokenizer is these files.
 */
export const TOKENIZER_FILES: readonly string[] = [
  'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json',
  'vocab.txt', 'vocab.json', 'merges.txt', 'encoder.json', 'vocab.bpe',
];

/** Copies the tokenizer files of `from` that exist into `to` (made if missing), so that a saved model or adapter folder is complete. */
export async function copyTokenizerFiles(from: string, to: string): Promise<void> {
  if (path.resolve(from) === path.resolve(to)) return;
  await fsp.mkdir(to, { recursive: true });
  for (const f of TOKENIZER_FILES) {
    try {
      await fsp.copyFile(path.join(from, f), path.join(to, f));
    } catch (err) {
      // A file the tokenizer does not have (the target folder exists: made above).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot copy ${path.join(from, f)} to ${to}: ${(err as Error).message}`);
    }
  }
}


/** The file's text, or undefined when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Parsed JSON object of the file, or undefined when it does not exist. */
export async function readJsonIfExists(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`Malformed JSON in ${file}: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SyntaxError(`Malformed JSON in ${file}: expected an object at the top level`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reading a model folder's files with errors that name the file: a user with a broken
 * tokenizer_config.json must be told which file to fix, not get a bare JSON.parse message.
 */
import { promises as fsp } from 'fs';

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

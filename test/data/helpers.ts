/** Paths to the repository's data, and scratch folders for files the tests write. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
export const TWEETEVAL = path.join(ROOT, 'data/tweeteval-sentiment');
export const PLATO = path.join(ROOT, 'data/plato');
export const BERT_DIR = path.join(ROOT, 'data/vocab/bert-base-cased');
export const GPT2_DIR = path.join(ROOT, 'data/vocab/gpt2');

/** First and last line (1-based) of the work in each Plato file, found by hand. */
export const PLATO_BODY: Record<string, [number, number]> = {
  1497: [34, 24327], 1572: [33, 6323], 1584: [33, 1399], 1591: [33, 2967], 1600: [33, 2927], 1636: [33, 3780],
  1642: [33, 1143], 1643: [33, 2744], 1656: [34, 1427], 1657: [284, 955], 1658: [34, 4435], 1672: [33, 6609],
  1726: [31, 7150], 1735: [33, 5708], 1738: [33, 4733], 1744: [31, 5677], 1750: [31, 22377],
};

// Evaluated once per test file (vitest isolates files), so this hook cleans up after each file.
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(prefix = 'node-peft-data-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes `content` to `name` inside `dir` and returns the path. */
export function write(dir: string, name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

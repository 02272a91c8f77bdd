/**
 * returnTensors: 'pt' gives int64 tensors from node-peft's tensor module, which the tokenizer
 * requires lazily with Node's require(). Under vitest the sources are TypeScript, which
 * require() cannot load, so this runs against the compiled dist/ (npx tsc -p tsconfig.json)
 * when it is up to date and the native addon loads; otherwise it is skipped.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { bertVocabList } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist/tokenizers/index.js');

/** The compiled tokenizers, when dist/ is newer than every tokenizer source and tensors load. */
function compiled(): any {
  if (!fs.existsSync(DIST)) return undefined;
  const built = fs.statSync(DIST).mtimeMs;
  const srcDir = path.join(ROOT, 'lib/tokenizers');
  if (fs.readdirSync(srcDir).some((f) => fs.statSync(path.join(srcDir, f)).mtimeMs > built)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(DIST);
    new mod.BertTokenizer({ vocab: ['[UNK]', '[CLS]', '[SEP]', '[PAD]'] }).batch('x', { returnTensors: 'pt' });
    return mod;
  } catch {
    return undefined;
  }
}

const lib = compiled();

describe.skipIf(lib === undefined)("returnTensors: 'pt' (compiled dist/ with the native addon)", () => {
  it('returns int64 tensors with the same values as the arrays', () => {
    const tok = new lib.BertTokenizer({ vocab: bertVocabList(), doLowerCase: false });
    const texts = ['Hello, world!', 'A somewhat longer sentence.'];
    const arrays = tok.batch(texts, { padding: true });
    const tensors = tok.batch(texts, { padding: true, returnTensors: 'pt' });
    for (const key of ['inputIds', 'attentionMask', 'tokenTypeIds']) {
      expect(tensors[key].dtype).toBe('int64');
      expect(tensors[key].shape).toEqual([2, arrays.inputIds[0].length]);
      expect(tensors[key].toArray()).toEqual(arrays[key]);
    }
    const chunks = tok.batch('one two three four five six seven', { maxLength: 5, stride: 1, truncation: true, returnOverflowingTokens: true, padding: true, returnTensors: 'pt' });
    expect(chunks.overflowToSampleMapping.toArray()).toEqual(chunks.inputIds.toArray().map(() => 0));
  });
});

// The server's detokenizer (lib/serve/incremental-decoder.ts): text is released piece by piece,
// never inside a character, and ids the tokenizer has no token for (OPT's padding rows of the
// embedding, 50,265..50,271) decode to nothing, as transformers' fast tokenizers skip them.
import { describe, expect, it } from 'vitest';
import { IncrementalDecoder } from '../../lib/tokenizers/incremental-decoder';
import { GPT2Tokenizer } from '../../lib/tokenizers';
import { BYTE_ENCODER } from '../../lib/tokenizers/bytes';

// 'é' is C3 A9: two byte-level tokens, the first of which ends inside the character.
const c3 = BYTE_ENCODER[0xc3];
const a9 = BYTE_ENCODER[0xa9];
const tokenizer = new GPT2Tokenizer({ vocab: { a: 0, b: 1, [c3]: 2, [a9]: 3, '<|endoftext|>': 4 }, merges: [] });

describe('IncrementalDecoder', () => {
  it('releases each piece once its character is complete', () => {
    const d = new IncrementalDecoder(tokenizer);
    expect([0, 2, 3, 1].map((t) => d.push(t))).toEqual(['a', '', 'é', 'b']);
    expect(d.text).toBe('aéb');
    expect(d.tokens).toEqual([0, 2, 3, 1]);
  });

  it('an id past the vocabulary decodes to nothing, and the text after it continues', () => {
    const d = new IncrementalDecoder(tokenizer);
    expect([0, 7, 1, 7].map((t) => d.push(t))).toEqual(['a', '', 'b', '']);
    expect(d.text).toBe('ab');
    expect(d.tokens).toEqual([0, 7, 1, 7]);  // still counted as generated
    expect(d.flush()).toBe('');
  });

  it('flush releases an unfinished character as U+FFFD', () => {
    const d = new IncrementalDecoder(tokenizer);
    d.push(0);
    expect(d.push(2)).toBe('');
    expect(d.flush()).toBe('\uFFFD');
  });
});

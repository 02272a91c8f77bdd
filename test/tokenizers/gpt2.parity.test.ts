/**
 * GPT-2 parity with transformers 4.29's GPT2Tokenizer: every fixture case (tokens, ids, decoded
 * text). The fixtures were made with GPT2Tokenizer(vocab_file, merges_file), which does not
 * register "<|endoftext|>" as unsplittable; from_pretrained does, and so does fromPretrained.
 */
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, GPT2Tokenizer, parseMergesText } from '../../lib/tokenizers';
import { GPT2_DIR, gpt2Files, gpt2Fixture } from './helpers';

const fixture = gpt2Fixture();
const EOT = '<|endoftext|>';

function constructed(): GPT2Tokenizer {
  const { vocab, merges } = gpt2Files();
  return new GPT2Tokenizer({ vocab, merges: parseMergesText(merges) });
}

describe('GPT2Tokenizer parity (GPT-2 BPE)', () => {
  it('constructor: every case matches tokens, ids and decoded text', () => {
    const tok = constructed();
    for (const c of fixture.cases) {
      const label = JSON.stringify(c.text);
      expect(tok.tokenize(c.text), label).toEqual(c.tokens);
      expect(tok.encode(c.text), label).toEqual(c.input_ids);
      expect(tok.decode(c.input_ids), label).toBe(c.decoded);
    }
  });

  it('decodes back to the exact text without clean-up', () => {
    const tok = constructed();
    for (const c of fixture.cases) {
      expect(tok.decode(c.input_ids, { cleanUpTokenizationSpaces: false })).toBe(c.text);
    }
  });

  it('fromPretrained (encoder.json + vocab.bpe) matches every case without the end-of-text marker', async () => {
    const tok = await AutoTokenizer.fromPretrained(GPT2_DIR);
    expect(tok).toBeInstanceOf(GPT2Tokenizer);
    for (const c of fixture.cases.filter((x) => !x.text.includes(EOT))) {
      expect(tok.encode(c.text), JSON.stringify(c.text)).toEqual(c.input_ids);
    }
  });

  it('fromPretrained keeps <|endoftext|> whole, as transformers from_pretrained does', async () => {
    const tok = await GPT2Tokenizer.fromPretrained(GPT2_DIR);
    const c = fixture.cases.find((x) => x.text.startsWith(EOT))!;
    // The fixture split the marker into characters; the rest of the text is unaffected.
    const markerPieces = constructed().tokenize(EOT).length;
    expect(tok.tokenize(c.text)).toEqual([EOT, ...c.tokens.slice(markerPieces)]);
    expect(tok.encode(c.text)).toEqual([gpt2Files().vocab[EOT], ...c.input_ids.slice(markerPieces)]);
    expect(tok.eosTokenId).toBe(gpt2Files().vocab[EOT]);
    expect(tok.padTokenId).toBeUndefined();
  });

  it('fromPretrained keeps the spaces around <|endoftext|>: GPT2Tokenizer makes it AddedToken(lstrip=False, rstrip=False)', async () => {
    // transformers 4.29 tokenize() strips a special token's neighbours only for plain-string tokens
    // or an AddedToken with lstrip / rstrip; GPT2Tokenizer.__init__ wraps its string tokens in
    // AddedToken(lstrip=False, rstrip=False). The pieces on each side are the fixture tokenizer's.
    const tok = await GPT2Tokenizer.fromPretrained(GPT2_DIR);
    const left = 'in text ';
    const right = ' and more';
    expect(tok.tokenize(left + EOT + right)).toEqual([...constructed().tokenize(left), EOT, ...constructed().tokenize(right)]);
    expect(constructed().tokenize(left).at(-1)).toBe('Ġ');
  });
});

/**
 * OPT's variant of GPT-2 BPE. There is no OPT fixture, so the test builds an OPT-style folder
 * from GPT-2's files: vocab.json with "<s>" 0, "<pad>" 1, "</s>" 2, "<unk>" 3 and the GPT-2
 * tokens after them, and OPT's tokenizer_config.json (add_bos_token, "</s>" as bos/eos/unk,
 * "<pad>" as pad). Token strings must equal GPT-2's (fixture), ids follow the new order.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AutoTokenizer, GPT2Tokenizer } from '../../lib/tokenizers';
import { gpt2Files, gpt2Fixture } from './helpers';

const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'];

function optDir(): { dir: string; vocab: Record<string, number> } {
  const { vocab: gpt2, merges } = gpt2Files();
  const vocab: Record<string, number> = {};
  SPECIALS.forEach((t, i) => (vocab[t] = i));
  for (const [token, id] of Object.entries(gpt2).sort((a, b) => a[1] - b[1])) vocab[token] = id + SPECIALS.length;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opt-'));
  const added = (content: string) => ({ __type: 'AddedToken', content, lstrip: false, normalized: true, rstrip: false, single_word: false });
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(vocab));
  fs.writeFileSync(path.join(dir, 'merges.txt'), merges);
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({
    add_bos_token: true, add_prefix_space: false, bos_token: added('</s>'), eos_token: added('</s>'),
    unk_token: added('</s>'), pad_token: added('<pad>'), errors: 'replace', model_max_length: 1e30,
    tokenizer_class: 'GPT2Tokenizer',
  }));
  fs.writeFileSync(path.join(dir, 'special_tokens_map.json'), JSON.stringify({
    bos_token: added('</s>'), eos_token: added('</s>'), unk_token: added('</s>'), pad_token: added('<pad>'),
  }));
  return { dir, vocab };
}

describe('OPT tokenizer (GPT-2 BPE, OPT vocab order)', () => {
  const { dir, vocab } = optDir();
  const fixture = gpt2Fixture();

  it('loads as a GPT2Tokenizer with OPT special tokens', async () => {
    const tok = await AutoTokenizer.fromPretrained(dir);
    expect(tok).toBeInstanceOf(GPT2Tokenizer);
    expect([tok.bosTokenId, tok.eosTokenId, tok.padTokenId, tok.unkTokenId]).toEqual([vocab['</s>'], vocab['</s>'], vocab['<pad>'], vocab['</s>']]);
    expect([tok.bosTokenId, tok.padTokenId]).toEqual([2, 1]);
    expect(tok.vocabSize).toBe(Object.keys(vocab).length);
  });

  it("prepends </s> and maps every fixture text to GPT-2's tokens with OPT's ids", async () => {
    const tok = await AutoTokenizer.fromPretrained(dir);
    for (const c of fixture.cases.filter((x) => !x.text.includes('<|endoftext|>'))) {
      const ids = tok.encode(c.text);
      expect(ids[0]).toBe(vocab['</s>']);
      expect(tok.convertIdsToTokens(ids.slice(1))).toEqual(c.tokens);
      expect(ids.slice(1)).toEqual(c.input_ids.map((id) => id + SPECIALS.length));
      expect(tok.decode(ids, { skipSpecialTokens: true })).toBe(c.decoded);
    }
  });

  it('left-pads with <pad> and masks it; pairs get </s> before each sequence', async () => {
    const tok = await AutoTokenizer.fromPretrained(dir);
    const enc = tok.batch(['Hello, world!', 'A longer sentence than the first one.'], { padding: true, paddingSide: 'left' });
    expect(enc.tokenTypeIds).toBeUndefined();
    const short = tok.encode('Hello, world!');
    const width = enc.inputIds[1].length;
    expect(enc.inputIds[0]).toEqual([...new Array(width - short.length).fill(1), ...short]);
    expect(enc.attentionMask![0]).toEqual([...new Array(width - short.length).fill(0), ...short.map(() => 1)]);
    const a = tok.encode('Hello', { addSpecialTokens: false });
    const b = tok.encode(' world', { addSpecialTokens: false });
    expect(tok.encode('Hello', { textPair: ' world' })).toEqual([2, ...a, 2, ...b]);
  });

  it('keeps </s> typed in text as one token (from_pretrained registers special tokens)', async () => {
    const tok = await AutoTokenizer.fromPretrained(dir);
    const hello = tok.encode('Hello', { addSpecialTokens: false });
    expect(tok.encode('</s>Hello', { addSpecialTokens: false })).toEqual([2, ...hello]);
  });
});

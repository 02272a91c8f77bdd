// loadTokenizerSpec on built model folders: tokenizer.json (WordPiece / BPE) read like the legacy files, special tokens and options from tokenizer_config.json / special_tokens_map.json, and errors naming the file at fault.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, BertTokenizer, GPT2Tokenizer, loadTokenizerSpec } from '../../lib/tokenizers';
import { BERT_DIR, GPT2_DIR, bertFixture, bertVocabList, gpt2Files, gpt2Fixture } from './helpers';

const EOT = '<|endoftext|>';
const GPT2 = gpt2Files();
const BERT_VOCAB = bertVocabList();
const BERT_VOCAB_TXT = fs.readFileSync(path.join(BERT_DIR, 'vocab.txt'), 'utf8');

type Files = Record<string, unknown>;

/** A fresh folder holding `files` (objects are written as JSON, strings as they are). */
function folder(files: Files): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loader-'));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** An added_tokens entry as the `tokenizers` library serializes it. */
function addedEntry(id: number, content: string, special: boolean, lstrip = false, rstrip = false, normalized = false) {
  return { id, content, single_word: false, lstrip, rstrip, normalized, special };
}

/** bert-base-cased's tokenizer.json as `tokenizers` writes it, vocab built from vocab.txt. */
function bertTokenizerJson(extraAdded: unknown[] = []): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  BERT_VOCAB.forEach((t, i) => (vocab[t] = i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      addedEntry(0, '[PAD]', true), addedEntry(100, '[UNK]', true), addedEntry(101, '[CLS]', true),
      addedEntry(102, '[SEP]', true), addedEntry(103, '[MASK]', true), ...extraAdded,
    ],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: false },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** GPT-2's tokenizer.json as `tokenizers` writes it: ByteLevel pre-tokenizer, BPE with "a b" merges. */
function gpt2TokenizerJson(extraAdded: unknown[] = []): Record<string, unknown> {
  const { vocab, merges } = GPT2;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedEntry(50256, EOT, true, false, false, true), ...extraAdded],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false,
      vocab, merges: merges.split('\n').filter((l) => l !== '' && !l.startsWith('#version')),
    },
  };
}

/** A tokenizer.json with a three-token BPE model, for the checks that need no real vocabulary. */
function tinyBpeJson(pre: unknown): Record<string, unknown> {
  return { version: '1.0', added_tokens: [], pre_tokenizer: pre, model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] } };
}

/** A legacy bert-base-cased folder: vocab.txt plus the given config files. */
function bertLegacy(config: Record<string, unknown> = { do_lower_case: false }, specialMap?: Record<string, unknown>): string {
  const files: Files = { 'vocab.txt': BERT_VOCAB_TXT, 'tokenizer_config.json': config };
  if (specialMap) files['special_tokens_map.json'] = specialMap;
  return folder(files);
}

/** A legacy GPT-2 folder: vocab.json + merges.txt plus the given config files. */
function gpt2Legacy(config?: Record<string, unknown>, specialMap?: Record<string, unknown>): string {
  const { vocab, merges } = GPT2;
  const files: Files = { 'vocab.json': vocab, 'merges.txt': merges };
  if (config) files['tokenizer_config.json'] = config;
  if (specialMap) files['special_tokens_map.json'] = specialMap;
  return folder(files);
}

describe('loadTokenizerSpec: tokenizer.json folders', () => {
  it('a WordPiece tokenizer.json with no tokenizer_config.json loads as BERT from tokenizer.json and encodes every bert-base-cased fixture text like the vocab.txt folder', async () => {
    const dir = folder({ 'tokenizer.json': bertTokenizerJson() });
    const spec = await loadTokenizerSpec(dir);
    expect(spec.kind).toBe('bert');
    expect(spec.vocabFile).toBe(path.join(dir, 'tokenizer.json'));
    // No config file: the unk token is the model's (tokenizer.json model.unk_token).
    expect(spec.options.unkToken).toBe('[UNK]');
    const fromJson = await AutoTokenizer.fromPretrained(dir);
    const fromTxt = await AutoTokenizer.fromPretrained(bertLegacy());
    expect(fromJson).toBeInstanceOf(BertTokenizer);
    for (const c of bertFixture().cases) {
      expect(fromJson.encode(c.text), JSON.stringify(c.text)).toEqual(c.input_ids);
      expect(fromJson.encode(c.text), JSON.stringify(c.text)).toEqual(fromTxt.encode(c.text));
    }
  });

  it('a BPE tokenizer.json with no tokenizer_config.json loads as GPT-2 from tokenizer.json and encodes every GPT-2 fixture text like the encoder.json folder', async () => {
    const dir = folder({ 'tokenizer.json': gpt2TokenizerJson() });
    const spec = await loadTokenizerSpec(dir);
    expect(spec.kind).toBe('gpt2');
    expect(spec.vocabFile).toBe(path.join(dir, 'tokenizer.json'));
    const fromJson = await AutoTokenizer.fromPretrained(dir);
    const fromLegacy = await AutoTokenizer.fromPretrained(GPT2_DIR);
    expect(fromJson).toBeInstanceOf(GPT2Tokenizer);
    // The fixture tokenizer split <|endoftext|> (no added tokens); a loaded one keeps it whole.
    for (const c of gpt2Fixture().cases.filter((x) => !x.text.includes(EOT))) {
      expect(fromJson.encode(c.text), JSON.stringify(c.text)).toEqual(c.input_ids);
      expect(fromJson.encode(c.text), JSON.stringify(c.text)).toEqual(fromLegacy.encode(c.text));
    }
    expect(fromJson.encode(`a${EOT}b`)).toEqual(fromLegacy.encode(`a${EOT}b`));
  });

  it("a BPE tokenizer.json without a pre_tokenizer loads as GPT-2 with tokenizer.json's vocab and merges", async () => {
    const dir = folder({ 'tokenizer.json': tinyBpeJson(null) });
    const spec = await loadTokenizerSpec(dir);
    expect(spec.kind).toBe('gpt2');
    expect(spec.options).toMatchObject({ vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] });
    expect(spec.vocabFile).toBe(path.join(dir, 'tokenizer.json'));
  });

  it('a BPE tokenizer.json whose pre_tokenizer is not ByteLevel is refused, naming tokenizer.json and the pre_tokenizer type', async () => {
    const dir = folder({ 'tokenizer.json': tinyBpeJson({ type: 'Whitespace' }) });
    await expect(loadTokenizerSpec(dir)).rejects.toThrow(
      `${path.join(dir, 'tokenizer.json')}: pre_tokenizer 'Whitespace' is not supported; GPT2Tokenizer reads byte-level BPE (ByteLevel)`,
    );
  });

  it('a tokenizer.json of another model type (Unigram) is refused, naming tokenizer.json and the type, even beside a vocab.txt', async () => {
    const dir = folder({
      'tokenizer.json': { version: '1.0', added_tokens: [], model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0]] } },
      'vocab.txt': '[UNK]\n',
    });
    await expect(loadTokenizerSpec(dir)).rejects.toThrow(
      `${path.join(dir, 'tokenizer.json')}: model type 'Unigram' is not supported (WordPiece, BPE are)`,
    );
  });

  it("tokenizer_class BertTokenizer over a tokenizer.json whose model is BPE, missing, or has a null vocab is refused, naming tokenizer.json", async () => {
    const config = { tokenizer_class: 'BertTokenizer' };
    const bpe = folder({ 'tokenizer_config.json': config, 'tokenizer.json': tinyBpeJson(null) });
    await expect(loadTokenizerSpec(bpe)).rejects.toThrow(
      `${path.join(bpe, 'tokenizer.json')}: expected a WordPiece model with a vocab, got model type "BPE"`,
    );
    const noModel = folder({ 'tokenizer_config.json': config, 'tokenizer.json': { version: '1.0', added_tokens: [] } });
    await expect(loadTokenizerSpec(noModel)).rejects.toThrow(
      `${path.join(noModel, 'tokenizer.json')}: expected a WordPiece model with a vocab, got model type undefined`,
    );
    const nullVocab = folder({ 'tokenizer_config.json': config, 'tokenizer.json': { added_tokens: [], model: { type: 'WordPiece', unk_token: '[UNK]', vocab: null } } });
    await expect(loadTokenizerSpec(nullVocab)).rejects.toThrow(
      `${path.join(nullVocab, 'tokenizer.json')}: expected a WordPiece model with a vocab, got model type "WordPiece"`,
    );
  });

  it('an unsupported tokenizer_class names tokenizer_config.json and lists the supported classes', async () => {
    const dir = folder({ 'tokenizer_config.json': { tokenizer_class: 'T5Tokenizer' }, 'tokenizer.json': bertTokenizerJson() });
    await expect(loadTokenizerSpec(dir)).rejects.toThrow(
      `${path.join(dir, 'tokenizer_config.json')}: tokenizer_class 'T5Tokenizer' is not supported; node-peft reads BertTokenizer, BertTokenizerFast, GPT2Tokenizer, GPT2TokenizerFast`,
    );
  });

  it("added_tokens entries keep each entry's id, content and its own special / lstrip / rstrip flags", async () => {
    const dir = folder({
      'tokenizer.json': gpt2TokenizerJson([
        addedEntry(50257, '<left>', false, true, false),
        addedEntry(50258, '<right>', true, false, true),
      ]),
    });
    const spec = await loadTokenizerSpec(dir);
    expect(spec.options.addedTokens).toEqual([
      { content: EOT, id: 50256, special: true, lstrip: false, rstrip: false },
      { content: '<left>', id: 50257, special: false, lstrip: true, rstrip: false },
      { content: '<right>', id: 50258, special: true, lstrip: false, rstrip: true },
    ]);
  });

  it('an added token with lstrip takes the space on its left, one with rstrip the space on its right (tokenizers AddedToken)', async () => {
    const tok = await AutoTokenizer.fromPretrained(folder({
      'tokenizer.json': gpt2TokenizerJson([addedEntry(50257, '<left>', false, true, false), addedEntry(50258, '<right>', false, false, true)]),
    }));
    // GPT-2 pieces by hand: "in text" -> in, Ġtext; " and more" -> Ġand, Ġmore; "x " -> x, Ġ.
    expect(tok.tokenize('in text <left> and more')).toEqual(['in', 'Ġtext', '<left>', 'Ġand', 'Ġmore']);
    expect(tok.tokenize('x <right> and more')).toEqual(['x', 'Ġ', '<right>', 'and', 'Ġmore']);
    expect(tok.encode('x <right>')).toEqual([GPT2.vocab.x, GPT2.vocab['Ġ'], 50258]);
  });

  it("tokenizer_config.json's unk_token wins over tokenizer.json's model.unk_token, as tokenizer.unk_token does in transformers", async () => {
    const dir = folder({ 'tokenizer.json': bertTokenizerJson(), 'tokenizer_config.json': { tokenizer_class: 'BertTokenizerFast', unk_token: '[unused1]' } });
    expect((await loadTokenizerSpec(dir)).options.unkToken).toBe('[unused1]');
    expect((await AutoTokenizer.fromPretrained(dir)).unkToken).toBe('[unused1]');
  });
});

describe('loadTokenizerSpec: special tokens and options from the config files', () => {
  it('special_tokens_map.json wins over tokenizer_config.json; a key only in tokenizer_config.json is still read', async () => {
    // transformers 4.29 from_pretrained: special_tokens_map.json values replace the init kwargs.
    const dir = bertLegacy({ do_lower_case: false, cls_token: '[unused1]', sep_token: '[unused2]' }, { cls_token: '[unused3]' });
    const tok = await BertTokenizer.fromPretrained(dir);
    expect(tok.clsToken).toBe('[unused3]');
    expect(tok.sepToken).toBe('[unused2]');
    const vocab = BERT_VOCAB;
    expect(tok.encode('Hello')).toEqual([vocab.indexOf('[unused3]'), vocab.indexOf('Hello'), vocab.indexOf('[unused2]')]);
  });

  it('a null special token in tokenizer_config.json switches that token off (transformers: mask_token=None)', async () => {
    const spec = await loadTokenizerSpec(bertLegacy({ do_lower_case: false, mask_token: null }));
    expect(spec.options.maskToken).toBeNull();
    const tok = await BertTokenizer.fromPretrained(bertLegacy({ do_lower_case: false, mask_token: null }));
    expect(tok.maskToken).toBeUndefined();
    expect(tok.clsToken).toBe('[CLS]');
  });

  it('an AddedToken dict is read with its content and its own lstrip / rstrip', async () => {
    const added = (lstrip: boolean, rstrip: boolean) => ({ __type: 'AddedToken', content: EOT, lstrip, normalized: true, rstrip, single_word: false });
    const left = await loadTokenizerSpec(gpt2Legacy({ bos_token: added(true, false), eos_token: added(true, false), unk_token: added(true, false) }));
    expect(left.options.eosToken).toEqual({ content: EOT, lstrip: true, rstrip: false });
    const right = await loadTokenizerSpec(gpt2Legacy(undefined, { bos_token: added(false, true), eos_token: added(false, true), unk_token: added(false, true) }));
    expect(right.options.eosToken).toEqual({ content: EOT, lstrip: false, rstrip: true });
  });

  it("an AddedToken special token with lstrip strips the text on its left, with rstrip the text on its right (transformers 4.29 tokenize)", async () => {
    const added = (lstrip: boolean, rstrip: boolean) => ({ __type: 'AddedToken', content: EOT, lstrip, normalized: true, rstrip, single_word: false });
    const all = (lstrip: boolean, rstrip: boolean) => ({ bos_token: added(lstrip, rstrip), eos_token: added(lstrip, rstrip), unk_token: added(lstrip, rstrip) });
    const text = `in text ${EOT} and more`;
    // Pieces by hand: "in text " -> in, Ġtext, Ġ; "in text" -> in, Ġtext; " and more" -> Ġand, Ġmore; "and more" -> and, Ġmore.
    expect((await AutoTokenizer.fromPretrained(gpt2Legacy(all(true, false)))).tokenize(text)).toEqual(['in', 'Ġtext', EOT, 'Ġand', 'Ġmore']);
    expect((await AutoTokenizer.fromPretrained(gpt2Legacy(all(false, true)))).tokenize(text)).toEqual(['in', 'Ġtext', 'Ġ', EOT, 'and', 'Ġmore']);
    expect((await AutoTokenizer.fromPretrained(gpt2Legacy(all(false, false)))).tokenize(text)).toEqual(['in', 'Ġtext', 'Ġ', EOT, 'Ġand', 'Ġmore']);
  });

  it('a special token that is neither a string nor {"content": ...} is refused, naming tokenizer_config.json and the key', async () => {
    const numberDir = gpt2Legacy({ bos_token: 5 });
    await expect(loadTokenizerSpec(numberDir)).rejects.toThrow(
      `${path.join(numberDir, 'tokenizer_config.json')}: bos_token must be a string or {"content": ...}, got 5`,
    );
    const noContent = gpt2Legacy({ eos_token: { text: EOT } });
    await expect(loadTokenizerSpec(noContent)).rejects.toThrow(`eos_token must be a string or {"content": ...}, got {"text":"${EOT}"}`);
    const badExtra = gpt2Legacy({ additional_special_tokens: ['<a>', 7] });
    await expect(loadTokenizerSpec(badExtra)).rejects.toThrow(
      `${path.join(badExtra, 'tokenizer_config.json')}: additional_special_tokens[1] must be a string or {"content": ...}, got 7`,
    );
  });

  it('additional_special_tokens are read (strings and AddedToken dicts) and kept whole in text', async () => {
    const dir = bertLegacy({ do_lower_case: false }, {
      additional_special_tokens: ['[unused1]', { __type: 'AddedToken', content: '[unused2]', lstrip: false, normalized: false, rstrip: false, single_word: false }],
    });
    const spec = await loadTokenizerSpec(dir);
    expect(spec.options.additionalSpecialTokens).toEqual(['[unused1]', { content: '[unused2]', lstrip: false, rstrip: false }]);
    const tok = await BertTokenizer.fromPretrained(dir);
    expect(tok.additionalSpecialTokens).toEqual(['[unused1]', '[unused2]']);
    // As special tokens they stay whole; the basic tokenizer would otherwise split them at the brackets.
    expect(tok.tokenize('a[unused1]b [unused2]')).toEqual(['a', '[unused1]', 'b', '[unused2]']);
  });

  it('padding_side and truncation_side are read when they are "left" or "right"', async () => {
    const left = await loadTokenizerSpec(bertLegacy({ do_lower_case: false, padding_side: 'left', truncation_side: 'left' }));
    expect(left.options.paddingSide).toBe('left');
    expect(left.options.truncationSide).toBe('left');
    const right = await loadTokenizerSpec(bertLegacy({ do_lower_case: false, padding_side: 'right', truncation_side: 'right' }));
    expect(right.options.paddingSide).toBe('right');
    expect(right.options.truncationSide).toBe('right');
    const tok = await BertTokenizer.fromPretrained(bertLegacy({ do_lower_case: false, padding_side: 'left' }));
    const rows = tok.batch(['Hello', 'Hello world'], { padding: 'longest' });
    expect(rows.inputIds[0][0]).toBe(0);  // [PAD] first
    expect(rows.attentionMask![0]).toEqual([0, 1, 1, 1]);
  });

  it("never_split from tokenizer_config.json keeps a word whole (BertTokenizer's basic tokenizer), giving [UNK] for it", async () => {
    const tok = await BertTokenizer.fromPretrained(bertLegacy({ do_lower_case: false, never_split: ["don't"] }));
    // transformers 4.29 BertTokenizer._tokenize appends a never_split token as it is, without WordPiece.
    expect(tok.tokenize("I don't know")).toEqual(['I', "don't", 'know']);
    const plain = await BertTokenizer.fromPretrained(bertLegacy({ do_lower_case: false }));
    expect(plain.tokenize("I don't know")).toEqual(['I', 'don', "'", 't', 'know']);
  });
});

describe('added_tokens.json (transformers 4.29 _from_pretrained: add_tokens() in id order)', () => {
  it('a BERT folder\'s added token gets its id and is found whole in text', async () => {
    const dir = bertLegacy();
    fs.writeFileSync(path.join(dir, 'added_tokens.json'), JSON.stringify({ '<new>': BERT_VOCAB.length }));
    const tok = await BertTokenizer.fromPretrained(dir);
    const plain = await BertTokenizer.fromPretrained(bertLegacy());
    expect(tok.length).toBe(BERT_VOCAB.length + 1);
    expect(tok.tokenize('a <new> b')).toEqual(['a', '<new>', 'b']);
    expect(tok.encode('a <new> b')).toEqual([plain.clsTokenId, ...plain.encode('a', { addSpecialTokens: false }), BERT_VOCAB.length, ...plain.encode('b', { addSpecialTokens: false }), plain.sepTokenId]);
  });

  it('a plain added token strips the spaces on both sides (tokenize: "We strip left and right by default"), visible in GPT-2\'s byte-level tokens', async () => {
    const dir = gpt2Legacy();
    const id = Object.keys(GPT2.vocab).length;
    fs.writeFileSync(path.join(dir, 'added_tokens.json'), JSON.stringify({ '<new>': id }));
    const tok = await GPT2Tokenizer.fromPretrained(dir);
    expect(tok.tokenize('a <new> b')).toEqual(['a', '<new>', 'b']);
    expect(tok.encode('a <new> b')).toEqual([GPT2.vocab.a, id, GPT2.vocab.b]);
    expect(tok.decode([id])).toBe('<new>');
  });

  it('an id that is not a non-negative integer is an error naming the file and the token', async () => {
    const dir = bertLegacy();
    fs.writeFileSync(path.join(dir, 'added_tokens.json'), JSON.stringify({ '<new>': 'x' }));
    await expect(BertTokenizer.fromPretrained(dir)).rejects.toThrow(`${path.join(dir, 'added_tokens.json')}: the id of "<new>" must be a non-negative integer, got "x"`);
  });
});

describe('special tokens the vocabulary lacks (transformers 4.29 from_pretrained: sanitize_special_tokens)', () => {
  it('get the next ids in special-token order after fromPretrained; the constructor adds nothing', async () => {
    const n = Object.keys(GPT2.vocab).length;
    const tok = await GPT2Tokenizer.fromPretrained(gpt2Legacy({ pad_token: '<pad>', additional_special_tokens: ['<x>', EOT] }));
    expect([tok.padTokenId, tok.length, tok.vocabSize]).toEqual([n, n + 2, n]);
    expect(tok.convertTokensToIds('<x>')).toBe(n + 1);
    expect(tok.encode('a<pad>')).toEqual([GPT2.vocab.a, n]);
    expect(tok.allSpecialIds).toEqual([GPT2.vocab[EOT], n, n + 1]);
    expect(tok.decode([GPT2.vocab.a, n], { skipSpecialTokens: true })).toBe('a');
    const built = new GPT2Tokenizer({ vocab: GPT2.vocab, merges: [], padToken: '<pad>' });
    expect([built.length, built.padTokenId]).toEqual([n, GPT2.vocab[EOT]]);  // unknown -> the unk id
  });

  it('an unknown token the vocabulary lacks is not added (add_tokens skips the unk token itself)', async () => {
    const tok = await BertTokenizer.fromPretrained(bertLegacy({ do_lower_case: false, unk_token: '[NOPE]' }));
    expect(tok.length).toBe(BERT_VOCAB.length);
    expect(tok.unkTokenId).toBeUndefined();
  });
});

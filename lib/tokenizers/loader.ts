/**
 * Reading a HuggingFace model folder into tokenizer options: tokenizer.json when present, else
 * the legacy files (vocab.txt; vocab.json + merges.txt, or GPT-2's original encoder.json +
 * vocab.bpe), plus tokenizer_config.json, special_tokens_map.json and added_tokens.json, with transformers'
 * precedence (special_tokens_map.json over tokenizer_config.json over the class defaults).
 *
 * Both sources feed the same implementation, so bert-base-cased gives identical ids whichever
 * files it comes with.
 */
import * as path from 'path';
import { parseMergesText } from './bpe';
import { readJsonIfExists, readTextIfExists } from './files';
import { resolveModelDir } from './hub';
import type { SpecialTokenValue } from './special';
import type { AddedTokenEntry, BertTokenizerOptions, CommonTokenizerOptions, GPT2TokenizerOptions } from './types';
import { parseVocabLines } from './vocab';

export type TokenizerKind = 'bert' | 'gpt2';

export interface TokenizerSpec {
  kind: TokenizerKind;
  dir: string;
  /** The file the vocabulary came from. */
  vocabFile: string;
  options: BertTokenizerOptions | GPT2TokenizerOptions;
}

type Json = Record<string, unknown>;

/** Everything a folder may hold that the tokenizer reads. */
interface FolderFiles {
  dir: string;
  config: Json;
  configFile: string;
  specialMap: Json;
  tokenizerJson?: Json;
  /** added_tokens.json: token -> id of the tokens add_tokens() gave the slow tokenizer. */
  addedTokensJson?: Json;
}

const CLASS_KINDS: Record<string, TokenizerKind> = {
  BertTokenizer: 'bert',
  BertTokenizerFast: 'bert',
  GPT2Tokenizer: 'gpt2',
  GPT2TokenizerFast: 'gpt2',
};

const LOOKED_FOR =
  'tokenizer.json, vocab.txt (BERT), vocab.json + merges.txt or encoder.json + vocab.bpe (GPT-2, OPT)';

/** Loads what `dirOrId` holds; `expected` makes a BERT loader refuse a GPT-2 folder and so on. */
export async function loadTokenizerSpec(dirOrId: string, expected?: TokenizerKind): Promise<TokenizerSpec> {
  const dir = resolveModelDir(dirOrId);
  const configFile = path.join(dir, 'tokenizer_config.json');
  const files: FolderFiles = {
    dir,
    configFile,
    config: (await readJsonIfExists(configFile)) ?? {},
    specialMap: (await readJsonIfExists(path.join(dir, 'special_tokens_map.json'))) ?? {},
    tokenizerJson: await readJsonIfExists(path.join(dir, 'tokenizer.json')),
    addedTokensJson: await readJsonIfExists(path.join(dir, 'added_tokens.json')),
  };
  const kind = await detectKind(files, expected);
  if (expected !== undefined && kind !== expected) {
    const names = { bert: 'BertTokenizer', gpt2: 'GPT2Tokenizer' };
    throw new Error(`${dir} holds a ${names[kind]} tokenizer, not a ${names[expected]}; use AutoTokenizer.fromPretrained`);
  }
  return kind === 'bert' ? loadBert(files) : loadGpt2(files);
}

async function exists(file: string): Promise<boolean> {
  return (await readTextIfExists(file)) !== undefined;
}

/** tokenizer_class first, then tokenizer.json's model type, then which legacy files exist. */
async function detectKind(f: FolderFiles, expected?: TokenizerKind): Promise<TokenizerKind> {
  const cls = f.config.tokenizer_class;
  if (typeof cls === 'string') {
    const kind = CLASS_KINDS[cls];
    if (kind) return kind;
    throw new Error(
      `${f.configFile}: tokenizer_class '${cls}' is not supported; node-peft reads ${Object.keys(CLASS_KINDS).join(', ')}`,
    );
  }
  const modelType = (f.tokenizerJson?.model as Json | undefined)?.type;
  if (modelType === 'WordPiece') return 'bert';
  if (modelType === 'BPE') return 'gpt2';
  if (modelType !== undefined) {
    throw new Error(`${path.join(f.dir, 'tokenizer.json')}: model type '${String(modelType)}' is not supported (WordPiece, BPE are)`);
  }
  if (await exists(path.join(f.dir, 'vocab.txt'))) return 'bert';
  for (const name of ['vocab.json', 'encoder.json', 'merges.txt', 'vocab.bpe']) {
    if (await exists(path.join(f.dir, name))) return 'gpt2';
  }
  if (expected) return expected;
  throw new Error(`No tokenizer files in ${f.dir}: looked for ${LOOKED_FOR}`);
}

/** A special token from a config file: a string, or a serialized AddedToken object. */
function specialValue(file: string, key: string, value: unknown): SpecialTokenValue | null | undefined {
  if (value === undefined || value === null) return value as null | undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as Json).content === 'string') {
    const v = value as Json;
    return { content: v.content as string, lstrip: v.lstrip === true, rstrip: v.rstrip === true };
  }
  throw new TypeError(`${file}: ${key} must be a string or {"content": ...}, got ${JSON.stringify(value)}`);
}

function pick(f: FolderFiles, key: string): unknown {
  return f.specialMap[key] ?? f.config[key];
}

/** Options every tokenizer reads from tokenizer_config.json and special_tokens_map.json. */
function commonOptions(f: FolderFiles): Omit<CommonTokenizerOptions, 'vocab'> {
  const out: Omit<CommonTokenizerOptions, 'vocab'> = { recognizeSpecialTokens: true };
  const roles = ['unk', 'bos', 'eos', 'sep', 'pad', 'cls', 'mask'] as const;
  for (const role of roles) {
    const value = specialValue(f.configFile, `${role}_token`, pick(f, `${role}_token`));
    if (value !== undefined) out[`${role}Token`] = value;
  }
  const extra = pick(f, 'additional_special_tokens');
  if (Array.isArray(extra)) {
    out.additionalSpecialTokens = extra.map((v, i) => specialValue(f.configFile, `additional_special_tokens[${i}]`, v)!);
  }
  const c = f.config;
  if (typeof c.model_max_length === 'number') out.modelMaxLength = Math.min(Math.round(c.model_max_length), 1e30);
  if (c.padding_side === 'left' || c.padding_side === 'right') out.paddingSide = c.padding_side;
  if (c.truncation_side === 'left' || c.truncation_side === 'right') out.truncationSide = c.truncation_side;
  if (typeof c.clean_up_tokenization_spaces === 'boolean') out.cleanUpTokenizationSpaces = c.clean_up_tokenization_spaces;
  out.addedTokens = addedTokensOf(f);
  return out;
}

/** tokenizer.json's added_tokens, then added_tokens.json's: all of them are found whole in text. */
function addedTokensOf(f: FolderFiles): AddedTokenEntry[] {
  const list = f.tokenizerJson?.added_tokens;
  const out: AddedTokenEntry[] = !Array.isArray(list) ? [] : list.map((t: Json) => ({
    content: String(t.content),
    id: Number(t.id),
    special: t.special === true,
    lstrip: t.lstrip === true,
    rstrip: t.rstrip === true,
  }));
  return out.concat(legacyAddedTokens(f, new Set(out.map((t) => t.content))));
}

/**
 * added_tokens.json, which transformers 4.29's _from_pretrained passes to add_tokens() in id order.
 * Those tokens are plain strings, and tokenize() strips the whitespace on both sides of a plain
 * no-split token ("We strip left and right by default"); a special token keeps its own rule.
 */
function legacyAddedTokens(f: FolderFiles, known: Set<string>): AddedTokenEntry[] {
  const file = path.join(f.dir, 'added_tokens.json');
  const entries = Object.entries(f.addedTokensJson ?? {});
  for (const [token, id] of entries) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TypeError(`${file}: the id of ${JSON.stringify(token)} must be a non-negative integer, got ${JSON.stringify(id)}`);
    }
  }
  return entries
    .filter(([token]) => !known.has(token))
    .sort((a, b) => (a[1] as number) - (b[1] as number))
    .map(([content, id]) => ({ content, id: id as number, special: false, lstrip: true, rstrip: true }));
}

function modelSection(f: FolderFiles, type: string): Json {
  const file = path.join(f.dir, 'tokenizer.json');
  const model = f.tokenizerJson!.model as Json | undefined;
  if (!model || model.type !== type || model.vocab === null || typeof model.vocab !== 'object') {
    throw new Error(`${file}: expected a ${type} model with a vocab, got model type ${JSON.stringify(model?.type)}`);
  }
  return model;
}

async function loadBert(f: FolderFiles): Promise<TokenizerSpec> {
  const c = f.config;
  const normalizer = (f.tokenizerJson?.normalizer ?? {}) as Json;
  const options: BertTokenizerOptions = {
    ...commonOptions(f),
    vocab: [],
    // tokenizer_config.json wins over tokenizer.json's normalizer, as in BertTokenizerFast.
    doLowerCase: (c.do_lower_case ?? normalizer.lowercase ?? true) as boolean,
    stripAccents: (c.strip_accents ?? normalizer.strip_accents ?? null) as boolean | null,
    tokenizeChineseChars: (c.tokenize_chinese_chars ?? normalizer.handle_chinese_chars ?? true) as boolean,
  };
  if (Array.isArray(c.never_split)) options.neverSplit = c.never_split as string[];
  if (typeof c.do_basic_tokenize === 'boolean') options.doBasicTokenize = c.do_basic_tokenize;
  let vocabFile: string;
  if (f.tokenizerJson) {
    vocabFile = path.join(f.dir, 'tokenizer.json');
    const model = modelSection(f, 'WordPiece');
    options.vocab = model.vocab as Record<string, number>;
    if (typeof model.unk_token === 'string' && options.unkToken === undefined) options.unkToken = model.unk_token;
    if (typeof model.max_input_chars_per_word === 'number') options.maxInputCharsPerWord = model.max_input_chars_per_word;
    if (typeof model.continuing_subword_prefix === 'string') options.continuingSubwordPrefix = model.continuing_subword_prefix;
  } else {
    vocabFile = path.join(f.dir, 'vocab.txt');
    const text = await readTextIfExists(vocabFile);
    if (text === undefined) throw new Error(`BertTokenizer: no vocabulary in ${f.dir}: missing ${vocabFile} (looked for ${LOOKED_FOR})`);
    options.vocab = parseVocabLines(text);
  }
  return { kind: 'bert', dir: f.dir, vocabFile, options };
}

/** vocab.json + merges.txt, or the names OpenAI's GPT-2 release used. */
async function readLegacyBpe(dir: string): Promise<{ vocabFile: string; vocab: Json; merges: string }> {
  for (const [v, m] of [['vocab.json', 'merges.txt'], ['encoder.json', 'vocab.bpe']]) {
    const vocabFile = path.join(dir, v);
    const vocabText = await readTextIfExists(vocabFile);
    if (vocabText === undefined) continue;
    const mergesFile = path.join(dir, m);
    const merges = await readTextIfExists(mergesFile);
    if (merges === undefined) throw new Error(`GPT2Tokenizer: ${vocabFile} is there but ${mergesFile} is missing`);
    const vocab = await readJsonIfExists(vocabFile);
    return { vocabFile, vocab: vocab!, merges };
  }
  throw new Error(`GPT2Tokenizer: no vocabulary in ${dir}: missing vocab.json + merges.txt (or encoder.json + vocab.bpe); looked for ${LOOKED_FOR}`);
}

async function loadGpt2(f: FolderFiles): Promise<TokenizerSpec> {
  const c = f.config;
  const pre = (f.tokenizerJson?.pre_tokenizer ?? null) as Json | null;
  const options: GPT2TokenizerOptions = {
    ...commonOptions(f),
    vocab: {},
    merges: [],
    addBosToken: (c.add_bos_token ?? false) as boolean,
    addPrefixSpace: (c.add_prefix_space ?? pre?.add_prefix_space ?? false) as boolean,
  };
  let vocabFile: string;
  if (f.tokenizerJson) {
    vocabFile = path.join(f.dir, 'tokenizer.json');
    if (pre !== null && pre.type !== 'ByteLevel') {
      throw new Error(`${vocabFile}: pre_tokenizer '${String(pre.type)}' is not supported; GPT2Tokenizer reads byte-level BPE (ByteLevel)`);
    }
    const model = modelSection(f, 'BPE');
    options.vocab = model.vocab as Record<string, number>;
    options.merges = (model.merges ?? []) as GPT2TokenizerOptions['merges'];
  } else {
    const legacy = await readLegacyBpe(f.dir);
    vocabFile = legacy.vocabFile;
    options.vocab = legacy.vocab as Record<string, number>;
    options.merges = parseMergesText(legacy.merges);
  }
  return { kind: 'gpt2', dir: f.dir, vocabFile, options };
}

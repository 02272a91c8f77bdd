/**
 * What every node-peft tokenizer shares, mirroring transformers 4.29's PreTrainedTokenizer:
 * special tokens, text -> tokens -> ids, batching (truncation, overflow, padding), decoding.
 * Subclasses only say how one plain text segment becomes tokens, how tokens become text again,
 * and how special tokens wrap a sequence.
 */
import { cleanUpTokenization } from './cleanup';
import { encodeRows, padRow, paddedLength, type Row, type SequenceBuilder } from './batch';
import {
  DECODE_OPTION_NAMES, ENCODE_OPTION_NAMES, NO_MAX_LENGTH, resolveBatchOptions,
  type BatchOptions, type BatchPlan, type DecodeOptions, type EncodeOptions, type Side,
} from './options';
import {
  NoSplitSplitter, SPECIAL_TOKEN_ROLES, contentOf, stripRuleOf,
  type SpecialTokenRole, type SpecialTokenValue, type SpecialTokens,
} from './special';
import { checkBoolean, checkIds, checkInteger, checkOneOf, checkTexts, describeValue, rejectUnknownOptions } from './validate';
import { toVocab, type Vocab } from './vocab';
import { toTensors } from './tensors';
import { type AddedTokenEntry, type BatchEncoding, type CommonTokenizerOptions } from './types';
import type { Tensor } from '../tensor';

function roleOptionName(role: SpecialTokenRole): keyof CommonTokenizerOptions {
  return `${role}Token` as keyof CommonTokenizerOptions;
}

export abstract class PreTrainedTokenizer implements SequenceBuilder {
  readonly modelMaxLength: number;
  readonly paddingSide: Side;
  readonly truncationSide: Side;
  readonly cleanUpTokenizationSpaces: boolean;
  protected readonly vocab: Vocab;
  protected readonly specialTokens: SpecialTokens;
  private readonly addedEncoder = new Map<string, number>();
  private readonly addedDecoder = new Map<number, string>();
  private readonly splitter: NoSplitSplitter;
  private specialIds: Set<number> | undefined;

  /** Class name used in error messages. */
  protected abstract readonly className: string;
  /** Whether batch() returns tokenTypeIds unless told otherwise (transformers' model_input_names). */
  protected abstract readonly returnsTokenTypeIds: boolean;

  /** Tokens of one text segment that holds no recognised special token. */
  protected abstract tokenizeSegment(text: string): string[];
  /** transformers' convert_tokens_to_string for this model's tokens. */
  protected abstract tokensToString(tokens: string[]): string;
  abstract numSpecialTokens(pair: boolean): number;
  abstract build(a: readonly number[], b: readonly number[] | null): { ids: number[]; typeIds: number[] };

  protected constructor(where: string, options: CommonTokenizerOptions, defaults: Partial<SpecialTokens>) {
    this.vocab = toVocab(where, options.vocab);
    this.specialTokens = PreTrainedTokenizer.readSpecialTokens(where, options, defaults);
    this.modelMaxLength = checkInteger(where, 'modelMaxLength', options.modelMaxLength, 1) ?? NO_MAX_LENGTH;
    this.paddingSide = checkOneOf<Side>(where, 'paddingSide', options.paddingSide ?? 'right', ['right', 'left']);
    this.truncationSide = checkOneOf<Side>(where, 'truncationSide', options.truncationSide ?? 'right', ['right', 'left']);
    this.cleanUpTokenizationSpaces = checkBoolean(where, 'cleanUpTokenizationSpaces', options.cleanUpTokenizationSpaces ?? true);
    const recognize = checkBoolean(where, 'recognizeSpecialTokens', options.recognizeSpecialTokens ?? false);
    for (const t of options.addedTokens ?? []) this.registerAddedToken(where, t);
    if (recognize) this.addMissingSpecialTokens();
    this.splitter = this.buildSplitter(recognize, options.addedTokens ?? []);
  }

  /**
   * transformers 4.29's from_pretrained ends with sanitize_special_tokens(), i.e. add_tokens() of
   * every special token: one the vocabulary lacks (other than the unknown token itself) gets the
   * next id, len(tokenizer). A GPT-2 folder whose config names a "<pad>" gets pad id 50257.
   */
  private addMissingSpecialTokens(): void {
    const unk = this.specialTokens.unk === undefined ? undefined : contentOf(this.specialTokens.unk);
    for (const token of this.allSpecialTokens) {
      if (token === '' || token === unk || this.addedEncoder.has(token) || this.vocab.tokenToId.has(token)) continue;
      const id = this.length;
      this.addedEncoder.set(token, id);
      this.addedDecoder.set(id, token);
    }
  }

  private static readSpecialTokens(where: string, options: CommonTokenizerOptions, defaults: Partial<SpecialTokens>): SpecialTokens {
    const out: SpecialTokens = { additional: [] };
    for (const role of SPECIAL_TOKEN_ROLES) {
      const name = roleOptionName(role);
      const given = options[name] as SpecialTokenValue | null | undefined;
      // null switches a default token off (e.g. a BERT without [MASK]).
      const value = given === undefined ? defaults[role] : given;
      if (value === null || value === undefined) continue;
      if (typeof value !== 'string' && (typeof value !== 'object' || typeof value.content !== 'string')) {
        throw new TypeError(`${where}: ${name} must be a string or {content: string}, got ${describeValue(value)}`);
      }
      out[role] = value;
    }
    const extra = options.additionalSpecialTokens ?? defaults.additional ?? [];
    if (!Array.isArray(extra)) {
      throw new TypeError(`${where}: additionalSpecialTokens must be an array, got ${describeValue(extra)}`);
    }
    out.additional = extra.slice();
    return out;
  }

  private registerAddedToken(where: string, t: AddedTokenEntry): void {
    if (typeof t?.content !== 'string' || !Number.isInteger(t.id) || t.id < 0) {
      throw new TypeError(`${where}: addedTokens entries need a string content and a non-negative integer id, got ${describeValue(t)}`);
    }
    // Added tokens that are already in the vocabulary behave as ordinary vocabulary entries
    // (transformers only adds tokens the vocabulary lacks), apart from being unsplittable.
    if (this.vocab.tokenToId.has(t.content)) return;
    this.addedEncoder.set(t.content, t.id);
    this.addedDecoder.set(t.id, t.content);
  }

  private buildSplitter(recognizeSpecial: boolean, added: AddedTokenEntry[]): NoSplitSplitter {
    const entries = added.map((t) => ({ content: t.content, rule: { lstrip: t.lstrip === true, rstrip: t.rstrip === true } }));
    if (recognizeSpecial) {
      for (const value of this.specialValues()) entries.push({ content: contentOf(value), rule: stripRuleOf(value) });
    }
    return new NoSplitSplitter(entries);
  }

  private specialValues(): SpecialTokenValue[] {
    const values: SpecialTokenValue[] = [];
    for (const role of SPECIAL_TOKEN_ROLES) {
      const v = this.specialTokens[role];
      if (v !== undefined) values.push(v);
    }
    return values.concat(this.specialTokens.additional);
  }

  // ---- vocabulary ---------------------------------------------------------------------------

  /** Size of the model's vocabulary, without added tokens (transformers' vocab_size). */
  get vocabSize(): number {
    return this.vocab.tokenToId.size;
  }

  /** Vocabulary plus added tokens (transformers' len(tokenizer)). */
  get length(): number {
    return this.vocab.tokenToId.size + this.addedEncoder.size;
  }

  /** A copy of token -> id, added tokens included. */
  getVocab(): Map<string, number> {
    return new Map([...this.vocab.tokenToId, ...this.addedEncoder]);
  }

  /** Ids of tokens; unknown tokens get the unknown token's id (undefined when there is none). */
  convertTokensToIds(tokens: string): number | undefined;
  convertTokensToIds(tokens: string[]): Array<number | undefined>;
  convertTokensToIds(tokens: string | string[]): number | undefined | Array<number | undefined> {
    if (typeof tokens === 'string') return this.tokenId(tokens);
    return checkTexts(`${this.className}.convertTokensToIds()`, 'tokens', tokens).map((t) => this.tokenId(t));
  }

  protected tokenId(token: string): number | undefined {
    const id = this.addedEncoder.get(token) ?? this.vocab.tokenToId.get(token);
    if (id !== undefined) return id;
    const unk = this.specialTokens.unk;
    return unk === undefined ? undefined : this.vocab.tokenToId.get(contentOf(unk));
  }

  /** Tokens of ids, optionally without the special ones. */
  convertIdsToTokens(ids: number[], skipSpecialTokens = false): string[] {
    const where = `${this.className}.convertIdsToTokens()`;
    const list = checkIds(where, ids);
    const special = this.specialIdSet();
    const out: string[] = [];
    for (const id of list) {
      if (skipSpecialTokens && special.has(id)) continue;
      out.push(this.addedDecoder.get(id) ?? this.vocab.idToToken[id] ?? this.unknownId(where, id));
    }
    return out;
  }

  /** What an id outside the vocabulary decodes to; subclasses that map it to [UNK] override. */
  protected unknownId(where: string, id: number): string {
    throw new RangeError(`${where}: id ${id} is not in the vocabulary (size ${this.length})`);
  }

  // ---- special tokens -----------------------------------------------------------------------

  private roleToken(role: SpecialTokenRole): string | undefined {
    const v = this.specialTokens[role];
    return v === undefined ? undefined : contentOf(v);
  }

  private roleId(role: SpecialTokenRole): number | undefined {
    const t = this.roleToken(role);
    return t === undefined ? undefined : this.tokenId(t);
  }

  get bosToken() { return this.roleToken('bos'); }
  get eosToken() { return this.roleToken('eos'); }
  get unkToken() { return this.roleToken('unk'); }
  get sepToken() { return this.roleToken('sep'); }
  get padToken() { return this.roleToken('pad'); }
  get clsToken() { return this.roleToken('cls'); }
  get maskToken() { return this.roleToken('mask'); }
  get bosTokenId() { return this.roleId('bos'); }
  get eosTokenId() { return this.roleId('eos'); }
  get unkTokenId() { return this.roleId('unk'); }
  get sepTokenId() { return this.roleId('sep'); }
  get padTokenId() { return this.roleId('pad'); }
  get clsTokenId() { return this.roleId('cls'); }
  get maskTokenId() { return this.roleId('mask'); }

  get additionalSpecialTokens(): string[] {
    return this.specialTokens.additional.map(contentOf);
  }

  /** Every special token once, in transformers' order (bos, eos, unk, sep, pad, cls, mask, extra). */
  get allSpecialTokens(): string[] {
    return [...new Set(this.specialValues().map(contentOf))];
  }

  get allSpecialIds(): number[] {
    return [...this.specialIdSet()];
  }

  private specialIdSet(): Set<number> {
    if (this.specialIds === undefined) {
      const ids = this.allSpecialTokens.map((t) => this.tokenId(t)).filter((id): id is number => id !== undefined);
      this.specialIds = new Set(ids);
    }
    return this.specialIds;
  }

  // ---- encoding -----------------------------------------------------------------------------

  /** Tokens of a text, without special tokens around it (transformers' tokenize). */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') {
      throw new TypeError(`${this.className}.tokenize(): text must be a string, got ${describeValue(text)}`);
    }
    const out: string[] = [];
    for (const piece of this.splitter.split(this.prepareText(text))) {
      if (piece.special) out.push(piece.text);
      else for (const t of this.tokenizeSegment(piece.text)) out.push(t);
    }
    return out;
  }

  /** A hook for text-wide changes before splitting (GPT-2's add_prefix_space). */
  protected prepareText(text: string): string {
    return text;
  }

  /** Ids of a text without special tokens. */
  protected textToIds(text: string): number[] {
    const tokens = this.tokenize(text);
    const ids = new Array<number>(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const id = this.tokenId(tokens[i]);
      if (id === undefined) {
        throw new RangeError(`${this.className}: token ${JSON.stringify(tokens[i])} is not in the vocabulary and there is no unknown token`);
      }
      ids[i] = id;
    }
    return ids;
  }

  /** Ids of one text (and optional pair), with special tokens unless told otherwise. */
  encode(text: string, options?: EncodeOptions): number[] {
    const where = `${this.className}.encode()`;
    rejectUnknownOptions(where, options, ENCODE_OPTION_NAMES);
    if (typeof text !== 'string') throw new TypeError(`${where}: text must be a string, got ${describeValue(text)}`);
    const o = options ?? {};
    if (o.textPair !== undefined && typeof o.textPair !== 'string') {
      throw new TypeError(`${where}: textPair must be a string, got ${describeValue(o.textPair)}`);
    }
    return this.batch(text, { ...o, returnTensors: 'array' }).inputIds[0];
  }

  /**
   * Encodes a batch like calling a transformers tokenizer: `tokenizer(texts, text_pair=...,
   * padding=..., truncation=..., max_length=...)`. Returns number[][] rows, or int64 tensors
   * with returnTensors: 'pt'.
   */
  batch(texts: string | string[], options?: BatchOptions & { returnTensors?: 'array' }): BatchEncoding;
  batch(texts: string | string[], options: BatchOptions & { returnTensors: 'pt' }): BatchEncoding<Tensor>;
  batch(texts: string | string[], options?: BatchOptions): BatchEncoding | BatchEncoding<Tensor> {
    const where = `${this.className}.batch()`;
    const list = checkTexts(where, 'texts', texts);
    const plan = resolveBatchOptions(where, list.length, options, {
      modelMaxLength: this.modelMaxLength,
      paddingSide: this.paddingSide,
      truncationSide: this.truncationSide,
      returnTokenTypeIds: this.returnsTokenTypeIds,
    });
    if (plan.padding !== 'none' && this.padTokenId === undefined) {
      throw new RangeError(`${where}: asked to pad but ${this.className} has no padding token; pass padToken when creating it`);
    }
    const rows: Row[] = [];
    list.forEach((text, i) => {
      const a = this.textToIds(text);
      const b = plan.pairs === null ? null : this.textToIds(plan.pairs[i]);
      for (const row of encodeRows(a, b, i, plan, this, where)) rows.push(row);
    });
    const arrays = this.assemble(rows, plan);
    return plan.returnTensors === 'pt' ? toTensors(where, arrays) : arrays;
  }

  private assemble(rows: Row[], plan: BatchPlan): BatchEncoding {
    const length = paddedLength(rows, plan);
    const side = plan.paddingSide;
    const pad = (row: number[], value: number) => (length < 0 ? row : padRow(row, length, value, side));
    const out: BatchEncoding = { inputIds: rows.map((r) => pad(r.ids, this.padTokenId!)) };
    if (plan.returnTokenTypeIds) out.tokenTypeIds = rows.map((r) => pad(r.typeIds, 0));
    if (plan.returnAttentionMask) out.attentionMask = rows.map((r) => pad(new Array<number>(r.ids.length).fill(1), 0));
    if (plan.overflow) out.overflowToSampleMapping = rows.map((r) => r.sample);
    return out;
  }

  // ---- decoding -----------------------------------------------------------------------------

  /** Text of ids, like transformers 4.29's decode (slow tokenizers). */
  decode(ids: number[] | bigint[], options?: DecodeOptions): string {
    const where = `${this.className}.decode()`;
    rejectUnknownOptions(where, options, DECODE_OPTION_NAMES);
    const o = options ?? {};
    const skip = checkBoolean(where, 'skipSpecialTokens', o.skipSpecialTokens ?? false);
    const clean = checkBoolean(where, 'cleanUpTokenizationSpaces', o.cleanUpTokenizationSpaces ?? this.cleanUpTokenizationSpaces);
    const spaced = checkBoolean(where, 'spacesBetweenSpecialTokens', o.spacesBetweenSpecialTokens ?? true);
    const tokens = this.convertIdsToTokens(checkIds(where, ids), skip);
    // Added tokens are not model tokens (no "##", no byte mapping): they are joined as they are.
    const parts: string[] = [];
    let run: string[] = [];
    for (const token of tokens) {
      if (!this.addedEncoder.has(token)) {
        run.push(token);
        continue;
      }
      if (run.length) parts.push(this.tokensToString(run));
      parts.push(token);
      run = [];
    }
    if (run.length) parts.push(this.tokensToString(run));
    const text = parts.join(spaced ? ' ' : '');
    return clean ? cleanUpTokenization(text) : text;
  }

  /** decode() for each row. */
  batchDecode(rows: Array<number[] | bigint[]>, options?: DecodeOptions): string[] {
    if (!Array.isArray(rows)) {
      throw new TypeError(`${this.className}.batchDecode(): rows must be an array of id arrays, got ${describeValue(rows)}`);
    }
    return rows.map((row) => this.decode(row, options));
  }
}

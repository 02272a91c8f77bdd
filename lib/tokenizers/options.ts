/**
 * The options of batch(), encode() and decode(), and how they resolve to one plan. The rules
 * follow transformers 4.29 (_get_padding_truncation_strategies) so that the same call gives the
 * same shapes; where transformers only logs a warning and carries on with a surprising result,
 * node-peft throws instead and says what to pass.
 */
import { checkBoolean, checkInteger, checkOneOf, checkTexts, describeValue, rejectUnknownOptions } from './validate';

export type PaddingOption = boolean | 'longest' | 'max_length' | 'do_not_pad';
export type TruncationOption = boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
export type Side = 'right' | 'left';

export interface BatchOptions {
  /** Second sequence of each pair (BERT: segment B, token_type_ids 1). */
  textPair?: string | string[];
  /** true/'longest': pad to the longest in the batch; 'max_length': to maxLength. */
  padding?: PaddingOption;
  /** true = 'longest_first'. Implied by maxLength when padding is off, as in transformers. */
  truncation?: TruncationOption;
  /** Length limit including special tokens; defaults to modelMaxLength where one is needed. */
  maxLength?: number;
  /** With returnOverflowingTokens: tokens each chunk repeats from the previous one. */
  stride?: number;
  padToMultipleOf?: number;
  paddingSide?: Side;
  truncationSide?: Side;
  addSpecialTokens?: boolean;
  /** Cut long texts into several rows (fast-tokenizer style) instead of dropping the rest. */
  returnOverflowingTokens?: boolean;
  returnTokenTypeIds?: boolean;
  returnAttentionMask?: boolean;
  /** 'array' (default): number[][]; 'pt': int64 tensors from node-peft's tensor module. */
  returnTensors?: 'array' | 'pt';
}

export const BATCH_OPTION_NAMES: readonly (keyof BatchOptions)[] = [
  'textPair', 'padding', 'truncation', 'maxLength', 'stride', 'padToMultipleOf', 'paddingSide',
  'truncationSide', 'addSpecialTokens', 'returnOverflowingTokens', 'returnTokenTypeIds',
  'returnAttentionMask', 'returnTensors',
];

export interface BatchPlan {
  pairs: string[] | null;
  padding: 'none' | 'longest' | 'max_length';
  truncation: 'none' | 'longest_first' | 'only_first' | 'only_second';
  maxLength: number | undefined;
  stride: number;
  padToMultipleOf: number | undefined;
  paddingSide: Side;
  truncationSide: Side;
  addSpecialTokens: boolean;
  overflow: boolean;
  returnTokenTypeIds: boolean;
  returnAttentionMask: boolean;
  returnTensors: 'array' | 'pt';
}

/** What the tokenizer contributes to the plan. */
export interface TokenizerDefaults {
  modelMaxLength: number;
  paddingSide: Side;
  truncationSide: Side;
  /** BERT returns token_type_ids by default; GPT-2 does not (its model_input_names). */
  returnTokenTypeIds: boolean;
}

/** transformers' VERY_LARGE_INTEGER: a model_max_length at or above it means "no limit". */
export const NO_MAX_LENGTH = 1e30;

function resolvePadding(where: string, value: unknown): BatchPlan['padding'] {
  const v = checkOneOf<PaddingOption>(where, 'padding', value ?? false, [true, false, 'longest', 'max_length', 'do_not_pad']);
  if (v === true || v === 'longest') return 'longest';
  return v === 'max_length' ? 'max_length' : 'none';
}

function resolveTruncation(where: string, opts: BatchOptions): BatchPlan['truncation'] {
  // transformers: a maxLength without padding and without an explicit truncation truncates.
  const implied = opts.maxLength !== undefined && (opts.padding ?? false) === false;
  const raw = opts.truncation ?? (implied ? 'longest_first' : false);
  const allowed: TruncationOption[] = [true, false, 'longest_first', 'only_first', 'only_second', 'do_not_truncate'];
  const v = checkOneOf<TruncationOption>(where, 'truncation', raw, allowed);
  if (v === true) return 'longest_first';
  return v === false || v === 'do_not_truncate' ? 'none' : v;
}

function resolvePairs(where: string, value: unknown, count: number): string[] | null {
  if (value === undefined || value === null) return null;
  const pairs = checkTexts(where, 'textPair', value);
  if (pairs.length !== count) {
    throw new RangeError(`${where}: textPair has ${pairs.length} entries but texts has ${count}; they must match`);
  }
  return pairs;
}

/** Validates every option and settles defaults into one plan. */
export function resolveBatchOptions(where: string, count: number, options: BatchOptions | undefined, d: TokenizerDefaults): BatchPlan {
  rejectUnknownOptions(where, options, BATCH_OPTION_NAMES);
  const o: BatchOptions = options ?? {};
  const plan: BatchPlan = {
    pairs: resolvePairs(where, o.textPair, count),
    padding: resolvePadding(where, o.padding),
    truncation: resolveTruncation(where, o),
    maxLength: checkInteger(where, 'maxLength', o.maxLength, 1),
    stride: checkInteger(where, 'stride', o.stride, 0) ?? 0,
    padToMultipleOf: checkInteger(where, 'padToMultipleOf', o.padToMultipleOf, 1),
    paddingSide: checkOneOf<Side>(where, 'paddingSide', o.paddingSide ?? d.paddingSide, ['right', 'left']),
    truncationSide: checkOneOf<Side>(where, 'truncationSide', o.truncationSide ?? d.truncationSide, ['right', 'left']),
    addSpecialTokens: checkBoolean(where, 'addSpecialTokens', o.addSpecialTokens ?? true),
    overflow: checkBoolean(where, 'returnOverflowingTokens', o.returnOverflowingTokens ?? false),
    returnTokenTypeIds: checkBoolean(where, 'returnTokenTypeIds', o.returnTokenTypeIds ?? d.returnTokenTypeIds),
    returnAttentionMask: checkBoolean(where, 'returnAttentionMask', o.returnAttentionMask ?? true),
    returnTensors: checkOneOf<'array' | 'pt'>(where, 'returnTensors', o.returnTensors ?? 'array', ['array', 'pt']),
  };
  if (o.returnTokenTypeIds === true && !plan.addSpecialTokens) {
    // transformers 4.29 prepare_for_model raises the same: without the special tokens that mark
    // the segments, token types are undefined (left unset, they come back as zeros).
    throw new RangeError(`${where}: returnTokenTypeIds true with addSpecialTokens false is undefined (no special tokens mark the segments); leave returnTokenTypeIds unset or add special tokens`);
  }
  applyMaxLengthDefaults(where, plan, d.modelMaxLength, o);
  return plan;
}

/** Fills maxLength from modelMaxLength where padding or truncation needs one. */
function applyMaxLengthDefaults(where: string, plan: BatchPlan, modelMaxLength: number, options: BatchOptions): void {
  const known = modelMaxLength < NO_MAX_LENGTH;
  if (plan.maxLength === undefined && known && (plan.padding === 'max_length' || plan.truncation !== 'none')) {
    plan.maxLength = modelMaxLength;
  }
  if (plan.maxLength === undefined) {
    if (plan.padding === 'max_length') {
      throw new RangeError(`${where}: padding 'max_length' needs maxLength (this tokenizer has no modelMaxLength)`);
    }
    if (plan.overflow) {
      throw new RangeError(`${where}: returnOverflowingTokens needs maxLength (this tokenizer has no modelMaxLength)`);
    }
    // transformers also carries on untruncated here (with a warning): there is no limit to apply.
    plan.truncation = 'none';
  }
  if (plan.overflow && plan.truncation === 'none') {
    throw new RangeError(
      `${where}: returnOverflowingTokens needs truncation true, 'longest_first', 'only_first' or 'only_second', ` +
        `got ${describeValue(options.truncation)}` +
        (options.truncation === undefined ? ' (with padding on, maxLength alone does not turn truncation on)' : ''),
    );
  }
  const m = plan.padToMultipleOf;
  if (m !== undefined && plan.maxLength !== undefined && plan.truncation !== 'none' && plan.padding !== 'none' && plan.maxLength % m !== 0) {
    throw new RangeError(`${where}: maxLength ${plan.maxLength} must be a multiple of padToMultipleOf ${m} when truncating and padding`);
  }
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
  /** Default: the tokenizer's cleanUpTokenizationSpaces (true unless its config says otherwise). */
  cleanUpTokenizationSpaces?: boolean;
  /** Join added tokens and the text around them with spaces (transformers' default). */
  spacesBetweenSpecialTokens?: boolean;
}

export const DECODE_OPTION_NAMES: readonly (keyof DecodeOptions)[] = [
  'skipSpecialTokens', 'cleanUpTokenizationSpaces', 'spacesBetweenSpecialTokens',
];

export interface EncodeOptions {
  textPair?: string;
  addSpecialTokens?: boolean;
  truncation?: TruncationOption;
  maxLength?: number;
}

export const ENCODE_OPTION_NAMES: readonly (keyof EncodeOptions)[] = ['textPair', 'addSpecialTokens', 'truncation', 'maxLength'];

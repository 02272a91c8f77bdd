/**
 * Turning token ids into model rows: truncation, overflow chunks, special tokens and padding.
 * Pure functions over number arrays, shared by every tokenizer.
 *
 * Truncation follows transformers 4.29's Python tokenizers (the ones the fixtures come from);
 * overflow chunks follow its fast tokenizers (tokenizers' Encoding::truncate), since only those
 * return every chunk as a row of its own.
 */
import type { BatchPlan, Side } from './options';

/** How a tokenizer wraps one or two id sequences in its special tokens. */
export interface SequenceBuilder {
  /** How many special tokens build() adds for one sequence or for a pair. */
  numSpecialTokens(pair: boolean): number;
  build(a: readonly number[], b: readonly number[] | null): { ids: number[]; typeIds: number[] };
}

/** One output row before padding. */
export interface Row {
  ids: number[];
  typeIds: number[];
  /** Index of the input text this row came from. */
  sample: number;
}

function cut(ids: readonly number[], keep: number, side: Side): number[] {
  return side === 'right' ? ids.slice(0, keep) : ids.slice(ids.length - keep);
}

/**
 * Removes `excess` tokens like transformers' truncate_sequences. longest_first removes one
 * token at a time from the longer sequence (the second one on ties).
 */
export function truncate(
  a: readonly number[], b: readonly number[] | null, excess: number, plan: BatchPlan, where: string,
): [number[], number[] | null] {
  const side = plan.truncationSide;
  if (plan.truncation === 'longest_first' && b !== null) {
    let la = a.length;
    let lb = b.length;
    for (let i = 0; i < excess; i++) {
      if (la > lb) la--;
      else lb--;
    }
    if (lb < 0 || la < 0) throw tooShort(where, plan, 'the pair');
    return [cut(a, la, side), cut(b, lb, side)];
  }
  const second = plan.truncation === 'only_second';
  if (second && b === null) {
    throw new RangeError(`${where}: truncation 'only_second' needs textPair`);
  }
  const target = second ? b! : a;
  // transformers only logs an error here and returns an over-long row; a model would then
  // fail far from the cause, so this says it at once.
  if (target.length <= excess) throw tooShort(where, plan, second ? 'the second sequence' : 'the first sequence');
  const kept = cut(target, target.length - excess, side);
  return second ? [a.slice(), kept] : [kept, b === null ? null : b.slice()];
}

function tooShort(where: string, plan: BatchPlan, what: string): RangeError {
  return new RangeError(
    `${where}: cannot truncate ${what} to fit maxLength ${plan.maxLength} with truncation '${plan.truncation}'; ` +
      `use a larger maxLength or another truncation strategy`,
  );
}

/**
 * Overflow windows of `ids`, each at most `size` long, each repeating `stride` tokens of the
 * previous one (tokenizers' Encoding::truncate). The first window is the truncated text.
 */
export function overflowWindows(ids: readonly number[], size: number, stride: number, side: Side): number[][] {
  if (ids.length <= size) return [ids.slice()];
  const step = size - stride;
  const windows: number[][] = [];
  if (side === 'right') {
    for (let start = 0; ; start += step) {
      const stop = Math.min(start + size, ids.length);
      windows.push(ids.slice(start, stop));
      if (stop === ids.length) break;
    }
  } else {
    for (let stop = ids.length; ; stop -= step) {
      const start = Math.max(stop - size, 0);
      windows.push(ids.slice(start, stop));
      if (start === 0) break;
    }
  }
  return windows;
}

/** The rows one input (text, optional pair) becomes: one, or several with overflow. */
export function encodeRows(
  a: readonly number[], b: readonly number[] | null, sample: number, plan: BatchPlan, builder: SequenceBuilder, where: string,
): Row[] {
  const specials = plan.addSpecialTokens ? builder.numSpecialTokens(b !== null) : 0;
  const total = a.length + (b?.length ?? 0) + specials;
  const max = plan.maxLength;
  let pieces: Array<[readonly number[], readonly number[] | null]> = [[a, b]];
  if (plan.truncation !== 'none' && max !== undefined && total > max) {
    pieces = plan.overflow ? overflowPieces(a, b, total - max, plan, where) : [truncate(a, b, total - max, plan, where)];
  }
  return pieces.map(([x, y]) => {
    if (plan.addSpecialTokens) return { ...builder.build(x, y), sample };
    // transformers 4.29 prepare_for_model without special tokens: token_type_ids = [0] * len(ids)
    // + [0] * len(pair_ids): the second sequence is not marked (only build_inputs... marks it).
    const ids = y === null ? x.slice() : x.concat(y);
    return { ids, typeIds: new Array<number>(ids.length).fill(0), sample };
  });
}

/** Overflow for one sequence, or for the first or second of a pair (the other repeats whole). */
function overflowPieces(
  a: readonly number[], b: readonly number[] | null, excess: number, plan: BatchPlan, where: string,
): Array<[readonly number[], readonly number[] | null]> {
  const second = plan.truncation === 'only_second';
  if (b !== null && plan.truncation === 'longest_first') {
    throw new RangeError(
      `${where}: returnOverflowingTokens with textPair needs truncation 'only_first' or 'only_second', got 'longest_first'`,
    );
  }
  if (second && b === null) throw new RangeError(`${where}: truncation 'only_second' needs textPair`);
  const target = second ? b! : a;
  const size = target.length - excess;
  if (size <= 0) throw tooShort(where, plan, second ? 'the second sequence' : 'the first sequence');
  if (plan.stride >= size) {
    throw new RangeError(
      `${where}: stride must be smaller than the tokens left per chunk (${size} = maxLength ${plan.maxLength} ` +
        `minus special tokens${b !== null ? ' and the other sequence' : ''}), got ${plan.stride}`,
    );
  }
  const windows = overflowWindows(target, size, plan.stride, plan.truncationSide);
  return windows.map((w) => (second ? [a, w] : [w, b]));
}

/** The length every row is padded to, or -1 for no padding. */
export function paddedLength(rows: readonly Row[], plan: BatchPlan): number {
  if (plan.padding === 'none') return -1;
  let length = plan.padding === 'max_length' ? plan.maxLength! : rows.reduce((m, r) => Math.max(m, r.ids.length), 0);
  const m = plan.padToMultipleOf;
  if (m !== undefined && length % m !== 0) length = (Math.floor(length / m) + 1) * m;
  return length;
}

/** Pads `row` to `length` with `value` on `side`; longer rows are left as they are. */
export function padRow(row: readonly number[], length: number, value: number, side: Side): number[] {
  const missing = length - row.length;
  if (missing <= 0) return row.slice();
  const fill = new Array<number>(missing).fill(value);
  return side === 'right' ? row.concat(fill) : fill.concat(row);
}

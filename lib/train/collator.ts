// Data collators: a list of Examples (plain number arrays) → one batch of tensors.
// DataCollatorWithPadding pads each batch to its own longest row (dynamic padding, transformers'
// default collator when a tokenizer is given); DataCollatorForLanguageModeling (mlm=false) also
// builds causal-LM labels from the ids, with pads set to -100.
import { tensor } from '../creation';
import type { Example } from '../data/types';
import type { Tensor } from '../tensor';
import { expectInt, expectOneOf, expectOptions, invalid } from '../validate';

export interface Batch {
  inputIds: Tensor;
  attentionMask: Tensor;
  tokenTypeIds?: Tensor;
  labels?: Tensor;
  /** Tokens in inputIds, padding included (transformers counts these for total_flos). */
  numTokens: number;
}

/** Frees a batch's tensors. */
export function disposeBatch(batch: Batch): void {
  for (const t of [batch.inputIds, batch.attentionMask, batch.tokenTypeIds, batch.labels]) t?.dispose();
}

export type DataCollator = (rows: Example[]) => Batch;

export interface PaddingOptions {
  /** The pad id (tokenizer.padTokenId); default 0, BERT's [PAD]. */
  padTokenId?: number;
  /** 'longest' (dynamic, the default) or 'max_length' (every batch padded to maxLength). */
  padding?: 'longest' | 'max_length';
  maxLength?: number;
  /** Rounds the padded length up to a multiple (8 suits tensor cores). */
  padToMultipleOf?: number | null;
  paddingSide?: 'right' | 'left';
  /** Tensor type of scalar/vector labels: int64 for classification, float32 for regression or multi-label. */
  labelDtype?: 'int64' | 'float32';
  /** A tokenizer to take padTokenId and paddingSide from. */
  tokenizer?: { padTokenId?: number | null; paddingSide?: 'right' | 'left' };
}

const PADDING_KEYS = ['padTokenId', 'padding', 'maxLength', 'padToMultipleOf', 'paddingSide', 'labelDtype', 'tokenizer'] as const;

interface Resolved { padTokenId: number; padding: 'longest' | 'max_length'; maxLength?: number; multiple: number | null; side: 'right' | 'left'; labelDtype: 'int64' | 'float32' }

function resolve(where: string, options: PaddingOptions | undefined): Resolved {
  const o = expectOptions(where, options, PADDING_KEYS);
  const padding = o.padding === undefined ? 'longest' : expectOneOf(`${where}.padding`, o.padding, ['longest', 'max_length'] as const);
  if (padding === 'max_length' && o.maxLength === undefined) invalid(`${where}.maxLength`, "a length (padding: 'max_length' needs it)", undefined);
  return {
    padTokenId: expectInt(`${where}.padTokenId`, o.padTokenId ?? o.tokenizer?.padTokenId ?? 0, 0),
    padding,
    maxLength: o.maxLength === undefined ? undefined : expectInt(`${where}.maxLength`, o.maxLength, 1),
    multiple: o.padToMultipleOf == null ? null : expectInt(`${where}.padToMultipleOf`, o.padToMultipleOf, 1),
    side: expectOneOf(`${where}.paddingSide`, o.paddingSide ?? o.tokenizer?.paddingSide ?? 'right', ['right', 'left'] as const),
    labelDtype: expectOneOf(`${where}.labelDtype`, o.labelDtype ?? 'int64', ['int64', 'float32'] as const),
  };
}

function paddedLength(rows: Example[], r: Resolved): number {
  let length = r.padding === 'max_length' ? r.maxLength! : Math.max(...rows.map((x) => x.inputIds.length));
  if (r.multiple) length = Math.ceil(length / r.multiple) * r.multiple;
  return length;
}

function pad(values: number[], length: number, value: number, side: 'right' | 'left', where: string): number[] {
  if (values.length > length) throw new RangeError(`${where}: a row has ${values.length} tokens, more than the padded length ${length} (truncate it, or raise maxLength)`);
  const fill = new Array<number>(length - values.length).fill(value);
  return side === 'right' ? [...values, ...fill] : [...fill, ...values];
}

function checkRows(where: string, rows: Example[]): void {
  if (!Array.isArray(rows) || rows.length === 0) invalid(`${where}(rows)`, 'a non-empty array of examples', rows);
  rows.forEach((row, i) => {
    if (!row || !Array.isArray(row.inputIds) || row.inputIds.length === 0) invalid(`${where}: row ${i}.inputIds`, 'a non-empty array of token ids', row?.inputIds);
  });
}

/** Labels of a batch: one number per row, or a fixed-length vector per row (multi-label). */
function labelTensor(rows: Example[], dtype: 'int64' | 'float32', where: string): Tensor | undefined {
  if (rows.every((x) => x.labels === undefined)) return undefined;
  const labels = rows.map((x, i) => (x.labels === undefined ? invalid(`${where}: row ${i}.labels`, 'labels (other rows of the batch have them)', undefined) : x.labels));
  return tensor(labels as number[] | number[][], { dtype });
}

/** transformers' DataCollatorWithPadding: pads inputIds, attentionMask and tokenTypeIds per batch. */
export function dataCollatorWithPadding(options?: PaddingOptions): DataCollator {
  const r = resolve('DataCollatorWithPadding', options);
  return (rows) => {
    checkRows('DataCollatorWithPadding', rows);
    const length = paddedLength(rows, r);
    const ids = rows.map((x) => pad(x.inputIds, length, r.padTokenId, r.side, 'DataCollatorWithPadding'));
    const mask = rows.map((x) => pad(x.attentionMask ?? x.inputIds.map(() => 1), length, 0, r.side, 'DataCollatorWithPadding'));
    const batch: Batch = { inputIds: tensor(ids, { dtype: 'int64' }), attentionMask: tensor(mask, { dtype: 'int64' }), numTokens: rows.length * length };
    if (rows.some((x) => x.tokenTypeIds)) batch.tokenTypeIds = tensor(rows.map((x) => pad(x.tokenTypeIds ?? x.inputIds.map(() => 0), length, 0, r.side, 'DataCollatorWithPadding')), { dtype: 'int64' });
    const labels = labelTensor(rows, r.labelDtype, 'DataCollatorWithPadding');
    if (labels) batch.labels = labels;
    return batch;
  };
}

/**
 * transformers' DataCollatorForLanguageModeling(mlm=False): pads the ids, and labels are the ids
 * with every pad position set to -100 (the model shifts them; -100 is ignored by the loss).
 */
export function dataCollatorForLanguageModeling(options?: Omit<PaddingOptions, 'labelDtype'>): DataCollator {
  const r = resolve('DataCollatorForLanguageModeling', options);
  return (rows) => {
    checkRows('DataCollatorForLanguageModeling', rows);
    const length = paddedLength(rows, r);
    const ids = rows.map((x) => pad(x.inputIds, length, r.padTokenId, r.side, 'DataCollatorForLanguageModeling'));
    const mask = rows.map((x) => pad(x.attentionMask ?? x.inputIds.map(() => 1), length, 0, r.side, 'DataCollatorForLanguageModeling'));
    const labels = ids.map((row) => row.map((id) => (id === r.padTokenId ? -100 : id)));
    return {
      inputIds: tensor(ids, { dtype: 'int64' }), attentionMask: tensor(mask, { dtype: 'int64' }),
      labels: tensor(labels, { dtype: 'int64' }), numTokens: rows.length * length,
    };
  };
}

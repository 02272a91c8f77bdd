// What the Trainer, the collators and the data readers exchange: examples of plain numbers, so
// that data sets can be built, stored and streamed without any native handle.

/** One training or evaluation example: token ids as plain number arrays (the tokenizer's output). */
export interface Example {
  inputIds: number[];
  attentionMask?: number[];
  tokenTypeIds?: number[];
  /**
   * A class id (single-label classification), a float (regression), a vector (multi-label), or
   * per-token ids for language modelling (-100 = ignored, as transformers).
   */
  labels?: number | number[];
  /** Other columns (text, ids, ...) travel along and are dropped by removeUnusedColumns. */
  [column: string]: unknown;
}

/**
 * A data set: an array (random access: the Trainer shuffles it with transformers' sampler) or an
 * async iterable (streamed in order, for corpora larger than memory).
 */
export type Dataset<E extends Example = Example> = readonly E[] | AsyncIterable<E>;

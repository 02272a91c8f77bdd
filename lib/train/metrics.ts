// Metrics for computeMetrics, with scikit-learn's definitions: accuracy, precision / recall / F1
// per class and averaged (macro, micro, weighted), scikit-learn's zero_division behaviour, the
// confusion matrix; perplexity for causal language models.
import type { Tensor } from '../tensor';
import { expectOneOf, invalid } from '../validate';

/** What computeMetrics receives, as transformers' EvalPrediction: logits and labels, on the CPU. */
export interface EvalPrediction {
  predictions: Tensor;
  labelIds: Tensor | null;
}

export type Average = 'macro' | 'micro' | 'weighted' | null;
/** scikit-learn's zero_division: 'warn' (0, with a warning), 0, 1, or NaN. */
export type ZeroDivision = 'warn' | 0 | 1 | number;

function checkPair(yTrue: readonly number[], yPred: readonly number[], where: string): void {
  if (!Array.isArray(yTrue) || !Array.isArray(yPred)) invalid(`${where}(yTrue, yPred)`, 'two arrays of labels', [yTrue, yPred]);
  if (yTrue.length !== yPred.length) throw new RangeError(`${where}: yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  if (yTrue.length === 0) throw new RangeError(`${where}: no labels`);
}

/** scikit-learn's unique_labels: the sorted union of the labels in both arrays. */
function uniqueLabels(yTrue: readonly number[], yPred: readonly number[]): number[] {
  return [...new Set([...yTrue, ...yPred])].sort((a, b) => a - b);
}

export function accuracyScore(yTrue: readonly number[], yPred: readonly number[]): number {
  checkPair(yTrue, yPred, 'accuracyScore');
  return yTrue.reduce((n, y, i) => n + (y === yPred[i] ? 1 : 0), 0) / yTrue.length;
}

/** Rows: true labels, columns: predicted labels, in the order of `labels` (default: sorted union). */
export function confusionMatrix(yTrue: readonly number[], yPred: readonly number[], labels?: number[]): number[][] {
  checkPair(yTrue, yPred, 'confusionMatrix');
  const order = labels ?? uniqueLabels(yTrue, yPred);
  const index = new Map(order.map((l, i) => [l, i]));
  const m = order.map(() => order.map(() => 0));
  yTrue.forEach((y, i) => {
    const r = index.get(y);
    const c = index.get(yPred[i]);
    if (r !== undefined && c !== undefined) m[r][c] += 1;
  });
  return m;
}

function divide(num: number, den: number, zeroDivision: ZeroDivision, what: string, warned: Set<string>): number {
  if (den !== 0) return num / den;
  if (zeroDivision === 'warn') {
    if (!warned.has(what)) {
      warned.add(what);
      console.warn(`UndefinedMetricWarning: ${what} is ill-defined and being set to 0.0 in labels with no ${what === 'Recall' ? 'true' : 'predicted'} samples. Use zeroDivision to control this behavior.`);
    }
    return 0;
  }
  return zeroDivision;
}

export interface PrfOptions {
  average?: Average;
  labels?: number[];
  zeroDivision?: ZeroDivision;
  beta?: number;
}

export interface Prf {
  precision: number | number[];
  recall: number | number[];
  fbeta: number | number[];
  /** Per class; null when averaged (as scikit-learn returns None). */
  support: number[] | null;
}

/** scikit-learn's precision_recall_fscore_support. */
export function precisionRecallFscoreSupport(yTrue: readonly number[], yPred: readonly number[], options: PrfOptions = {}): Prf {
  checkPair(yTrue, yPred, 'precisionRecallFscoreSupport');
  const average = options.average === undefined ? null : expectOneOf('average', options.average ?? 'none', ['macro', 'micro', 'weighted', 'none'] as const);
  const avg = average === 'none' ? null : average;
  const zd = options.zeroDivision ?? 'warn';
  const beta2 = (options.beta ?? 1) ** 2;
  const labels = options.labels ?? uniqueLabels(yTrue, yPred);
  const count = (pred: (l: number, i: number) => boolean) => labels.map((l) => yTrue.reduce((n, _, i) => n + (pred(l, i) ? 1 : 0), 0));
  let tp = count((l, i) => yTrue[i] === l && yPred[i] === l);
  let predicted = count((l, i) => yPred[i] === l);
  let actual = count((l, i) => yTrue[i] === l);
  if (avg === 'micro') [tp, predicted, actual] = [tp, predicted, actual].map((a) => [a.reduce((x, y) => x + y, 0)]);
  const warned = new Set<string>();
  const p = tp.map((t, i) => divide(t, predicted[i], zd, 'Precision', warned));
  const r = tp.map((t, i) => divide(t, actual[i], zd, 'Recall', warned));
  // scikit-learn >= 1.3: F = (1 + b²)·tp / ((1 + b²)·tp + b²·fn + fp), ill-defined when that is 0.
  const f = tp.map((t, i) => divide((1 + beta2) * t, (1 + beta2) * t + beta2 * (actual[i] - t) + (predicted[i] - t), zd, 'F-score', warned));
  if (avg === null) return { precision: p, recall: r, fbeta: f, support: actual };
  const weights = avg === 'weighted' ? actual : p.map(() => 1);
  const total = weights.reduce((x, y) => x + y, 0);
  const mean = (v: number[]) => (total === 0 ? (zd === 'warn' ? 0 : zd) : v.reduce((s, x, i) => s + x * weights[i], 0) / total);
  return { precision: mean(p), recall: mean(r), fbeta: mean(f), support: null };
}

export function precisionScore(yTrue: readonly number[], yPred: readonly number[], options?: PrfOptions): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, options).precision;
}
export function recallScore(yTrue: readonly number[], yPred: readonly number[], options?: PrfOptions): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, options).recall;
}
export function f1Score(yTrue: readonly number[], yPred: readonly number[], options?: Omit<PrfOptions, 'beta'>): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, { ...options, beta: 1 }).fbeta;
}

/** exp(mean cross-entropy): the perplexity of a causal LM from its eval loss. */
export function perplexity(evalLoss: number): number {
  return Math.exp(evalLoss);
}

/** The predicted class of each row of classification logits [N, C]. */
export function argmaxRows(logits: Tensor): number[] {
  const t = logits.argmax(-1);
  const out = Array.from(t.toTypedArray() as BigInt64Array, Number);
  t.dispose();
  return out;
}

/**
 * A computeMetrics for sequence classification: accuracy, and precision, recall and F1 with the
 * given average (default macro, as the original TweetEval write-up reports).
 */
export function classificationMetrics(options: { average?: Exclude<Average, null>; zeroDivision?: ZeroDivision } = {}) {
  return (p: EvalPrediction): Record<string, number> => {
    if (!p.labelIds) throw new Error('classificationMetrics: the evaluation data has no labels');
    const yPred = argmaxRows(p.predictions);
    const yTrue = Array.from(p.labelIds.toTypedArray() as ArrayLike<number | bigint>, Number);
    const prf = precisionRecallFscoreSupport(yTrue, yPred, { average: options.average ?? 'macro', zeroDivision: options.zeroDivision ?? 0 });
    return { accuracy: accuracyScore(yTrue, yPred), precision: prf.precision as number, recall: prf.recall as number, f1: prf.fbeta as number };
  };
}

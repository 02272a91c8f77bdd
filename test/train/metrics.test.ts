// Metrics against values worked out by hand with scikit-learn's definitions.
// yTrue = [0,0,0,1,1,2,2,2,2,2], yPred = [0,1,0,1,2,2,2,0,2,1]:
//   class 0: tp 2, predicted 3, actual 3 → P 2/3, R 2/3, F1 2/3
//   class 1: tp 1, predicted 3, actual 2 → P 1/3, R 1/2, F1 2·1/(2·1+2+1) = 0.4
//   class 2: tp 3, predicted 4, actual 5 → P 3/4, R 3/5, F1 6/(6+1+2) = 2/3
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { accuracyScore, classificationMetrics, confusionMatrix, f1Score, perplexity, precisionRecallFscoreSupport } from '../../lib';

const yTrue = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2];
const yPred = [0, 1, 0, 1, 2, 2, 2, 0, 2, 1];
const close = (a: number, b: number) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThan(1e-12);

describe('classification metrics (scikit-learn definitions)', () => {
  it('accuracy is 6/10', () => close(accuracyScore(yTrue, yPred), 0.6));

  it('per-class precision, recall, F1 and support', () => {
    const r = precisionRecallFscoreSupport(yTrue, yPred);
    (r.precision as number[]).forEach((v, i) => close(v, [2 / 3, 1 / 3, 3 / 4][i]));
    (r.recall as number[]).forEach((v, i) => close(v, [2 / 3, 1 / 2, 3 / 5][i]));
    (r.fbeta as number[]).forEach((v, i) => close(v, [2 / 3, 0.4, 2 / 3][i]));
    expect(r.support).toEqual([3, 2, 5]);
  });

  it('macro, micro and weighted averages', () => {
    const macro = precisionRecallFscoreSupport(yTrue, yPred, { average: 'macro' });
    close(macro.precision as number, (2 / 3 + 1 / 3 + 3 / 4) / 3);
    close(macro.recall as number, (2 / 3 + 1 / 2 + 3 / 5) / 3);
    close(macro.fbeta as number, (2 / 3 + 0.4 + 2 / 3) / 3);
    expect(macro.support).toBeNull();
    const micro = precisionRecallFscoreSupport(yTrue, yPred, { average: 'micro' });
    [micro.precision, micro.recall, micro.fbeta].forEach((v) => close(v as number, 0.6));
    const weighted = precisionRecallFscoreSupport(yTrue, yPred, { average: 'weighted' });
    close(weighted.precision as number, (3 * (2 / 3) + 2 * (1 / 3) + 5 * (3 / 4)) / 10);
    close(weighted.recall as number, 0.6);
    close(weighted.fbeta as number, (3 * (2 / 3) + 2 * 0.4 + 5 * (2 / 3)) / 10);
  });

  it('zero division: labels never predicted or never present take zeroDivision (0 with a warning by default)', () => {
    // yTrue [0,0], yPred [0,1], labels [0,1,2]: class 1 has no true samples (recall 0/0), class 2 none at all.
    const one = precisionRecallFscoreSupport([0, 0], [0, 1], { labels: [0, 1, 2], zeroDivision: 1 });
    expect(one.precision).toEqual([1, 0, 1]);
    expect(one.recall).toEqual([0.5, 1, 1]);
    (one.fbeta as number[]).forEach((v, i) => close(v, [2 / 3, 0, 1][i]));
    const zero = precisionRecallFscoreSupport([0, 0], [0, 1], { labels: [0, 1, 2], zeroDivision: 0, average: 'macro' });
    close(zero.fbeta as number, (2 / 3) / 3);
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (m: string) => warnings.push(m);
    try {
      expect(f1Score([0, 0], [0, 1], { labels: [0, 1, 2] })).toEqual([2 / 3, 0, 0]);
    } finally {
      console.warn = original;
    }
    expect(warnings.some((w) => w.startsWith('UndefinedMetricWarning: F-score is ill-defined'))).toBe(true);
  });

  it('confusion matrix: rows are true labels, columns predictions', () => {
    expect(confusionMatrix(yTrue, yPred)).toEqual([[2, 1, 0], [0, 1, 1], [1, 1, 3]]);
    expect(confusionMatrix([1, 2], [2, 2], [2, 1])).toEqual([[1, 0], [1, 0]]);
  });

  it('perplexity is exp(eval loss)', () => close(perplexity(Math.log(42)), 42));

  it('mismatched lengths are errors that give both lengths', () => {
    expect(() => accuracyScore([1, 2], [1])).toThrow(/yTrue has 2 labels but yPred has 1/);
  });

  it('classificationMetrics reads logits and labels: accuracy and macro precision/recall/F1', () => {
    const logits = torch.tensor(yPred.map((p) => [0, 1, 2].map((c) => (c === p ? 3 : 0))));
    const m = classificationMetrics()({ predictions: logits, labelIds: torch.tensor(yTrue, { dtype: 'int64' }) });
    close(m.accuracy, 0.6);
    close(m.f1, (2 / 3 + 0.4 + 2 / 3) / 3);
    close(m.precision, (2 / 3 + 1 / 3 + 3 / 4) / 3);
  });

  it('sorts the labels as numbers (10 after 2), and ignores labels outside an explicit list', () => {
    expect(confusionMatrix([10, 2, 2], [2, 10, 2])).toEqual([[1, 1], [1, 0]]);
    expect(confusionMatrix([0, 1, 7], [0, 7, 7], [0, 1])).toEqual([[1, 0], [0, 0]]);
    expect(precisionRecallFscoreSupport([10, 2, 2], [10, 2, 10]).support).toEqual([2, 1]);  // labels [2, 10]
  });

  it('names the function and the fault for non-arrays, empty input and mismatched lengths', () => {
    expect(() => accuracyScore('01' as never, [0, 1])).toThrow(/accuracyScore\(yTrue, yPred\).*two arrays of labels/);
    expect(() => confusionMatrix([0, 1], null as never)).toThrow(/confusionMatrix\(yTrue, yPred\)/);
    expect(() => f1Score([], [])).toThrow('precisionRecallFscoreSupport: no labels');
    expect(() => precisionRecallFscoreSupport([0], [0, 1])).toThrow('precisionRecallFscoreSupport: yTrue has 1 labels but yPred has 2');
    expect(() => precisionRecallFscoreSupport([0], [0], { average: 'binary' as never })).toThrow(/average/);
  });

  it("takes average 'none' as no average, and warns once per metric with scikit-learn's words", () => {
    const none = precisionRecallFscoreSupport(yTrue, yPred, { average: 'none' as never });
    expect(none.support).toEqual([3, 2, 5]);
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (m: string) => warnings.push(m);
    try {
      // Class 1 is never predicted (precision 0/0) and class 2 never true (recall 0/0), twice each.
      precisionRecallFscoreSupport([0, 1, 1, 0], [0, 2, 2, 0], { labels: [0, 1, 2] });
    } finally {
      console.warn = original;
    }
    expect(warnings).toEqual([
      'UndefinedMetricWarning: Precision is ill-defined and being set to 0.0 in labels with no predicted samples. Use zeroDivision to control this behavior.',
      'UndefinedMetricWarning: Recall is ill-defined and being set to 0.0 in labels with no true samples. Use zeroDivision to control this behavior.',
    ]);
  });

  it('classificationMetrics refuses evaluation data without labels', () => {
    expect(() => classificationMetrics()({ predictions: torch.tensor([[0, 1]]), labelIds: null })).toThrow('classificationMetrics: the evaluation data has no labels');
  });
});


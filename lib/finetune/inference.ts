// Evaluation and prediction with a Trainer, outside training: the same batching, collator and
// evaluation loop as during training, so a saved model predicts exactly what it predicted there.
import type { Example } from '../data/types';
import type { Device } from '../dtype';
import { tokenizeForClassification, effectiveMaxLength } from '../data/tokenize';
import type { PreTrainedModel } from '../models/pretrained';
import type { PeftModel } from '../peft/peft-model';
import type { Tensor } from '../tensor';
import { classificationMetrics, perplexity } from '../train/metrics';
import { Trainer } from '../train/trainer';
import { TrainingArguments } from '../train/training-args';
import type { AnyTokenizer } from '../tokenizers/auto';
import type { Task } from './task';

export interface InferenceOptions {
  batchSize?: number;
  device?: Device;
  bf16?: boolean;
}

/** A Trainer that only evaluates and predicts; reportTo 'none': evaluating writes nothing. */
export function inferenceTrainer(model: PreTrainedModel | PeftModel, task: Task, tokenizer: AnyTokenizer, o: InferenceOptions = {}): Trainer {
  const args = new TrainingArguments({
    outputDir: '.', disableTqdm: true, perDeviceEvalBatchSize: o.batchSize ?? 8, device: o.device ?? 'cpu', bf16: o.bf16 ?? false, reportTo: ['none'],
  });
  const trainer = new Trainer({
    model, args, tokenizer: { padTokenId: tokenizer.padTokenId ?? 0, paddingSide: tokenizer.paddingSide },
    ...(task === 'sequence-classification' ? { computeMetrics: classificationMetrics() } : {}),
  });
  return trainer;
}

/** run_clm.py's perplexity: exp(eval_loss), infinite when that overflows. */
export function withPerplexity(metrics: Record<string, number>, prefix = 'eval'): Record<string, number> {
  const loss = metrics[`${prefix}_loss`];
  return loss === undefined ? metrics : { ...metrics, [`${prefix}_perplexity`]: perplexity(loss) };
}

/** Softmax of each row of classification logits [N, C], as plain numbers. */
export function rowProbabilities(logits: Tensor): number[][] {
  const probs = logits.float().softmax(-1);
  const flat = Array.from(probs.toTypedArray() as Float32Array);
  probs.dispose();
  const [n, c] = logits.shape;
  return Array.from({ length: n }, (_, i) => flat.slice(i * c, (i + 1) * c));
}

export interface Prediction {
  label: string;
  labelId: number;
  /** Probability of each class, by label name. */
  probabilities: Record<string, number>;
}

export function toPredictions(probs: number[][], id2label: Record<number, string>): Prediction[] {
  return probs.map((row) => {
    let best = 0;
    row.forEach((p, i) => { if (p > row[best]) best = i; });
    return { label: id2label[best] ?? String(best), labelId: best, probabilities: Object.fromEntries(row.map((p, i) => [id2label[i] ?? String(i), p])) };
  });
}

/** Classification predictions for raw texts (tokenized as the training data was: truncated, not padded). */
export async function predictTexts(trainer: Trainer, tokenizer: AnyTokenizer, texts: string[], id2label: Record<number, string>, maxLength?: number): Promise<Prediction[]> {
  if (texts.length === 0) return [];
  const rows: Example[] = tokenizeForClassification(tokenizer, texts, null, texts.map(() => 0), effectiveMaxLength(tokenizer, maxLength));
  for (const r of rows) delete r.labels;
  return predictRows(trainer, rows, id2label);
}

/** Classification predictions for tokenized rows (their labels, if any, are ignored). */
export async function predictRows(trainer: Trainer, rows: Example[], id2label: Record<number, string>): Promise<Prediction[]> {
  const out = await trainer.predict(rows.map(({ labels: _labels, ...r }) => r));
  if (!out.predictions) throw new Error('the model returned no logits');
  const probs = rowProbabilities(out.predictions);
  out.predictions.dispose();
  out.labelIds?.dispose();
  return toPredictions(probs, id2label);
}

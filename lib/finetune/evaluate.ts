// Evaluating a saved model (or base + adapter) on a data set: accuracy, precision, recall and F1
// (macro) for classification; eval loss and perplexity for causal LM.
import { loadTaskData, type DataOptions } from './data';
import { inferenceTrainer, withPerplexity, type InferenceOptions } from './inference';
import { loadForUse, type LoadForUseOptions } from './load';
import type { Task } from './task';

export interface EvaluateOptions extends LoadForUseOptions, InferenceOptions {
  data: DataOptions;
}

export interface Evaluation {
  task: Task;
  metrics: Record<string, number>;
  /** What was evaluated on. */
  describe: string;
}

export async function evaluateModel(o: EvaluateOptions): Promise<Evaluation> {
  const loaded = await loadForUse(o);
  // Evaluation rows take the model's class ids, so that "positive" is the class it was trained on.
  const data = await loadTaskData(loaded.task, { ...o.data, ...(loaded.labels ? { labelNames: loaded.labels.id2label } : {}) }, loaded.tokenizer, false);
  if (!data.eval) throw new Error('no evaluation data: pass --eval-file FILE, or --data-dir DIR with --eval-split NAME (--hold-out FILE for texts)');
  const trainer = inferenceTrainer(loaded.model, loaded.task, loaded.tokenizer, o);
  const metrics = await trainer.evaluate({ evalDataset: data.eval });
  return { task: loaded.task, metrics: loaded.task === 'causal-lm' ? withPerplexity(metrics) : metrics, describe: data.describe };
}

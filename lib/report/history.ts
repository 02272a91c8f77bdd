// The series a training report plots, read from the Trainer's log history (log.jsonl /
// trainer_state.json's log_history): training loss and learning rate at every logging step, and
// every evaluation metric at every evaluation.

export type LogEntry = Record<string, number>;

export interface Series {
  /** The log key ('loss', 'learning_rate', 'eval_loss', ...). */
  key: string;
  steps: number[];
  values: number[];
}

// Wall-clock figures of an evaluation, not metrics of the model.
const EVAL_TIMING = /_(runtime|samples_per_second|steps_per_second)$/;

/**
 * The values of `key` by step. One point per step, the last logged: the final evaluation after
 * training repeats the one at the last step when that step was an evaluation step.
 */
function collect(history: readonly LogEntry[], key: string, where: (e: LogEntry) => boolean): Series {
  const byStep = new Map<number, number>();
  for (const e of history) if (where(e) && typeof e[key] === 'number' && Number.isFinite(e[key]) && typeof e.step === 'number') byStep.set(e.step, e[key]);
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  return { key, steps, values: steps.map((s) => byStep.get(s)!) };
}

/** Training loss per logging step (entries with learning_rate: the final train_loss entry is not one). */
export function lossSeries(history: readonly LogEntry[]): Series {
  return collect(history, 'loss', (e) => e.learning_rate !== undefined);
}

export function learningRateSeries(history: readonly LogEntry[]): Series {
  return collect(history, 'learning_rate', () => true);
}

/** One series per evaluation metric (eval_loss, eval_accuracy, eval_f1, ...), in first-seen order. */
export function evalSeries(history: readonly LogEntry[]): Series[] {
  const keys: string[] = [];
  for (const e of history) for (const k of Object.keys(e)) if (k.startsWith('eval_') && !EVAL_TIMING.test(k) && !keys.includes(k)) keys.push(k);
  return keys.map((k) => collect(history, k, () => true));
}

/** The entries of a log.jsonl file's text (blank lines skipped; a bad line names its number). */
export function parseLogJsonl(text: string, file = 'log.jsonl'): LogEntry[] {
  return text.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      throw new Error(`${file}:${i + 1}: not a JSON object; the file is damaged (delete the line or the file)`);
    }
  });
}

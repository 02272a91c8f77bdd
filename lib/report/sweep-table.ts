// The table of a sweep, as the original write-up laid it out: one row per method (full, top-N)
// or LoRA rank, with the quality metrics, trainable parameters, wall time, peak RSS and the size
// of what training leaves on disk — as Markdown (to read) and CSV (to process).
import { formatBytes, formatCount, formatMetric, formatSeconds } from './format';

export interface SweepRow {
  /** The run's name and folder: 'full', 'top1', 'lora-r8', ... */
  run: string;
  method: string;
  /** The LoRA rank; null for other methods. */
  r: number | null;
  /** Final evaluation metrics (eval_loss, eval_f1, eval_perplexity, ...). */
  metrics: Record<string, number>;
  trainableParams: number;
  allParams: number;
  wallSeconds: number;
  peakRssBytes: number;
  /** Bytes of the adapter files (LoRA) or of the saved model (full, top-N). */
  savedBytes: number;
}

/** The metric columns: precision and F1 for classification, eval loss and perplexity for causal LM. */
export function metricColumns(rows: readonly SweepRow[]): [string, string][] {
  const classification = rows.some((r) => r.metrics.eval_f1 !== undefined);
  return classification ? [['eval_precision', 'Precision'], ['eval_f1', 'F1 (macro)']] : [['eval_loss', 'Eval loss'], ['eval_perplexity', 'Perplexity']];
}

function cells(row: SweepRow, metrics: [string, string][]): { text: string[]; raw: (string | number)[] } {
  const m = metrics.map(([k]) => row.metrics[k]);
  return {
    text: [row.method, row.r === null ? '' : String(row.r), ...m.map(formatMetric), formatCount(row.trainableParams),
      formatSeconds(row.wallSeconds), formatBytes(row.peakRssBytes), formatBytes(row.savedBytes)],
    raw: [row.run, row.method, row.r ?? '', ...m.map((v) => (v === undefined ? '' : v)), row.trainableParams, row.allParams,
      row.wallSeconds, row.peakRssBytes, row.savedBytes],
  };
}

export function sweepMarkdown(rows: readonly SweepRow[]): string {
  const metrics = metricColumns(rows);
  const head = ['Method', 'r', ...metrics.map(([, label]) => label), 'Trainable params', 'Wall time', 'Peak RSS', 'Saved size'];
  const align = head.map((_, i) => (i < 2 ? '---' : '---:'));
  const lines = [head, align, ...rows.map((r) => cells(r, metrics).text)].map((c) => `| ${c.join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

const csvCell = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function sweepCsv(rows: readonly SweepRow[]): string {
  const metrics = metricColumns(rows);
  const head = ['run', 'method', 'r', ...metrics.map(([k]) => k), 'trainable_params', 'all_params', 'wall_seconds', 'peak_rss_bytes', 'saved_bytes'];
  return `${[head, ...rows.map((r) => cells(r, metrics).raw)].map((c) => c.map(csvCell).join(',')).join('\n')}\n`;
}

// The loss curve as a small line chart of text (asciichart), printed at the end of a run.
import { plot } from 'asciichart';
import { lossSeries, type LogEntry } from './history';

/** Averages consecutive values into at most `width` points, so a long run still fits a terminal line. */
export function downsample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * values.length) / width);
    const to = Math.floor(((i + 1) * values.length) / width);
    const slice = values.slice(from, Math.max(to, from + 1));
    out.push(slice.reduce((a, b) => a + b, 0) / slice.length);
  }
  return out;
}

/**
 * The training loss of a log history as text ("" with fewer than two logged losses), with the
 * step range underneath.
 */
export function lossChart(history: readonly LogEntry[], options: { width?: number; height?: number } = {}): string {
  const s = lossSeries(history);
  if (s.values.length < 2) return '';
  const points = downsample(s.values, options.width ?? 60);
  const chart = plot(points, { height: options.height ?? 8, format: (x: number) => x.toFixed(3).padStart(8) });
  return `${chart}\n${' '.repeat(10)}training loss, steps ${s.steps[0]}..${s.steps[s.steps.length - 1]} (${s.values.length} logged)`;
}

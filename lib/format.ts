// Tensor.toString() in PyTorch's style (torch/_tensor_str.py, default print options:
// precision 4, summarize past 1000 elements with 3 edge items, line width 80).
import type { DType } from './dtype';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;

type Cell = number | boolean | bigint;

function formatterFor(values: Cell[], dtype: DType): (v: Cell) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (!['float32', 'float64', 'float16', 'bfloat16'].includes(dtype)) return (v) => String(v);
  const finite = (values as number[]).filter((v) => Number.isFinite(v));
  const abs = finite.map(Math.abs).filter((v) => v !== 0);
  const intMode = finite.every((v) => Number.isInteger(v));
  const max = abs.length ? Math.max(...abs) : 0;
  const min = abs.length ? Math.min(...abs) : 0;
  const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : null);
  if (intMode) {
    if (max > 1e8) return (v) => special(v as number) ?? (v as number).toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
    return (v) => special(v as number) ?? `${(v as number).toFixed(0)}.`;
  }
  if (max / min > 1000 || max > 1e8 || min < 1e-4) {
    return (v) => special(v as number) ?? (v as number).toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return (v) => special(v as number) ?? (v as number).toFixed(PRECISION);
}

function pick<X>(items: X[], summarize: boolean): (X | null)[] {
  return summarize && items.length > 2 * EDGE ? [...items.slice(0, EDGE), null, ...items.slice(-EDGE)] : items;
}

/** Renders nested data the way PyTorch does: aligned columns, one row per line, ... when large. */
export function formatTensor(flat: Cell[], shape: number[], dtype: DType, suffix: string[]): string {
  const summarize = flat.length > THRESHOLD;
  const shown: Cell[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const walk = (dim: number, offset: number): void => {
    if (dim === shape.length) { shown.push(flat[offset]); return; }
    for (const i of pick([...Array(shape[dim]).keys()], summarize)) if (i !== null) walk(dim + 1, offset + i * strides[dim]);
  };
  walk(0, 0);
  const fmt = formatterFor(shown, dtype);
  const width = Math.max(1, ...shown.map((v) => fmt(v).length));
  const indent = 'tensor('.length;
  const render = (dim: number, offset: number): string => {
    if (dim === shape.length) return fmt(flat[offset]).padStart(width);
    const last = dim === shape.length - 1;
    // PyTorch's own quirk: a summarized row's ellipsis carries a leading space.
    const parts = pick([...Array(shape[dim]).keys()], summarize).map((i) => (i === null ? (last ? ' ...' : '...') : render(dim + 1, offset + i * strides[dim])));
    if (last) return `[${parts.join(', ')}]`;
    const sep = `,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(indent + dim + 1)}`;
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? fmt(flat[0]) : flat.length === 0 ? '[]' : render(0, 0);
  if (flat.length === 0 && shape.length > 1) suffix = [`size=(${shape.join(', ')})`, ...suffix];
  return `tensor(${[body, ...suffix].join(', ')})`;
}

// A bar chart as a standalone SVG, for comparisons that have no x axis of their own (the
// experiments' questions: which layers, which targets, which seed-averaged method): one bar per
// row with its value written above it, and an error bar when a spread is given. Hand-written like
// sweep-plot.ts, for the same reason: a few dozen lines of SVG need no charting library.
import { escapeXml as esc } from './format';
import { axisLabels, emptySvg, linearY, svgDocument, type Frame } from './svg-frame';

export interface Bar {
  label: string;
  value: number;
  /** Half-width of the error bar (e.g. a standard deviation over seeds); omitted: none. */
  spread?: number;
}

/** Bars from zero (or from the smallest tick below every value when `fromZero` is false). */
export function barSvg(bars: readonly Bar[], o: { title: string; yLabel: string; fromZero?: boolean; width?: number; height?: number; digits?: number }): string {
  const f: Frame = { width: o.width ?? Math.max(360, 90 * bars.length + 100), height: o.height ?? 360, pad: { l: 64, r: 16, t: 36, b: 64 } };
  const { width: W, height: H, pad } = f;
  const shown = bars.filter((b) => Number.isFinite(b.value));
  if (shown.length === 0) return emptySvg(f, o.title, 'no values');
  const tops = shown.map((b) => b.value + (b.spread ?? 0));
  const lows = shown.map((b) => b.value - (b.spread ?? 0));
  const y = linearY(f, o.fromZero === false ? Math.min(...lows) : Math.min(0, ...lows), Math.max(...tops));
  const [y0, y1] = y.domain;
  const sy = y.scale;
  const slot = (W - pad.l - pad.r) / bars.length;
  const marks = bars.map((b, i) => {
    const cx = pad.l + slot * (i + 0.5);
    const label = `<text x="${cx.toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle">${esc(b.label)}</text>`;
    if (!Number.isFinite(b.value)) return `<g class="bar" data-label="${esc(b.label)}">${label}</g>`;
    const [top, base] = [sy(b.value), sy(Math.max(y0, Math.min(0, y1)))];
    const rect = `<rect x="${(cx - slot * 0.3).toFixed(1)}" y="${Math.min(top, base).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${Math.abs(base - top).toFixed(1)}" fill="#1f77b4"/>`;
    const err = b.spread ? `<line x1="${cx.toFixed(1)}" y1="${sy(b.value - b.spread).toFixed(1)}" x2="${cx.toFixed(1)}" y2="${sy(b.value + b.spread).toFixed(1)}" stroke="#333" stroke-width="2"/>` : '';
    const text = `<text x="${cx.toFixed(1)}" y="${(sy(b.value + (b.spread ?? 0)) - 6).toFixed(1)}" text-anchor="middle">${b.value.toFixed(o.digits ?? 4)}</text>`;
    return `<g class="bar" data-label="${esc(b.label)}" data-value="${b.value}">${rect}${err}${text}${label}</g>`;
  });
  return svgDocument(f, o.title, [y.grid, axisLabels(f, o.yLabel), ...marks]);
}

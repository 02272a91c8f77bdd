// Several series of (x, y) points as a standalone SVG line chart, x on a base-2 log axis: the
// experiments' curves over LoRA ranks (r = 1, 2, 4, ... 64), one line per model, so that where
// each curve bottoms out shows at a glance. Hand-written like sweep-plot.ts and bar-plot.ts.
import { escapeXml as esc } from './format';
import { axisLabels, emptySvg, linearY, logX, svgDocument, type Frame } from './svg-frame';

export interface LineSeries {
  label: string;
  /** [x, y] pairs; x > 0 (log axis). Points whose x or y is not finite are left out. */
  points: readonly (readonly [number, number])[];
  /** Circles the point at this x (e.g. the best rank) and writes its value. */
  mark?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

/** One polyline per series over a shared log2 x axis and a linear y axis, with a legend. */
export function lineSvg(series: readonly LineSeries[], o: { title: string; xLabel: string; yLabel: string; width?: number; height?: number; digits?: number }): string {
  // The legend sits between the title and the plot, one line per series, clear of the data.
  const f: Frame = { width: o.width ?? 640, height: o.height ?? 400, pad: { l: 64, r: 24, t: 40 + 16 * series.length, b: 48 } };
  const shown = series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => x > 0 && Number.isFinite(x) && Number.isFinite(y)) }));
  const all = shown.flatMap((s) => s.points);
  if (all.length === 0) return emptySvg(f, o.title, 'no points');
  const ys = all.map(([, y]) => y);
  const { scale: sx, grid: xGrid } = logX(f, 2, all.map(([x]) => x), String);
  const { scale: sy, grid: yGrid } = linearY(f, Math.min(...ys), Math.max(...ys));
  const lines = shown.map((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    const poly = `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`;
    const dots = pts.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}" data-x="${x}" data-y="${y}"/>`).join('');
    const m = pts.find(([x]) => x === s.mark);
    const mark = m ? `<circle class="mark" cx="${sx(m[0]).toFixed(1)}" cy="${sy(m[1]).toFixed(1)}" r="7" fill="none" stroke="${color}" stroke-width="2"/><text x="${(sx(m[0]) + 9).toFixed(1)}" y="${(sy(m[1]) - 8).toFixed(1)}" fill="${color}">${m[1].toFixed(o.digits ?? 4)}</text>` : '';
    const legend = `<text x="${f.pad.l}" y="${40 + 16 * i}" fill="${color}">${esc(s.label)}</text>`;
    return `<g class="series" data-label="${esc(s.label)}">${poly}${dots}${mark}${legend}</g>`;
  });
  return svgDocument(f, o.title, [xGrid, yGrid, axisLabels(f, o.yLabel, o.xLabel), ...lines]);
}

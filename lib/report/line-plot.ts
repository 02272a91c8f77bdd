// Several series of (x, y) points as a standalone SVG line chart, x on a base-2 log axis: the
// experiments' curves over LoRA ranks (r = 1, 2, 4, ... 64), one line per model, so that where
// each curve bottoms out shows at a glance. Hand-written like sweep-plot.ts and bar-plot.ts.
import { escapeXml as esc } from './format';
import { niceTicks } from './sweep-plot';

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
  const [W, H] = [o.width ?? 640, o.height ?? 400];
  // The legend sits between the title and the plot, one line per series, clear of the data.
  const pad = { l: 64, r: 24, t: 40 + 16 * series.length, b: 48 };
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`;
  const title = `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`;
  const shown = series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => x > 0 && Number.isFinite(x) && Number.isFinite(y)) }));
  const all = shown.flatMap((s) => s.points);
  if (all.length === 0) return `${head}<rect width="${W}" height="${H}" fill="white"/>${title}<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no points</text></svg>\n`;
  const lx = all.map(([x]) => Math.log2(x));
  const [x0, x1] = [Math.floor(Math.min(...lx)), Math.max(Math.ceil(Math.max(...lx)), Math.floor(Math.min(...lx)) + 1)];
  const ys = all.map(([, y]) => y);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const [y0, y1] = yt.length > 1 ? [Math.min(yt[0], ...ys), Math.max(yt[yt.length - 1], ...ys)] : [ys[0] - 1, ys[0] + 1];
  const sx = (x: number) => pad.l + ((Math.log2(x) - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const sy = (y: number) => H - pad.b - ((y - y0) / (y1 - y0 || 1)) * (H - pad.t - pad.b);
  const grid: string[] = [];
  for (let e = x0; e <= x1; e++) grid.push(`<line x1="${sx(2 ** e)}" y1="${pad.t}" x2="${sx(2 ** e)}" y2="${H - pad.b}" stroke="#ddd"/><text x="${sx(2 ** e)}" y="${H - pad.b + 16}" text-anchor="middle">${2 ** e}</text>`);
  for (const v of yt) grid.push(`<line x1="${pad.l}" y1="${sy(v)}" x2="${W - pad.r}" y2="${sy(v)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${sy(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`);
  const lines = shown.map((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    const poly = `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`;
    const dots = pts.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}" data-x="${x}" data-y="${y}"/>`).join('');
    const m = pts.find(([x]) => x === s.mark);
    const mark = m ? `<circle class="mark" cx="${sx(m[0]).toFixed(1)}" cy="${sy(m[1]).toFixed(1)}" r="7" fill="none" stroke="${color}" stroke-width="2"/><text x="${(sx(m[0]) + 9).toFixed(1)}" y="${(sy(m[1]) - 8).toFixed(1)}" fill="${color}">${m[1].toFixed(o.digits ?? 4)}</text>` : '';
    const legend = `<text x="${pad.l}" y="${40 + 16 * i}" fill="${color}">${esc(s.label)}</text>`;
    return `<g class="series" data-label="${esc(s.label)}">${poly}${dots}${mark}${legend}</g>`;
  });
  const axes = `<text x="${(pad.l + W - pad.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text><text transform="translate(16 ${(pad.t + H - pad.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`;
  return `${head}<rect width="${W}" height="${H}" fill="white"/>${title}${grid.join('')}${axes}${lines.join('')}</svg>\n`;
}

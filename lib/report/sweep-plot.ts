// The sweep's plot as a standalone SVG: quality (F1, or eval loss for causal LM) against
// trainable parameters on a log axis — LoRA ranks joined by a line, full and top-N fine-tuning
// as separate points — so the trade-off of the table shows at a glance. Written by hand: a few
// dozen lines of SVG need no charting library (and no browser to render them).
import { escapeXml as esc } from './format';
import { metricColumns, type SweepRow } from './sweep-table';

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (lo === hi) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmtParams = (n: number) => (n >= 1e9 ? `${n / 1e9}B` : n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

export function sweepSvg(rows: readonly SweepRow[], options: { width?: number; height?: number } = {}): string {
  const [W, H] = [options.width ?? 640, options.height ?? 400];
  const pad = { l: 64, r: 24, t: 36, b: 48 };
  const [key, label] = metricColumns(rows)[key0(rows)];
  const pts = rows.filter((r) => Number.isFinite(r.metrics[key]) && r.trainableParams > 0);
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`;
  const title = `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(`${label} vs trainable parameters`)}</text>`;
  if (pts.length === 0) return `${head}<rect width="${W}" height="${H}" fill="white"/>${title}<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no finished runs</text></svg>\n`;
  const lx = pts.map((p) => Math.log10(p.trainableParams));
  const ys = pts.map((p) => p.metrics[key]);
  const [x0, x1] = [Math.floor(Math.min(...lx)), Math.ceil(Math.max(...lx)) + (Math.min(...lx) === Math.max(...lx) ? 1 : 0)];
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const [y0, y1] = yt.length > 1 ? [Math.min(yt[0], ...ys), Math.max(yt[yt.length - 1], ...ys)] : [ys[0] - 1, ys[0] + 1];
  const sx = (v: number) => pad.l + ((v - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const sy = (v: number) => H - pad.b - ((v - y0) / (y1 - y0 || 1)) * (H - pad.t - pad.b);
  const grid: string[] = [];
  for (let e = x0; e <= x1; e++) grid.push(`<line x1="${sx(e)}" y1="${pad.t}" x2="${sx(e)}" y2="${H - pad.b}" stroke="#ddd"/><text x="${sx(e)}" y="${H - pad.b + 16}" text-anchor="middle">${fmtParams(10 ** e)}</text>`);
  for (const v of yt) grid.push(`<line x1="${pad.l}" y1="${sy(v)}" x2="${W - pad.r}" y2="${sy(v)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${sy(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`);
  const lora = pts.filter((p) => p.r !== null).sort((a, b) => a.trainableParams - b.trainableParams);
  const line = lora.length > 1 ? `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${lora.map((p) => `${sx(Math.log10(p.trainableParams)).toFixed(1)},${sy(p.metrics[key]).toFixed(1)}`).join(' ')}"/>` : '';
  const marks = pts.map((p) => {
    const [cx, cy] = [sx(Math.log10(p.trainableParams)), sy(p.metrics[key])];
    const color = p.r === null ? '#d62728' : '#1f77b4';
    // LoRA labels above their points, the others below: the two kinds often sit side by side.
    const ly = p.r === null ? cy + 16 : cy - 6;
    return `<g class="point" data-run="${esc(p.run)}" data-value="${p.metrics[key]}" data-params="${p.trainableParams}"><circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4" fill="${color}"/><text x="${(cx + 6).toFixed(1)}" y="${ly.toFixed(1)}" fill="${color}">${esc(p.r === null ? p.method : `r=${p.r}`)}</text></g>`;
  });
  const axes = `<text x="${(pad.l + W - pad.r) / 2}" y="${H - 10}" text-anchor="middle">trainable parameters (log scale)</text><text transform="translate(16 ${(pad.t + H - pad.b) / 2}) rotate(-90)" text-anchor="middle">${esc(label)}</text>`;
  return `${head}<rect width="${W}" height="${H}" fill="white"/>${title}${grid.join('')}${axes}${line}${marks.join('')}</svg>\n`;
}

/** F1 (second column) for classification, eval loss (first) for causal LM. */
function key0(rows: readonly SweepRow[]): number {
  return metricColumns(rows)[0][0] === 'eval_precision' ? 1 : 0;
}

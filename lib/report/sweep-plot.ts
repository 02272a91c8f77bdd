// The sweep's plot as a standalone SVG: quality (F1, or eval loss for causal LM) against
// trainable parameters on a log axis — LoRA ranks joined by a line, full and top-N fine-tuning
// as separate points — so the trade-off of the table shows at a glance. Written by hand: a few
// dozen lines of SVG need no charting library (and no browser to render them).
import { escapeXml as esc } from './format';
import { axisLabels, emptySvg, linearY, logX, svgDocument, type Frame } from './svg-frame';
import { metricColumns, type SweepRow } from './sweep-table';

const fmtParams = (n: number) => (n >= 1e9 ? `${n / 1e9}B` : n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

export function sweepSvg(rows: readonly SweepRow[], options: { width?: number; height?: number } = {}): string {
  const f: Frame = { width: options.width ?? 640, height: options.height ?? 400, pad: { l: 64, r: 24, t: 36, b: 48 } };
  const [key, label] = metricColumns(rows)[key0(rows)];
  const title = `${label} vs trainable parameters`;
  const pts = rows.filter((r) => Number.isFinite(r.metrics[key]) && r.trainableParams > 0);
  if (pts.length === 0) return emptySvg(f, title, 'no finished runs');
  const ys = pts.map((p) => p.metrics[key]);
  const x = logX(f, 10, pts.map((p) => p.trainableParams), fmtParams);
  const y = linearY(f, Math.min(...ys), Math.max(...ys));
  const at = (p: SweepRow) => [x.scale(p.trainableParams), y.scale(p.metrics[key])];
  const lora = pts.filter((p) => p.r !== null).sort((a, b) => a.trainableParams - b.trainableParams);
  const line = lora.length > 1 ? `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${lora.map((p) => at(p).map((v) => v.toFixed(1)).join(',')).join(' ')}"/>` : '';
  const marks = pts.map((p) => {
    const [cx, cy] = at(p);
    const color = p.r === null ? '#d62728' : '#1f77b4';
    // LoRA labels above their points, the others below: the two kinds often sit side by side.
    const ly = p.r === null ? cy + 16 : cy - 6;
    return `<g class="point" data-run="${esc(p.run)}" data-value="${p.metrics[key]}" data-params="${p.trainableParams}"><circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4" fill="${color}"/><text x="${(cx + 6).toFixed(1)}" y="${ly.toFixed(1)}" fill="${color}">${esc(p.r === null ? p.method : `r=${p.r}`)}</text></g>`;
  });
  return svgDocument(f, title, [x.grid, y.grid, axisLabels(f, label, 'trainable parameters (log scale)'), line, ...marks]);
}

/** F1 (second column) for classification, eval loss (first) for causal LM. */
function key0(rows: readonly SweepRow[]): number {
  return metricColumns(rows)[0][0] === 'eval_precision' ? 1 : 0;
}

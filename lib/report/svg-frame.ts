// The frame the hand-written SVG plots share (sweep-plot, bar-plot, line-plot): the document with
// its white background and title, the "nothing to plot" placeholder, a linear y axis with round
// ticks and grid lines, a log x axis with a grid line per power, and the axis labels. Each plot
// keeps only what it draws inside the frame.
import { escapeXml as esc } from './format';

/** The plot's size and the margins around its data area. */
export interface Frame {
  width: number;
  height: number;
  pad: { l: number; r: number; t: number; b: number };
}

/** An axis: value → pixel, the values its ends stand for, and its grid lines with tick labels. */
export interface Axis {
  scale: (v: number) => number;
  domain: readonly [number, number];
  grid: string;
}

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

/** The whole document: white background, the title centred on top, then the plot's parts. */
export function svgDocument(f: Frame, title: string, parts: readonly string[]): string {
  const { width: W, height: H } = f;
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`;
  return `${head}<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>${parts.join('')}</svg>\n`;
}

/** The document a plot writes when it has nothing to draw: the title and `message`. */
export function emptySvg(f: Frame, title: string, message: string): string {
  return svgDocument(f, title, [`<text x="${f.width / 2}" y="${f.height / 2}" text-anchor="middle">${esc(message)}</text>`]);
}

/**
 * A linear y axis covering [lo, hi] (every value drawn lies inside) with round ticks. A single
 * value (lo = hi) gets one unit either side, so it sits mid-height rather than on the x axis.
 */
export function linearY(f: Frame, lo: number, hi: number): Axis {
  const ticks = niceTicks(lo, hi);
  const [y0, y1] = ticks.length > 1 ? [Math.min(ticks[0], lo), Math.max(ticks[ticks.length - 1], hi)] : [lo - 1, hi + 1];
  const { width: W, height: H, pad } = f;
  const scale = (v: number) => H - pad.b - ((v - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const grid = ticks.map((v) => `<line x1="${pad.l}" y1="${scale(v)}" x2="${W - pad.r}" y2="${scale(v)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${scale(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`);
  return { scale, domain: [y0, y1], grid: grid.join('') };
}

/**
 * A log x axis over the powers of `base` around `xs` (all > 0), at least one power wide, with a
 * grid line and a label (`label(base ** e)`) at each power.
 */
export function logX(f: Frame, base: 2 | 10, xs: readonly number[], label: (x: number) => string): Axis {
  // Math.log2 / Math.log10, not log(x) / log(base): log(1000) / log(10) is 2.9999999999999996.
  const log = base === 2 ? Math.log2 : Math.log10;
  const logs = xs.map(log);
  const e0 = Math.floor(Math.min(...logs));
  const e1 = Math.max(Math.ceil(Math.max(...logs)), e0 + 1);
  const { width: W, height: H, pad } = f;
  const scale = (x: number) => pad.l + ((log(x) - e0) / (e1 - e0)) * (W - pad.l - pad.r);
  const grid: string[] = [];
  for (let e = e0; e <= e1; e++) {
    const x = scale(base ** e);
    grid.push(`<line x1="${x}" y1="${pad.t}" x2="${x}" y2="${H - pad.b}" stroke="#ddd"/><text x="${x}" y="${H - pad.b + 16}" text-anchor="middle">${label(base ** e)}</text>`);
  }
  return { scale, domain: [base ** e0, base ** e1], grid: grid.join('') };
}

/** The y label, turned along the axis, and the x label under the plot (none when omitted). */
export function axisLabels(f: Frame, y: string, x?: string): string {
  const { width: W, height: H, pad } = f;
  const yText = `<text transform="translate(16 ${(pad.t + H - pad.b) / 2}) rotate(-90)" text-anchor="middle">${esc(y)}</text>`;
  return x === undefined ? yText : `<text x="${(pad.l + W - pad.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(x)}</text>${yText}`;
}

// The experiments' line chart over LoRA ranks: x on a log2 axis (each doubling the same width),
// y linear, one polyline per series in x order, the marked point circled with its value, and
// points that are not numbers left out.
import { describe, expect, it } from 'vitest';
import { lineSvg } from '../../lib/report';

const O = { title: 'T', xLabel: 'rank r', yLabel: 'loss' };
const dots = (svg: string, label: string) => {
  const g = new RegExp(`<g class="series" data-label="${label}">(.*?)</g>`).exec(svg)![1];
  return [...g.matchAll(/<circle cx="([^"]+)" cy="([^"]+)" r="3"[^>]* data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => m.slice(1).map(Number));
};

describe('lineSvg', () => {
  it('spaces doublings of x equally and puts y proportionally on a linear axis', () => {
    const svg = lineSvg([{ label: 'a', points: [[1, 1], [2, 2], [8, 4]] }], O);
    const [[c1, y1], [c2, y2], [c8, y8]] = dots(svg, 'a');
    expect(c8 - c2).toBeCloseTo(2 * (c2 - c1), 0);  // coordinates are written to 0.1 px
    expect(y1 - y8).toBeCloseTo(3 * (y1 - y2), 0);  // y grows upwards
    expect(svg).toContain('>T</text>');
    expect(svg).toContain('>rank r</text>');
  });

  it('draws each series in x order in its own colour, with its label in the legend', () => {
    const svg = lineSvg([{ label: 'mini', points: [[4, 3], [1, 1], [2, 2]] }, { label: 'wide', points: [[1, 2]] }], O);
    expect(dots(svg, 'mini').map((d) => d[2])).toEqual([1, 2, 4]);
    const poly = /<g class="series" data-label="mini"><polyline fill="none" stroke="([^"]+)" stroke-width="2" points="([^"]+)"/.exec(svg)!;
    const xs = poly[2].split(' ').map((p) => Number(p.split(',')[0]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const wideColor = /data-label="wide"><polyline fill="none" stroke="([^"]+)"/.exec(svg)![1];
    expect(wideColor).not.toBe(poly[1]);
    expect(svg).toMatch(/fill="[^"]+">wide<\/text>/);
  });

  it('circles the marked x with its value and leaves out points that are not numbers', () => {
    const svg = lineSvg([{ label: 'a', points: [[1, 4.5], [2, NaN], [4, 4.25]], mark: 4 }], { ...O, digits: 2 });
    expect(dots(svg, 'a').map((d) => d[2])).toEqual([1, 4]);
    const mark = /<circle class="mark" cx="([^"]+)" cy="([^"]+)"/.exec(svg)!;
    const [cx, cy] = dots(svg, 'a')[1];
    expect([Number(mark[1]), Number(mark[2])]).toEqual([cx, cy]);
    expect(svg).toContain('>4.25</text>');
    expect(lineSvg([{ label: 'a', points: [] }], O)).toContain('no points');
  });
});

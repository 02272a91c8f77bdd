// The experiments' bar chart: each bar's height is proportional to its value on the axis drawn,
// error bars span value ± spread, and a value that is not a number leaves an empty slot.
import { describe, expect, it } from 'vitest';
import { barSvg } from '../../lib/report';

const heights = (svg: string) => [...svg.matchAll(/<g class="bar" data-label="([^"]+)" data-value="[^"]+"><rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"/g)].map((m) => [m[1], Number(m[2]), Number(m[3])] as const);

describe('barSvg', () => {
  it('draws bars from zero with heights proportional to the values, each value printed', () => {
    const svg = barSvg([{ label: 'a', value: 0.2 }, { label: 'b', value: 0.6 }], { title: 'T', yLabel: 'F1' });
    const [[, ya, ha], [, yb, hb]] = heights(svg);
    expect(hb / ha).toBeCloseTo(3, 2);  // coordinates are written to 0.1 px
    expect(ya + ha).toBeCloseTo(yb + hb, 1);  // one baseline: zero
    expect(svg).toContain('>0.2000</text>');
    expect(svg).toContain('>0.6000</text>');
    expect(svg).toContain('>T</text>');
  });

  it('spans an error bar over value ± spread on the same scale as the bars', () => {
    const svg = barSvg([{ label: 'x', value: 0.5, spread: 0.1 }], { title: 'T', yLabel: 'F1', height: 400 });
    const [[, y, h]] = heights(svg);
    const perUnit = h / 0.5;
    const err = /<line x1="[^"]+" y1="([^"]+)" x2="[^"]+" y2="([^"]+)" stroke="#333"/.exec(svg)!;
    expect(Number(err[1]) - Number(err[2])).toBeCloseTo(0.2 * perUnit, 1);
    expect((Number(err[1]) + Number(err[2])) / 2).toBeCloseTo(y, 1);
  });

  it('starts the axis below the smallest value with fromZero false, and leaves a slot for NaN', () => {
    const svg = barSvg([{ label: 'lo', value: 4.1 }, { label: 'none', value: NaN }, { label: 'hi', value: 4.5 }], { title: 'T', yLabel: 'loss', fromZero: false });
    const bars = heights(svg);
    expect(bars.map((b) => b[0])).toEqual(['lo', 'hi']);
    expect(bars[1][2] / bars[0][2]).toBeGreaterThan(2);  // not 4.5 / 4.1: the axis does not start at 0
    expect(svg).toContain('data-label="none"');
    expect(barSvg([], { title: 'T', yLabel: 'F1' })).toContain('no values');
  });
});

// The frame the SVG plots share: the document and its placeholder, a linear y axis whose ticks
// are round and cover the values (a single value centred), a log x axis with one grid line per
// power that lands exactly on powers (1000 is 10^3, not 10^2.9999999999999996), and axis labels.
import { describe, expect, it } from 'vitest';
import { axisLabels, emptySvg, linearY, logX, niceTicks, svgDocument, type Frame } from '../../lib/report/svg-frame';

const F: Frame = { width: 300, height: 200, pad: { l: 50, r: 10, t: 30, b: 40 } };
const labels = (grid: string) => [...grid.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const gridX = (grid: string) => [...grid.matchAll(/<line x1="([^"]+)"/g)].map((m) => Number(m[1]));

describe('svgDocument and emptySvg', () => {
  it('writes the size, a white background, the escaped title and the parts in order', () => {
    const svg = svgDocument(F, 'F1 < 1 & more', ['<g id="a"/>', '<g id="b"/>']);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="300" height="200" viewBox="0 0 300 200"/);
    expect(svg).toContain('<rect width="300" height="200" fill="white"/>');
    expect(svg).toContain('<text x="150" y="20" text-anchor="middle" font-size="14">F1 &lt; 1 &amp; more</text>');
    expect(svg.indexOf('id="a"')).toBeLessThan(svg.indexOf('id="b"'));
    expect(svg.endsWith('</svg>\n')).toBe(true);
  });

  it('puts the placeholder message in the middle of an otherwise empty plot', () => {
    const svg = emptySvg(F, 'T', 'no <runs>');
    expect(svg).toContain('<text x="150" y="100" text-anchor="middle">no &lt;runs&gt;</text>');
    expect(svg).not.toContain('<line');
  });
});

describe('linearY', () => {
  it('maps the domain ends to the bottom and top of the data area and grids every nice tick', () => {
    const y = linearY(F, 0.55, 0.65);
    expect(y.domain).toEqual([0.55, 0.65]);
    expect(y.scale(0.55)).toBeCloseTo(F.height - F.pad.b, 9);
    expect(y.scale(0.65)).toBeCloseTo(F.pad.t, 9);
    expect(labels(y.grid)).toEqual(niceTicks(0.55, 0.65).map((v) => v.toPrecision(3)));
    expect(gridX(y.grid).every((x) => x === F.pad.l)).toBe(true);
    expect(y.grid).toContain(`x2="${F.width - F.pad.r}"`);
  });

  it('spans the values even where they reach past the last round tick', () => {
    const y = linearY(F, 0, 0.93);  // ticks 0, 0.2, ... 0.8
    expect(y.domain).toEqual([0, 0.93]);
    expect(y.scale(0.93)).toBeCloseTo(F.pad.t, 9);
    expect(linearY(F, -0.01, 1).domain).toEqual([-0.01, 1]);
    expect(labels(linearY(F, 0, 1).grid)).toEqual(['0.00', '0.200', '0.400', '0.600', '0.800', '1.00']);
  });

  it('centres a single value with one unit either side instead of dividing by zero', () => {
    const y = linearY(F, 4.5, 4.5);
    expect(y.domain).toEqual([3.5, 5.5]);
    expect(y.scale(4.5)).toBeCloseTo((F.pad.t + F.height - F.pad.b) / 2, 9);
    expect(labels(y.grid)).toEqual(['4.50']);
  });
});

describe('logX', () => {
  it('puts one grid line at each power of 10 around the values, labelled, equally spaced', () => {
    const x = logX(F, 10, [1000, 20_000], (v) => `${v / 1000}k`);
    expect(labels(x.grid)).toEqual(['1k', '10k', '100k']);
    expect(x.domain).toEqual([1000, 100_000]);
    const [a, b, c] = gridX(x.grid);
    expect([a, c]).toEqual([F.pad.l, F.width - F.pad.r]);
    expect(b - a).toBeCloseTo(c - b, 9);
    expect(x.scale(10 ** 3.5)).toBeCloseTo((a + b) / 2, 9);
  });

  it('is at least one power wide when every value is the same power', () => {
    expect(labels(logX(F, 2, [8, 8], String).grid)).toEqual(['8', '16']);
    expect(labels(logX(F, 2, [1, 2, 4, 64], String).grid)).toEqual(['1', '2', '4', '8', '16', '32', '64']);
  });
});

describe('axisLabels', () => {
  it('turns the y label along the axis and writes the x label under the plot when given', () => {
    const both = axisLabels(F, 'F1', 'params & more');
    expect(both).toContain('<text transform="translate(16 95) rotate(-90)" text-anchor="middle">F1</text>');
    expect(both).toContain('<text x="170" y="190" text-anchor="middle">params &amp; more</text>');
    expect(axisLabels(F, 'F1')).not.toContain('y="190"');
  });
});

// LR schedules against transformers' formulas (optimization.py, the lr_lambda of each schedule),
// written out here in float64 and compared at random steps and settings (fast-check).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { scheduleFactor } from '../../lib/optim/scheduler';
import { props } from '../property';

const warm = (step: number, warmup: number) => step / Math.max(1, warmup);

/** transformers' lr_lambda(current_step) for each schedule name. */
const formula = {
  constant: () => 1,
  constant_with_warmup: (s: number, w: number) => (s < w ? warm(s, w) : 1),
  linear: (s: number, w: number, t: number) => (s < w ? warm(s, w) : Math.max(0, (t - s) / Math.max(1, t - w))),
  cosine: (s: number, w: number, t: number, cycles = 0.5) => {
    if (s < w) return warm(s, w);
    const progress = (s - w) / Math.max(1, t - w);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
  },
  cosine_with_restarts: (s: number, w: number, t: number, cycles = 1) => {
    if (s < w) return warm(s, w);
    const progress = (s - w) / Math.max(1, t - w);
    if (progress >= 1) return 0;
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((cycles * progress) % 1))));
  },
  polynomial: (s: number, w: number, t: number, lrInit: number, lrEnd = 1e-7, power = 1) => {
    if (s < w) return warm(s, w);
    if (s > t) return lrEnd / lrInit;
    const pctRemaining = 1 - (s - w) / (t - w);
    return ((lrInit - lrEnd) * pctRemaining ** power + lrEnd) / lrInit;
  },
  inverse_sqrt: (s: number, w: number, timescale?: number) => {
    const ts = timescale ?? (w || 10_000);
    if (s < w) return warm(s, w);
    return 1 / Math.sqrt((s + ts - w) / ts);
  },
};

const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 + 1e-9 * Math.abs(expected));

describe('scheduleFactor: hand-checked values', () => {
  it('linear with 10 warmup steps of 110: 0, 0.5, 1 at the peak, 0.5 halfway down, 0 at the end and after', () => {
    const f = (s: number) => scheduleFactor('linear', s, { numWarmupSteps: 10, numTrainingSteps: 110 });
    expect([0, 5, 10, 60, 110, 200].map(f)).toEqual([0, 0.5, 1, 0.5, 0, 0]);
  });

  it('cosine: 1 after warmup, 0.5 halfway, 0 at the end; constant_with_warmup: 1 from the warmup on', () => {
    const f = (s: number) => scheduleFactor('cosine', s, { numWarmupSteps: 0, numTrainingSteps: 100 });
    close(f(0), 1);
    close(f(50), 0.5);
    close(f(100), 0);
    expect(scheduleFactor('constant_with_warmup', 3, { numWarmupSteps: 4 })).toBe(0.75);
    expect(scheduleFactor('constant_with_warmup', 4, { numWarmupSteps: 4 })).toBe(1);
    expect(scheduleFactor('constant', 1234)).toBe(1);
  });

  it('inverse_sqrt: timescale defaults to the warmup, or 10,000 without one', () => {
    close(scheduleFactor('inverse_sqrt', 40, { numWarmupSteps: 10 }), 1 / Math.sqrt(4));
    close(scheduleFactor('inverse_sqrt', 30_000, { numWarmupSteps: 0 }), 1 / Math.sqrt((30_000 + 10_000) / 10_000));
  });

  it('polynomial ends at lrEnd / lr and stays there', () => {
    close(scheduleFactor('polynomial', 100, { numWarmupSteps: 0, numTrainingSteps: 100, lr: 1e-3, lrEnd: 1e-5 }), 1e-2);
    close(scheduleFactor('polynomial', 500, { numWarmupSteps: 0, numTrainingSteps: 100, lr: 1e-3, lrEnd: 1e-5 }), 1e-2);
  });

  it('schedules that need warmup or training steps say so by name', () => {
    expect(() => scheduleFactor('linear', 1, { numTrainingSteps: 10 })).toThrow(/numWarmupSteps/);
    expect(() => scheduleFactor('cosine', 1, { numWarmupSteps: 1 })).toThrow(/numTrainingSteps/);
    expect(() => scheduleFactor('polynomial', 1, { numWarmupSteps: 0, numTrainingSteps: 10, lr: 1e-8 })).toThrow(/lrEnd \(1e-7\) must be smaller than the initial lr \(1e-8\)/);
  });
});

describe('scheduleFactor = transformers\' lr_lambda (random steps and settings)', () => {
  const setting = fc.record({
    warmup: fc.integer({ min: 0, max: 50 }),
    extra: fc.integer({ min: 1, max: 500 }),
    step: fc.integer({ min: 0, max: 700 }),
  });

  test.prop([setting], props(150))('linear, cosine, constant_with_warmup, constant', ({ warmup, extra, step }) => {
    const o = { numWarmupSteps: warmup, numTrainingSteps: warmup + extra };
    close(scheduleFactor('linear', step, o), formula.linear(step, warmup, warmup + extra));
    close(scheduleFactor('cosine', step, o), formula.cosine(step, warmup, warmup + extra));
    close(scheduleFactor('constant_with_warmup', step, { numWarmupSteps: warmup }), formula.constant_with_warmup(step, warmup));
    expect(scheduleFactor('constant', step)).toBe(1);
  });

  test.prop([setting, fc.double({ min: 0.1, max: 4, noNaN: true }), fc.integer({ min: 1, max: 5 })], props(150))('cosine with numCycles; cosine_with_restarts', ({ warmup, extra, step }, cycles, restarts) => {
    const t = warmup + extra;
    close(scheduleFactor('cosine', step, { numWarmupSteps: warmup, numTrainingSteps: t, numCycles: cycles }), formula.cosine(step, warmup, t, cycles));
    close(scheduleFactor('cosine_with_restarts', step, { numWarmupSteps: warmup, numTrainingSteps: t, numCycles: restarts }), formula.cosine_with_restarts(step, warmup, t, restarts));
    close(scheduleFactor('cosine_with_restarts', step, { numWarmupSteps: warmup, numTrainingSteps: t }), formula.cosine_with_restarts(step, warmup, t));
  });

  test.prop([setting, fc.double({ min: 1e-5, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.double({ min: 0.25, max: 3, noNaN: true })], props(150))('polynomial with lr, lrEnd and power', ({ warmup, extra, step }, lr, endRatio, power) => {
    const lrEnd = lr * endRatio;
    const o = { numWarmupSteps: warmup, numTrainingSteps: warmup + extra, lr, lrEnd, power };
    close(scheduleFactor('polynomial', step, o), formula.polynomial(step, warmup, warmup + extra, lr, lrEnd, power));
    close(scheduleFactor('polynomial', step, { numWarmupSteps: warmup, numTrainingSteps: warmup + extra, lr: lr + 1e-6 }), formula.polynomial(step, warmup, warmup + extra, lr + 1e-6));
  });

  test.prop([setting, fc.option(fc.integer({ min: 1, max: 20_000 }), { nil: undefined })], props(150))('inverse_sqrt with and without timescale', ({ warmup, step }, timescale) => {
    close(scheduleFactor('inverse_sqrt', step, { numWarmupSteps: warmup, ...(timescale === undefined ? {} : { timescale }) }), formula.inverse_sqrt(step, warmup, timescale));
  });
});

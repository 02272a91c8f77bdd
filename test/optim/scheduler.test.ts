// Learning-rate schedules against transformers' lr_lambda formulas (optimization.py), evaluated
// by hand for 2 warmup steps of 10 (expected values worked out below, not computed by node-peft).
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { AdamW, getScheduler, scheduleFactor } from '../../lib';

const W = { numWarmupSteps: 2, numTrainingSteps: 10 };
const close = (actual: number, expected: number, what: string) => expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThan(1e-12);

describe('LR schedules: transformers lr_lambda values', () => {
  it('linear: step/2 during warmup, then (10 - step) / 8, never below 0', () => {
    const expected = [0, 0.5, 1, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8, 0, 0];
    expected.forEach((e, s) => close(scheduleFactor('linear', s, W), e, `linear step ${s}`));
  });
  it('constant and constant_with_warmup', () => {
    [0, 3, 100].forEach((s) => close(scheduleFactor('constant', s), 1, `constant ${s}`));
    [[0, 0], [1, 0.5], [2, 1], [50, 1]].forEach(([s, e]) => close(scheduleFactor('constant_with_warmup', s, { numWarmupSteps: 2 }), e, `cww ${s}`));
  });
  it('cosine (half a wave): 1 at the end of warmup, 0.5 halfway, 0 at the end, and rising again past it as transformers does', () => {
    close(scheduleFactor('cosine', 2, W), 1, 'end of warmup');
    close(scheduleFactor('cosine', 4, W), 0.5 + Math.SQRT2 / 4, 'quarter');  // 0.5·(1 + cos(π/4))
    close(scheduleFactor('cosine', 6, W), 0.5, 'half');
    close(scheduleFactor('cosine', 10, W), 0, 'end');
    close(scheduleFactor('cosine', 11, W), 0.5 * (1 + Math.cos((9 * Math.PI) / 8)), 'past the end');
    close(scheduleFactor('cosine', 6, { ...W, numCycles: 1 }), 0, 'a full wave reaches 0 halfway');
  });
  it('cosine_with_restarts: two hard restarts', () => {
    close(scheduleFactor('cosine_with_restarts', 4, { ...W, numCycles: 2 }), 0.5, 'quarter = half of the first cycle');
    close(scheduleFactor('cosine_with_restarts', 6, { ...W, numCycles: 2 }), 1, 'restart');
    close(scheduleFactor('cosine_with_restarts', 10, { ...W, numCycles: 2 }), 0, 'end');
  });
  it('polynomial: power 2 from lr 1e-3 to lrEnd 1e-7, then lrEnd/lr after the end', () => {
    const o = { ...W, power: 2, lrEnd: 1e-7, lr: 1e-3 };
    close(scheduleFactor('polynomial', 6, o), ((1e-3 - 1e-7) * 0.25 + 1e-7) / 1e-3, 'halfway');
    close(scheduleFactor('polynomial', 10, o), 1e-4, 'end');
    close(scheduleFactor('polynomial', 11, o), 1e-4, 'past the end');
  });
  it('inverse_sqrt: timescale = warmup steps, or 10,000 without warmup', () => {
    close(scheduleFactor('inverse_sqrt', 2, { numWarmupSteps: 2 }), 1, 'end of warmup');
    close(scheduleFactor('inverse_sqrt', 8, { numWarmupSteps: 2 }), 0.5, '1/sqrt(8/2)');
    close(scheduleFactor('inverse_sqrt', 30000, { numWarmupSteps: 0 }), 1 / Math.sqrt(4), '1/sqrt((30000 + 10000) / 10000)');
  });
  it('schedules that need warmup or training steps say so, as transformers get_scheduler does', () => {
    expect(() => scheduleFactor('linear', 0, { numWarmupSteps: 2 })).toThrow(/numTrainingSteps: expected the number of training steps/);
    expect(() => scheduleFactor('cosine', 0, { numTrainingSteps: 2 })).toThrow(/numWarmupSteps: expected the number of warmup steps/);
    expect(() => scheduleFactor('exponential' as never, 0)).toThrow(/one of 'linear'/);
    expect(() => scheduleFactor('polynomial', 0, { ...W, lrEnd: 1e-2, lr: 1e-3 })).toThrow(/lrEnd \(0\.01\) must be smaller than the initial lr/);
  });
});

describe('LRScheduler on an optimizer (LambdaLR semantics)', () => {
  it('sets the lr of step 0 at creation, scales every group by its own initial lr, and saves/restores its position', () => {
    const a = torch.zeros([2], { requiresGrad: true });
    const b = torch.zeros([2], { requiresGrad: true });
    const opt = new AdamW([{ params: [['a', a]], lr: 1e-3 }, { params: [['b', b]], lr: 4e-3 }]);
    const sched = getScheduler('linear', opt, W);
    expect(sched.getLastLr()).toEqual([0, 0]);
    sched.step();
    close(sched.getLastLr()[0], 0.5e-3, 'group 0 at step 1');
    close(sched.getLastLr()[1], 2e-3, 'group 1 at step 1');
    for (let i = 0; i < 3; i++) sched.step();
    const saved = sched.stateDict();
    expect(saved).toEqual({ lastEpoch: 4, baseLrs: [1e-3, 4e-3] });
    const other = getScheduler('linear', new AdamW([{ params: [['a', a]], lr: 9 }, { params: [['b', b]], lr: 9 }]), W);
    other.loadStateDict(saved);
    close(other.getLastLr()[1], 4e-3 * 0.75, 'restored at step 4');
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(sched.getLastLr());
  });
});

// Optimizer and scheduler arguments as torch.optim / transformers take them: every option's range
// check (torch.optim's "Invalid ..." checks, written as node-peft's "expected ..." errors), how
// params are split into groups and named, group overrides, the lr in the state dict, and
// loading state into an optimizer of another kind or shape. Values here are stated by hand.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { AdamW, SGD, clipGradNorm, getScheduler, scheduleFactor } from '../../lib';

const p = () => torch.zeros([2], { requiresGrad: true });

describe('AdamW options', () => {
  it('lr, eps and weightDecay must be >= 0 (0 is allowed); each is named', () => {
    for (const key of ['lr', 'eps', 'weightDecay'] as const) {
      expect(() => new AdamW([p()], { [key]: -0.1 }), key).toThrow(new RegExp(`^AdamW\\.${key}: expected an? [a-z ]+ >= 0, received -0\\.1$`));
      expect(new AdamW([p()], { [key]: 0 }).paramGroups[0][key]).toBe(0);
    }
  });
  it('betas: two numbers in [0, 1): 0 allowed, 1, negatives, one or three values and strings refused', () => {
    expect(new AdamW([p()], { betas: [0, 0] }).paramGroups[0].betas).toEqual([0, 0]);
    for (const betas of [[0.9, 1], [-0.1, 0.9], [0.9], [0.9, 0.99, 0.999], ['0.9', 0.99], 0.9]) {
      expect(() => new AdamW([p()], { betas: betas as never }), JSON.stringify(betas)).toThrow('AdamW.betas: expected two numbers in [0, 1)');
    }
  });
  it('amsgrad and maximize must be booleans', () => {
    expect(() => new AdamW([p()], { amsgrad: 1 as never })).toThrow('AdamW.amsgrad: expected');
    expect(() => new AdamW([p()], { maximize: 'yes' as never })).toThrow('AdamW.maximize: expected');
  });
  it("defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2, no amsgrad, no maximize", () => {
    const opt = new AdamW([p()]);
    expect(opt.defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false });
    expect(Object.isFrozen(opt.defaults)).toBe(true);
    expect(opt.kind).toBe('adamw');
    const { names, params: _params, ...hyper } = opt.paramGroups[0];
    expect(names).toEqual(['0']);
    expect(hyper).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false });
  });
  it('a parameter group override is checked like the options, naming the group', () => {
    expect(() => new AdamW([{ params: [p()], eps: -1 }])).toThrow('AdamW param group.eps: expected an epsilon >= 0');
    expect(() => new AdamW([{ params: [p()], betas: [1, 1] }])).toThrow('AdamW param group.betas');
    expect(() => new AdamW([{ params: [p()], momentum: 0.9 }])).toThrow(/AdamW param group 0.*momentum/);
  });
});

describe('SGD options', () => {
  it('lr, momentum, dampening and weightDecay must be >= 0, each named', () => {
    for (const key of ['lr', 'momentum', 'dampening', 'weightDecay'] as const) {
      expect(() => new SGD([p()], { lr: 0.1, [key]: -1 }), key).toThrow(`SGD.${key}: expected a number >= 0, received -1`);
    }
    const g = new SGD([p()], { lr: 0.1 }).paramGroups[0];
    expect([g.lr, g.momentum, g.dampening, g.weightDecay, g.nesterov, g.maximize]).toEqual([0.1, 0, 0, 0, false, false]);
  });
  it('nesterov and maximize must be booleans; Nesterov needs momentum > 0 and dampening 0 (torch.optim.SGD)', () => {
    expect(() => new SGD([p()], { lr: 0.1, nesterov: 'x' as never })).toThrow('SGD.nesterov: expected');
    expect(() => new SGD([p()], { lr: 0.1, maximize: 0 as never })).toThrow('SGD.maximize: expected');
    expect(() => new SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow('SGD: Nesterov momentum requires a momentum > 0 and zero dampening');
    expect(() => new SGD([p()], { lr: 0.1, nesterov: true, momentum: 0 })).toThrow('Nesterov momentum requires');
    expect(new SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9 }).paramGroups[0].nesterov).toBe(true);
    expect(new SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0 }).paramGroups[0].dampening).toBe(0);
    expect(() => new SGD([{ params: [p()], nesterov: true }], { lr: 0.1 })).toThrow('SGD param group: Nesterov momentum requires');
  });
});

describe('params and parameter groups', () => {
  it('params must be a non-empty array; a group\'s params must be an array', () => {
    expect(() => new AdamW([])).toThrow('optimizer params: expected a non-empty array of tensors');
    expect(() => new AdamW(p() as never)).toThrow('optimizer params: expected a non-empty array');
    expect(() => new AdamW([{ params: p() } as never])).toThrow('optimizer params[0].params: expected an array of tensors or [name, tensor] pairs');
    expect(() => new AdamW([{ params: [p()] }, { params: 'x' } as never])).toThrow('optimizer params[1].params');
    expect(() => new AdamW([3 as never])).toThrow("parameter '0': expected a Tensor, received 3");
    expect(() => new AdamW([null as never])).toThrow("parameter '0': expected a Tensor, received null");
    expect(() => new SGD([['w', p()], ['b', 'x' as never]], { lr: 1 })).toThrow("parameter 'b': expected a Tensor");
  });
  it('unnamed tensors are numbered by position across groups (0, 1 | 2), as torch.optim numbers its state', () => {
    const opt = new SGD([{ params: [p(), p()] }, { params: [p()] }], { lr: 0.1 });
    expect(opt.paramGroups.map((g) => g.names)).toEqual([['0', '1'], ['2']]);
    const named = new SGD([['w', p()], ['b', p()]], { lr: 0.1 });
    expect(named.paramGroups.map((g) => g.names)).toEqual([['w', 'b']]);
    expect(named.paramGroups[0].params.length).toBe(2);
  });
  it('setLr without a group sets every group; the lr is checked', () => {
    const opt = new SGD([{ params: [p()], lr: 0.5 }, { params: [p()] }], { lr: 0.1 });
    opt.setLr(0.25);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.25, 0.25]);
    expect(() => opt.setLr('1' as never)).toThrow('setLr(lr): expected');
  });
  it('zeroGrad: setToNone must be a boolean; setToNone true frees the gradient', () => {
    const x = p();
    const opt = new SGD([x], { lr: 0.1 });
    x.grad = torch.ones([2]);
    expect(() => opt.zeroGrad({ setToNone: 1 as never })).toThrow('setToNone: expected');
    opt.zeroGrad({ setToNone: true });
    expect(x.grad).toBeNull();
  });
  it('stateDict carries the kind and each group\'s hyper-parameters and names, without the tensors', () => {
    const opt = new SGD([['w', p()]], { lr: 0.1, momentum: 0.5 });
    const d = opt.stateDict();
    expect(d.kind).toBe('sgd');
    expect(d.paramGroups).toEqual([{ names: ['w'], lr: 0.1, momentum: 0.5, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }]);
  });
  it('loadStateDict refuses another kind or another number of groups, and takes the saved lr', () => {
    const sgd = new SGD([p()], { lr: 0.1 });
    expect(() => new AdamW([p()]).loadStateDict(sgd.stateDict())).toThrow("loadStateDict: the state is of a 'sgd' optimizer, this one is 'adamw'");
    const two = new SGD([{ params: [p()] }, { params: [p()] }], { lr: 0.1 });
    expect(() => sgd.loadStateDict(two.stateDict())).toThrow('loadStateDict: the state has 2 parameter groups, this optimizer has 1');
    const other = new SGD([p()], { lr: 0.7 });
    other.loadStateDict({ kind: 'sgd', state: new Map(), paramGroups: [{}] });  // a group without lr keeps the lr
    expect(other.paramGroups[0].lr).toBe(0.7);
    other.loadStateDict(sgd.stateDict());
    expect(other.paramGroups[0].lr).toBe(0.1);
  });
  it('stepAsync updates like step: SGD lr 0.5 on grad 2 moves 0 to -1', async () => {
    const x = p();
    const opt = new SGD([x], { lr: 0.5 });
    x.grad = torch.full([2], 2);
    await opt.stepAsync();
    expect(x.detach().toArray()).toEqual([-1, -1]);
  });
  it('Symbol.dispose frees the optimizer like dispose()', () => {
    const opt = new SGD([p()], { lr: 0.1 });
    opt[Symbol.dispose]();
    expect(() => opt.paramGroups).toThrow('Optimizer has been disposed');
    opt.dispose();  // twice is harmless
  });
});

describe('scheduler options', () => {
  it('warmup and training steps must be integers >= 0; timescale >= 1; numCycles, power and lrEnd numbers', () => {
    expect(() => scheduleFactor('linear', 0, { numWarmupSteps: -1, numTrainingSteps: 10 })).toThrow('numWarmupSteps: expected an integer >= 0');
    expect(() => scheduleFactor('linear', 0, { numWarmupSteps: 0, numTrainingSteps: 1.5 })).toThrow('numTrainingSteps: expected an integer >= 0');
    expect(() => scheduleFactor('inverse_sqrt', 0, { numWarmupSteps: 0, timescale: 0 })).toThrow('timescale: expected an integer >= 1');
    expect(() => scheduleFactor('cosine', 0, { numWarmupSteps: 0, numTrainingSteps: 10, numCycles: 'x' as never })).toThrow('numCycles: expected');
    expect(() => scheduleFactor('polynomial', 0, { numWarmupSteps: 0, numTrainingSteps: 10, power: null as never })).toThrow('power: expected');
    expect(() => scheduleFactor('polynomial', 0, { numWarmupSteps: 0, numTrainingSteps: 10, lrEnd: '0' as never })).toThrow('lrEnd: expected');
    expect(() => scheduleFactor('constant', -1)).toThrow('step: expected an integer >= 0');
    expect(() => scheduleFactor('constant', 0, { warmup: 1 } as never)).toThrow("getScheduler('constant')");
  });
  it('constant needs neither warmup nor total; constant_with_warmup and inverse_sqrt need warmup only', () => {
    expect(scheduleFactor('constant', 5)).toBe(1);
    expect(() => scheduleFactor('constant_with_warmup', 0)).toThrow("getScheduler('constant_with_warmup').numWarmupSteps");
    expect(() => scheduleFactor('inverse_sqrt', 0)).toThrow("getScheduler('inverse_sqrt').numWarmupSteps");
    expect(scheduleFactor('constant_with_warmup', 1, { numWarmupSteps: 4 })).toBe(0.25);
    for (const name of ['cosine_with_restarts', 'polynomial'] as const) {
      expect(() => scheduleFactor(name, 0, { numWarmupSteps: 0 }), name).toThrow(`getScheduler('${name}').numTrainingSteps`);
    }
  });
  it('inverse_sqrt with timescale 4, warmup 2: shift = 4 - 2, so step 14 is 1/sqrt((14 + 2) / 4) = 0.5 (transformers)', () => {
    expect(scheduleFactor('inverse_sqrt', 14, { numWarmupSteps: 2, timescale: 4 })).toBeCloseTo(0.5, 12);
  });
  it('polynomial: the default lrEnd 1e-7 must be below the initial lr (1e-8 is refused)', () => {
    expect(() => scheduleFactor('polynomial', 0, { numWarmupSteps: 0, numTrainingSteps: 10, lr: 1e-8 })).toThrow("getScheduler('polynomial'): lrEnd (1e-7) must be smaller than the initial lr (1e-8)");
    // equal is refused too, by node-peft's own check (the native one words it differently)
    expect(() => scheduleFactor('polynomial', 0, { numWarmupSteps: 0, numTrainingSteps: 10, lr: 1e-7 })).toThrow("getScheduler('polynomial'): lrEnd (1e-7) must be smaller than the initial lr (1e-7)");
    // other schedules have no lrEnd: an lr below 1e-7 is fine (linear, step 1 of 10: 0.9)
    expect(scheduleFactor('linear', 1, { numWarmupSteps: 0, numTrainingSteps: 10, lr: 1e-8 })).toBeCloseTo(0.9, 12);
    expect(() => scheduleFactor('exponential' as never, 0)).toThrow("scheduler name: expected one of 'linear'");
  });
  it('LRScheduler: type, lastEpoch after steps, and loadStateDict checks its input', () => {
    const opt = new AdamW([p()], { lr: 0.1 });
    const s = getScheduler('constant', opt);
    expect(s.type).toBe('constant');
    expect(s.lastEpoch).toBe(0);
    s.step();
    s.step();
    expect(s.lastEpoch).toBe(2);
    expect(() => s.loadStateDict({ lastEpoch: -1, baseLrs: [0.1] })).toThrow('loadStateDict.lastEpoch: expected an integer >= 0');
    expect(() => s.loadStateDict({ lastEpoch: 0, baseLrs: 0.1 as never })).toThrow('loadStateDict.baseLrs: expected an array of learning rates');
    expect(() => s.loadStateDict({ lastEpoch: 0, baseLrs: ['0.1' as never] })).toThrow('baseLrs[0]: expected');
    expect(() => getScheduler('linear', opt, { numWarmupSteps: 1 })).toThrow("getScheduler('linear').numTrainingSteps");
  });
});

describe('argument errors name the function and the option', () => {
  it('a non-number lr, eps, weightDecay, momentum or dampening; an unknown option of AdamW, SGD, zeroGrad, clipGradNorm', () => {
    for (const key of ['lr', 'eps', 'weightDecay'] as const) expect(() => new AdamW([p()], { [key]: 'x' as never }), key).toThrow(`AdamW.${key}: expected a`);
    for (const key of ['momentum', 'dampening', 'weightDecay'] as const) expect(() => new SGD([p()], { lr: 0.1, [key]: 'x' as never }), key).toThrow(`SGD.${key}: expected a`);
    expect(() => new AdamW([p()], { learningRate: 1 } as never)).toThrow("AdamW: unknown option 'learningRate'");
    expect(() => new SGD([p()], { lr: 1, nesterow: true } as never)).toThrow("SGD: unknown option 'nesterow'");
    expect(() => new SGD([p()], { lr: 1 }).zeroGrad({ setToZero: true } as never)).toThrow("zeroGrad: unknown option 'setToZero'");
    expect(() => clipGradNorm([p()], 1, { norm: 2 } as never)).toThrow("clipGradNorm: unknown option 'norm'");
  });
  it('loadStateDict names a state entry that is not a tensor', () => {
    const opt = new SGD([p()], { lr: 0.1 });
    expect(() => opt.loadStateDict({ kind: 'sgd', state: new Map([['0.momentum_buffer', 3 as never]]), paramGroups: [{ lr: 0.1 }] })).toThrow("state '0.momentum_buffer': expected a Tensor");
  });
});

describe('clipGradNorm arguments', () => {
  it('params must be a Module, tensors or [name, tensor] pairs; errorIfNonfinite must be a boolean', () => {
    const x = p();
    x.grad = torch.full([2], 3);
    expect(() => clipGradNorm('x' as never, 1)).toThrow('clipGradNorm(params): expected a Module, tensors or [name, tensor] pairs, received "x"');
    expect(() => clipGradNorm([x], 1, { errorIfNonfinite: 'no' as never })).toThrow('clipGradNorm.errorIfNonfinite: expected');
    expect(() => clipGradNorm([x], 1, { normType: '2' as never })).toThrow('clipGradNorm.normType: expected');
    expect(() => clipGradNorm([x, 5 as never], 1)).toThrow('params[1]: expected a Tensor');
  });
  it('[name, tensor] pairs: grads (3, 3) have norm sqrt(18); clipping to 1 scales them by 1 / (sqrt(18) + 1e-6)', () => {
    const x = p();
    x.grad = torch.full([2], 3);
    expect(clipGradNorm([['x', x]], 1).item()).toBeCloseTo(Math.sqrt(18), 5);
    (x.grad!.toArray() as number[]).forEach((g) => expect(g).toBeCloseTo(3 / (Math.sqrt(18) + 1e-6), 6));
  });
});

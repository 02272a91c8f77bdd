// AdamW, SGD and clipGradNorm against torch.optim / torch.nn.utils.clip_grad_norm_ 1.13.1:
// test/fixtures/optim/optim.json (make_optim.py) holds two parameters, three steps of fixed
// gradients and PyTorch's parameters, norms and state after each. Tolerance 1e-6 (float32).
import fs from 'fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { AdamW, SGD, clipGradNorm } from '../../lib';
import { fixture } from '../models/helpers';

const ref = JSON.parse(fs.readFileSync(fixture('optim', 'optim.json'), 'utf8'));
const shapes = [[2, 3], [4]];

function params(): torch.Tensor[] {
  return ref.initial.map((v: number[], i: number) => torch.tensor(v).reshape(shapes[i]).requiresGrad_());
}
function setGrads(ps: torch.Tensor[], step: number): void {
  ps.forEach((p, i) => { p.grad = torch.tensor(ref.grads[step][i]).reshape(shapes[i]); });
}
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
function make(c: { cls: string; kwargs: Record<string, unknown> }, ps: torch.Tensor[]) {
  const options = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [camel(k), v]));
  return c.cls === 'AdamW' ? new AdamW(ps, options) : new SGD(ps, options as { lr: number });
}
function expectValues(actual: torch.Tensor, expected: number[], what: string): void {
  const got = Array.from(actual.detach().flatten().toTypedArray() as Float32Array);
  expect(got.length, what).toBe(expected.length);
  got.forEach((g, i) => expect(Math.abs(g - expected[i]), `${what}[${i}]`).toBeLessThan(1e-6));
}

describe('optimizers match torch.optim 1.13 step by step', () => {
  for (const [name, c] of Object.entries(ref.cases) as [string, { cls: string; kwargs: Record<string, unknown>; clip: number | [string, number] | null; steps: number[][][]; norms: number[]; state: Record<string, number[]> }][]) {
    it(`${name}: ${c.cls}(${JSON.stringify(c.kwargs)})${c.clip ? ` with clip ${JSON.stringify(c.clip)}` : ''}: parameters, norms and state`, () => {
      const ps = params();
      const opt = make(c, ps);
      for (let s = 0; s < 3; s++) {
        setGrads(ps, s);
        if (c.clip !== null) {
          const [normType, maxNorm] = Array.isArray(c.clip) ? [Infinity, c.clip[1]] : [2, c.clip];
          const norm = clipGradNorm(ps, maxNorm, { normType }).item() as number;
          expect(Math.abs(norm - c.norms[s]), `norm at step ${s}`).toBeLessThan(1e-6);
        }
        opt.step();
        ps.forEach((p, i) => expectValues(p, c.steps[s][i], `param ${i} after step ${s + 1}`));
      }
      const state = opt.stateDict().state;
      const keys = Object.keys(c.state).map((k) => k.replace(/^(\d+)\./, (_, i) => `${i}.`));
      expect([...state.keys()].sort()).toEqual(keys.sort());
      for (const [key, values] of Object.entries(c.state)) expectValues(state.get(key)!, values, `state ${key}`);
    });
  }

  it('stateDict / loadStateDict: a fresh optimizer loaded after step 2 continues exactly as the original', () => {
    const c = ref.cases.adamw_amsgrad_wd;
    const ps = params();
    const opt = make(c, ps);
    for (let s = 0; s < 2; s++) { setGrads(ps, s); opt.step(); }
    const saved = opt.stateDict();
    const copies = ps.map((p) => p.detach().clone().requiresGrad_());
    const fresh = make(c, copies);
    fresh.loadStateDict(saved);
    setGrads(copies, 2);
    fresh.step();
    copies.forEach((p, i) => expectValues(p, c.steps[2][i], `reloaded param ${i} after step 3`));
  });

  it('parameters without a gradient are skipped and get no state (frozen parameters cost nothing)', () => {
    const ps = params();
    const opt = new AdamW([['a', ps[0]], ['b', ps[1]]]);
    ps[0].grad = torch.ones([2, 3]);
    opt.step();
    expect([...opt.stateDict().state.keys()].sort()).toEqual(['a.exp_avg', 'a.exp_avg_sq', 'a.step']);
    expectValues(ps[1], ref.initial[1], 'untouched parameter');
  });

  it('zeroGrad frees gradients by default and zero-fills them with setToNone: false', () => {
    const ps = params();
    const opt = new SGD(ps, { lr: 0.1 });
    setGrads(ps, 0);
    opt.zeroGrad({ setToNone: false });
    expectValues(ps[0].grad!, [0, 0, 0, 0, 0, 0], 'zero-filled grad');
    opt.zeroGrad();
    expect(ps[0].grad).toBeNull();
  });

  it('parameter groups take their own lr and weight decay; setLr changes one group', () => {
    const ps = params();
    const opt = new SGD([{ params: [['w', ps[0]]], lr: 0.5, weightDecay: 0.1 }, { params: [['b', ps[1]]] }], { lr: 0.1 });
    expect(opt.paramGroups.map((g) => [g.lr, g.weightDecay])).toEqual([[0.5, 0.1], [0.1, 0]]);
    opt.setLr(0.2, 1);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.5, 0.2]);
    setGrads(ps, 0);
    opt.step();
    // SGD without momentum: p - lr * (g + wd * p), computed here from the fixture's inputs.
    const expected0 = ref.initial[0].map((p: number, i: number) => Math.fround(p - 0.5 * Math.fround(ref.grads[0][0][i] + Math.fround(0.1 * p))));
    const expected1 = ref.initial[1].map((p: number, i: number) => Math.fround(p - 0.2 * ref.grads[0][1][i]));
    ps[0].detach().flatten().toArray().forEach((v, i) => expect(Math.abs((v as number) - expected0[i])).toBeLessThan(1e-6));
    ps[1].detach().flatten().toArray().forEach((v, i) => expect(Math.abs((v as number) - expected1[i])).toBeLessThan(1e-6));
  });

  it('bad options are errors that name them', () => {
    const ps = params();
    expect(() => new AdamW(ps, { lr: -1 })).toThrow(/AdamW\.lr: expected a learning rate >= 0, received -1/);
    expect(() => new AdamW(ps, { betas: [0.9, 1.5] })).toThrow(/AdamW\.betas: expected two numbers in \[0, 1\)/);
    expect(() => new AdamW(ps, { learningRate: 1 } as never)).toThrow(/unknown option 'learningRate'/);
    expect(() => new SGD(ps, { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum > 0/);
    expect(() => new SGD(ps, {} as never)).toThrow(/SGD\.lr: expected a learning rate \(required\)/);
    expect(() => new AdamW([['a', ps[0]], ['a', ps[1]]])).toThrow(/parameter 'a' appears in more than one parameter group/);
    expect(() => clipGradNorm(ps, 1, { normType: 0 })).toThrow(/normType: expected a positive p/);
  });

  it('clipGradNorm with errorIfNonfinite refuses a NaN gradient, and without it scales by the NaN norm as PyTorch does', () => {
    const ps = params();
    ps[0].grad = torch.full([2, 3], NaN);
    ps[1].grad = torch.ones([4]);
    expect(() => clipGradNorm(ps, 1, { errorIfNonfinite: true })).toThrow(/non-finite/);
    expect(Number.isNaN(clipGradNorm(ps, 1).item() as number)).toBe(true);
  });

  it('dispose() frees the state; a disposed optimizer refuses to step', () => {
    const ps = params();
    const opt = new AdamW(ps);
    setGrads(ps, 0);
    opt.step();
    opt.dispose();
    expect(() => opt.step()).toThrow(/Optimizer has been disposed/);
  });
});

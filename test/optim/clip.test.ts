// clipGradNorm against torch.nn.utils.clip_grad_norm_ (PyTorch 1.13), written out here:
//   total = ‖(‖g_1‖_p, …, ‖g_n‖_p)‖_p  (max |g| for p = inf), parameters without a grad skipped;
//   coef = min(maxNorm / (total + 1e-6), 1); every grad *= coef; returns total.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { clipGradNorm } from '../../lib/optim/clip';
import { props } from '../property';

/** Leaf tensors whose grad is exactly `grads[i]` (via backward of sum(p * g)). */
function withGrads(grads: number[][]): torch.Tensor[] {
  const params = grads.map((g) => torch.zeros([g.length], { requiresGrad: true }));
  const loss = params.map((p, i) => p.mul(torch.tensor(grads[i])).sum()).reduce((a, b) => a.add(b));
  loss.backward();
  return params;
}

function reference(grads: number[][], maxNorm: number, p: number): { total: number; clipped: number[][] } {
  const f32 = grads.map((g) => g.map(Math.fround));
  const norm = (v: number[]) => (p === Infinity ? Math.max(0, ...v.map(Math.abs)) : v.reduce((s, x) => s + Math.abs(x) ** p, 0) ** (1 / p));
  const total = norm(f32.map(norm));
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  return { total, clipped: f32.map((g) => g.map((x) => x * coef)) };
}

const near = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));

describe('clipGradNorm', () => {
  it('hand-computed: grads (3, 4) and (12) have norm 13; clipping to 1 scales by 1/(13 + 1e-6)', () => {
    const params = withGrads([[3, 4], [12]]);
    const total = clipGradNorm(params, 1);
    near(total.item() as number, 13, 'total');
    near((params[0].grad!.toArray() as number[])[0], 3 / (13 + 1e-6), 'g[0][0]');
    near((params[1].grad!.toArray() as number[])[0], 12 / (13 + 1e-6), 'g[1][0]');
  });

  it('below maxNorm the grads are scaled by min(coef, 1) = 1 (unchanged)', () => {
    const params = withGrads([[0.3, 0.4]]);
    near(clipGradNorm(params, 1).item() as number, 0.5, 'total');
    expect(params[0].grad!.toArray()).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });

  it('p = inf takes the largest |g|; p = 1 sums |g|', () => {
    near(clipGradNorm(withGrads([[3, -4], [2]]), 100, { normType: Infinity }).item() as number, 4, 'inf');
    near(clipGradNorm(withGrads([[3, -4], [2]]), 100, { normType: 1 }).item() as number, 9, 'p = 1');
  });

  it('parameters without a grad are skipped; a Module or [name, tensor] pairs work too', () => {
    const params = [...withGrads([[6, 8]]), torch.zeros([3], { requiresGrad: true })];
    near(clipGradNorm(params.map((t, i) => [`p${i}`, t] as [string, torch.Tensor]), 5).item() as number, 10, 'total');
    near((params[0].grad!.toArray() as number[])[1], 8 * 5 / (10 + 1e-6), 'clipped');
  });

  it('errorIfNonfinite refuses a NaN or infinite norm; bad options are named', () => {
    expect(() => clipGradNorm(withGrads([[NaN, 1]]), 1, { errorIfNonfinite: true })).toThrow(/non-finite|nan|inf/i);
    expect(() => clipGradNorm(withGrads([[1]]), 1, { normType: 0 })).toThrow(/normType/);
    expect(() => clipGradNorm(withGrads([[1]]), NaN)).toThrow(/maxNorm/);
    expect(() => clipGradNorm(withGrads([[1]]), 1, { norm: 2 } as never)).toThrow(/unknown option 'norm'/);
  });

  const grads = fc.array(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 });
  test.prop([grads, fc.double({ min: 1e-3, max: 50, noNaN: true }), fc.constantFrom(1, 2, 3, 2.5, Infinity)], props(100))('returns the total norm and scales every grad as clip_grad_norm_ does', (g, maxNorm, p) => {
    const params = withGrads(g);
    const total = clipGradNorm(params, maxNorm, { normType: p }).item() as number;
    const ref = reference(g, maxNorm, p);
    near(total, ref.total, 'total');
    params.forEach((t, i) => (t.grad!.toArray() as number[]).forEach((x, j) => expect(Math.abs(x - ref.clipped[i][j])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.clipped[i][j])))));
  });
});

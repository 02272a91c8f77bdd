// Dropout keeps a one-byte mask (at::native_dropout) instead of libtorch CPU's float noise, and
// must still draw PyTorch's masks: F.dropout and a model's Dropout modules against torch 1.13.1's
// CPU F.dropout after the same manual_seed (test/fixtures/train/dropout.json, make_dropout.py).
import fs from 'fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { F } from '../../lib';
import { fixture } from '../models/helpers';

const ref = JSON.parse(fs.readFileSync(fixture('train', 'dropout.json'), 'utf8'));

describe('dropout draws PyTorch\'s masks with a bool mask', () => {
  it('F.dropout(x, 0.3) then F.dropout(x, 0.5) after manualSeed(7): bitwise torch\'s outputs', () => {
    const x = torch.tensor(ref.x).reshape([3, 20]);
    torch.manualSeed(7);
    const a = F.dropout(x, 0.3, true);
    const b = F.dropout(x, 0.5, true);
    expect(Array.from(a.flatten().toTypedArray() as Float32Array)).toEqual(ref['p0.3'].map(Math.fround));
    expect(Array.from(b.flatten().toTypedArray() as Float32Array)).toEqual(ref['then_p0.5'].map(Math.fround));
  });

  it('gradients flow through kept elements scaled by 1/(1-p), and p=1 drops everything', () => {
    const x = torch.tensor(ref.x).reshape([3, 20]).requiresGrad_();
    torch.manualSeed(7);
    const y = F.dropout(x, 0.3, true);
    y.sum().backward();
    const kept = (y.detach().toTypedArray() as Float32Array).map((v) => (v !== 0 ? 1 : 0));
    Array.from(x.grad!.toTypedArray() as Float32Array).forEach((g, i) => expect(g).toBe(kept[i] ? Math.fround(1 / Math.fround(0.7)) : 0));
    expect(Array.from(F.dropout(x, 1, true).toTypedArray() as Float32Array).every((v) => v === 0)).toBe(true);
    expect(F.dropout(x, 0.3, false).toTypedArray()).toEqual(x.detach().toTypedArray());
  });

  it('masks of 5,000 and 3,001 elements after manualSeed(11) keep torch\'s positions, and torch.rand continues from where torch\'s generator stands', () => {
    torch.manualSeed(11);
    const kept = (n: number, p: number) => Array.from(F.dropout(torch.ones([n]), p, true).toTypedArray() as Float32Array).map((v) => (v !== 0 ? '1' : '0')).join('');
    expect(kept(5000, 0.1)).toBe(ref['seed11_ones5000_p0.1_kept']);
    expect(kept(3001, 0.6)).toBe(ref['then_ones3001_p0.6_kept']);
    expect(Array.from(torch.rand([3]).toTypedArray() as Float32Array)).toEqual(ref.then_rand3.map(Math.fround));
  });
});

import path from 'path';
import { expect } from 'vitest';
import * as torch from '../../lib';
import { loadSafetensorsSync } from '../../lib/io';

export const FIXTURES = path.resolve(__dirname, '../fixtures');
export const fixture = (...parts: string[]) => path.join(FIXTURES, ...parts);

/** The tensors of a fixture's cases.safetensors (inputs and expected outputs from transformers). */
export function cases(folder: string): Map<string, torch.Tensor> {
  return loadSafetensorsSync(fixture(folder, 'cases.safetensors')).tensors;
}

/**
 * NODE_PEFT_DEVICE=cuda (set by scripts/gpu-check.sh) runs the parity tests on that device;
 * outputs are compared on the CPU. GPU kernels sum in other orders, hence the looser tolerance.
 */
export const DEVICE = (process.env.NODE_PEFT_DEVICE ?? 'cpu') as torch.Device;
export const TOL = DEVICE === 'cpu' ? 1e-5 : 1e-4;
export const dev = (t: torch.Tensor): torch.Tensor => (DEVICE === 'cpu' ? t : t.to(DEVICE));

/** Largest absolute difference between two tensors of the same shape (on any devices). */
export function maxAbsDiff(a: torch.Tensor, b: torch.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return torch.tidy(() => a.cpu().double().sub(b.cpu().double()).abs().max().item() as number);
}

export function expectClose(actual: torch.Tensor, expected: torch.Tensor, tol: number, what = 'tensor'): void {
  const diff = maxAbsDiff(actual, expected);
  expect(diff, `${what}: max |diff| = ${diff}`).toBeLessThanOrEqual(tol);
}

import path from 'path';
import { expect } from 'vitest';
import * as torch from '../../lib';
import { loadSafetensorsSync } from '../../lib/io';

export const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures');
export const fixture = (...parts: string[]) => path.join(FIXTURES, ...parts);

/** The tensors of a fixture's cases.safetensors (inputs and expected outputs from transformers). */
export function cases(folder: string): Map<string, torch.Tensor> {
  return loadSafetensorsSync(fixture(folder, 'cases.safetensors')).tensors;
}

/** Largest absolute difference between two tensors of the same shape. */
export function maxAbsDiff(a: torch.Tensor, b: torch.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return torch.tidy(() => a.double().sub(b.double()).abs().max().item() as number);
}

export function expectClose(actual: torch.Tensor, expected: torch.Tensor, tol: number, what = 'tensor'): void {
  const diff = maxAbsDiff(actual, expected);
  expect(diff, `${what}: max |diff| = ${diff}`).toBeLessThanOrEqual(tol);
}

// Tensor creation. Data is copied into libtorch's memory, so the JS array may change afterwards.
import { native } from './binding';
import { checkDevice, checkDtype, dtypeOfArray, type Device, type DType, type TypedArray } from './dtype';
import { withCallerStack } from './errors';
import { handleOf, type NestedArray, type Tensor, wrap } from './tensor';
import { expectBool, expectInt, expectIntList, expectNumber, expectOptions, invalid } from './validate';

export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}
const OPTION_NAMES = ['dtype', 'device', 'requiresGrad'] as const;

function options(fn: string, opts: TensorOptions | undefined): { dtype: DType | null; device: Device | null; requiresGrad: boolean } {
  const o = expectOptions(fn, opts, OPTION_NAMES);
  return {
    dtype: o.dtype === undefined ? null : checkDtype(`${fn}: dtype`, o.dtype),
    device: o.device === undefined ? null : checkDevice(`${fn}: device`, o.device),
    requiresGrad: o.requiresGrad === undefined ? false : expectBool(`${fn}: requiresGrad`, o.requiresGrad),
  };
}

function finish(t: Tensor, requiresGrad: boolean): Tensor {
  return requiresGrad ? t.requiresGrad_(true) : t;
}

function shapeOf(data: unknown, fn: string): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  if (shape.includes(0) && shape.indexOf(0) !== shape.length - 1) invalid(`${fn}(data)`, 'a non-ragged nested array', data);
  return shape;
}

function flatten(data: unknown, shape: number[], fn: string): (number | boolean | bigint)[] {
  const out: (number | boolean | bigint)[] = [];
  const visit = (v: unknown, dim: number, where: string): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint') invalid(`${fn}(data${where})`, 'a number, boolean or bigint', v);
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) invalid(`${fn}(data${where})`, `an array of length ${shape[dim]} (ragged nested arrays are not tensors)`, v);
    v.forEach((x, i) => visit(x, dim + 1, `${where}[${i}]`));
  };
  visit(data, 0, '');
  return out;
}

/**
 * torch.tensor(data): from nested arrays (numbers default to float32, booleans to bool, bigints
 * to int64) or from a typed array with an explicit shape (its own dtype by default).
 */
export function tensor(data: NestedArray<number | boolean | bigint> | TypedArray, opts?: TensorOptions & { shape?: number[] }): Tensor {
  const { shape: given, ...rest } = opts ?? {};
  const o = options('tensor', rest);
  if (ArrayBuffer.isView(data)) {
    const src = dtypeOfArray(data as TypedArray);
    const shape = given === undefined ? [(data as TypedArray).length] : expectIntList('tensor: shape', given, 0);
    return finish(wrap(native.fromBuffer(data, shape, src, o.dtype, o.device)), o.requiresGrad);
  }
  const shape = shapeOf(data, 'tensor');
  const flat = flatten(data, shape, 'tensor');
  if (given !== undefined) invalid('tensor: shape', 'no shape for nested-array data (it is inferred)', given);
  const kind = flat.length === 0 ? 'number' : typeof flat[0];
  if (flat.some((v) => typeof v !== kind)) invalid('tensor(data)', 'elements of one type (all numbers, all booleans or all bigints)', data);
  if (kind === 'boolean') return finish(wrap(native.fromBuffer(Uint8Array.from(flat as boolean[], Number), shape, 'uint8', o.dtype ?? 'bool', o.device)), o.requiresGrad);
  if (kind === 'bigint') return finish(wrap(native.fromBuffer(BigInt64Array.from(flat as bigint[]), shape, 'int64', o.dtype, o.device)), o.requiresGrad);
  const dtype = o.dtype ?? 'float32';
  const buffer = dtype === 'float32' ? Float32Array.from(flat as number[]) : Float64Array.from(flat as number[]);
  return finish(wrap(native.fromBuffer(buffer, shape, dtypeOfArray(buffer), dtype, o.device)), o.requiresGrad);
}

type ShapeArg = number[] | number;
const shapeArg = (fn: string, shape: ShapeArg): number[] => expectIntList(`${fn}: shape`, shape, 0);

function filled(fn: 'zeros' | 'ones' | 'empty' | 'randn' | 'rand') {
  return (shape: ShapeArg, opts?: TensorOptions): Tensor => {
    const o = options(fn, opts);
    return finish(wrap(native[fn](shapeArg(fn, shape), o.dtype, o.device)), o.requiresGrad);
  };
}
export const zeros = filled('zeros');
export const ones = filled('ones');
export const empty = filled('empty');
/** Standard normal samples (torch.randn); reproducible after manualSeed(). */
export const randn = filled('randn');
/** Uniform samples on [0, 1) (torch.rand). */
export const rand = filled('rand');

export function full(shape: ShapeArg, value: number | boolean, opts?: TensorOptions): Tensor {
  const o = options('full', opts);
  if (typeof value !== 'number' && typeof value !== 'boolean') invalid('full(value)', 'a number or boolean', value);
  return finish(wrap(native.full(shapeArg('full', shape), value, o.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32'), o.device)), o.requiresGrad);
}

/** arange(end) or arange(start, end, step); integers give int64 like torch.arange. */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const args = [expectNumber('arange(start)', start), expectNumber('arange(end)', end), expectNumber('arange(step)', step)];
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  const o = options('arange', opts);
  const dtype = o.dtype ?? (args.every(Number.isInteger) ? 'int64' : 'float32');
  return finish(wrap(native.arange(args[0], args[1], args[2], dtype, o.device)), o.requiresGrad);
}

export function randint(low: number, high: number, shape: ShapeArg, opts?: TensorOptions): Tensor {
  const o = options('randint', opts);
  const lo = expectInt('randint(low)', low);
  const hi = expectInt('randint(high)', high);
  if (hi <= lo) throw new RangeError(`randint: high (${hi}) must be greater than low (${lo})`);
  return wrap(native.randint(lo, hi, shapeArg('randint', shape), o.dtype, o.device));
}

export function eye(n: number, m?: number, opts?: TensorOptions): Tensor {
  const o = options('eye', opts);
  const cols = m === undefined ? null : expectInt('eye(m)', m, 0);
  return finish(wrap(native.eye(expectInt('eye(n)', n, 0), cols, o.dtype, o.device)), o.requiresGrad);
}

const handles = (fn: string, ts: Tensor[]) => {
  if (!Array.isArray(ts) || ts.length === 0) invalid(`${fn}(tensors)`, 'a non-empty array of Tensors', ts);
  return ts.map((t, i) => handleOf(t, `${fn}(tensors[${i}])`));
};
export const cat = (tensors: Tensor[], dim = 0): Tensor => wrap(native.cat(handles('cat', tensors), expectInt('cat(dim)', dim)));
export const stack = (tensors: Tensor[], dim = 0): Tensor => wrap(native.stack(handles('stack', tensors), expectInt('stack(dim)', dim)));

/** where(condition, a, b): elements of a where condition holds, else of b (either may be a number). */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const side = (name: string, v: Tensor | number) => (typeof v === 'number' ? v : handleOf(v, name));
  return wrap(native.where(handleOf(condition, 'where(condition)'), side('where(a)', a), side('where(b)', b)));
}

/** [async] matmul on a worker thread. */
export async function matmulAsync(a: Tensor, b: Tensor): Promise<Tensor> {
  return wrap(await withCallerStack(native.matmulAsync(handleOf(a, 'matmulAsync(a)'), handleOf(b, 'matmulAsync(b)'))));
}

// Tensor: a typed handle on an at::Tensor. Methods validate their arguments and call the addon;
// libtorch's own shape and dtype errors come back as TorchError.
import { native, type NativeTensor } from './binding';
import { arrayForDtype, checkDevice, checkDtype, type Device, type DType, type TypedArray } from './dtype';
import { DisposedError, withCallerStack } from './errors';
import { formatTensor } from './format';
import { track } from './scope';
import { expectBool, expectInt, expectIntList, expectNumber, expectOneOf, expectOptions, invalid } from './validate';

export type Scalar = number | boolean;
export type Operand = Tensor | Scalar;
export type NestedArray<X> = X | NestedArray<X>[];

let handleOfImpl: (t: Tensor, what?: string) => NativeTensor;

/** The native handle of a tensor; for node-peft's own modules only (not exported publicly). */
export function handleOf(t: unknown, what = 'tensor'): NativeTensor {
  if (!(t instanceof Tensor)) invalid(what, 'a Tensor', t);
  return handleOfImpl(t, what);
}

/** Wraps a fresh native handle; every Tensor is born here. */
export function wrap(h: NativeTensor): Tensor {
  return new Tensor(h);
}

function operand(name: string, value: unknown): NativeTensor | Scalar {
  if (value instanceof Tensor) return handleOf(value, name);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return invalid(name, 'a Tensor, number or boolean', value);
}

const dimOpt = (name: string, dim: unknown): number | null => (dim === undefined || dim === null ? null : expectInt(name, dim));

export class Tensor {
  #h: NativeTensor | null;
  #shape?: number[];
  #dtype?: DType;
  #device?: string;

  /** @internal Use torch.tensor(), zeros(), ... to make tensors. */
  constructor(handle: NativeTensor) {
    this.#h = handle;
    track(this);
  }

  static {
    handleOfImpl = (t: Tensor): NativeTensor => {
      if (t.#h === null) throw new DisposedError();
      return t.#h;
    };
  }

  get #handle(): NativeTensor {
    if (this.#h === null) throw new DisposedError();
    return this.#h;
  }

  #loadMeta(): void {
    const m = native.meta(this.#handle);
    this.#shape = m.shape;
    this.#dtype = m.dtype;
    this.#device = m.device;
  }

  // ---- reading ----
  get shape(): number[] { if (!this.#shape) this.#loadMeta(); return [...this.#shape!]; }
  get dtype(): DType { if (!this.#dtype) this.#loadMeta(); return this.#dtype!; }
  get device(): string { if (!this.#device) this.#loadMeta(); return this.#device!; }
  get ndim(): number { return this.shape.length; }
  get numel(): number { return native.numel(this.#handle); }
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape;
    const d = expectInt('size(dim)', dim);
    const shape = this.shape;
    const i = d < 0 ? d + shape.length : d;
    if (i < 0 || i >= shape.length) throw new RangeError(`size: dim ${d} out of range for a ${shape.length}-d tensor`);
    return shape[i];
  }
  item(): number | boolean { return native.item(this.#handle); }
  /** A copy of the data as a typed array (float16/bfloat16 widen to Float32Array, int64 is BigInt64Array). */
  toTypedArray(): TypedArray { return arrayForDtype(this.dtype, native.data(this.#handle)); }
  /** The data as nested JS arrays of numbers (booleans for bool tensors). */
  toArray(): NestedArray<number | boolean> {
    const flat = this.#flat();
    const shape = this.shape;
    const build = (dim: number, offset: number): NestedArray<number | boolean> => {
      if (dim === shape.length) return flat[offset];
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }
  #flat(): (number | boolean)[] {
    const data = this.toTypedArray();
    if (this.dtype === 'bool') return Array.from(data as Uint8Array, (v) => v !== 0);
    if (data instanceof BigInt64Array) return Array.from(data, Number);
    return Array.from(data as Float32Array);
  }
  toString(): string {
    if (this.#h === null) return 'tensor(<disposed>)';
    const suffix: string[] = [];
    if (this.device !== 'cpu') suffix.push(`device='${this.device}'`);
    if (!['float32', 'int64', 'bool'].includes(this.dtype)) suffix.push(`dtype=torch.${this.dtype}`);
    if (this.requiresGrad) suffix.push('requires_grad=True');
    return formatTensor(this.#flat(), this.shape, this.dtype, suffix);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }

  // ---- memory ----
  get isDisposed(): boolean { return this.#h === null; }
  /** Frees the native storage now (it is otherwise freed when this object is garbage-collected). */
  dispose(): void {
    if (this.#h !== null) this.#h.dispose();
    this.#h = null;
  }
  [Symbol.dispose](): void { this.dispose(); }

  // ---- autograd ----
  get requiresGrad(): boolean { return native.meta(this.#handle).requiresGrad; }
  set requiresGrad(value: boolean) { native.setRequiresGrad(this.#handle, expectBool('requiresGrad', value)); }
  requiresGrad_(value = true): this { this.requiresGrad = value; return this; }
  get isLeaf(): boolean { return native.meta(this.#handle).isLeaf; }
  /**
   * The gradient. Reading or setting it (and zeroGrad()) throws BusyError while any backward pass
   * or optimizer update runs on a worker (backwardAsync(), a training step, optimizer.stepAsync()):
   * one process-wide count, since a tensor cannot tell which graphs in flight reach it.
   */
  get grad(): Tensor | null { const g = native.grad(this.#handle); return g ? wrap(g) : null; }
  set grad(value: Tensor | null) { native.setGrad(this.#handle, value === null ? null : handleOf(value, 'grad')); }
  /** Clears the gradient (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void { native.setGrad(this.#handle, null); }
  backward(gradient?: Tensor, options?: { retainGraph?: boolean }): void {
    const o = expectOptions('backward', options, ['retainGraph']);
    native.backward(this.#handle, gradient ? handleOf(gradient, 'gradient') : null, o.retainGraph ?? false);
  }
  /** [async] backward() on a worker thread. */
  backwardAsync(gradient?: Tensor, options?: { retainGraph?: boolean }): Promise<void> {
    const o = expectOptions('backwardAsync', options, ['retainGraph']);
    return withCallerStack(native.backwardAsync(this.#handle, gradient ? handleOf(gradient, 'gradient') : null, o.retainGraph ?? false));
  }
  detach(): Tensor { return wrap(native.detach(this.#handle)); }
  clone(): Tensor { return wrap(native.clone(this.#handle)); }

  // ---- elementwise ----
  add(other: Operand): Tensor { return wrap(native.add(this.#handle, operand('add(other)', other))); }
  sub(other: Operand): Tensor { return wrap(native.sub(this.#handle, operand('sub(other)', other))); }
  mul(other: Operand): Tensor { return wrap(native.mul(this.#handle, operand('mul(other)', other))); }
  div(other: Operand): Tensor { return wrap(native.div(this.#handle, operand('div(other)', other))); }
  pow(exponent: Operand): Tensor { return wrap(native.pow(this.#handle, operand('pow(exponent)', exponent))); }
  eq(other: Operand): Tensor { return wrap(native.eq(this.#handle, operand('eq(other)', other))); }
  ne(other: Operand): Tensor { return wrap(native.ne(this.#handle, operand('ne(other)', other))); }
  lt(other: Operand): Tensor { return wrap(native.lt(this.#handle, operand('lt(other)', other))); }
  le(other: Operand): Tensor { return wrap(native.le(this.#handle, operand('le(other)', other))); }
  gt(other: Operand): Tensor { return wrap(native.gt(this.#handle, operand('gt(other)', other))); }
  ge(other: Operand): Tensor { return wrap(native.ge(this.#handle, operand('ge(other)', other))); }
  // In place, like PyTorch's trailing-underscore methods; they return this tensor.
  add_(other: Operand): this { native.add_(this.#handle, operand('add_(other)', other)); return this; }
  sub_(other: Operand): this { native.sub_(this.#handle, operand('sub_(other)', other)); return this; }
  mul_(other: Operand): this { native.mul_(this.#handle, operand('mul_(other)', other)); return this; }
  div_(other: Operand): this { native.div_(this.#handle, operand('div_(other)', other)); return this; }
  /** Copies src into this tensor (broadcasting, casting); a number fills it. */
  copy_(src: Operand): this { native.copy_(this.#handle, operand('copy_(src)', src)); return this; }
  zero_(): this { return this.copy_(0); }
  maximum(other: Tensor): Tensor { return wrap(native.maximum(this.#handle, handleOf(other, 'maximum(other)'))); }
  minimum(other: Tensor): Tensor { return wrap(native.minimum(this.#handle, handleOf(other, 'minimum(other)'))); }
  neg(): Tensor { return wrap(native.neg(this.#handle)); }
  sqrt(): Tensor { return wrap(native.sqrt(this.#handle)); }
  rsqrt(): Tensor { return wrap(native.rsqrt(this.#handle)); }
  exp(): Tensor { return wrap(native.exp(this.#handle)); }
  log(): Tensor { return wrap(native.log(this.#handle)); }
  abs(): Tensor { return wrap(native.abs(this.#handle)); }
  relu(): Tensor { return wrap(native.relu(this.#handle)); }
  tanh(): Tensor { return wrap(native.tanh(this.#handle)); }
  sigmoid(): Tensor { return wrap(native.sigmoid(this.#handle)); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return wrap(native.gelu(this.#handle, expectOneOf('gelu(approximate)', approximate, ['none', 'tanh'])));
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    if (min != null) expectNumber('clamp(min)', min);
    if (max != null) expectNumber('clamp(max)', max);
    if (min == null && max == null) throw new TypeError('clamp: at least one of min and max must be a number');
    return wrap(native.clamp(this.#handle, min ?? null, max ?? null));
  }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor { return wrap(native.matmul(this.#handle, handleOf(other, 'matmul(other)'))); }
  bmm(other: Tensor): Tensor { return wrap(native.bmm(this.#handle, handleOf(other, 'bmm(other)'))); }

  // ---- reductions ----
  sum(dim?: number | number[] | null, keepdim = false): Tensor {
    return wrap(native.sum(this.#handle, dim == null ? null : expectIntList('sum(dim)', dim), expectBool('keepdim', keepdim)));
  }
  mean(dim?: number | number[] | null, keepdim = false): Tensor {
    return wrap(native.mean(this.#handle, dim == null ? null : expectIntList('mean(dim)', dim), expectBool('keepdim', keepdim)));
  }
  /** max() of all elements, or with a dim: {values, indices} like torch.max(t, dim). */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return this.#extreme(native.max, 'max', dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return this.#extreme(native.min, 'min', dim, keepdim);
  }
  #extreme(fn: typeof native.max, name: string, dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    const out = fn(this.#handle, dimOpt(`${name}(dim)`, dim), expectBool('keepdim', keepdim));
    if (!Array.isArray(out)) return wrap(out);
    return { values: wrap(out[0]), indices: wrap(out[1]) };
  }
  argmax(dim?: number | null, keepdim = false): Tensor { return wrap(native.argmax(this.#handle, dimOpt('argmax(dim)', dim), keepdim)); }
  argmin(dim?: number | null, keepdim = false): Tensor { return wrap(native.argmin(this.#handle, dimOpt('argmin(dim)', dim), keepdim)); }
  softmax(dim: number): Tensor { return wrap(native.softmax(this.#handle, expectInt('softmax(dim)', dim))); }
  logSoftmax(dim: number): Tensor { return wrap(native.logSoftmax(this.#handle, expectInt('logSoftmax(dim)', dim))); }

  // ---- selection and sampling ----
  /** The k largest (or smallest) elements along dim: {values, indices}. */
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
    const [v, i] = native.topk(this.#handle, expectInt('topk(k)', k, 0), expectInt('topk(dim)', dim), expectBool('topk(largest)', largest));
    return { values: wrap(v), indices: wrap(i) };
  }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    const [v, i] = native.sort(this.#handle, expectInt('sort(dim)', dim), expectBool('sort(descending)', descending));
    return { values: wrap(v), indices: wrap(i) };
  }
  cumsum(dim: number): Tensor { return wrap(native.cumsum(this.#handle, expectInt('cumsum(dim)', dim))); }
  /** Samples indices from each row of probabilities (libtorch's generator: see manualSeed). */
  multinomial(numSamples: number, replacement = false): Tensor {
    return wrap(native.multinomial(this.#handle, expectInt('multinomial(numSamples)', numSamples, 1), expectBool('multinomial(replacement)', replacement)));
  }
  /** Out-of-place scatter: a copy with src (or a value) written at index along dim. */
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return wrap(native.scatter(this.#handle, expectInt('scatter(dim)', dim), handleOf(index, 'scatter(index)'), operand('scatter(src)', src)));
  }

  // ---- shape ----
  reshape(...shape: number[] | [number[]]): Tensor { return wrap(native.reshape(this.#handle, expectIntList('reshape(shape)', shape.flat()))); }
  view(...shape: number[] | [number[]]): Tensor { return wrap(native.view(this.#handle, expectIntList('view(shape)', shape.flat()))); }
  permute(...dims: number[] | [number[]]): Tensor { return wrap(native.permute(this.#handle, expectIntList('permute(dims)', dims.flat()))); }
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(native.transpose(this.#handle, expectInt('transpose(dim0)', dim0), expectInt('transpose(dim1)', dim1)));
  }
  /** The 2-D transpose. */
  get T(): Tensor { return this.transpose(0, 1); }
  contiguous(): Tensor { return wrap(native.contiguous(this.#handle)); }
  squeeze(dim?: number): Tensor { return wrap(native.squeeze(this.#handle, dimOpt('squeeze(dim)', dim))); }
  unsqueeze(dim: number): Tensor { return wrap(native.unsqueeze(this.#handle, expectInt('unsqueeze(dim)', dim))); }
  expand(...shape: number[] | [number[]]): Tensor { return wrap(native.expand(this.#handle, expectIntList('expand(shape)', shape.flat()))); }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(native.flatten(this.#handle, expectInt('flatten(startDim)', startDim), expectInt('flatten(endDim)', endDim)));
  }
  split(splitSize: number | number[], dim = 0): Tensor[] {
    const size = Array.isArray(splitSize) ? expectIntList('split(sizes)', splitSize, 0) : expectInt('split(splitSize)', splitSize, 1);
    return native.split(this.#handle, size, expectInt('split(dim)', dim)).map(wrap);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return native.chunk(this.#handle, expectInt('chunk(chunks)', chunks, 1), expectInt('chunk(dim)', dim)).map(wrap);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(native.narrow(this.#handle, expectInt('narrow(dim)', dim), expectInt('narrow(start)', start), expectInt('narrow(length)', length, 0)));
  }
  select(dim: number, index: number): Tensor {
    return wrap(native.select(this.#handle, expectInt('select(dim)', dim), expectInt('select(index)', index)));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(native.indexSelect(this.#handle, expectInt('indexSelect(dim)', dim), handleOf(index, 'indexSelect(index)')));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(native.gather(this.#handle, expectInt('gather(dim)', dim), handleOf(index, 'gather(index)')));
  }
  maskedFill(mask: Tensor, value: Scalar): Tensor {
    if (typeof value !== 'number' && typeof value !== 'boolean') invalid('maskedFill(value)', 'a number or boolean', value);
    return wrap(native.maskedFill(this.#handle, handleOf(mask, 'maskedFill(mask)'), value));
  }

  // ---- conversion ----
  /** to('float16'), to('cuda'), to({dtype, device}). */
  to(target: DType | Device | { dtype?: DType; device?: Device }): Tensor {
    let dtype: DType | null = null;
    let device: Device | null = null;
    if (typeof target === 'string') {
      if (/^(cpu|cuda)/.test(target)) device = checkDevice('to(device)', target);
      else dtype = checkDtype('to(dtype)', target);
    } else {
      const o = expectOptions('to', target, ['dtype', 'device']);
      dtype = o.dtype === undefined ? null : checkDtype('to(dtype)', o.dtype);
      device = o.device === undefined ? null : checkDevice('to(device)', o.device);
    }
    return wrap(native.to(this.#handle, dtype, device));
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  long(): Tensor { return this.to('int64'); }
  cpu(): Tensor { return this.to('cpu'); }
  cuda(index = 0): Tensor { return this.to(`cuda:${expectInt('cuda(index)', index, 0)}`); }
}

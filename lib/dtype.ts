import { expectOneOf, invalid } from './validate';

export const DTYPES = ['float32', 'float16', 'bfloat16', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export function checkDtype(name: string, value: unknown): DType {
  return expectOneOf(name, value, DTYPES);
}

export function checkDevice(name: string, value: unknown): Device {
  if (typeof value !== 'string' || !/^(cpu|cuda(:\d+)?)$/.test(value)) invalid(name, "'cpu', 'cuda' or 'cuda:N'", value);
  return value as Device;
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<DType, number> = { float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

export const isFloating = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';

/** The dtype a typed array holds, as libtorch names it. */
export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  return invalid('data', 'a Float32Array, Float64Array, BigInt64Array, Int32Array, Int16Array, Int8Array or Uint8Array', data);
}

/** How the bytes of a tensor of `dtype` read back into JS (half types come back widened). */
export function arrayForDtype(dtype: DType, buffer: ArrayBuffer): TypedArray {
  switch (dtype) {
    case 'float64': return new Float64Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'uint8': case 'bool': return new Uint8Array(buffer);
    default: return new Float32Array(buffer);
  }
}

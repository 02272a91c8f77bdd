/**
 * Input validation shared by every tokenizer entry point. Each helper throws an error that names
 * the function, the option, the value received and what is allowed, so a user can fix the call
 * without reading this code.
 */
import { closestName } from '../validate';

/** A short, readable name for what a caller passed ("null", "array", "number 3", "string 'x'"). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}

/**
 * Rejects option names that the function does not know: a misspelled `padding` must not be
 * silently ignored, because the batch would come back unpadded and fail much later.
 */
export function rejectUnknownOptions(where: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const guess = closestName(key, allowed);
    const hint = guess ? ` (did you mean '${guess}'?)` : '';
    throw new TypeError(`${where}: unknown option '${key}'${hint}; allowed options: ${allowed.join(', ')}`);
  }
}

/** Checks that `value` is one of `allowed` (compared with ===). */
export function checkOneOf<T>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    const list = allowed.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
    throw new RangeError(`${where}: ${name} must be one of ${list}, got ${describeValue(value)}`);
  }
  return value as T;
}

export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${where}: ${name} must be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks an integer >= min; `undefined` passes through so callers can apply their default. */
export function checkInteger(where: string, name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** Accepts one string or an array of strings and says which element is wrong otherwise. */
export function checkTexts(where: string, name: string, value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) {
    throw new TypeError(`${where}: ${name} must be a string or an array of strings, got ${describeValue(value)}`);
  }
  value.forEach((text, i) => {
    if (typeof text !== 'string') {
      throw new TypeError(`${where}: ${name}[${i}] must be a string, got ${describeValue(text)}`);
    }
  });
  return value as string[];
}

/** Token ids must be non-negative integers; bigint ids from int64 tensors are accepted. */
export function checkIds(where: string, ids: unknown): number[] {
  if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) {
    throw new TypeError(`${where}: ids must be an array of integers, got ${describeValue(ids)}`);
  }
  const list = Array.from(ids as ArrayLike<unknown>);
  return list.map((id, i) => {
    const n = typeof id === 'bigint' ? Number(id) : id;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new TypeError(`${where}: ids[${i}] must be a non-negative integer, got ${describeValue(id)}`);
    }
    return n;
  });
}

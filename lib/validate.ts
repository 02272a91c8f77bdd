// Validation of user input, once, in TypeScript: messages name the option, the value and what is
// allowed. Native code trusts what passes here (and still turns its own errors into TorchError).

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(show).join(', ')}${value.length > 8 ? ', ...' : ''}]`;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.prototype.toString.call(value);
}

/** Throws a TypeError saying what `name` should have been and what it was. */
export function invalid(name: string, expected: string, value: unknown): never {
  throw new TypeError(`${name}: expected ${expected}, received ${show(value)}`);
}

export function expectInt(name: string, value: unknown, min = -Infinity): number {
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    invalid(name, min === -Infinity ? 'an integer' : `an integer >= ${min}`, value);
  }
  return value;
}

export function expectNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) invalid(name, 'a number', value);
  return value;
}

export function expectBool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') invalid(name, 'a boolean', value);
  return value;
}

export function expectIntList(name: string, value: unknown, min = -Infinity): number[] {
  if (typeof value === 'number') return [expectInt(name, value, min)];
  if (!Array.isArray(value)) invalid(name, 'an array of integers', value);
  return value.map((v, i) => expectInt(`${name}[${i}]`, v, min));
}

export function expectOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    invalid(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** Rejects misspelled option names by name, listing the allowed ones. */
export function expectOptions<T extends object>(name: string, options: T | undefined, allowed: readonly string[]): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) invalid(name, 'an options object', options);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${name}: unknown option '${key}' (allowed: ${allowed.join(', ')})`);
    }
  }
  return options;
}

/**
 * Nested arrays of integers (token ids, masks, class labels), returned unchanged. A fraction
 * would otherwise be truncated silently on the way to an int64 tensor; the error names its
 * position, e.g. `inputIds[0][3]`.
 */
export function expectIntArray<T>(name: string, value: T, what = 'an integer'): T {
  const visit = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${where}[${i}]`));
    else if (typeof v !== 'bigint' && !Number.isSafeInteger(v)) invalid(where, what, v);
  };
  if (!Array.isArray(value)) invalid(name, 'an array', value);
  visit(value, name);
  return value;
}

/** Whether every number in nested arrays is an integer (torch.tensor then infers int64). */
export function allIntegers(value: unknown): boolean {
  return Array.isArray(value) ? value.every(allIntegers) : typeof value === 'bigint' || Number.isInteger(value);
}

/** Edit distance, used only to suggest the name a misspelled one probably meant. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The allowed name closest to `name` (case-insensitive) within `maxDistance` edits, or null. */
export function closestName(name: string, allowed: readonly string[], maxDistance = 3): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= maxDistance ? best : null;
}

// lib/validate.ts: every validator accepts exactly the values its contract names and otherwise
// throws a TypeError that names the option, what was expected and what was received. Examples
// written by hand, then properties over random junk (fast-check).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  allIntegers, expectBool, expectInt, expectIntArray, expectIntList, expectNumber, expectOneOf, expectOptions, invalid,
} from '../lib/validate';
import { props } from './property';

/** The TypeError fn throws (fails the test when it returns). */
function thrown(fn: () => unknown): TypeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    return err as TypeError;
  }
  throw new Error('expected a TypeError, but the call returned');
}

/** Any JS value a caller could pass by mistake. */
const junk = fc.oneof(
  fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE),
  fc.double(),
);

describe('invalid', () => {
  it('throws a TypeError "<name>: expected <what>, received <value>" with the value shown as written', () => {
    expect(thrown(() => invalid('opt', 'a thing', 'text')).message).toBe('opt: expected a thing, received "text"');
    expect(thrown(() => invalid('opt', 'a thing', 3n)).message).toBe('opt: expected a thing, received 3n');
    expect(thrown(() => invalid('opt', 'a thing', null)).message).toBe('opt: expected a thing, received null');
    expect(thrown(() => invalid('opt', 'a thing', undefined)).message).toBe('opt: expected a thing, received undefined');
    expect(thrown(() => invalid('opt', 'a thing', NaN)).message).toBe('opt: expected a thing, received NaN');
    expect(thrown(() => invalid('opt', 'a thing', {})).message).toBe('opt: expected a thing, received [object Object]');
    expect(thrown(() => invalid('opt', 'a thing', new Map())).message).toBe('opt: expected a thing, received [object Map]');
    expect(thrown(() => invalid('opt', 'a thing', [1, 'a', [2]])).message).toBe('opt: expected a thing, received [1, "a", [2]]');
  });

  it('shows at most the first 8 elements of an array, then "..."', () => {
    expect(thrown(() => invalid('o', 'x', [1, 2, 3, 4, 5, 6, 7, 8])).message).toBe('o: expected x, received [1, 2, 3, 4, 5, 6, 7, 8]');
    expect(thrown(() => invalid('o', 'x', [1, 2, 3, 4, 5, 6, 7, 8, 9])).message).toBe('o: expected x, received [1, 2, 3, 4, 5, 6, 7, 8, ...]');
  });

  test.prop([fc.string(), fc.string(), junk], props(200))('always throws a TypeError starting with "<name>: expected <what>, received "', (name, what, value) => {
    expect(thrown(() => invalid(name, what, value)).message.startsWith(`${name}: expected ${what}, received `)).toBe(true);
  });
});

describe('expectNumber', () => {
  it('accepts every number but NaN, including infinities and -0', () => {
    for (const v of [0, -0, 1.5, -7, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE]) expect(Object.is(expectNumber('x', v), v)).toBe(true);
  });

  it('rejects NaN, naming the option', () => {
    expect(thrown(() => expectNumber('temperature', NaN)).message).toBe('temperature: expected a number, received NaN');
  });

  it('rejects numeric strings, bigints, booleans and boxed numbers', () => {
    for (const v of ['1', 1n, true, null, undefined, new Number(1), [1]]) expect(thrown(() => expectNumber('x', v)).message).toMatch(/^x: expected a number, received /);
  });

  test.prop([junk], props(300))('returns the value exactly when it is a number other than NaN, else throws naming it', (value) => {
    const ok = typeof value === 'number' && !Number.isNaN(value);
    if (ok) expect(Object.is(expectNumber('n', value), value)).toBe(true);
    else expect(thrown(() => expectNumber('n', value)).message).toMatch(/^n: expected a number, received /);
  });
});

describe('expectInt', () => {
  it('accepts integers at or above min; bigints become numbers', () => {
    expect(expectInt('k', 3)).toBe(3);
    expect(expectInt('k', -5)).toBe(-5);
    expect(expectInt('k', 0, 0)).toBe(0);
    expect(expectInt('k', 7n, 1)).toBe(7);
    expect(typeof expectInt('k', 7n)).toBe('number');
  });

  it('rejects fractions, NaN, infinities and values below min with the bound in the message', () => {
    expect(thrown(() => expectInt('k', 1.5)).message).toBe('k: expected an integer, received 1.5');
    expect(thrown(() => expectInt('k', NaN)).message).toBe('k: expected an integer, received NaN');
    expect(thrown(() => expectInt('k', Infinity)).message).toBe('k: expected an integer, received Infinity');
    expect(thrown(() => expectInt('k', -1, 0)).message).toBe('k: expected an integer >= 0, received -1');
    expect(thrown(() => expectInt('k', 0, 1)).message).toBe('k: expected an integer >= 1, received 0');
    expect(thrown(() => expectInt('k', '3')).message).toBe('k: expected an integer, received "3"');
  });

  test.prop([junk, fc.integer({ min: -1000, max: 1000 })], props(300))('accepts exactly the integers >= min', (value, min) => {
    const n = typeof value === 'bigint' ? Number(value) : value;
    const ok = typeof n === 'number' && Number.isInteger(n) && n >= min;
    if (ok) expect(expectInt('i', value, min)).toBe(n);
    else expect(thrown(() => expectInt('i', value, min)).message.startsWith(`i: expected an integer >= ${min}, received `)).toBe(true);
  });
});

describe('expectBool', () => {
  test.prop([junk], props(200))('accepts exactly true and false', (value) => {
    if (typeof value === 'boolean') expect(expectBool('b', value)).toBe(value);
    else expect(thrown(() => expectBool('b', value)).message).toMatch(/^b: expected a boolean, received /);
  });

  it('rejects truthy and falsy non-booleans', () => {
    for (const v of [0, 1, '', 'true', null, undefined]) expect(thrown(() => expectBool('flag', v)).message).toMatch(/^flag: expected a boolean/);
  });
});

describe('expectIntList', () => {
  it('wraps a single integer; checks each element and names its index', () => {
    expect(expectIntList('ids', 4)).toEqual([4]);
    expect(expectIntList('ids', [1, 2n, 3])).toEqual([1, 2, 3]);
    expect(expectIntList('ids', [])).toEqual([]);
    expect(thrown(() => expectIntList('ids', [1, 2.5])).message).toBe('ids[1]: expected an integer, received 2.5');
    expect(thrown(() => expectIntList('ids', [0, -1], 0)).message).toBe('ids[1]: expected an integer >= 0, received -1');
    expect(thrown(() => expectIntList('ids', -1, 0)).message).toBe('ids: expected an integer >= 0, received -1');
    expect(thrown(() => expectIntList('ids', '1,2')).message).toBe('ids: expected an array of integers, received "1,2"');
  });

  test.prop([fc.array(fc.oneof(fc.integer(), fc.double(), fc.string())), fc.integer({ min: -5, max: 5 })], props(200))('accepts a list exactly when every element is an integer >= min', (list, min) => {
    const bad = list.findIndex((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= min));
    if (bad < 0) expect(expectIntList('l', list, min)).toEqual(list);
    else expect(thrown(() => expectIntList('l', list, min)).message).toMatch(new RegExp(`^l\\[${bad}\\]: expected an integer >= ${min}`));
  });
});

describe('expectOneOf', () => {
  it('accepts the allowed strings and lists them when refusing', () => {
    expect(expectOneOf('side', 'left', ['left', 'right'])).toBe('left');
    expect(thrown(() => expectOneOf('side', 'up', ['left', 'right'])).message).toBe("side: expected one of 'left', 'right', received \"up\"");
    expect(thrown(() => expectOneOf('side', ['left'], ['left', 'right'])).message).toMatch(/^side: expected one of/);
  });

  test.prop([junk, fc.array(fc.string(), { minLength: 1, maxLength: 5 })], props(200))('accepts exactly a string in the list', (value, allowed) => {
    if (typeof value === 'string' && allowed.includes(value)) expect(expectOneOf('o', value, allowed)).toBe(value);
    else expect(thrown(() => expectOneOf('o', value, allowed)).message).toMatch(/^o: expected one of /);
  });
});

describe('expectOptions', () => {
  it('undefined and null mean no options; known keys pass through unchanged', () => {
    expect(expectOptions('f', undefined, ['a'])).toEqual({});
    expect(expectOptions('f', null as never, ['a'])).toEqual({});
    const o = { a: 1 };
    expect(expectOptions('f', o, ['a', 'b'])).toBe(o);
  });

  it('names a misspelled key and lists the allowed ones; refuses arrays and primitives', () => {
    expect(thrown(() => expectOptions('generate', { maxNewToken: 3 }, ['maxNewTokens', 'doSample'])).message)
      .toBe("generate: unknown option 'maxNewToken' (allowed: maxNewTokens, doSample)");
    expect(thrown(() => expectOptions('f', [1] as never, ['a'])).message).toBe('f: expected an options object, received [1]');
    expect(thrown(() => expectOptions('f', 3 as never, ['a'])).message).toBe('f: expected an options object, received 3');
  });

  test.prop([fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 5 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 5 })], props(200))('accepts an object exactly when all its keys are allowed', (options, allowed) => {
    const unknown = Object.keys(options).find((k) => !allowed.includes(k));
    if (unknown === undefined) expect(expectOptions('f', options, allowed)).toBe(options);
    else expect(thrown(() => expectOptions('f', options, allowed)).message).toContain(`unknown option '${unknown}'`);
  });
});

describe('expectIntArray and allIntegers', () => {
  it('returns nested integer arrays unchanged and names the [row][column] of a fraction', () => {
    const ids = [[1, 2], [3, 4n]];
    expect(expectIntArray('inputIds', ids)).toBe(ids);
    expect(thrown(() => expectIntArray('inputIds', [[1, 2], [3, 4.5]])).message).toBe('inputIds[1][1]: expected an integer, received 4.5');
    expect(thrown(() => expectIntArray('labels', [0, 2 ** 53], 'a class index')).message).toBe(`labels[1]: expected a class index, received ${2 ** 53}`);
    expect(thrown(() => expectIntArray('mask', 5)).message).toBe('mask: expected an array, received 5');
    expect(thrown(() => expectIntArray('mask', [[1], ['1']])).message).toBe('mask[1][0]: expected an integer, received "1"');
  });

  const nested = fc.letrec((tie) => ({
    leaf: fc.oneof(fc.integer(), fc.double(), fc.bigInt({ min: -10n, max: 10n })),
    node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 })),
  })).node;

  test.prop([fc.array(nested, { maxLength: 4 })], props(300))('accepts nested arrays exactly when every leaf is a safe integer or a bigint', (value) => {
    const ok = (v: unknown): boolean => (Array.isArray(v) ? v.every(ok) : typeof v === 'bigint' || Number.isSafeInteger(v));
    if (ok(value)) expect(expectIntArray('x', value)).toBe(value);
    else expect(thrown(() => expectIntArray('x', value)).message).toMatch(/^x(\[\d+\])+: expected an integer, received /);
    const ints = (v: unknown): boolean => (Array.isArray(v) ? v.every(ints) : typeof v === 'bigint' || Number.isInteger(v));
    expect(allIntegers(value)).toBe(ints(value));
  });
});

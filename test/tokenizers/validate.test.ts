// The tokenizers' argument checks (lib/tokenizers/validate.ts): exact messages, a did-you-mean hint
// for misspelled options, and what each check accepts.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { checkBoolean, checkIds, checkInteger, checkOneOf, checkTexts, describeValue, rejectUnknownOptions } from '../../lib/tokenizers/validate';
import { props } from '../property';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('describeValue', () => {
  it('names the type and shows short values', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue([1])).toBe('array');
    expect(describeValue('ab')).toBe('string "ab"');
    expect(describeValue('x'.repeat(41))).toBe(`string "${'x'.repeat(40)}…"`);
    expect(describeValue('x'.repeat(40))).toBe(`string "${'x'.repeat(40)}"`);
    expect(describeValue(3)).toBe('number 3');
    expect(describeValue(true)).toBe('boolean true');
    expect(describeValue(5n)).toBe('bigint 5');
    expect(describeValue({})).toBe('object');
    expect(describeValue(() => 1)).toBe('function');
  });
});

describe('rejectUnknownOptions', () => {
  const allowed = ['padding', 'truncation', 'maxLength'];
  it('passes undefined and known keys; refuses non-objects', () => {
    expect(() => rejectUnknownOptions('f()', undefined, allowed)).not.toThrow();
    expect(() => rejectUnknownOptions('f()', { padding: true, maxLength: 3 }, allowed)).not.toThrow();
    for (const bad of [null, 3, 'x', [1]]) {
      const err = thrown(() => rejectUnknownOptions('f()', bad, allowed));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toBe(`f(): options must be an object, got ${describeValue(bad)}`);
    }
  });

  it('suggests the nearest allowed name within 3 edits, and lists them all', () => {
    expect(thrown(() => rejectUnknownOptions('f()', { maxLenght: 3 }, allowed)).message).toBe("f(): unknown option 'maxLenght' (did you mean 'maxLength'?); allowed options: padding, truncation, maxLength");
    expect(thrown(() => rejectUnknownOptions('f()', { pading: 3 }, allowed)).message).toBe("f(): unknown option 'pading' (did you mean 'padding'?); allowed options: padding, truncation, maxLength");
    expect(thrown(() => rejectUnknownOptions('f()', { somethingElse: 3 }, allowed)).message).toBe("f(): unknown option 'somethingElse'; allowed options: padding, truncation, maxLength");
    expect(thrown(() => rejectUnknownOptions('f()', { truncate: 1 }, allowed)).message).toContain("did you mean 'truncation'?");
    expect(thrown(() => rejectUnknownOptions('f()', { abc: 1 }, ['abcd', 'xyzw'])).message).toContain("did you mean 'abcd'?");
    expect(thrown(() => rejectUnknownOptions('f()', { xyz: 1 }, ['abcd', 'xyzw'])).message).toContain("did you mean 'xyzw'?");
    expect(thrown(() => rejectUnknownOptions('f()', { wxyd: 1 }, ['abcd', 'efghijkl'])).message).toContain("did you mean 'abcd'?"); // 3 edits
    expect(thrown(() => rejectUnknownOptions('f()', { wxyz: 1 }, ['abcd', 'efghijkl'])).message).not.toContain('did you mean'); // 4 edits
  });
});

describe('checkOneOf, checkBoolean, checkInteger, checkTexts, checkIds', () => {
  it('give RangeError / TypeError with the option and the value', () => {
    const one = thrown(() => checkOneOf('f()', 'side', 'up', ['left', 'right', true]));
    expect(one).toBeInstanceOf(RangeError);
    expect(one.message).toBe("f(): side must be one of 'left', 'right', true, got string \"up\"");
    expect(checkOneOf('f()', 'side', true, ['left', true])).toBe(true);
    const bool = thrown(() => checkBoolean('f()', 'flag', 'yes'));
    expect(bool).toBeInstanceOf(TypeError);
    expect(bool.message).toBe('f(): flag must be a boolean, got string "yes"');
    expect(checkBoolean('f()', 'flag', false)).toBe(false);
    const int = thrown(() => checkInteger('f()', 'maxLength', 0, 1));
    expect(int).toBeInstanceOf(RangeError);
    expect(int.message).toBe('f(): maxLength must be an integer >= 1, got number 0');
    expect(thrown(() => checkInteger('f()', 'n', 1.5, 0)).message).toBe('f(): n must be an integer >= 0, got number 1.5');
    expect(thrown(() => checkInteger('f()', 'n', '2', 0)).message).toBe('f(): n must be an integer >= 0, got string "2"');
    expect(checkInteger('f()', 'n', undefined, 1)).toBeUndefined();
    expect(checkInteger('f()', 'n', 1, 1)).toBe(1);
    expect(checkTexts('f()', 'texts', 'one')).toEqual(['one']);
    expect(checkTexts('f()', 'texts', ['a', 'b'])).toEqual(['a', 'b']);
    expect(thrown(() => checkTexts('f()', 'texts', 5)).message).toBe('f(): texts must be a string or an array of strings, got number 5');
    expect(thrown(() => checkTexts('f()', 'texts', ['a', 1])).message).toBe('f(): texts[1] must be a string, got number 1');
    expect(checkIds('f()', [0, 3n, 7])).toEqual([0, 3, 7]);
    expect(checkIds('f()', new Int32Array([1, 2]))).toEqual([1, 2]);
    expect(thrown(() => checkIds('f()', 'abc')).message).toBe('f(): ids must be an array of integers, got string "abc"');
    expect(thrown(() => checkIds('f()', [1, -1])).message).toBe('f(): ids[1] must be a non-negative integer, got number -1');
    expect(thrown(() => checkIds('f()', [1.5])).message).toBe('f(): ids[0] must be a non-negative integer, got number 1.5');
  });

  test.prop([fc.anything(), fc.integer({ min: -3, max: 3 })], props(200))('checkInteger accepts exactly undefined and the integers >= min', (value, min) => {
    const ok = value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= min);
    if (ok) expect(checkInteger('f()', 'n', value, min)).toBe(value);
    else expect(thrown(() => checkInteger('f()', 'n', value, min))).toBeInstanceOf(RangeError);
  });
});

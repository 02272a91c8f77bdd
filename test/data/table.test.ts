// The tabular readers' shared checks (lib/data/table.ts) and error wording (lib/data/errors.ts):
// each message names the file and the line or row, quotes the value (shortened past 60
// characters) and says what would fix it.
import { describe, expect, it } from 'vitest';
import { DataError, describeLocation, quote } from '../../lib/data/errors';
import { requireColumns, textAt, type Table } from '../../lib/data/table';

const table = (rows: Array<Record<string, unknown>>, columns = ['text', 'label']): Table => ({
  file: 'train.csv', columns, rows, locate: (i) => ({ file: 'train.csv', line: i + 2 }),
});
const message = (fn: () => unknown) => {
  try { fn(); } catch (err) { expect(err).toBeInstanceOf(DataError); return (err as Error).message; }
  throw new Error('did not throw');
};

describe('requireColumns', () => {
  it('passes when every asked column is there; else names the column, the ones there are, and the option', () => {
    expect(() => requireColumns(table([]), [['textColumn', 'text'], ['labelColumn', 'label']])).not.toThrow();
    expect(message(() => requireColumns(table([]), [['textColumn', 'text'], ['labelColumn', 'stars']])))
      .toBe('train.csv: no column "stars" (columns: "text", "label"); pass labelColumn with one of them');
    expect(message(() => requireColumns(table([], []), [['textColumn', 'text']]))).toBe('train.csv: no column "text" (columns: none); pass textColumn with one of them');
  });
});

describe('textAt', () => {
  it('returns non-empty strings as they are and numbers as their digits', () => {
    const t = table([{ text: ' a b ' }, { text: 12 }, { text: 7n }, { text: 0 }]);
    expect([0, 1, 2, 3].map((i) => textAt(t, i, 'text'))).toEqual([' a b ', '12', '7', '0']);
  });

  it('says what is wrong with the value, at the row\'s line', () => {
    const t = table([{ text: '' }, { text: ' \t' }, { text: null }, {}, { text: true }, { text: { a: 1 } }]);
    const fix = '; give every row a text, or drop the row';
    expect(message(() => textAt(t, 0, 'text'))).toBe(`train.csv, line 2: empty text in column "text"${fix}`);
    expect(message(() => textAt(t, 1, 'text'))).toBe(`train.csv, line 3: empty text in column "text"${fix}`);
    expect(message(() => textAt(t, 2, 'text'))).toBe(`train.csv, line 4: empty text in column "text"${fix}`);
    expect(message(() => textAt(t, 3, 'text'))).toBe(`train.csv, line 5: no "text" field${fix}`);
    expect(message(() => textAt(t, 4, 'text'))).toBe(`train.csv, line 6: column "text" holds boolean, not text${fix}`);
    expect(message(() => textAt(t, 5, 'text'))).toBe(`train.csv, line 7: column "text" holds object, not text${fix}`);
  });
});

describe('DataError, describeLocation and quote', () => {
  it('places the problem after the file and its line or row, and the fix after a semicolon when there is one', () => {
    const e = new DataError({ file: 'a.jsonl', line: 3 }, 'bad JSON', 'fix the line');
    expect([e.message, e.name, e.file, e.line, e.row]).toEqual(['a.jsonl, line 3: bad JSON; fix the line', 'DataError', 'a.jsonl', 3, undefined]);
    const r = new DataError({ file: 'a.parquet', row: 0 }, 'no label');
    expect([r.message, r.row, r.line]).toEqual(['a.parquet, row 0: no label', 0, undefined]);
    expect(describeLocation({ file: 'f', line: 1, row: 9 })).toBe('f, line 1');
    expect(describeLocation({ file: 'f' })).toBe('f');
  });

  it('quotes strings as JSON, shortens those over 60 characters to 57 and "...", and writes other values plainly', () => {
    expect(quote('a"b')).toBe('"a\\"b"');
    expect(quote('x'.repeat(60))).toBe(JSON.stringify('x'.repeat(60)));
    expect(quote('x'.repeat(61))).toBe(JSON.stringify(`${'x'.repeat(57)}...`));
    expect([quote(3), quote(null), quote(true), quote(12n), quote(undefined), quote([1, 'a'])]).toEqual(['3', 'null', 'true', '12', 'undefined', '[1,"a"]']);
  });
});

/** JSON Lines (and JSON arrays): rows, skipped blank lines, and errors naming the line or row. */
import { describe, expect, it } from 'vitest';
import { DataError, readJsonLines } from '../../lib/data';
import { rejection, tempDir, write } from './helpers';

const dir = tempDir();

describe('readJsonLines', () => {
  it('reads one object a line, skips blank lines, keeps each row\'s line and the union of keys', async () => {
    const file = write(dir, 'ok.jsonl', '{"text": "a\\nb", "label": 1}\n\n{"text": "c", "label": "pos", "id": 7}\r\n');
    const t = await readJsonLines(file);
    expect(t.rows).toEqual([{ text: 'a\nb', label: 1 }, { text: 'c', label: 'pos', id: 7 }]);
    expect(t.columns).toEqual(['text', 'label', 'id']);
    expect([t.locate(0).line, t.locate(1).line]).toEqual([1, 3]);
  });

  it('reads a JSON array of objects, locating rows by index', async () => {
    const t = await readJsonLines(write(dir, 'arr.json', '[{"text": "x", "label": 0}, {"text": "y", "label": 1}]'));
    expect(t.rows.length).toBe(2);
    expect(t.locate(1)).toEqual({ file: `${dir}/arr.json`, row: 1 });
  });

  it('a line that is not JSON is an error naming the line and the parser\'s complaint', async () => {
    const file = write(dir, 'bad.jsonl', '{"text": "a", "label": 1}\n{"text": "b", label: 2}\n');
    const err = await rejection(readJsonLines(file));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(new RegExp(`^${file}, line 2: not valid JSON \\(.+\\); write one complete JSON object per line$`));
  });

  it('a line holding an array or a number is an error saying an object was expected', async () => {
    const file = write(dir, 'arrline.jsonl', '{"text": "a", "label": 1}\n["b", 2]\n');
    expect((await rejection(readJsonLines(file))).message).toBe(
      `${file}, line 2: expected a JSON object with named fields, got an array; write each example as {"text": ..., "label": ...}`,
    );
    const row = write(dir, 'arr2.json', '[{"text": "a"}, 3]');
    expect((await rejection(readJsonLines(row))).message).toMatch(/arr2\.json, row 1: expected a JSON object with named fields, got number/);
  });

  it('empty files and empty arrays are errors', async () => {
    expect((await rejection(readJsonLines(write(dir, 'e.jsonl', '\n\n')))).message).toMatch(/e\.jsonl: the file is empty/);
    expect((await rejection(readJsonLines(write(dir, 'e.json', '[]')))).message).toMatch(/e\.json: the JSON array is empty/);
  });

  it('a line of spaces is blank; a JSON array may follow leading whitespace, and its columns are the union of keys', async () => {
    const lines = await readJsonLines(write(dir, 'spaces.jsonl', '{"text": "a"}\n   \t\n{"text": "b"}\n'));
    expect(lines.rows).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(lines.locate(1)).toEqual({ file: lines.file, line: 3 });
    const array = await readJsonLines(write(dir, 'indented.json', '\n  [{"text": "a"}, {"label": 1}]\n'));
    expect(array.rows).toEqual([{ text: 'a' }, { label: 1 }]);
    expect(array.columns).toEqual(['text', 'label']);
    expect(array.locate(1)).toEqual({ file: array.file, row: 1 });
  });

  it('array errors are whole sentences naming the file or the row', async () => {
    const broken = write(dir, 'broken.json', '[{"text": "a"},');
    const err = await rejection(readJsonLines(broken));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(new RegExp(`^${broken}: not valid JSON \\(.+\\); fix the JSON array, or write JSON Lines \\(one object per line\\)$`));
    const empty = write(dir, 'empty-array.json', '[]');
    expect((await rejection(readJsonLines(empty))).message).toBe(`${empty}: the JSON array is empty; check that it is the right file`);
    const fix = 'write each example as {"text": ..., "label": ...}';
    for (const [value, kind] of [['null', 'null'], ['[1]', 'an array'], ['"x"', 'string'], ['2', 'number']]) {
      const file = write(dir, `row-${kind.replace(' ', '-')}.json`, `[{"text": "a"}, ${value}]`);
      expect((await rejection(readJsonLines(file))).message).toBe(`${file}, row 1: expected a JSON object with named fields, got ${kind}; ${fix}`);
    }
    const line = write(dir, 'null-line.jsonl', '{"text": "a"}\nnull\n');
    expect((await rejection(readJsonLines(line))).message).toBe(`${line}, line 2: expected a JSON object with named fields, got null; ${fix}`);
  });
});

// The label helpers one at a time (lib/data/labels.ts): labelSpace's checks, id2label order,
// mapping-file lines and JSON shapes, integers written as digits, and the messages that name
// the label, the classes known (12 at most) and the fix.
import { describe, expect, it } from 'vitest';
import { readMappingFile } from '../../lib/data';
import { asInteger, encodeLabel, labelSpace, namesFromData, namesFromId2Label, requireLabel } from '../../lib/data/labels';
import { rejection, tempDir, write } from './helpers';

const dir = tempDir();
const AT = { file: 'train.csv', line: 4 };

describe('labelSpace', () => {
  it('maps names to ids both ways, in order', () => {
    expect(labelSpace('x', ['neg', 'pos'])).toEqual({ id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 }, numLabels: 2 });
  });

  it('refuses an empty list or a non-list, empty or non-string names, and repeats, naming where', () => {
    for (const bad of [[], 'neg', null]) expect(() => labelSpace('train', bad as never)).toThrow('train: labelNames must be a non-empty array of class names');
    expect(() => labelSpace('train', ['a', ''])).toThrow('train: labelNames[1] must be a non-empty string, got ""');
    expect(() => labelSpace('train', ['a', 3] as never)).toThrow('train: labelNames[1] must be a non-empty string, got 3');
    expect(() => labelSpace('train', ['a', 'b', 'a'])).toThrow('train: labelNames has "a" twice (ids 0 and 2); names must be distinct');
  });
});

describe('namesFromId2Label and mapping files', () => {
  it('orders ids numerically (10 after 9), and names a gap', () => {
    const id2label = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [String(i), `c${i}`]));
    expect(namesFromId2Label('m', id2label)).toEqual(Array.from({ length: 11 }, (_, i) => `c${i}`));
    expect(() => namesFromId2Label('m', { 0: 'a', 2: 'b' })).toThrow('m: label ids must be 0..1 without gaps, found id 2');
  });

  it('text lines: ids after leading spaces, a tab or several spaces, ids of several digits; a line without an id takes its position', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => `${i}  \tc${i} `).reverse().join('\n');
    expect(await readMappingFile(write(dir, 'many.txt', ` ${lines}\n`))).toEqual(Array.from({ length: 12 }, (_, i) => `c${i}`));
    expect(await readMappingFile(write(dir, 'plain.txt', 'very sad\r\n  happy  \n'))).toEqual(['very sad', 'happy']);
    expect(await readMappingFile(write(dir, 'digitname.txt', '0\tx\n1 y z\n'))).toEqual(['x', 'y z']);
  });

  it('text lines: a repeated id names both lines; a gap names the missing id', async () => {
    const twice = await rejection(readMappingFile(write(dir, 'twice.txt', '0\ta\n1\tb\n0\tc\n')));
    expect(twice.message).toMatch(/twice\.txt, line 3: label id 0 appears twice \(also on line 1\); give each id once$/);
    const gap = await rejection(readMappingFile(write(dir, 'gap.txt', '0\ta\n2\tb\n')));
    expect(gap.message).toMatch(/gap\.txt: label ids must be 0\.\.1, but id 1 is missing; number the classes from 0 without gaps$/);
  });

  it('JSON: malformed, mixed lists, non-string values and gaps are errors naming the file and the fix', async () => {
    expect((await rejection(readMappingFile(write(dir, 'bad.json', '{')))).message).toMatch(/bad\.json: malformed JSON \(.+\); fix the JSON$/);
    for (const [name, text] of [['mixed.json', '["a", 1]'], ['nums.json', '{"0": 1}'], ['null.json', 'null'], ['str.json', '"a"']]) {
      expect((await rejection(readMappingFile(write(dir, name, text)))).message)
        .toMatch(new RegExp(`${name.replace('.', '\\.')}: expected a list of class names or an object \\{"0": "name", \\.\\.\\.\\}; write the mapping in one of those shapes$`));
    }
    const gap = await rejection(readMappingFile(write(dir, 'gap.json', '{"0": "a", "3": "b"}')));
    expect(gap.message).toMatch(/gap\.json: label ids must be 0\.\.1 without gaps, found id 3; number the classes from 0 without gaps$/);
  });
});

describe('asInteger, namesFromData, requireLabel', () => {
  it('integers as numbers, bigints or digits (spaces around, a minus sign); nothing else', () => {
    expect([3, 3n, ' 12 ', '-4', '0'].map(asInteger)).toEqual([3, 3, 12, -4, 0]);
    expect([1.5, '1.5', '1 2', 'a1', '1a', '', '-', null, true].map(asInteger)).toEqual(Array(9).fill(undefined));
  });

  it('integer labels give 0..max; others their distinct values sorted', () => {
    expect(namesFromData([2, '0', 2n])).toEqual(['0', '1', '2']);
    expect(namesFromData(['pos', 'neg', 'pos', 1])).toEqual(['1', 'neg', 'pos']);
  });

  it('a missing, null, empty or blank label is an error naming the column', () => {
    for (const v of [undefined, null, '', ' \t']) expect(() => requireLabel(v, AT, 'stars')).toThrow('train.csv, line 4: no label in column "stars"; give every row a label');
    for (const v of [0, 'a', false]) expect(() => requireLabel(v, AT, 'stars')).not.toThrow();
  });
});

describe('encodeLabel', () => {
  const space = labelSpace('x', ['neg', 'neu', 'pos']);
  it('a name first (trimmed), then an id in range', () => {
    expect(['neu', ' pos ', 0, '2', 1n].map((v) => encodeLabel(space, v, AT, 'label'))).toEqual([1, 2, 0, 2, 1]);
    const numeric = labelSpace('x', ['1', '0']);  // classes named by digits: the name wins over the id
    expect(encodeLabel(numeric, 1, AT, 'label')).toBe(0);
    expect(encodeLabel(labelSpace('x', ['true', 'false']), false, AT, 'label')).toBe(1);
  });

  it('names an id out of range or an unknown name, with the classes (the first 12, then ...)', () => {
    const fix = '; fix the label, or pass labelNames / mappingFile listing every class';
    expect(() => encodeLabel(space, 3, AT, 'label')).toThrow(`train.csv, line 4: label 3 is outside the mapping (ids 0..2: neg, neu, pos)${fix}`);
    expect(() => encodeLabel(space, -1, AT, 'label')).toThrow('label -1 is outside the mapping');
    expect(() => encodeLabel(space, 'good', AT, 'label')).toThrow(`train.csv, line 4: label "good" is not one of the classes (neg, neu, pos)${fix}`);
    const twelve = labelSpace('x', Array.from({ length: 12 }, (_, i) => `c${i}`));
    expect(() => encodeLabel(twelve, 'z', AT, 'label')).toThrow(`(${Array.from({ length: 12 }, (_, i) => `c${i}`).join(', ')})`);
    const thirteen = labelSpace('x', Array.from({ length: 13 }, (_, i) => `c${i}`));
    expect(() => encodeLabel(thirteen, 'z', AT, 'label')).toThrow(`(${Array.from({ length: 12 }, (_, i) => `c${i}`).join(', ')}, ...)`);
  });
});

/** Label names: mapping files in their three shapes, names from the data, and label errors. */
import { describe, expect, it } from 'vitest';
import { readMappingFile } from '../../lib/data';
import { encodeLabel, labelSpace, namesFromData } from '../../lib/data/labels';
import { rejection, tempDir, write } from './helpers';

const dir = tempDir();

describe('readMappingFile', () => {
  it('reads TweetEval\'s "id<TAB>name" lines in id order, whatever their order in the file', async () => {
    expect(await readMappingFile(write(dir, 'mapping.txt', '1\tneutral\r\n0\tnegative\n2\tpositive\n'))).toEqual(['negative', 'neutral', 'positive']);
  });

  it('reads one name a line, and JSON lists or id2label objects', async () => {
    expect(await readMappingFile(write(dir, 'names.txt', 'sad\n\nhappy\n'))).toEqual(['sad', 'happy']);
    expect(await readMappingFile(write(dir, 'list.json', '["a", "b"]'))).toEqual(['a', 'b']);
    expect(await readMappingFile(write(dir, 'obj.json', '{"1": "b", "0": "a"}'))).toEqual(['a', 'b']);
  });

  it('repeated ids, gaps and other JSON are errors naming the file (and line)', async () => {
    const dup = write(dir, 'dup.txt', '0\ta\n0\tb\n');
    expect((await rejection(readMappingFile(dup))).message).toBe(`${dup}, line 2: label id 0 appears twice (also on line 1); give each id once`);
    expect((await rejection(readMappingFile(write(dir, 'gap.txt', '0\ta\n2\tc\n')))).message).toMatch(/gap\.txt: label ids must be 0\.\.1, but id 1 is missing/);
    expect((await rejection(readMappingFile(write(dir, 'gap.json', '{"0": "a", "5": "b"}')))).message).toMatch(/gap\.json: label ids must be 0\.\.1 without gaps/);
    expect((await rejection(readMappingFile(write(dir, 'num.json', '[1, 2]')))).message).toMatch(/num\.json: expected a list of class names/);
    expect((await rejection(readMappingFile(write(dir, 'broken.json', '{"0": ')))).message).toMatch(/broken\.json: malformed JSON/);
  });
});

describe('names from the data and encodeLabel', () => {
  it('string labels are sorted as run_glue sorts them; integer labels are ids 0..max', () => {
    expect(namesFromData(['pos', 'neg', 'pos', 'neu'])).toEqual(['neg', 'neu', 'pos']);
    expect(namesFromData([2, '0', BigInt(1)])).toEqual(['0', '1', '2']);
    expect(namesFromData(['3', 1])).toEqual(['0', '1', '2', '3']);
    expect(namesFromData(['1', 'x'])).toEqual(['1', 'x']);
  });

  it('a name, an id as a number, a bigint or digits all give the id; others are errors', () => {
    const space = labelSpace('t', ['neg', 'pos']);
    const at = { file: 'f.csv', line: 9 };
    expect([encodeLabel(space, 'pos', at, 'label'), encodeLabel(space, 1, at, 'label'), encodeLabel(space, BigInt(0), at, 'label'), encodeLabel(space, ' 1 ', at, 'label')]).toEqual([1, 1, 0, 1]);
    expect(() => encodeLabel(space, 2, at, 'label')).toThrow('f.csv, line 9: label 2 is outside the mapping (ids 0..1: neg, pos)');
    expect(() => encodeLabel(space, 0.5, at, 'label')).toThrow('f.csv, line 9: label 0.5 is not one of the classes (neg, pos)');
    expect(() => encodeLabel(space, null, at, 'label')).toThrow('f.csv, line 9: no label in column "label"');
  });

  it('boolean labels (JSON true/false) become the classes "false" and "true"', () => {
    const space = labelSpace('t', namesFromData([true, false, true]));
    expect(space.id2label).toEqual({ 0: 'false', 1: 'true' });
    expect(encodeLabel(space, true, { file: 'f' }, 'label')).toBe(1);
  });

  it('classes named by digits are looked up by name first', () => {
    const space = labelSpace('t', ['1', '2', '5']);
    expect(encodeLabel(space, 5, { file: 'f' }, 'label')).toBe(2);
    expect(encodeLabel(space, '1', { file: 'f' }, 'label')).toBe(0);
  });
});

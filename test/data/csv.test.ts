/** CSV / TSV reading: RFC 4180 quoting, newlines inside fields, line numbers in every error. */
import { describe, expect, it } from 'vitest';
import { DataError, readCsv } from '../../lib/data';
import { rejection, tempDir, write } from './helpers';

const dir = tempDir();

describe('readCsv', () => {
  it('reads quoted fields with commas, doubled quotes and embedded newlines, skipping blank lines', async () => {
    const file = write(dir, 'ok.csv', 'text,label\n"Hello, world",pos\n"She said ""no""\nthen left",neg\n\nplain,neu\n');
    const t = await readCsv(file);
    expect(t.columns).toEqual(['text', 'label']);
    expect(t.rows).toEqual([
      { text: 'Hello, world', label: 'pos' },
      { text: 'She said "no"\nthen left', label: 'neg' },
      { text: 'plain', label: 'neu' },
    ]);
    // Row 3 starts on line 6: the quoted field of row 2 spans lines 3-4, line 5 is blank.
    expect([0, 1, 2].map((i) => t.locate(i).line)).toEqual([2, 3, 6]);
  });

  it('reads TSV (tab from the extension) with CRLF line ends and a byte-order mark', async () => {
    const file = write(dir, 'ok.tsv', '\ufeffsentence\tlabel\r\na, b\t1\r\n"tab\tinside"\t0\r\n');
    const t = await readCsv(file);
    expect(t.columns).toEqual(['sentence', 'label']);
    expect(t.rows).toEqual([{ sentence: 'a, b', label: '1' }, { sentence: 'tab\tinside', label: '0' }]);
  });

  it('takes a stray quote inside an unquoted field as text, as pandas does', async () => {
    const t = await readCsv(write(dir, 'stray.csv', 'text,label\nit"s fine,1\n5" tall,2\n'));
    expect(t.rows.map((r) => r.text)).toEqual(['it"s fine', '5" tall']);
  });

  it('a row with too many fields is an error naming its line and the counts', async () => {
    const file = write(dir, 'wide.csv', 'text,label\na,1\nb,2,extra\n');
    const err = await rejection(readCsv(file));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(`${file}, line 3: 3 fields where the header has 2; give every row as many fields as the header, and quote fields that contain the delimiter`);
    expect(err.line).toBe(3);
  });

  it('an unclosed quote is an error saying so', async () => {
    const file = write(dir, 'open.csv', 'text,label\n"never closed,1\nnext,2\n');
    expect((await rejection(readCsv(file))).message).toMatch(/open\.csv, line \d: the file ends inside a quoted field/);
  });

  it('empty file, header without rows, duplicate and empty header names are errors', async () => {
    expect((await rejection(readCsv(write(dir, 'empty.csv', '')))).message).toMatch(/empty\.csv: the file is empty/);
    expect((await rejection(readCsv(write(dir, 'head.csv', 'text,label\n')))).message).toMatch(/head\.csv: the file has a header but no rows/);
    expect((await rejection(readCsv(write(dir, 'dup.csv', 'text,text\na,b\n')))).message).toMatch(/dup\.csv, line 1: column "text" appears twice/);
    expect((await rejection(readCsv(write(dir, 'blank.csv', 'text,,label\na,b,c\n')))).message).toMatch(/blank\.csv, line 1: header field 2 is empty/);
  });

  it('invalid UTF-8 is an error naming the line, not a replacement character', async () => {
    const file = write(dir, 'latin1.csv', Buffer.concat([Buffer.from('text,label\nok,1\ncaf'), Buffer.from([0xe9]), Buffer.from(',2\n')]));
    expect((await rejection(readCsv(file))).message).toMatch(/latin1\.csv, line 3: invalid UTF-8/);
  });

  it('an explicit delimiter wins over the extension', async () => {
    const t = await readCsv(write(dir, 'semi.csv', 'text;label\na,b;1\n'), { delimiter: ';' });
    expect(t.rows).toEqual([{ text: 'a,b', label: '1' }]);
  });

  it('the delimiter comes from the extension at the end of the name, in any case', async () => {
    expect((await readCsv(write(dir, 'UPPER.TSV', 'a\tb\n1,2\t3\n'))).rows).toEqual([{ a: '1,2', b: '3' }]);
    expect((await readCsv(write(dir, 'x.tsv.csv', 'a,b\n1\t2,3\n'))).rows).toEqual([{ a: '1\t2', b: '3' }]);
  });

  it('a blank CRLF line before a record is skipped when locating it', async () => {
    const t = await readCsv(write(dir, 'crlf-blank.csv', 'text,label\r\na,1\r\n\r\n\r\nb,2\r\n'));
    expect(t.rows).toEqual([{ text: 'a', label: '1' }, { text: 'b', label: '2' }]);
    expect([0, 1].map((i) => t.locate(i))).toEqual([{ file: t.file, line: 2 }, { file: t.file, line: 5 }]);
  });

  it('field counts of two digits are reported whole', async () => {
    const header = Array.from({ length: 12 }, (_, i) => `c${i}`).join(',');
    const file = write(dir, 'wide12.csv', `${header}\n${'x,'.repeat(11)}x\n${'x,'.repeat(12)}x\n`);
    expect((await rejection(readCsv(file))).message).toMatch(/, line 3: 13 fields where the header has 12;/);
  });

  it('each file-level error is the whole sentence: what is wrong and how to fix it', async () => {
    const cases: [string, string, string][] = [
      ['head2.csv', 'text,label\n', 'the file has a header but no rows; check that it is the right file'],
      ['dup2.csv', 'text,text\na,b\n', 'line 1: column "text" appears twice in the header; give each column its own name'],
      ['blank2.csv', 'text,,label\na,b,c\n', 'line 1: header field 2 is empty; name every column in the first line'],
    ];
    for (const [name, text, message] of cases) {
      const file = write(dir, name, text);
      const err = await rejection(readCsv(file));
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toBe(message.startsWith('line') ? `${file}, ${message}` : `${file}: ${message}`);
    }
    const open = write(dir, 'open2.csv', 'text,label\na,1\n"never closed,1\n');
    expect((await rejection(readCsv(open))).message).toBe(`${open}, line 3: the file ends inside a quoted field (a quote opened on an earlier line is never closed); close the quoted field with "`);
  });
});

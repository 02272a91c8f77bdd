/**
 * Project Gutenberg header/footer removal, on small texts with each marker style and on the
 * Plato files, whose first and last lines of the work were found by hand (grep for the markers,
 * then the title line after the "Produced by" credit, and the last line before the footer).
 */
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { GutenbergFilter, stripGutenberg } from '../../lib/data';
import { PLATO, PLATO_BODY } from './helpers';

/** Lines of `text` without blank lines at either end. */
function trimmedLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[0].trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

describe('stripGutenberg', () => {
  it('removes a modern header, credit paragraph and footer (licence included)', () => {
    const text = [
      'The Project Gutenberg EBook of X', 'licence blah', '*** START OF THE PROJECT GUTENBERG EBOOK X ***', '',
      'Produced by Someone', 'and a Team', '', 'TITLE', '', 'Body line.', '',
      '*** END OF THE PROJECT GUTENBERG EBOOK X ***', 'Full licence', '*** START: FULL LICENSE ***', 'more',
    ].join('\r\n');
    const r = stripGutenberg(text);
    expect(trimmedLines(r.text)).toEqual(['TITLE', '', 'Body line.']);
    expect([r.headerFound, r.footerFound]).toEqual([true, true]);
  });

  it('handles "THIS", "***START" and the "End of the Project Gutenberg EBook" line before the *** END line', () => {
    const a = stripGutenberg('h\n***START OF THIS PROJECT GUTENBERG EBOOK Y ***\nWork\nEnd of the Project Gutenberg EBook of Y\n\n*** END OF THIS PROJECT GUTENBERG EBOOK Y ***\n');
    expect(trimmedLines(a.text)).toEqual(['Work']);
  });

  it('handles 1990s e-texts: the header ends with the small print, the footer starts "End of this Project Gutenberg Etext"', () => {
    const text = '**The Project Gutenberg Etext**\n***START**THE SMALL PRINT!**FOR PUBLIC DOMAIN ETEXTS**START***\nlegal\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\n\nThis etext was prepared by S.\n\nCRITO\nText.\nEnd of this Project Gutenberg Etext of Crito\n';
    expect(trimmedLines(stripGutenberg(text).text)).toEqual(['CRITO', 'Text.']);
  });

  it('leaves a text without markers whole, and a body line mentioning Gutenberg alone', () => {
    const plain = 'Just a text.\nIt mentions the Project Gutenberg mid-line.\n';
    expect(stripGutenberg(plain)).toEqual({ text: plain, headerFound: false, footerFound: false });
  });

  it('looks for a start marker only in the first 1,000 lines or 200,000 characters', () => {
    const lines = Array.from({ length: 1200 }, (_, i) => `line ${i}`);
    lines[1100] = '*** START OF THE PROJECT GUTENBERG EBOOK Z ***';
    const r = stripGutenberg(lines.join('\n'));
    expect(r.headerFound).toBe(false);
    expect(r.text.split('\n').length).toBe(1200);
    const long = ['x'.repeat(150_000), 'y'.repeat(60_000), '*** START OF THE PROJECT GUTENBERG EBOOK Z ***', 'z'];
    expect(stripGutenberg(long.join('\n')).headerFound).toBe(false);
    expect(stripGutenberg(long.slice(1).join('\n')).headerFound).toBe(true);
  });

  it('the line filter stops at the footer (done) so a stream can stop reading', () => {
    const f = new GutenbergFilter();
    expect(f.push('*** START OF THE PROJECT GUTENBERG EBOOK A ***')).toEqual([]);
    expect(f.push('work')).toEqual(['work']);
    expect(f.push('*** END OF THE PROJECT GUTENBERG EBOOK A ***')).toEqual([]);
    expect(f.done).toBe(true);
    expect(f.push('licence')).toEqual([]);
  });
});

describe('stripGutenberg on the Plato files', () => {
  it('keeps exactly the hand-found lines of the work in all 17 files', () => {
    for (const [id, [first, last]] of Object.entries(PLATO_BODY)) {
      const raw = fs.readFileSync(path.join(PLATO, `${id}.txt`), 'utf8');
      const expected = raw.split(/\r?\n/).slice(first - 1, last);
      expect(trimmedLines(stripGutenberg(raw).text), `${id}.txt`).toEqual(expected);
    }
  });
});

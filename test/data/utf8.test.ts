/** Strict UTF-8: invalid bytes are found (not replaced), and errors name the file and line. */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../lib/data';
import { readLines, readText } from '../../lib/data/files';
import { decodeUtf8, firstInvalidUtf8, StreamingUtf8Decoder } from '../../lib/data/utf8';
import { rejection, tempDir, write } from './helpers';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('firstInvalidUtf8', () => {
  it('accepts ASCII, 2-, 3- and 4-byte characters', () => {
    expect(firstInvalidUtf8(new TextEncoder().encode('aé東😀z'))).toBe(-1);
  });

  it('finds a lone continuation byte, an overlong form, a surrogate, a code point past U+10FFFF and a cut sequence', () => {
    expect(firstInvalidUtf8(bytes(0x61, 0x80))).toBe(1);
    expect(firstInvalidUtf8(bytes(0x61, 0xc0, 0xaf))).toBe(1); // overlong "/"
    expect(firstInvalidUtf8(bytes(0xe0, 0x80, 0xaf))).toBe(0); // overlong 3-byte
    expect(firstInvalidUtf8(bytes(0x61, 0x62, 0xed, 0xa0, 0x80))).toBe(2); // U+D800
    expect(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0); // U+110000
    expect(firstInvalidUtf8(bytes(0x61, 0xe6, 0x9d))).toBe(1); // 東 without its last byte
    expect(firstInvalidUtf8(bytes(0xff))).toBe(0);
  });
});

describe('decodeUtf8', () => {
  it('drops a byte-order mark and names the line of a bad byte', () => {
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x68, 0x69), 'f.txt')).toBe('hi');
    const text = bytes(...new TextEncoder().encode('one\ntwo\nthr'), 0xe9, ...new TextEncoder().encode('e\n'));
    expect(() => decodeUtf8(text, 'f.txt')).toThrow(/^f\.txt, line 3: invalid UTF-8/);
  });
});

describe('StreamingUtf8Decoder', () => {
  it.each(['aé東😀\nz', 'a\né', 'a東', 'a😀'])('completes characters split across chunks at every split point (%s; the last character may end the file)', (text) => {
    const all = new TextEncoder().encode(text);
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new StreamingUtf8Decoder('f');
      expect(d.decode(all.subarray(0, cut)) + d.decode(all.subarray(cut)) + d.end()).toBe(text);
    }
  });

  it('counts lines across chunks for the error, and reports a sequence cut off by the end of the file', () => {
    const d = new StreamingUtf8Decoder('big.txt');
    d.decode(new TextEncoder().encode('1\n2\n'));
    expect(() => d.decode(bytes(0x33, 0x0a, 0x34, 0xff))).toThrow(/big\.txt, line 4: invalid UTF-8/);
    const e = new StreamingUtf8Decoder('cut.txt');
    e.decode(bytes(0x61, 0x0a, 0xe6, 0x9d));
    expect(() => e.end()).toThrow(/cut\.txt, line 2: invalid UTF-8/);
  });
});

// The WHATWG decoder (TextDecoder, fatal) is the reference: on every lead byte with second and
// third bytes at the edges of table 3-7's ranges, the byte scan must agree on valid or not, and
// put the first bad sequence where the error is (offset 1, after an 'a').
describe('firstInvalidUtf8 and the streaming decoder against TextDecoder (fatal) at every range edge', () => {
  const EDGES = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0];
  const cases: number[][] = [];
  for (let lead = 0x80; lead <= 0xff; lead++) {
    for (const second of EDGES) {
      cases.push([lead, second]);
      for (const third of EDGES) cases.push([lead, second, third], [lead, second, third, 0x80], [lead, second, 0x80, third]);
    }
  }
  const reference = (b: Uint8Array) => { try { new TextDecoder('utf-8', { fatal: true }).decode(b); return true; } catch { return false; } };

  it('valid exactly where TextDecoder is, and the first bad sequence found after a valid prefix', () => {
    const wrong: string[] = [];
    for (const seq of cases) {
      const b = bytes(0x61, ...seq);
      const at = firstInvalidUtf8(b);
      if ((at === -1) !== reference(b) || (at !== -1 && !reference(b.subarray(0, at)))) wrong.push(`${seq.map((x) => x.toString(16)).join(' ')}: ${at}`);
    }
    expect(wrong).toEqual([]);
  });

  // The next line ends in 0x62 ('b', valid) or 0xff (invalid). With 0xff, a sequence cut off at
  // the chunk's end and left to TextDecoder's own stream buffer would be found wrong only in the
  // second chunk, whose byte scan then names 0xff's line instead of the sequence's.
  it.each([0x62, 0xff])('two chunks split anywhere decode as the whole does, with the error on the same line (next line ends in %i)', (last) => {
    const outcome = (f: () => string) => { try { return f(); } catch (err) { return (err as Error).message; } };
    const wrong: string[] = [];
    const LEADS = [0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5];  // the edges; every lead byte for 2-byte cases
    for (const seq of cases.filter((c) => c.length <= 2 || (c.length === 3 && LEADS.includes(c[0])))) {
      const b = bytes(0x0a, ...seq, 0x0a, last);
      const whole = outcome(() => decodeUtf8(b, 'f'));
      for (let cut = 1; cut < b.length; cut++) {
        const d = new StreamingUtf8Decoder('f');
        const split = outcome(() => d.decode(b.subarray(0, cut)) + d.decode(b.subarray(cut)) + d.end());
        if (split !== whole) wrong.push(`${seq.map((x) => x.toString(16)).join(' ')} cut at ${cut}: ${split} vs ${whole}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('readText and readLines', () => {
  const dir = tempDir();

  it('readText: an empty or blank file is an error naming it', async () => {
    const file = write(dir, 'empty.txt', ' \n\n');
    const err = await rejection(readText(file));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(`${file}: the file is empty; check that it is the right file and that it was written completely`);
  });

  it('readText: a missing file is an error naming it', async () => {
    expect((await rejection(readText(`${dir}/nope.txt`))).message).toMatch(/nope\.txt: cannot read the file \(no such file\)/);
  });

  it('readLines: CRLF and LF lines, small chunks, a last line without newline, an invalid byte on line 3', async () => {
    const file = write(dir, 'lines.txt', 'alpha\r\nbéta\ngamma');
    const lines: string[] = [];
    for await (const l of readLines(file, 3)) lines.push(l);
    expect(lines).toEqual(['alpha', 'béta', 'gamma']);
    const bad = write(dir, 'bad.txt', Buffer.concat([Buffer.from('a\nb\nc'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
    const err = await rejection((async () => { for await (const _ of readLines(bad, 2)) void _; })());
    expect(err.message).toMatch(/bad\.txt, line 3: invalid UTF-8/);
  });
});

/**
 * Strict UTF-8: text files must be valid UTF-8, and a bad byte is an error naming the file and
 * the line, never a silent U+FFFD. Python's open(..., encoding="utf-8"), which datasets' readers
 * use, raises UnicodeDecodeError the same way; a replaced character would instead reach the
 * tokenizer as [UNK] or odd bytes and hide the broken file.
 */
import { DataError } from './errors';

/** Byte offset of the first invalid UTF-8 sequence in `bytes`, or -1 when it is all valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte (no overlongs,
    // no surrogates, nothing above U+10FFFF), as the Unicode standard's table 3-7 lists.
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n >= bytes.length) return i;
    const second = bytes[i + 1];
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= n; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += n + 1;
  }
  return -1;
}

/** How many \n bytes `bytes` holds before `end` (native indexOf: this runs on every chunk). */
function countNewlines(bytes: Uint8Array, end = bytes.length): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, end);
  let count = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) count++;
  return count;
}

function invalidUtf8Error(file: string, line: number): DataError {
  return new DataError(
    { file, line },
    'invalid UTF-8 (the file is not UTF-8 text, or it is damaged)',
    'convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) or fix that line',
  );
}

/**
 * The text of a whole file's bytes; a leading byte-order mark is dropped. The native decoder
 * checks; only when it refuses does the byte scan run, to find the line.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    throw invalidUtf8Error(file, countNewlines(bytes, Math.max(bad, 0)) + 1);
  }
}

/**
 * Decodes a file that arrives in chunks: a character split between two chunks is completed by
 * the next one, and the line count carries over so that an error names the right line.
 */
export class StreamingUtf8Decoder {
  // One decoder in stream mode, so that only the file's first bytes can be a byte-order mark.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private line = 1;
  private pending = new Uint8Array(0);

  constructor(private readonly file: string) {}

  /** The text of `chunk` (plus what the previous chunk left unfinished). */
  decode(chunk: Uint8Array): string {
    const bytes = this.pending.length ? concat(this.pending, chunk) : chunk;
    // A sequence cut off at the chunk's end waits for the next chunk instead of failing.
    const cut = incompleteTail(bytes);
    const whole = bytes.subarray(0, bytes.length - cut);
    this.pending = bytes.slice(bytes.length - cut);
    let text: string;
    try {
      text = this.decoder.decode(whole, { stream: true });
    } catch {
      const bad = firstInvalidUtf8(whole);
      throw invalidUtf8Error(this.file, this.line + countNewlines(whole, Math.max(bad, 0)));
    }
    this.line += countNewlines(whole);
    return text;
  }

  /** Call at the end of the file: a sequence still unfinished there is invalid. */
  end(): string {
    if (this.pending.length) throw invalidUtf8Error(this.file, this.line);
    return this.decoder.decode();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** How many bytes at the end of `bytes` start a multi-byte sequence that the chunk cut off. */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back];
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      if (b < 0xc2 || b > 0xf4) return 0; // never a lead byte: let the decoder report it now
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > back ? back : 0;
    }
  }
  return 0;
}

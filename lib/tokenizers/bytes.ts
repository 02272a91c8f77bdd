/**
 * GPT-2's reversible byte <-> unicode mapping (openai/gpt-2 encoder.py bytes_to_unicode). BPE
 * works on strings, so every byte of the UTF-8 text is mapped to a printable character: bytes
 * that are already printable Latin-1 map to themselves, the others (controls, space, 0xAD) to
 * U+0100 onwards. That is why a leading space shows as "Ġ" (U+0120) in GPT-2 tokens.
 */

function buildByteEncoder(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const encoder: string[] = new Array(256);
  for (const b of printable) encoder[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (encoder[b] === undefined) encoder[b] = String.fromCharCode(256 + n++);
  }
  return encoder;
}

/** BYTE_ENCODER[byte] is the character that stands for that byte. */
export const BYTE_ENCODER: readonly string[] = buildByteEncoder();

/** The inverse mapping: character code -> byte. */
export const BYTE_DECODER: ReadonlyMap<string, number> = new Map(BYTE_ENCODER.map((ch, b) => [ch, b]));

const utf8 = new TextEncoder();

/** Maps a piece of text to the byte-level string that BPE sees. */
export function bytesToUnicode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      // Rare path: encode the whole piece so multi-byte sequences stay together.
      out = '';
      for (const byte of utf8.encode(text)) out += BYTE_ENCODER[byte];
      return out;
    }
    out += BYTE_ENCODER[c];
  }
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Turns byte-level characters back into text. Invalid UTF-8 (a token cut inside a multi-byte
 * character) becomes U+FFFD, like Python's errors="replace". Characters outside the byte table
 * (added tokens) cannot occur here: callers decode those separately.
 */
export function unicodeToText(chars: string): string {
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) {
    const b = BYTE_DECODER.get(chars[i]);
    if (b === undefined) {
      throw new RangeError(`byte-level decode: character ${JSON.stringify(chars[i])} is not in the byte table`);
    }
    bytes[i] = b;
  }
  return utf8Decoder.decode(bytes);
}

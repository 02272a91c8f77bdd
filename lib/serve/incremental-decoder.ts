// Generated tokens to text, piece by piece, as lib/finetune/generate.ts does for the CLI: tokens
// are decoded together (byte-level BPE splits characters across tokens), and a piece is released
// only once it no longer ends inside a character; spaces before punctuation are not cleaned up,
// as that would rewrite text already sent.
import type { AnyTokenizer } from '../tokenizers/auto';

export class IncrementalDecoder {
  readonly #ids: number[] = [];
  #shown = '';

  constructor(readonly tokenizer: AnyTokenizer) {}

  get tokens(): readonly number[] { return this.#ids; }
  get text(): string { return this.#shown; }

  /** Adds a token; returns the new text it completes ('' while a character is incomplete). */
  push(token: number): string {
    this.#ids.push(token);
    const text = this.#decode();
    // U+FFFD at the end: the last token ends inside a UTF-8 sequence; wait for the rest.
    if (text.endsWith('\uFFFD') || text.length <= this.#shown.length || !text.startsWith(this.#shown)) return '';
    return this.#advance(text);
  }

  /** The text not yet released (at the end: an incomplete character as U+FFFD). */
  flush(): string {
    const text = this.#decode();
    return text.length > this.#shown.length && text.startsWith(this.#shown) ? this.#advance(text) : '';
  }

  #advance(text: string): string {
    const piece = text.slice(this.#shown.length);
    this.#shown = text;
    return piece;
  }

  #decode(): string { return this.tokenizer.decode(this.#ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false }); }
}

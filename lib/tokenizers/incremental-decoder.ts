// Generated tokens to text, piece by piece (the CLI's generateText and the server): tokens
// are decoded together (byte-level BPE splits characters across tokens), and a piece is released
// only once it no longer ends inside a character; spaces before punctuation are not cleaned up,
// as that would rewrite text already sent.
import type { AnyTokenizer } from './auto';

export class IncrementalDecoder {
  readonly #ids: number[] = [];
  // Ids the model can emit but the tokenizer has no token for: OPT's embedding has 50,272 rows
  // for 50,265 tokens, and an untrained adapter may pick a padding row. They decode to nothing,
  // as transformers' fast tokenizers (OPT's default) skip ids they do not know.
  readonly #unknown = new Set<number>();
  #shown = '';

  constructor(readonly tokenizer: AnyTokenizer) {}

  get tokens(): readonly number[] { return this.#ids; }
  get text(): string { return this.#shown; }

  /** Adds a token; returns the new text it completes ('' while a character is incomplete). */
  push(token: number): string {
    this.#ids.push(token);
    if (!this.#knows(token)) return '';
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

  #knows(token: number): boolean {
    if (this.#unknown.has(token)) return false;
    try {
      this.tokenizer.convertIdsToTokens([token]);
      return true;
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.#unknown.add(token);
      return false;
    }
  }

  #decode(): string {
    const ids = this.#unknown.size ? this.#ids.filter((id) => !this.#unknown.has(id)) : this.#ids;
    return this.tokenizer.decode(ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false });
  }
}

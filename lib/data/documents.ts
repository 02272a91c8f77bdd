/**
 * A plain-text file as the token ids of one document, streamed: the file is read in chunks,
 * its Project Gutenberg header and footer dropped, and the text tokenized piece by piece. The
 * ids are exactly those of `tokenizer(wholeDocument)` (datasets' text loader with
 * sample_by="document", then run_clm.py's tokenize_function), because pieces are cut only where
 * neither tokenizer merges across: between a non-space character and a whitespace character
 * (a GPT-2 pre-token never runs from one into the other; BERT splits on whitespace).
 *
 * The document is the file's lines, each ended by "\n" (CRLF read as LF, as Python's text mode
 * reads it), without blank lines at its start and end.
 */
import type { AnyTokenizer } from '../tokenizers';
import { DataError } from './errors';
import { readLines } from './files';
import { GutenbergFilter } from './gutenberg';

export interface DocumentOptions {
  /** Drop a Project Gutenberg header and footer when the file has them. */
  stripGutenberg: boolean;
  /** Wrap the document in the tokenizer's special tokens, as tokenizer(text) does (OPT: a leading </s>). */
  addSpecialTokens: boolean;
  /** Append the end-of-sequence token after the document (GPT-2 style document separator). */
  appendEos: boolean;
  /** Characters tokenized at a time (default 256 Ki). */
  pieceChars?: number;
}

const PIECE_CHARS = 1 << 18;
const WHITE = /\p{White_Space}/u;

/** The lines of the work in a file: Gutenberg parts and outer blank lines removed. */
async function* workLines(file: string, stripGutenberg: boolean): AsyncGenerator<string> {
  const filter = stripGutenberg ? new GutenbergFilter() : undefined;
  let started = false;
  let blanks = 0;
  const emit = function* (line: string): Generator<string> {
    if (line.trim() === '') {
      if (started) blanks++;
      return;
    }
    for (; blanks > 0; blanks--) yield '';
    started = true;
    yield line;
  };
  for await (const line of readLines(file)) {
    if (!filter) {
      yield* emit(line);
      continue;
    }
    for (const l of filter.push(line)) yield* emit(l);
    if (filter.done) return;
  }
  if (filter) for (const l of filter.finish()) yield* emit(l);
}

/**
 * Where `text` may be cut: the last index i with a non-space at i-1 and, at i, whitespace (or,
 * for tokenizers that add a prefix space, a plain space that the tokenizer will add back).
 * -1 when there is none.
 */
export function safeCut(text: string, prefixSpace: boolean): number {
  for (let i = text.length - 1; i > 0; i--) {
    const c = text[i];
    if ((prefixSpace ? c === ' ' : WHITE.test(c)) && !WHITE.test(text[i - 1])) return i;
  }
  return -1;
}

/** The work's text in pieces; with a prefix-space tokenizer, pieces after the first lose the space at the cut. */
async function* documentPieces(file: string, stripGutenberg: boolean, prefixSpace: boolean, pieceChars: number): AsyncGenerator<string> {
  let text = '';
  let any = false;
  for await (const line of workLines(file, stripGutenberg)) {
    text += line + '\n';
    any = true;
    if (text.length < pieceChars) continue;
    const cut = safeCut(text, prefixSpace);
    if (cut <= 0) continue;
    yield text.slice(0, cut);
    text = prefixSpace ? text.slice(cut + 1) : text.slice(cut);
  }
  if (!any) {
    throw new DataError({ file }, stripGutenberg ? 'no text (the file is empty, or holds only a Project Gutenberg header and footer)' : 'no text (the file is empty)', 'check the file, or leave it out');
  }
  if (text) yield text;
}

/** The ids the tokenizer puts before and after one sequence ([CLS] ... [SEP], OPT's </s> ...). */
function specialAround(tokenizer: AnyTokenizer): { before: number[]; after: number[] } {
  const ids = tokenizer.build([-1], null).ids;
  const at = ids.indexOf(-1);
  return { before: ids.slice(0, at), after: ids.slice(at + 1) };
}

/** The token ids of one file's document, in consecutive pieces. */
export async function* documentIds(file: string, tokenizer: AnyTokenizer, o: DocumentOptions): AsyncGenerator<number[]> {
  const prefixSpace = (tokenizer as { addPrefixSpace?: boolean }).addPrefixSpace === true;
  const special = o.addSpecialTokens ? specialAround(tokenizer) : { before: [], after: [] };
  if (special.before.length) yield special.before;
  for await (const piece of documentPieces(file, o.stripGutenberg, prefixSpace, o.pieceChars ?? PIECE_CHARS)) {
    yield tokenizer.batch([piece], { addSpecialTokens: false, truncation: false }).inputIds[0];
  }
  if (special.after.length) yield special.after;
  if (o.appendEos) {
    const eos = tokenizer.eosTokenId;
    if (eos === undefined) throw new TypeError('appendEos: the tokenizer has no end-of-sequence token (BERT has none); leave appendEos off');
    yield [eos];
  }
}

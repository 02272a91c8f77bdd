/**
 * Project Gutenberg's header and footer (licence, credits, donation pleas) removed from an
 * e-text, leaving the work itself, as the `gutenberg` Python package's strip_headers does, with
 * its two most reliable pairs of markers only:
 *   start: "*** START OF THE PROJECT GUTENBERG EBOOK ..." (also "THIS", "***START"), or, in
 *          1990s e-texts, the end of the legal small print "*END*THE SMALL PRINT! ...";
 *   end:   "*** END OF THE PROJECT GUTENBERG EBOOK ..." or "End of the Project Gutenberg
 *          EBook of ..." / "End of this Project Gutenberg Etext of ..." (whichever comes first);
 *   and right after the header, a producer's credit paragraph ("Produced by ...", "This etext
 *          was prepared by ...", also start markers of strip_headers).
 * A text without markers passes through whole. The filter works line by line, so a streamed
 * corpus never has to be held in memory, and reading stops at the footer.
 */

const START_MARKERS = [/^\s*\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG/i, /^\s*\*END\*?\s*THE SMALL PRINT/i];
const END_MARKERS = [/^\s*\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG/i, /^\s*End of (the |this )?Project Gutenberg/i];
const CREDIT = /^\s*(Produced by|This e-?text was (prepared|produced) by|E-?text prepared by|This e-?book was (prepared|produced) by)\b/i;

/**
 * A start marker is looked for only this far in (lines, characters): further down it would be
 * part of the work, and a stream must not hold more than a header's worth of text (headers are
 * at most a few hundred lines, ~20 KB).
 */
export const HEADER_SEARCH_LINES = 1000;
export const HEADER_SEARCH_CHARS = 200_000;

const isStart = (line: string) => START_MARKERS.some((re) => re.test(line));
const isEnd = (line: string) => END_MARKERS.some((re) => re.test(line));

/** Feed lines with push(); it returns the lines of the work as they become certain. */
export class GutenbergFilter {
  private state: 'header' | 'credit' | 'skipCredit' | 'body' | 'done' = 'header';
  private held: string[] = [];
  private heldChars = 0;
  /** Whether a header / footer was found and removed. */
  headerFound = false;
  footerFound = false;

  /** True once the footer has begun: the rest of the file can be skipped. */
  get done(): boolean {
    return this.state === 'done';
  }

  push(line: string): string[] {
    if (this.state === 'done') return [];
    if (this.state === 'credit' || this.state === 'skipCredit') {
      const blank = line.trim() === '';
      if (this.state === 'credit' && !blank) this.state = CREDIT.test(line) ? 'skipCredit' : 'body';
      else if (this.state === 'skipCredit' && blank) this.state = 'body';
      if (this.state !== 'body') return [];
    }
    if (this.state === 'body') {
      if (!isEnd(line)) return [line];
      this.state = 'done';
      this.footerFound = true;
      return [];
    }
    // Header: hold lines until a start marker (drop them), an end marker, or the search limit.
    if (isStart(line)) {
      this.held = [];
      this.state = 'credit';
      this.headerFound = true;
      return [];
    }
    if (isEnd(line)) {
      this.state = 'done';
      this.footerFound = true;
      return this.release();
    }
    this.held.push(line);
    this.heldChars += line.length;
    if (this.held.length < HEADER_SEARCH_LINES && this.heldChars < HEADER_SEARCH_CHARS) return [];
    this.state = 'body';
    return this.release();
  }

  /** At the end of the file: lines still held (a text without a header) are the work's. */
  finish(): string[] {
    return this.release();
  }

  private release(): string[] {
    const out = this.held;
    this.held = [];
    this.heldChars = 0;
    return out;
  }
}

/** The work inside a whole Gutenberg e-text (lines joined with \n), and what was removed. */
export function stripGutenberg(text: string): { text: string; headerFound: boolean; footerFound: boolean } {
  const filter = new GutenbergFilter();
  const kept: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    for (const l of filter.push(line)) kept.push(l);
    if (filter.done) break;
  }
  for (const l of filter.finish()) kept.push(l);
  return { text: kept.join('\n'), headerFound: filter.headerFound, footerFound: filter.footerFound };
}

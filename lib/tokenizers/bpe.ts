/**
 * Byte-pair encoding by merge rank (transformers 4.29 GPT2Tokenizer.bpe): repeatedly merge the
 * adjacent pair with the lowest rank in merges.txt, all its occurrences left to right, until no
 * ranked pair is left. Results are cached per piece, since text repeats the same words.
 */

/** One merge rule: the two symbols that become one. */
export type Merge = readonly [string, string];

/** Parses merges.txt / vocab.bpe: a "#version" header line, then "a b" per line. */
export function parseMergesText(text: string): Merge[] {
  const lines = text.split('\n');
  const merges: Merge[] = [];
  lines.forEach((line, i) => {
    if (i === 0 && line.startsWith('#version')) return;
    const parts = line.trim().split(/\s+/);  // a blank line gives [''], never a pair
    if (parts.length === 2) merges.push([parts[0], parts[1]]);
  });
  return merges;
}

/** The cache is bounded so that tokenizing a huge corpus cannot grow memory without end. */
const CACHE_LIMIT = 200_000;

export class BytePairEncoder {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();

  constructor(merges: readonly Merge[]) {
    merges.forEach(([a, b], rank) => {
      const key = a + ' ' + b;
      // A duplicated rule keeps its later rank, as Python's dict(zip(merges, range(n))) does.
      this.ranks.set(key, rank);
    });
  }

  get mergeCount(): number {
    return this.ranks.size;
  }

  /** The symbols that one byte-level piece becomes. The returned array must not be modified. */
  encode(piece: string): string[] {
    const hit = this.cache.get(piece);
    if (hit !== undefined) return hit;
    const symbols = this.merge(Array.from(piece));
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, symbols);
    return symbols;
  }

  private merge(word: string[]): string[] {
    while (word.length > 1) {
      let best = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(word[i] + ' ' + word[i + 1]);
        if (rank !== undefined && rank < best) {
          best = rank;
          first = word[i];
          second = word[i + 1];
        }
      }
      if (best === Infinity) break;
      const next: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          next.push(first + second);
          i++;
        } else {
          next.push(word[i]);
        }
      }
      word = next;
    }
    return word;
  }
}

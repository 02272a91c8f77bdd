/**
 * GPT-2's pre-tokenization: the regex that cuts text into the pieces BPE merges within.
 * Contractions first, then runs of letters, digits or other symbols (each optionally led by one
 * space), then whitespace, where a run followed by a word leaves its last space to that word.
 *
 * Python's `regex` module gives \s the Unicode White_Space property; JavaScript's \s differs
 * (it adds U+FEFF and lacks U+0085), so the property is spelled out.
 */
const GPT2_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** The pieces of `text` in order; their concatenation is `text`. */
export function gpt2Split(text: string): string[] {
  return text.match(GPT2_SPLIT) ?? [];
}

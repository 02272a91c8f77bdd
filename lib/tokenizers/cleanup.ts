/**
 * transformers' clean_up_tokenization (4.29): undo the spaces that joining tokens with " " puts
 * before punctuation and English contractions. Plain string replaces, applied in this order,
 * exactly like Python's str.replace chain.
 */
const REPLACEMENTS: ReadonlyArray<readonly [string, string]> = [
  [' .', '.'],
  [' ?', '?'],
  [' !', '!'],
  [' ,', ','],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"],
];

export function cleanUpTokenization(text: string): string {
  let out = text;
  for (const [from, to] of REPLACEMENTS) out = out.split(from).join(to);
  return out;
}

/**
 * Special tokens ([CLS], </s>, ...) and how they are found inside raw text.
 *
 * transformers (4.29, slow tokenizers) cuts the text around every "no-split" token before the
 * model's own tokenization runs, so "[CLS]" typed in a text stays one token. from_pretrained
 * registers all special tokens as no-split; a tokenizer built directly with its constructor
 * does not (GPT-2 then splits "<|endoftext|>" into "<", "|", ...). node-peft mirrors both.
 */
import { PY_WHITESPACE } from './unicode';

/** A special token as written in tokenizer_config.json: a string or a serialized AddedToken. */
export interface AddedTokenSpec {
  content: string;
  /** Eat the whitespace on the left of the token when it is found in text. */
  lstrip?: boolean;
  /** Eat the whitespace on the right of the token when it is found in text. */
  rstrip?: boolean;
}

export type SpecialTokenValue = string | AddedTokenSpec;

/** The named special-token roles transformers knows, in its order. */
export const SPECIAL_TOKEN_ROLES = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'] as const;
export type SpecialTokenRole = (typeof SPECIAL_TOKEN_ROLES)[number];

/** A tokenizer's special tokens by role; a string and an AddedToken strip text differently. */
export type SpecialTokens = Partial<Record<SpecialTokenRole, SpecialTokenValue>> & {
  additional: SpecialTokenValue[];
};

export function contentOf(value: SpecialTokenValue): string {
  return typeof value === 'string' ? value : value.content;
}

const LEADING_SPACE = new RegExp(`^[${PY_WHITESPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${PY_WHITESPACE}]+$`);

/**
 * How a found token strips its neighbours. A plain string strips both sides (transformers'
 * default for str special tokens); an AddedToken strips only where it says so.
 */
interface StripRule {
  lstrip: boolean;
  rstrip: boolean;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Cuts text into plain segments and no-split tokens, applying lstrip/rstrip like transformers. */
export class NoSplitSplitter {
  private readonly pattern: RegExp | null;
  private readonly rules: Map<string, StripRule>;

  constructor(tokens: ReadonlyArray<{ content: string; rule: StripRule }>) {
    this.rules = new Map(tokens.filter((t) => t.content !== '').map((t) => [t.content, t.rule]));
    // Longest first, so that "<|endoftext|>" wins over a shorter token that is its prefix.
    const alternatives = [...this.rules.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = alternatives.length ? new RegExp(alternatives.join('|'), 'g') : null;
  }

  /** Pieces of `text` in order; `special` marks the no-split tokens. Empty pieces are dropped. */
  split(text: string): Array<{ text: string; special: boolean }> {
    if (this.pattern === null) return text ? [{ text, special: false }] : [];
    const pieces: Array<{ text: string; special: boolean }> = [];
    let last = 0;
    for (const m of text.matchAll(this.pattern)) {
      pieces.push({ text: text.slice(last, m.index), special: false });
      pieces.push({ text: m[0], special: true });
      last = m.index! + m[0].length;
    }
    pieces.push({ text: text.slice(last), special: false });
    this.applyStrip(pieces);
    return pieces.filter((p) => p.text !== '');
  }

  // split() alternates plain and special pieces (plain first and last, possibly empty), so every
  // special piece has a plain neighbour on each side. transformers 4.29 (tokenize): an AddedToken
  // with rstrip lstrips the text on its right, with lstrip rstrips the text on its left.
  private applyStrip(pieces: Array<{ text: string; special: boolean }>): void {
    for (let i = 1; i < pieces.length; i += 2) {
      const rule = this.rules.get(pieces[i].text)!;
      if (rule.rstrip) pieces[i + 1].text = pieces[i + 1].text.replace(LEADING_SPACE, '');
      if (rule.lstrip) pieces[i - 1].text = pieces[i - 1].text.replace(TRAILING_SPACE, '');
    }
  }
}

/** The strip rule transformers applies to a special token given as `value`. */
export function stripRuleOf(value: SpecialTokenValue): StripRule {
  if (typeof value === 'string') return { lstrip: true, rstrip: true };
  return { lstrip: value.lstrip === true, rstrip: value.rstrip === true };
}

/**
 * Vocabularies in the forms users and files give them, normalised to token -> id and id -> token.
 */
import { describeValue } from './validate';

/** A list (index = id), a Map or a plain object of token -> id (vocab.json, tokenizer.json). */
export type VocabInput = readonly string[] | ReadonlyMap<string, number> | Readonly<Record<string, number>>;

export interface Vocab {
  tokenToId: Map<string, number>;
  /** Sparse: ids that no token maps to (duplicates in vocab.txt) are holes. */
  idToToken: string[];
}

function checkId(where: string, token: string, id: unknown): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
    throw new TypeError(`${where}: vocab id of ${JSON.stringify(token)} must be a non-negative integer, got ${describeValue(id)}`);
  }
  return id;
}

/** Validates and normalises a vocabulary. Later duplicates win, as in Python's dict build. */
export function toVocab(where: string, input: unknown): Vocab {
  const tokenToId = new Map<string, number>();
  if (Array.isArray(input)) {
    input.forEach((token, i) => {
      if (typeof token !== 'string') throw new TypeError(`${where}: vocab[${i}] must be a string, got ${describeValue(token)}`);
      tokenToId.set(token, i);
    });
  } else if (input instanceof Map) {
    for (const [token, id] of input) tokenToId.set(String(token), checkId(where, String(token), id));
  } else if (input !== null && typeof input === 'object') {
    for (const [token, id] of Object.entries(input)) tokenToId.set(token, checkId(where, token, id));
  } else {
    throw new TypeError(`${where}: vocab must be an array of tokens, a Map or an object of token -> id, got ${describeValue(input)}`);
  }
  if (tokenToId.size === 0) throw new RangeError(`${where}: vocab is empty`);
  const idToToken: string[] = [];
  for (const [token, id] of tokenToId) idToToken[id] = token;
  return { tokenToId, idToToken };
}

/**
 * Lines of a vocab.txt: Python's readlines() in text mode, which treats \r\n, \r and \n all as
 * line ends and keeps everything else (BERT strips only the newline, not other whitespace).
 */
export function parseVocabLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

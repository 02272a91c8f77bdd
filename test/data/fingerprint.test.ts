// Cache keys (lib/data/fingerprint.ts) and document cutting (lib/data/documents.ts safeCut):
// hashes compared with SHA-256 of hand-written strings (the canonical JSON the key must be made of),
// and cut points worked out by hand from the rule "whitespace at i, non-whitespace at i - 1".
import { createHash } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { safeCut } from '../../lib/data/documents';
import { hashFile, hashValue, instanceFingerprint, tokenizerSource } from '../../lib/data/fingerprint';
import { BertTokenizer } from '../../lib/tokenizers';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('hashValue: SHA-256 of canonical JSON (keys sorted, undefined fields left out)', () => {
  it('an object with keys out of order hashes as its sorted JSON', () => {
    expect(hashValue({ b: 1, a: [1, 'x', null] })).toBe(sha256('{"a":[1,"x",null],"b":1}'));
    expect(hashValue({ a: [1, 'x', null], b: 1 })).toBe(hashValue({ b: 1, a: [1, 'x', null] }));
  });
  it('nested objects are sorted too; undefined fields vanish; an undefined value is null', () => {
    expect(hashValue({ z: { y: 2, x: undefined, w: { b: true, a: 'q' } }, c: undefined })).toBe(sha256('{"z":{"w":{"a":"q","b":true},"y":2}}'));
    expect(hashValue(undefined)).toBe(sha256('null'));
    expect(hashValue([])).toBe(sha256('[]'));
    expect(hashValue({})).toBe(sha256('{}'));
    expect(hashValue('s')).toBe(sha256('"s"'));
  });
  it('keys are ordered by code unit ("B" < "a" < "b"), as sorted() orders them', () => {
    expect(hashValue({ b: 0, a: 0, B: 0 })).toBe(sha256('{"B":0,"a":0,"b":0}'));
  });
  it('an object of 200 keys written in a scrambled order hashes as its sorted JSON (past V8\'s insertion-sort runs)', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    const scrambled = keys.map((_, i) => keys[(i * 77) % 200]);  // 77 and 200 are coprime: a permutation
    const json = `{${keys.map((k) => `"${k}":0`).join(',')}}`;
    expect(hashValue(Object.fromEntries(scrambled.map((k) => [k, 0])))).toBe(sha256(json));
  });
  it('different values give different keys', () => {
    expect(hashValue({ a: 1 })).not.toBe(hashValue({ a: 2 }));
    expect(hashValue([1, 2])).not.toBe(hashValue([2, 1]));
  });
});

describe('hashFile', () => {
  it('is the SHA-256 of the bytes ("abc": the FIPS 180-2 test vector)', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-fp-')), 'f.txt');
    fs.writeFileSync(file, 'abc');
    expect(await hashFile(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('a missing file is a DataError naming it', async () => {
    const file = path.join(os.tmpdir(), 'node-peft-no-such-file.txt');
    await expect(hashFile(file)).rejects.toThrow(`${file}: cannot read the file (no such file); check the path`);
  });
});

describe('tokenizerSource', () => {
  it('refuses what is neither a tokenizer nor a folder path, saying what it got', () => {
    expect(() => tokenizerSource('w', null as never)).toThrow('w: tokenizer must be a tokenizer (AutoTokenizer.fromPretrained(...)) or its folder path, got null');
    expect(() => tokenizerSource('w', 3 as never)).toThrow('got number');
    expect(() => tokenizerSource('w', { batch: 1 } as never)).toThrow('got object');
  });
  it('a folder is fingerprinted by its tokenizer files: changing vocab.txt changes it, an unrelated file does not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-fp-'));
    fs.writeFileSync(path.join(dir, 'vocab.txt'), '[PAD]\na\n');
    const first = await tokenizerSource('w', dir).fingerprint();
    expect(first).toBe(hashValue({ kind: 'files', parts: { 'vocab.txt': sha256('[PAD]\na\n') } }));
    fs.writeFileSync(path.join(dir, 'README.md'), 'x');
    expect(await tokenizerSource('w', dir).fingerprint()).toBe(first);
    fs.writeFileSync(path.join(dir, 'vocab.txt'), '[PAD]\nb\n');
    expect(await tokenizerSource('w', dir).fingerprint()).not.toBe(first);
  });
});

describe('safeCut: where a document may be cut between tokenizer calls', () => {
  it('the last whitespace preceded by a non-whitespace character', () => {
    expect(safeCut('ab cd ef', false)).toBe(5);
    expect(safeCut('ab  cd', false)).toBe(2);   // inside a run of spaces: only the run's first space
    expect(safeCut('ab\tcd', false)).toBe(2);
    expect(safeCut('ab\ncd\n', false)).toBe(5);
  });
  it('none: no whitespace, or whitespace only at the start (index 0 is never a cut)', () => {
    expect(safeCut('abc', false)).toBe(-1);
    expect(safeCut(' abc', false)).toBe(-1);
    expect(safeCut('', false)).toBe(-1);
  });
  it('with a prefix-space tokenizer (GPT-2 addPrefixSpace) only a plain space is a cut', () => {
    expect(safeCut('ab\tcd', true)).toBe(-1);
    expect(safeCut('a b\tcd', true)).toBe(1);
    expect(safeCut('a\u3000b', false)).toBe(1);  // U+3000 is Unicode White_Space
    expect(safeCut('a\u3000b', true)).toBe(-1);
  });
});

// An instance's fingerprint must follow what it encodes with, and nothing else: not the order its
// vocabulary was built in, and not the object's identity.
describe('instanceFingerprint', () => {
  const TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '##s', ',', '!'];
  const bert = (extra: Record<string, unknown> = {}, vocab: unknown = TOKENS) => new BertTokenizer({ vocab: vocab as string[], ...extra });

  it('two instances built alike agree; a vocabulary Map given in another insertion order gives the same key', () => {
    expect(instanceFingerprint(bert())).toBe(instanceFingerprint(bert()));
    const reversed = new Map([...TOKENS.entries()].reverse().map(([id, t]) => [t, id] as [string, number]));
    expect(instanceFingerprint(bert({}, reversed))).toBe(instanceFingerprint(bert()));
  });

  it('a setting, a token id, the special tokens or the class change the key', () => {
    const base = instanceFingerprint(bert());
    expect(instanceFingerprint(bert({ doLowerCase: false }))).not.toBe(base);
    expect(instanceFingerprint(bert({ modelMaxLength: 7 }))).not.toBe(base);
    const swapped = [...TOKENS];
    [swapped[5], swapped[6]] = [swapped[6], swapped[5]];
    expect(instanceFingerprint(bert({}, swapped))).not.toBe(base);
    expect(instanceFingerprint(bert({ additionalSpecialTokens: ['world'] }))).not.toBe(base);
    class OtherBert extends BertTokenizer {}
    expect(instanceFingerprint(new OtherBert({ vocab: TOKENS }))).not.toBe(base);
  });

  // Each of these differs from the default in one part of the key only.
  it('a boolean setting that only decoding reads (cleanUpTokenizationSpaces) changes the key', () => {
    expect(instanceFingerprint(bert({ cleanUpTokenizationSpaces: false }))).not.toBe(instanceFingerprint(bert({ cleanUpTokenizationSpaces: true })));
  });

  it('options kept inside the basic tokenizer (tokenizeChineseChars, stripAccents) change the key through the probe text', () => {
    const base = instanceFingerprint(bert());
    expect(instanceFingerprint(bert({ tokenizeChineseChars: false }))).not.toBe(base);
    expect(instanceFingerprint(bert({ stripAccents: false }))).not.toBe(base);  // the probe's "Héllo" is no longer "hello"
  });

  it('the key of a tokenizer passed as an instance is its instance fingerprint', async () => {
    const tok = bert();
    const source = tokenizerSource('w', tok);
    expect(await source.fingerprint()).toBe(instanceFingerprint(tok));
    expect(await source.load()).toBe(tok);
  });
});

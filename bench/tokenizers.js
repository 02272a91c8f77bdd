#!/usr/bin/env node
/**
 * Tokenizer throughput on the 12,284 TweetEval test tweets (one per line), for BERT
 * (bert-base-cased) and GPT-2 byte-level BPE. Build first: `npx tsc -p tsconfig.json`.
 *
 *   node bench/tokenizers.js [--repeat N]
 *
 * Prints tokens/s and total time per run. The first run includes filling the word caches (the
 * cost a fresh process pays); later runs show the warm rate.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { BertTokenizer, GPT2Tokenizer } = require('../dist/tokenizers');

const TWEETS = path.resolve(__dirname, '../data/tweeteval-sentiment/test_text.txt');
const repeatArg = process.argv.indexOf('--repeat');
const REPEAT = repeatArg > 0 ? Number(process.argv[repeatArg + 1]) : 3;

function time(fn) {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

async function bench(name, load, lines) {
  const loaded = await (async () => {
    const start = process.hrtime.bigint();
    const tok = await load();
    return { tok, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  })();
  console.log(`${name}: loaded in ${loaded.ms.toFixed(0)} ms (vocab ${loaded.tok.vocabSize})`);
  for (let r = 1; r <= REPEAT; r++) {
    const run = time(() => loaded.tok.batch(lines, { addSpecialTokens: false }).inputIds);
    const tokens = run.value.reduce((n, row) => n + row.length, 0);
    const rate = Math.round(tokens / (run.ms / 1000));
    console.log(
      `${name} run ${r}: ${lines.length} texts, ${tokens} tokens in ${run.ms.toFixed(0)} ms = ${rate.toLocaleString('en-US')} tokens/s`,
    );
  }
}

async function main() {
  const lines = fs.readFileSync(TWEETS, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  await bench('BERT (bert-base-cased)', () => BertTokenizer.fromPretrained(path.resolve(__dirname, '../data/vocab/bert-base-cased')), lines);
  await bench('GPT-2 BPE', () => GPT2Tokenizer.fromPretrained(path.resolve(__dirname, '../data/vocab/gpt2')), lines);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

#!/usr/bin/env node
/**
 * The data cache: loading the 12,284 TweetEval test tweets (bert-base-cased) and the Plato
 * corpus (GPT-2, 2048-token blocks, Apology held out), first with an empty cache, then from the
 * cache, each in a fresh process as a second training run would be. Build first:
 * `npx tsc -p tsconfig.json`.
 *
 *   node bench/data.js
 */
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const DATA = path.resolve(__dirname, '../data');

async function child(job, cache) {
  const data = require('../dist/data');
  const start = process.hrtime.bigint();
  let what;
  if (job === 'tweeteval') {
    const r = await data.loadTextClassification({ dir: path.join(DATA, 'tweeteval-sentiment'), split: 'test', tokenizer: path.join(DATA, 'vocab/bert-base-cased'), cache });
    what = `${r.examples.length} rows, fromCache ${r.fromCache}`;
  } else {
    const r = await data.loadTextBlocks({ dir: path.join(DATA, 'plato'), holdOut: '1656.txt', tokenizer: path.join(DATA, 'vocab/gpt2'), blockSize: 2048, cache });
    what = `${r.train.length} train + ${r.eval.length} eval blocks`;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ ms, what }));
}

function run(job, cache) {
  const start = process.hrtime.bigint();
  const out = JSON.parse(execFileSync(process.execPath, [__filename, '--child', job, cache], { encoding: 'utf8' }));
  return { ...out, processMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

function main() {
  for (const job of ['tweeteval', 'plato']) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-bench-cache-'));
    try {
      for (const label of ['first run (empty cache)', 'second run (cached)']) {
        const r = run(job, cache);
        console.log(`${job} ${label}: load ${r.ms.toFixed(0)} ms (process ${r.processMs.toFixed(0)} ms): ${r.what}`);
      }
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }
}

if (process.argv[2] === '--child') child(process.argv[3], process.argv[4]).catch((err) => { console.error(err); process.exit(1); });
else main();

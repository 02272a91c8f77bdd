'use strict';
// The pre-training corpora of node-peft's mini models, rebuilt from what this repository and
// Debian ship (nothing downloaded): Debian's fortune cookies (`apt-get install fortunes
// fortunes-min`), the exact TweetEval *test* tweets (the split the experiments fine-tune on; the
// validation split, used for evaluation, is never read) and the lossy copy of its train split,
// and Project Gutenberg's Plato. The Apology (1656) is always held out for evaluation.
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const DATA = path.join(ROOT, 'data');
const FORTUNES = '/usr/share/games/fortunes';

/** Fortune files: entries separated by lines holding '%', written as paragraphs. */
function fortunes(outDir) {
  if (!fs.existsSync(FORTUNES)) throw new Error(`no fortune cookies in ${FORTUNES}: install them with \`apt-get install fortunes fortunes-min\``);
  const names = fs.readdirSync(FORTUNES).filter((f) => !f.includes('.') && fs.statSync(path.join(FORTUNES, f)).isFile() && !fs.lstatSync(path.join(FORTUNES, f)).isSymbolicLink());
  const out = [];
  for (const name of names.sort()) {
    const entries = fs.readFileSync(path.join(FORTUNES, name), 'latin1').split(/^%$/m).map((e) => e.trim()).filter((e) => e.length > 0);
    const file = path.join(outDir, `fortunes-${name}.txt`);
    fs.writeFileSync(file, `${entries.join('\n\n')}\n`);
    out.push(file);
  }
  return out;
}

function tweets(outDir, lossyToo) {
  const files = [path.join(DATA, 'tweeteval-sentiment/test_text.txt')];
  if (lossyToo) {
    const rows = fs.readFileSync(path.join(DATA, 'tweeteval-sentiment/train_cleaned.csv'), 'utf8').split('\n').slice(1);
    const text = rows.map((r) => r.slice(0, r.lastIndexOf(',')).replace(/^"|"$/g, '')).filter((t) => t.trim().length > 0);
    const file = path.join(outDir, 'tweeteval-train-cleaned.txt');
    fs.writeFileSync(file, `${text.join('\n')}\n`);
    files.push(file);
  }
  return files;
}

const plato = (ids) => ids.map((id) => path.join(DATA, 'plato', `${id}.txt`));
const ALL_PLATO = ['1497', '1572', '1584', '1591', '1600', '1636', '1642', '1643', '1657', '1658', '1672', '1726', '1735', '1738', '1744', '1750'];

/**
 * mini-bert-cased: everything but the Apology (fortunes, both tweet sets, 16 works of Plato).
 * mini-opt: fortunes, the exact tweets, and only Plato's two longest works (Republic 1497, Laws
 * 1750): the other dialogues are left for the LoRA experiments to adapt it to.
 */
function corpus(name) {
  const dir = path.join(ROOT, '.cache/pretrain', name, 'corpus');
  fs.mkdirSync(dir, { recursive: true });
  const trainFiles = name === 'mini-bert-cased'
    ? [...fortunes(dir), ...tweets(dir, true), ...plato(ALL_PLATO)]
    : [...fortunes(dir), ...tweets(dir, false), ...plato(['1497', '1750'])];
  return { trainFiles, evalFiles: plato(['1656']) };
}

module.exports = { corpus, ALL_PLATO };

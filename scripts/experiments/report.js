'use strict';
// results/ from the experiments' run folders (.cache/experiments): per experiment a Markdown
// table, a CSV and an SVG plot, and results/README.md with every table, the commands and the
// machine. Only finished runs (summary.json "completed") are reported; rerun after more finish.
//   node scripts/experiments/report.js
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { barSvg, lineSvg, sweepCsv, sweepMarkdown, sweepSvg } = require('../../dist');
const { toRow } = require('../../dist/finetune/sweep');
const { ROOT, MODELS, WORK, SEEDS } = require('./plan');

const RESULTS = path.join(ROOT, 'results');

/** The finished run `run` of the sweep folder `sweep` as a table row (under another method label, as a point of its own, when given), or null. */
function row(sweep, run, method) {
  const file = path.join(WORK, sweep, run, 'summary.json');
  if (!fs.existsSync(file)) return null;
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (s.status !== 'completed') return null;
  const r = toRow(run, s);
  return method === undefined ? r : { ...r, method, r: null };
}

const rows = (list) => list.filter((r) => r !== null);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1), as numpy.std(ddof=1) / pandas' std. */
const sd = (xs) => (xs.length < 2 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const f4 = (x) => (Number.isFinite(x) ? x.toFixed(4) : '-');

function write(dir, name, files) {
  fs.mkdirSync(path.join(RESULTS, dir), { recursive: true });
  for (const [ext, text] of Object.entries(files)) fs.writeFileSync(path.join(RESULTS, dir, `${name}.${ext}`), text);
}

function tweeteval() {
  const runs = ['full', 'top1', 'top2', ...[1, 2, 4, 8, 16, 32].map((r) => `lora-r${r}`)].map((r) => row('tweeteval/seed-42', r));
  const random = [row('tweeteval/random-init-seed-42', 'full', 'full, random init'), row('tweeteval/random-init-seed-42', 'lora-r8', 'lora r=8, random init')];
  const all = rows([...runs, ...random]);
  write('tweeteval', 'sweep', { md: sweepMarkdown(all), csv: sweepCsv(all), svg: sweepSvg(all) });
}

/** Mean and standard deviation over the seeds of the headline rows. */
function seeds() {
  const groups = [
    ['full fine-tuning', (s) => row(`tweeteval/seed-${s}`, 'full')],
    ['LoRA r=8', (s) => row(`tweeteval/seed-${s}`, 'lora-r8')],
    ['full, random init', (s) => row(`tweeteval/random-init-seed-${s}`, 'full')],
  ];
  const stats = groups.map(([label, get]) => {
    const found = rows(SEEDS.map(get));
    const f1 = found.map((r) => r.metrics.eval_f1);
    const p = found.map((r) => r.metrics.eval_precision);
    return { label, n: found.length, f1: mean(f1), f1Sd: sd(f1), precision: mean(p), precisionSd: sd(p), each: f1 };
  }).filter((s) => s.n > 0);
  const md = ['| Method | seeds | Precision (mean ± sd) | F1 macro (mean ± sd) | F1 per seed |', '| --- | ---: | ---: | ---: | --- |',
    ...stats.map((s) => `| ${s.label} | ${s.n} | ${f4(s.precision)} ± ${f4(s.precisionSd)} | ${f4(s.f1)} ± ${f4(s.f1Sd)} | ${s.each.map(f4).join(', ')} |`)].join('\n');
  const csv = ['method,seeds,precision_mean,precision_sd,f1_mean,f1_sd', ...stats.map((s) => [JSON.stringify(s.label), s.n, s.precision, s.precisionSd, s.f1, s.f1Sd].join(','))].join('\n');
  const svg = barSvg(stats.map((s) => ({ label: s.label, value: s.f1, ...(Number.isFinite(s.f1Sd) ? { spread: s.f1Sd } : {}) })), { title: `TweetEval sentiment, mini-bert-cased: F1 (macro) over seeds ${SEEDS.join(', ')}`, yLabel: 'F1 (macro), mean ± sd' });
  write('tweeteval', 'seeds', { md: `${md}\n`, csv: `${csv}\n`, svg });
}

/** Rows of one comparison with a label each, as table + bar plot of `metric`. */
function comparison(dir, name, labelled, metric, title, yLabel) {
  const found = labelled.filter(([, r]) => r !== null);
  const named = found.map(([label, r]) => ({ ...r, run: label, method: label, r: null }));
  const md = sweepMarkdown(named).replace('| Method | r |', '| Configuration | |');
  write(dir, name, { md, csv: sweepCsv(named), svg: barSvg(found.map(([label, r]) => ({ label, value: r.metrics[metric] })), { title, yLabel, fromZero: metric !== 'eval_loss' }) });
}

/** A base OPT's loss on the Apology's blocks, with `node-peft eval` (the runs' evaluation), cached in WORK/<cache>. */
function optBaseLoss(model = MODELS.opt, cache = 'plato/base-eval.json') {
  const file = path.join(WORK, cache);
  if (!fs.existsSync(file)) {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'eval', '--model', model, '--eval-file', 'data/plato/1656.txt', '--block-size', '128', '--json'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`eval of the base ${path.basename(model)} failed: ${r.stderr}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, r.stdout);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function plato() {
  const all = rows(['full', ...[1, 2, 4, 8, 16, 32, 64].map((r) => `lora-r${r}`)].map((r) => row('plato/seed-42', r)));
  write('plato', 'sweep', { md: sweepMarkdown(all), csv: sweepCsv(all), svg: sweepSvg(all) });
  return { rows: all, base: all.length ? optBaseLoss() : null };
}

function questions() {
  comparison('questions', 'layers', [
    ['r=4, all 4 layers', row('tweeteval/seed-42', 'lora-r4')], ['r=8, last 2 layers', row('layers/last-2', 'lora-r8')], ['r=16, last layer', row('layers/last-1', 'lora-r16')],
  ], 'eval_f1', 'LoRA on fewer layers at the same parameter count (TweetEval, mini-bert-cased)', 'F1 (macro)');
  comparison('questions', 'ffn-bert', [
    ['query,value r=8', row('tweeteval/seed-42', 'lora-r8')], ['+ feed-forward r=2', row('ffn/bert', 'lora-r2')], ['+ feed-forward r=8', row('ffn/bert', 'lora-r8')],
  ], 'eval_f1', 'Feed-forward layers added to the LoRA targets (TweetEval, mini-bert-cased)', 'F1 (macro)');
  comparison('questions', 'ffn-opt', [
    ['q_proj,v_proj r=8', row('plato/seed-42', 'lora-r8')], ['+ fc1,fc2 r=2', row('ffn/opt', 'lora-r2')], ['+ fc1,fc2 r=8', row('ffn/opt', 'lora-r8')],
  ], 'eval_loss', 'Feed-forward layers added to the LoRA targets (Plato, mini-opt)', 'Apology eval loss');
}

const RANKS = [1, 2, 4, 8, 16, 32, 64];

/** One model's Plato LoRA sweep against its own base: loss and gain (base - loss) per rank, and the best rank. */
function rankCurve(label, sweep, model, baseCache, seedSweeps) {
  const found = RANKS.map((r) => [r, row(sweep, `lora-r${r}`)]).filter(([, x]) => x !== null);
  if (found.length === 0) return null;
  const base = optBaseLoss(model, baseCache).eval_loss;
  const points = found.map(([r, x]) => ({ r, loss: x.metrics.eval_loss, gain: base - x.metrics.eval_loss, params: x.trainableParams }));
  const best = points.reduce((a, b) => (b.loss < a.loss ? b : a));
  // r=8 over every seed run: how far apart two ranks must be to differ.
  const r8 = rows([row(sweep, 'lora-r8'), ...seedSweeps.map((s) => row(s, 'lora-r8'))]).map((x) => x.metrics.eval_loss);
  return { label, base, points, best: best.r, allParams: found[0][1].allParams - found[0][1].trainableParams, r8 };  // the base model's own
}

/** (4) The best rank of mini-opt and of mini-opt-wide on Plato: table (loss and gain over each base per rank) and curves of the gain. */
function rankSize() {
  const others = (kind) => SEEDS.slice(1).map((seed) => `rank-size/${kind}-seed-${seed}`);
  const curves = [rankCurve('mini-opt (hidden 192)', 'plato/seed-42', MODELS.opt, 'plato/base-eval.json', others('mini')),
    rankCurve('mini-opt-wide (hidden 384)', 'rank-size/plato-wide', MODELS.optWide, 'rank-size/base-eval.json', others('wide'))].filter((c) => c !== null);
  if (curves.length < 2) return;
  const at = (c, r) => c.points.find((p) => p.r === r);
  const cell = (p) => (p ? `${f4(p.loss)} | ${f4(p.gain)}` : '- | -');
  const md = [`| r | ${curves.map((c) => `${c.label} loss | gain over base`).join(' | ')} |`, `| ---: | ${curves.map(() => '---: | ---:').join(' | ')} |`,
    `| base | ${curves.map((c) => `${f4(c.base)} | `).join(' | ')} |`,
    ...RANKS.map((r) => `| ${r} | ${curves.map((c) => cell(at(c, r))).join(' | ')} |`),
    `| best r | ${curves.map((c) => `${c.best} | ${f4(at(c, c.best).gain)}`).join(' | ')} |`,
    `| r=8, seeds ${SEEDS.join(', ')} (mean ± sd) | ${curves.map((c) => `${f4(mean(c.r8))} ± ${f4(sd(c.r8))} (${c.r8.length} seeds) | `).join(' | ')} |`,
    `| base model parameters | ${curves.map((c) => `${c.allParams.toLocaleString('en-US')} | `).join(' | ')} |`].join('\n');
  const csv = ['model,r,eval_loss,gain_over_base,trainable_params,base_loss', ...curves.flatMap((c) => c.points.map((p) => [JSON.stringify(c.label), p.r, p.loss, p.gain, p.params, c.base].join(',')))].join('\n');
  const svg = lineSvg(curves.map((c) => ({ label: `${c.label}, best r=${c.best}`, points: c.points.map((p) => [p.r, p.gain]), mark: c.best })),
    { title: 'LoRA on Plato: Apology loss gained over each base model, by rank', xLabel: 'LoRA rank r (q_proj, v_proj)', yLabel: 'base loss - LoRA loss' });
  write('questions', 'rank-size', { md: `${md}\n`, csv: `${csv}\n`, svg });
}

function machine() {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, libtorch (Debian ${process.platform})`;
}

function writeResults() {
  tweeteval();
  seeds();
  const p = plato();
  questions();
  rankSize();
  const readme = require('./readme').resultsReadme({ plato: p, machine: machine() });
  fs.writeFileSync(path.join(RESULTS, 'README.md'), readme);
  console.log(`results: ${path.relative(ROOT, RESULTS)}/README.md`);
}

module.exports = { writeResults };
if (require.main === module) writeResults();

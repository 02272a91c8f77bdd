#!/usr/bin/env node
// Mutation testing for the C++ side, which StrykerJS cannot mutate: applies a curated list of
// native mutations one at a time (a wrong LoRA scaling, merge, attention mask, a loosened bound in
// the safetensors or zip reader, a missing unpickler check, a wrong AdamW update or gradient clip),
// rebuilds incrementally (cmake-js + ninja + ccache: one translation unit and the link), runs the
// tests that should notice, and restores the file. Every mutation must make at least one test fail.
//
//   node scripts/native-mutations.js            # all of them (~2-4 min each on 2 cores)
//   node scripts/native-mutations.js adamw clip # those whose id contains a word
//   node scripts/native-mutations.js --list
//
// Results go to stdout and reports/native-mutations.json; the exit code is the number of
// mutations no test caught. The source files are restored (also on Ctrl-C) and the addon rebuilt.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');

/** id, file, exact text to find (once), replacement, what the bug would be, tests to run. */
const MUTATIONS = [
  { id: 'lora-scaling', file: 'native/peft/lora.cc', find: 's.alpha / static_cast<double>(s.r)', replace: 's.alpha / static_cast<double>(s.r + 1)',
    bug: 'LoRA scaling alpha / (r + 1) instead of alpha / r', tests: ['test/peft/lora.parity.test.ts'] },
  { id: 'lora-rslora', file: 'native/peft/lora.cc', find: 's.alpha / std::sqrt(static_cast<double>(s.r))', replace: 's.alpha / static_cast<double>(s.r)',
    bug: 'rsLoRA scaling alpha / r instead of alpha / sqrt(r)', tests: ['test/peft/adapters.test.ts', 'test/peft/lora.property.test.ts'] },
  { id: 'lora-delta-order', file: 'native/peft/lora.cc', find: 'at::matmul(b, a) * scaling_.at(name)', replace: 'at::matmul(b, a) * scaling_.at(name) * 0.5',
    bug: 'merge adds half of B·A·scaling', tests: ['test/peft/lora.parity.test.ts'] },
  { id: 'lora-merge-safe', file: 'native/peft/lora.cc', find: 'at::Tensor merged = weight + delta;', replace: 'at::Tensor merged = weight - delta;',
    bug: 'safe merge subtracts the delta', tests: ['test/peft/lora.parity.test.ts'] },
  { id: 'lora-unmerge', file: 'native/peft/lora.cc', find: 'weight.sub_(DeltaWeight(merged_.back())', replace: 'weight.add_(DeltaWeight(merged_.back())',
    bug: 'unmerge adds the delta again', tests: ['test/peft/lora.parity.test.ts', 'test/peft/lora.property.test.ts'] },
  { id: 'bert-attention-mask', file: 'native/models/bert.cc', find: 'return (1.0 - m) * MaskValue(dtype);', replace: 'return (1.0 - m) * 0.0;',
    bug: 'BERT ignores the attention mask (padding attended)', tests: ['test/models/bert.parity.test.ts'] },
  { id: 'opt-causal-mask', file: 'native/models/opt.cc', find: 'at::full({new_len, new_len}, minimum, options).triu(1)', replace: 'at::full({new_len, new_len}, minimum, options).triu(2)',
    bug: 'OPT attends to the next token (causal mask shifted)', tests: ['test/models/opt.parity.test.ts'] },
  { id: 'opt-padding-mask', file: 'native/models/opt.cc', find: '(1.0 - attention_mask.to(dtype))', replace: '(0.0 * attention_mask.to(dtype))',
    bug: 'OPT ignores the padding mask', tests: ['test/models/opt.parity.test.ts'] },
  { id: 'dropout-mask-words', file: 'native/nn/dropout.cc', find: '(static_cast<uint64_t>(words[2 * i]) << 32) | words[2 * i + 1]', replace: '(static_cast<uint64_t>(words[2 * i + 1]) << 32) | words[2 * i]',
    bug: 'dropout masks from the mt19937 words in the wrong order (not PyTorch\'s masks)', tests: ['test/train/dropout.test.ts'] },
  { id: 'dropout-mt-regenerate', file: 'native/nn/dropout.cc', find: 'd.left_ = kN + 1;', replace: 'd.left_ = kN;',
    bug: 'the mt19937 state regenerated one word early (masks drift from PyTorch\'s after 623 draws)', tests: ['test/train/dropout.test.ts'] },
  { id: 'dropout-scale', file: 'native/nn/dropout.cc', find: 'const double scale = 1.0 / (1.0 - p);', replace: 'const double scale = 1.0 / (1.0 - p) + 1e-6;',
    bug: 'kept elements scaled by slightly more than 1/(1-p)', tests: ['test/train/dropout.test.ts'] },
  { id: 'safetensors-header-bound', file: 'native/io/safetensors.cc', find: 'if (n > file_size - 8)', replace: 'if (n > file_size)',
    bug: 'header length checked against the file size, not size - 8', tests: ['test/io/errors.test.ts'] },
  { id: 'safetensors-offset-bound', file: 'native/io/safetensors.cc', find: 'if (e->end < e->begin || e->end > buffer)', replace: 'if (e->end < e->begin)',
    bug: 'data_offsets may end past the data buffer', tests: ['test/io/errors.test.ts'] },
  { id: 'zip-bounds', file: 'native/io/zip.h', find: 'if (offset > size_ || length > size_ - offset)', replace: 'if (offset > size_)',
    bug: 'zip records may run past the end of the file', tests: ['test/io/errors.test.ts', 'test/io/torch-bin.test.ts', 'test/io/fuzz.test.ts'] },
  { id: 'unpickler-globals', file: 'native/io/pickle.h', find: 'else if (!StorageDtype(module, name, kStorages, &values_[v].dtype))', replace: 'else if (false && !StorageDtype(module, name, kStorages, &values_[v].dtype))',
    bug: 'the unpickler accepts any GLOBAL (os.system, builtins.exec...)', tests: ['test/io/errors.test.ts'] },
  { id: 'unpickler-view-bound', file: 'native/io/torch_bin.cc', find: 'if (!empty && last >= static_cast<uint64_t>(storage.numel()))', replace: 'if (!empty && last > static_cast<uint64_t>(storage.numel()))',
    bug: 'a view may reach one element past its storage', tests: ['test/io/torch-bin.test.ts'] },
  { id: 'adamw-weight-decay', file: 'native/optim/adamw.cc', find: '1 - group.lr * group.weight_decay', replace: '1 - group.weight_decay',
    bug: 'AdamW decoupled weight decay not multiplied by lr', tests: ['test/optim/trace.test.ts'] },
  { id: 'adamw-bias-correction', file: 'native/optim/adamw.cc', find: 'std::sqrt(1 - std::pow(group.beta2, static_cast<double>(step)))', replace: 'std::sqrt(1 - std::pow(group.beta2, static_cast<double>(step + 1)))',
    bug: 'AdamW second-moment bias correction off by one step', tests: ['test/optim/trace.test.ts'] },
  { id: 'adamw-direction', file: 'native/optim/adamw.cc', find: 'p.addcdiv_(m, denom, -s.step_size);', replace: 'p.addcdiv_(m, denom, s.step_size);',
    bug: 'AdamW steps up the gradient', tests: ['test/optim/trace.test.ts'] },
  { id: 'clip-no-clamp', file: 'native/optim/clip.cc', find: 'at::clamp((total + 1e-6).reciprocal() * max_norm, c10::nullopt, 1.0)', replace: '((total + 1e-6).reciprocal() * max_norm)',
    bug: 'clipGradNorm scales small gradients up (no clamp at 1)', tests: ['test/optim/clip.test.ts'] },
  { id: 'clip-norm', file: 'native/optim/clip.cc', find: 'total = at::norm(at::stack(norms), norm_type);', replace: 'total = at::stack(norms).sum();',
    bug: 'clipGradNorm sums the per-tensor norms', tests: ['test/optim/clip.test.ts'] },
  { id: 'mixed-batch-rows', file: 'native/peft/lora.cc', find: 'LoraBranch(group.name, x.index_select(0, group.index))', replace: 'LoraBranch(group.name, x.narrow(0, 0, group.index.size(0)))',
    bug: 'a mixed-adapter batch runs an adapter on the first rows instead of its own', tests: ['test/peft/mixed-batch.test.ts'] },
  { id: 'mixed-batch-head', file: 'native/peft/lora.cc', find: 'ModulePtr module = own ? Child("modules_to_save")->Child(group.name) : Child("original_module");', replace: 'ModulePtr module = Child("original_module");',
    bug: "a mixed batch runs every row through the original classifier, not its adapter's copy", tests: ['test/peft/mixed-batch.test.ts'] },
  { id: 'ties-disjoint-count', file: 'native/peft/merge_utils.cc', find: 'return mixed / at::clamp_min(preserved, 1.0);', replace: 'return mixed / at::clamp_min(preserved, 2.0);',
    bug: 'TIES averages agreeing values over at least two', tests: ['test/peft/weighted-adapter.test.ts'] },
  { id: 'dare-rescale', file: 'native/peft/merge_utils.cc', find: 'return rescale ? pruned / density : pruned;', replace: 'return pruned;',
    bug: 'DARE does not rescale the kept values by 1 / density', tests: ['test/peft/weighted-adapter.test.ts'] },
  { id: 'svd-weight-scaling', file: 'native/peft/weighted_adapter.cc', find: 'weights.push_back(static_cast<float>(weight * layer.Scaling(name)));', replace: 'weights.push_back(static_cast<float>(weight));',
    bug: "svd combinations drop PEFT's extra scaling of the weights", tests: ['test/peft/weighted-adapter.test.ts'] },
];

function run(cmd, args, options = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  return { status: r.status, signal: r.signal, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, seconds: (Date.now() - started) / 1000 };
}

const build = () => run('npx', ['cmake-js', 'compile', '-G', 'Ninja', '-O', 'build-cmake'], { env: { ...process.env, CCACHE_BASEDIR: path.dirname(ROOT) } });

let restore = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (restore) restore();
    process.exit(130);
  });
}

function main() {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const m of MUTATIONS) console.log(`${m.id.padEnd(26)} ${m.file.padEnd(26)} ${m.bug}`);
    return 0;
  }
  const chosen = args.length === 0 ? MUTATIONS : MUTATIONS.filter((m) => args.some((a) => m.id.includes(a)));
  // Every mutation must apply to today's sources: a stale entry is an error, not a silent pass.
  for (const m of chosen) {
    const text = fs.readFileSync(path.join(ROOT, m.file), 'utf8');
    const count = text.split(m.find).length - 1;
    if (count !== 1) throw new Error(`${m.id}: '${m.find}' occurs ${count} times in ${m.file} (expected once): update the mutation list`);
  }
  const base = build();
  if (base.status !== 0) throw new Error(`the unmutated build fails:\n${base.output.slice(-4000)}`);
  const results = [];
  for (const m of chosen) {
    const file = path.join(ROOT, m.file);
    const original = fs.readFileSync(file, 'utf8');
    restore = () => fs.writeFileSync(file, original);
    fs.writeFileSync(file, original.replace(m.find, m.replace));
    let result;
    try {
      const b = build();
      if (b.status !== 0) {
        result = { id: m.id, outcome: 'build failed', buildSeconds: b.seconds, detail: b.output.slice(-2000) };
      } else {
        const t = run('npx', ['vitest', 'run', ...m.tests]);
        const failed = [...t.output.matchAll(/(?:×|✗|FAIL)\s+(.*)/g)].map((x) => x[1].replace(/\u001b\[[0-9;]*m/g, '').trim()).filter((x) => x.length > 0);
        result = { id: m.id, outcome: t.status === 0 ? 'SURVIVED' : 'caught', buildSeconds: b.seconds, testSeconds: t.seconds, failing: [...new Set(failed)].slice(0, 6) };
      }
    } finally {
      restore();
      restore = null;
    }
    results.push({ ...result, file: m.file, bug: m.bug, tests: m.tests });
    console.log(`${result.outcome === 'caught' ? 'caught  ' : result.outcome.padEnd(8)} ${m.id.padEnd(26)} ${m.bug}${result.failing?.length ? `\n           by: ${result.failing.slice(0, 3).join('\n               ')}` : ''}`);
  }
  const rebuilt = build();
  fs.mkdirSync(path.join(ROOT, 'reports'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'reports', 'native-mutations.json'), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
  const missed = results.filter((r) => r.outcome !== 'caught');
  console.log(`\n${results.length - missed.length}/${results.length} native mutations caught${missed.length ? `; not caught: ${missed.map((r) => `${r.id} (${r.outcome})`).join(', ')}` : ''}`);
  if (rebuilt.status !== 0) console.log('warning: rebuilding the unmutated sources failed; run npm run build:native');
  return missed.length;
}

try {
  process.exitCode = main();
} catch (err) {
  if (restore) restore();
  console.error(err.message);
  process.exitCode = 255;
}

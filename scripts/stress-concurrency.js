#!/usr/bin/env node
'use strict';
// Forwards interleaved with every structural change of a LoRA model, for a fixed time (issue #12):
// every completed forward must equal the sequential result for the state the model was in when
// the forward was queued, and the only errors allowed are BusyErrors ("model is busy: ...",
// "gradients are busy: ..."). Prints the counts; exits 1 on a wrong result or another error.
//
//   node scripts/stress-concurrency.js [seconds=60]      (after `npm run build`)
//
// test/models/concurrency.test.ts runs the same engine for a few seconds on lib/.

const fs = require('fs');
const os = require('os');
const path = require('path');

// Wrong results in issue #12 were off by 8e-4 .. 7e-3; merged and unmerged differ by ~1e-7, and
// the adapters by > 1e-2 (checked at the start of each round).
const TOL = 1e-4;
const MAX_PENDING = 12;
const ROUND_MS = 5000;

/** A seeded PRNG (mulberry32): the same sequence of actions for the same seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function values(tensor) {
  return Float64Array.from(tensor.to('float64').toTypedArray());
}

function maxDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A small BERT classifier with two adapters, a and b, whose every part changes the logits. */
function buildRound(torch, seed) {
  torch.manualSeed(seed);
  const config = new torch.BertConfig({ vocab_size: 200, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128, max_position_embeddings: 64, num_labels: 3 });
  const base = torch.BertForSequenceClassification.fromConfig(config).eval();
  const lora = () => new torch.LoraConfig({ r: 4, loraAlpha: 8, targetModules: ['query', 'value'], modulesToSave: ['classifier'] });
  const peft = torch.getPeftModel(base, lora(), 'a');
  peft.addAdapter('b', lora());
  torch.noGrad(() => {
    for (const [n, t] of peft.baseModel.namedParameters()) {
      if (n.includes('.lora_B.') || n.includes('.modules_to_save.')) t.copy_(torch.randn(t.shape).mul(0.2));
    }
  });
  const inputs = { inputIds: torch.randint(0, 200, [4, 32]), attentionMask: torch.ones([4, 32], { dtype: 'int64' }), labels: torch.randint(0, 3, [4]) };
  return { peft, lora, inputs };
}

/** The sequential logits of every state a forward can see: base, a, b and a+b. */
function references(peft, inputs) {
  const refs = new Map();
  for (const names of [['a'], ['b'], ['a', 'b']]) {
    peft.setAdapter(names);
    refs.set(names.join('+'), values(peft.forwardSync(inputs).logits));
  }
  peft.disableAdapter(() => refs.set('base', values(peft.forwardSync(inputs).logits)));
  peft.setAdapter(['a']);
  const keys = [...refs.keys()];
  for (const k of keys) for (const j of keys) if (k < j && maxDiff(refs.get(k), refs.get(j)) < 100 * TOL) throw new Error(`stress set-up: states ${k} and ${j} give the same logits`);
  peft.merge();
  const merged = maxDiff(values(peft.forwardSync(inputs).logits), refs.get('a'));
  peft.unmerge();
  if (merged > TOL / 10) throw new Error(`stress set-up: merged logits differ from unmerged by ${merged}`);
  return refs;
}

class Counts {
  constructor() {
    Object.assign(this, { rounds: 0, forwards: 0, wrong: 0, maxDiff: 0, busy: {}, done: {}, other: [] });
  }
  add(table, op) { table[op] = (table[op] ?? 0) + 1; }
  /** A completed forward: right when within TOL of the reference of the state it was queued in. */
  checked(diff) {
    this.forwards++;
    if (Number.isFinite(diff)) this.maxDiff = Math.max(this.maxDiff, diff);
    if (!(diff <= TOL)) this.wrong++;
  }
}

/** One model and its bookkeeping: what the model is now, and the work in flight on it. */
class Round {
  constructor(torch, seed, counts) {
    Object.assign(this, buildRound(torch, seed), { torch, counts, random: rng(seed), pending: new Set() });
    this.refs = references(this.peft, this.inputs);
    this.state = { active: ['a'], merged: null, dtype: 'float32', tmp: false };
  }

  /** The reference a forward queued now must match (a merged adapter runs whatever is active). */
  key() { return (this.state.merged ?? this.state.active).join('+'); }

  track(promise) {
    this.pending.add(promise);
    promise.finally(() => this.pending.delete(promise));
  }

  async settle() { while (this.pending.size > 0) await Promise.allSettled([...this.pending]); }

  refused(op, err) {
    if (err instanceof this.torch.BusyError) this.counts.add(this.counts.busy, op);
    else this.counts.other.push(`${op}: ${err && err.stack}`);
  }

  /** Tries a change; BusyError (or another error) is counted, success too. */
  attempt(op, fn) {
    try {
      const result = fn();
      if (result instanceof Promise) this.track(result.then(() => this.counts.add(this.counts.done, op), (err) => this.refused(op, err)));
      else this.counts.add(this.counts.done, op);
    } catch (err) {
      this.refused(op, err);
    }
  }

  check(expected, dtype, out) {
    this.counts.checked(out.logits.dtype === dtype ? maxDiff(values(out.logits), this.refs.get(expected)) : Infinity);
    out.logits.dispose();
    out.loss?.dispose();
  }

  /** Queues a forward; `then` gets its outputs after they are checked against the state of now. */
  forward(then = null) {
    const expected = this.key();
    const dtype = this.state.dtype;
    this.track(this.peft.forward(this.inputs).then((out) => {
      const loss = out.loss;
      out.loss = then ? undefined : loss;
      this.check(expected, dtype, out);
      return then?.(loss);
    }, (err) => this.refused('forward', err)));
  }
}

/** Every change the stress interleaves with forwards; each keeps Round.state in step when it succeeds. */
function actions(r, dir) {
  const { peft, state } = r;
  return {
    setAdapter: () => {
      if (state.merged) return;  // a merged adapter runs whatever is active: keep the reference simple
      const names = [['a'], ['b'], ['a', 'b']][Math.floor(r.random() * 3)];
      r.attempt('setAdapter', () => { peft.setAdapter(names); state.active = names; });
    },
    merge: () => r.attempt(state.merged ? 'unmerge' : 'merge', () => {
      if (state.merged) { peft.unmerge(); state.merged = null; } else { peft.merge(); state.merged = state.active; }
    }),
    adapter: () => r.attempt(state.tmp ? 'deleteAdapter' : 'addAdapter', () => {
      // 'tmp' is never active: its B is zero; adding and deleting it changes the module tree only.
      if (state.tmp) peft.deleteAdapter('tmp'); else peft.addAdapter('tmp', r.lora());
      state.tmp = !state.tmp;
    }),
    disableAdapter: () => r.attempt('disableAdapter', () => peft.disableAdapter(() => {
      state.merged = null;  // disabling undoes merges, as PEFT's next forward does
      r.check('base', state.dtype, peft.forwardSync(r.inputs));
    })),
    to: () => r.attempt('to', () => {
      const dtype = state.dtype === 'float32' ? 'float64' : 'float32';
      peft.baseModel.to(dtype);
      state.dtype = dtype;
    }),
    // Through a submodule's handle: it finds the model's guard too.
    requiresGrad: () => r.attempt('requiresGrad_', () => peft.baseModel.bert.encoder.layer[0].requiresGrad_(r.random() < 0.5)),
    trainEval: () => r.attempt('train/eval', () => { peft.train(); peft.eval(); }),
    loadAdapterWeights: () => r.attempt('loadAdapterWeights', () => peft.loadAdapterWeights(path.join(dir, 'a'), 'a')),
    backward: () => r.forward(async (loss) => {
      const done = loss.backwardAsync();
      r.attempt('zeroGrad', () => { for (const p of peft.baseModel.parameters()) p.zeroGrad(); });
      await done.catch((err) => r.refused('backwardAsync', err));
      loss.dispose();
    }),
  };
}

/** One round: random actions until `until`; then mergeAndUnload during a forward (refused) and idle. */
async function round(torch, seed, until, counts) {
  const r = new Round(torch, seed, counts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-stress-'));
  await r.peft.savePretrained(dir, { selectedAdapters: ['a'] });
  const changes = Object.values(actions(r, dir));
  while (Date.now() < until) {
    // Half of the turns queue forwards, the other half try a change: mostly at once (refused while
    // work is in flight), a third of the time after the work in flight has settled (made).
    if (r.pending.size < MAX_PENDING) {
      if (r.random() < 0.5) {
        for (let i = 1 + Math.floor(r.random() * 3); i > 0; i--) r.forward();
      } else {
        const change = changes[Math.floor(r.random() * changes.length)];
        if (r.random() < 1 / 3) await r.settle();
        change();
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  r.forward();
  r.attempt('mergeAndUnload', () => r.peft.mergeAndUnload());  // refused: the forward is in flight
  await r.settle();
  const expected = r.key();
  const plain = r.peft.mergeAndUnload();
  counts.add(counts.done, 'mergeAndUnload');
  const out = await plain.forward(r.inputs);
  r.check(expected, r.state.dtype, out);
  fs.rmSync(dir, { recursive: true, force: true });
  counts.rounds++;
}

/** Runs rounds until `seconds` have passed; returns the counts. */
async function runStress(torch, { seconds = 60, seed = 1 } = {}) {
  const counts = new Counts();
  const end = Date.now() + seconds * 1000;
  for (let r = 0; Date.now() < end; r++) await round(torch, seed + r, Math.min(end, Date.now() + ROUND_MS), counts);
  return counts;
}

function report(counts, seconds) {
  const lines = [`stress-concurrency: ${seconds} s, ${counts.rounds} rounds`,
    `  forwards completed and checked: ${counts.forwards}`,
    `  wrong results: ${counts.wrong} (largest difference from the sequential result: ${counts.maxDiff.toExponential(2)})`,
    `  changes made: ${JSON.stringify(counts.done)}`,
    `  BusyError (refused while work was in flight): ${JSON.stringify(counts.busy)}`,
    `  other errors: ${counts.other.length}`];
  for (const e of counts.other.slice(0, 20)) lines.push(`    ${e}`);
  return lines.join('\n');
}

module.exports = { runStress, report };

if (require.main === module) {
  const seconds = Number(process.argv[2] ?? 60);
  // eslint-disable-next-line global-require
  const torch = require('..');
  runStress(torch, { seconds }).then((counts) => {
    console.log(report(counts, seconds));
    process.exitCode = counts.wrong === 0 && counts.other.length === 0 ? 0 : 1;
  }, (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

// The concurrency contract (README, Concurrency): forwards run concurrently; structural changes
// while async work is in flight on a model throw BusyError at once and change nothing, and the
// work in flight returns what a sequential run returns. Gradients: reading or replacing .grad
// while a backward pass runs throws BusyError. Issue #12, item 5.
import fs from 'fs';
import { createRequire } from 'module';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { AdamW, BusyError, LoraConfig, TorchError, dataCollatorWithPadding, getPeftModel, trainingStep, type PeftModel } from '../../lib';
import { native } from '../../lib/binding';
import { moduleHandle } from '../../lib/nn/module';
import { classificationRows, tinyBert, tinyOpt } from '../train/helpers';
import { maxAbsDiff } from './helpers';
// The engine of scripts/stress-concurrency.js, run on lib/ (the script runs it on dist/ for 60 s).
const { runStress, report } = createRequire(__filename)('../../scripts/stress-concurrency.js');

const lora = () => new LoraConfig({ r: 4, loraAlpha: 8, targetModules: ['query', 'value'], modulesToSave: ['classifier'] });
const inputs = { inputIds: torch.randint(3, 120, [4, 12]), attentionMask: torch.ones([4, 12], { dtype: 'int64' }) };

/** Two adapters whose B (and classifier copies) are random, so every change shows in the logits. */
function peftModel(): PeftModel {
  const peft = getPeftModel(tinyBert(0).eval(), lora(), 'a');
  peft.addAdapter('b', lora());
  torch.manualSeed(1);
  torch.noGrad(() => {
    for (const [n, t] of peft.baseModel.namedParameters()) if (n.includes('.lora_B.') || n.includes('.modules_to_save.')) t.copy_(torch.randn(t.shape).mul(0.3));
  });
  return peft;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const busy = (operation: string, work = '1 forward call') => new RegExp(`^model is busy: ${escape(work)} in flight; await (it|them) before ${escape(operation)}$`);

function expectBusy(fn: () => unknown, message: RegExp): void {
  let error: unknown = null;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(BusyError);
  expect(error).toBeInstanceOf(TorchError);
  expect((error as Error).message).toMatch(message);
}

// [what, the change, the operation its error names]
const CHANGES: [string, (p: PeftModel) => unknown, string][] = [
  ['merge()', (p) => p.merge(), 'merge()'],
  ['unmerge()', (p) => p.unmerge(), 'unmerge()'],
  ['mergeAndUnload()', (p) => p.mergeAndUnload(), 'mergeAndUnload()'],
  ['mergeAndUnload({ safeMerge })', (p) => p.mergeAndUnload({ safeMerge: true }), 'mergeAndUnload()'],
  ['unload()', (p) => p.unload(), 'unload()'],
  ['addAdapter()', (p) => p.addAdapter('c', lora()), 'addAdapter()'],
  ['deleteAdapter()', (p) => p.deleteAdapter('b'), 'deleteAdapter()'],
  ['setAdapter()', (p) => p.setAdapter('b'), 'setAdapter()'],
  ['disableAdapter()', (p) => p.disableAdapter(() => 0), 'disableAdapter()'],
  ["to('float64')", (p) => p.baseModel.to('float64'), 'to()'],
  ['requiresGrad_()', (p) => p.baseModel.requiresGrad_(true), 'requiresGrad_()'],
  ['train()', (p) => p.train(), 'train() / eval()'],
  ['eval() of a submodule', (p) => p.baseModel.bert.encoder.layer[1].attention.eval(), 'train() / eval()'],
  ['requiresGrad_() of a LoRA layer', (p) => p.baseModel.getSubmodule('bert.encoder.layer.0.attention.self.query').requiresGrad_(false), 'requiresGrad_()'],
  ["train() of an adapter's lora_A", (p) => p.baseModel.getSubmodule('bert.encoder.layer.1.attention.self.value.lora_A.b').train(), 'train() / eval()'],
  ['train() of a modules_to_save copy', (p) => p.baseModel.getSubmodule('classifier.modules_to_save.a').train(), 'train() / eval()'],
];

describe('structural changes during a pending forward', () => {
  it.each(CHANGES)('%s throws BusyError and changes nothing; the forward equals the sequential one; once awaited it works', async (_, change, operation) => {
    const peft = peftModel();
    const sequential = peft.forwardSync(inputs).logits;
    const active = peft.activeAdapters;
    const pending = peft.forward(inputs);
    expectBusy(() => change(peft), busy(operation));
    expect(peft.activeAdapters).toEqual(active);
    expect([...peft.peftConfig.keys()]).toEqual(['a', 'b']);
    expect(maxAbsDiff((await pending).logits, sequential)).toBe(0);
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, sequential)).toBe(0);  // still the same model
    change(peft);
  });

  it('counts every forward in flight, and several run at once with right results', async () => {
    const peft = peftModel();
    const sequential = peft.forwardSync(inputs).logits;
    const pending = Array.from({ length: 6 }, () => peft.forward(inputs));
    expectBusy(() => peft.setAdapter('b'), busy('setAdapter()', '6 forward calls'));
    for (const out of await Promise.all(pending)) expect(maxAbsDiff(out.logits, sequential)).toBe(0);
  });

  it('after mergeAndUnload the modules put back answer to the same guard', async () => {
    const plain = peftModel().mergeAndUnload();
    const pending = plain.forward(inputs);
    expectBusy(() => plain.getSubmodule('bert.encoder.layer.0.attention.self.query').train(), busy('train() / eval()'));
    expectBusy(() => plain.getSubmodule('classifier').requiresGrad_(true), busy('requiresGrad_()'));
    await pending;
    plain.getSubmodule('classifier').requiresGrad_(true);
  });

  it('the busy state ends exactly when the promise settles, also for a forward that fails', async () => {
    const peft = peftModel();
    const bad = peft.forward({ inputIds: torch.randint(3, 120, [2, 500]) });  // longer than max_position_embeddings
    expectBusy(() => peft.merge(), busy('merge()'));
    await expect(bad).rejects.toThrow(TorchError);
    peft.merge();
    expect(peft.merged).toBe(true);
  });

  it('loadAdapter and loadAdapterWeights read the files first; busy then, nothing is added or copied', async () => {
    const peft = peftModel();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-busy-'));
    await peft.savePretrained(dir, { selectedAdapters: ['b'] });
    const sequential = peft.forwardSync(inputs).logits;
    // A hold like generate()'s keeps the model busy for as long as the file takes to read.
    const lease = native.moduleHold(moduleHandle(peft.baseModel), 'the test');
    await expect(peft.loadAdapter(path.join(dir, 'b'), 'c')).rejects.toThrow(busy('addAdapter()', '1 generate() call'));
    await expect(peft.loadAdapterWeights(path.join(dir, 'b'), 'a')).rejects.toThrow(busy('loading adapter weights', '1 generate() call'));
    native.moduleRelease(lease);
    expect([...peft.peftConfig.keys()]).toEqual(['a', 'b']);
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, sequential)).toBe(0);
    await peft.loadAdapter(path.join(dir, 'b'), 'c');
    peft.setAdapter('c');
    peft.setAdapter('b');
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, (peft.setAdapter('c'), peft.forwardSync(inputs)).logits)).toBe(0);
  });

  it('disableAdapter(async fn) keeps adapters off until the forwards it started have finished', async () => {
    const peft = peftModel();
    const adapter = peft.forwardSync(inputs).logits;
    const base = peft.disableAdapter(() => peft.forwardSync(inputs)).logits;
    let inside: Promise<torch.ModelOutput> | null = null;
    await peft.disableAdapter(async () => { inside = peft.forward(inputs); });  // not awaited by fn
    expect(maxAbsDiff((await inside!).logits, base)).toBe(0);
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, adapter)).toBe(0);
    // A synchronous fn that leaves a forward in flight is told so; the adapters come back after it.
    let left: Promise<torch.ModelOutput> | null = null;
    expectBusy(() => peft.disableAdapter(() => { left = peft.forward(inputs); }), /^disableAdapter\(fn\): fn returned while async work/);
    expect(maxAbsDiff((await left!).logits, base)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, adapter)).toBe(0);
  });

  it('disabling adapters undoes a merge on the JS thread; a forward never writes the weights', async () => {
    const peft = peftModel();
    const base = peft.disableAdapter(() => peft.forwardSync(inputs)).logits;
    peft.merge();
    const outs = await peft.disableAdapter(() => Promise.all([peft.forward(inputs), peft.forward(inputs)]));
    expect(peft.merged).toBe(false);
    for (const out of outs) expect(maxAbsDiff(out.logits, base)).toBeLessThan(1e-6);
  });
});

describe('generation and training steps', () => {
  it('generate() holds the model from the call to the end: changes are refused between its steps', async () => {
    const model = tinyOpt(0).eval();
    const ids = torch.randint(3, 120, [2, 5]);
    const expected = (await model.generate(ids, { maxNewTokens: 6 })).toArray();
    const seen: string[] = [];
    const running = model.generate(ids, {
      maxNewTokens: 6,
      onToken: () => { try { model.train(); } catch (err) { seen.push((err as Error).message); } },
    });
    expectBusy(() => model.to('float64'), busy('to()', '1 generate() call'));
    expect((await running).toArray()).toEqual(expected);
    expect(seen).toHaveLength(6);
    expect(seen[0]).toMatch(busy('train() / eval()', '1 generate() call'));
    model.to('float64');
  });

  it('a training step that updates the weights excludes forwards and starts only on an idle model', async () => {
    const model = tinyBert(0);
    const optimizer = new AdamW(model.parameters(), { lr: 1e-3 });
    const batch = dataCollatorWithPadding()(classificationRows(4));
    const forward = model.forward(inputs);
    await expect(trainingStep(model, batch, { optimizer })).rejects.toThrow(busy('a training step that updates the weights'));
    await forward;
    const step = trainingStep(model, batch, { optimizer });
    await expect(model.forward(inputs)).rejects.toThrow(/^model is busy: a training step is updating its weights; await it before forward\(\)/);
    expectBusy(() => model.forwardSync(inputs), /^model is busy: a training step is updating its weights; await it before forwardSync\(\)/);
    expectBusy(() => model.eval(), busy('train() / eval()', '1 training step updating the weights'));
    expectBusy(() => model.parameters()[0].zeroGrad(), /^gradients are busy: 1 backward pass and 1 optimizer update in flight/);
    expectBusy(() => optimizer.zeroGrad(), /^gradients are busy: .* before optimizer\.zeroGrad\(\)/);
    expect((await step).updated).toBe(true);
    await model.forward(inputs);
  });

  it('accumulation steps (no optimizer) run beside forwards, and hold the model like them', async () => {
    const model = tinyBert(0);
    const batch = dataCollatorWithPadding()(classificationRows(4));
    const [a, b, f] = [trainingStep(model, batch), trainingStep(model, batch), model.forward(inputs)];
    expectBusy(() => model.requiresGrad_(false), busy('requiresGrad_()', '1 forward call, 2 training steps'));
    await Promise.all([a, b, f]);
    model.requiresGrad_(false);
  });
});

describe('gradients while a backward pass runs', () => {
  it('zeroGrad(), setting and reading .grad throw BusyError during backwardAsync(); afterwards the gradient is whole', async () => {
    const w = torch.randn([64, 64], { requiresGrad: true });
    const x = torch.randn([256, 64]);
    const loss = x.matmul(w).tanh().sum();
    const expected = (() => {
      const again = x.matmul(w).tanh().sum();
      again.backward();
      const g = w.grad!.clone();
      w.zeroGrad();
      return g;
    })();
    const pending = loss.backwardAsync();
    expectBusy(() => w.zeroGrad(), /^gradients are busy: 1 backward pass in flight \(backwardAsync\(\), a training step or optimizer\.stepAsync\(\)\); await it before zeroGrad\(\)/);
    expectBusy(() => { w.grad = torch.zeros([64, 64]); }, /await it before setting \.grad$/);
    expectBusy(() => w.grad, /await it before reading \.grad$/);
    await pending;
    expect(maxAbsDiff(w.grad!, expected)).toBe(0);
    w.zeroGrad();
    expect(w.grad).toBeNull();
  });

  it('a model change waits for backward passes too: they read the weights the forward used', async () => {
    const peft = peftModel();
    const out = await peft.forward({ ...inputs, labels: [0, 1, 2, 0] });
    const pending = out.loss!.backwardAsync();
    expectBusy(() => peft.merge(), busy('merge()', '1 backward pass'));
    const optimizer = new AdamW(peft.baseModel.parameters().filter((p) => p.requiresGrad), { lr: 1e-3 });
    expectBusy(() => optimizer.step(), /^gradients are busy: .* before optimizer\.step\(\)/);
    await pending;
    optimizer.step();
    peft.merge();
  });
});

describe('stress', () => {
  it('forwards interleaved with every change for 4 s: no wrong result, only BusyErrors', async () => {
    const counts = await runStress(torch, { seconds: 4, seed: 7 });
    const text = report(counts, 4);
    expect(counts.other, text).toEqual([]);
    expect(counts.wrong, text).toBe(0);
    // How much happens in 4 s depends on the machine; each round ends with a forward, a refused
    // mergeAndUnload and a made one whatever the speed.
    expect(counts.forwards, text).toBeGreaterThan(0);
    expect(counts.busy.mergeAndUnload, text).toBeGreaterThanOrEqual(1);
    expect(counts.done.mergeAndUnload, text).toBeGreaterThanOrEqual(1);
  });
});

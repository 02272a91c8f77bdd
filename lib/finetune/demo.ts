// The demo `npm run demo` runs: node-peft's own pre-trained models (models/, in the repository)
// adapted with LoRA on real data — TweetEval sentiment for mini-bert-cased (precision and F1
// before and after, the adapter's size, reload, merge, examples) and Plato for mini-opt (the
// held-out Apology's loss, and a continuation from the base and from the adapted model).
import fs from 'fs';
import os from 'os';
import path from 'path';
import { noGrad } from '../scope';
import { PeftModel } from '../peft/peft-model';
import { formatBytes, formatCount, formatMetric } from '../report/format';
import { loadTaskData, type DataOptions } from './data';
import { generateText } from './generate';
import { inferenceTrainer, predictTexts } from './inference';
import { fineTune, type FineTuneResult } from './run';
import { loadTaskModel, loadTokenizerFor } from './task';

const ROOT = path.resolve(__dirname, '../..');
export const DEMO_MODELS = { bert: path.join(ROOT, 'models/mini-bert-cased'), opt: path.join(ROOT, 'models/mini-opt') };
const DATA = path.join(ROOT, 'data');

export interface DemoOptions {
  /** A few steps on a few rows (what the test suite runs). */
  quick?: boolean;
  /** Where the runs are written (default a fresh folder under the OS temp dir). */
  outputDir?: string;
  print?: (line: string) => void;
}

export interface DemoResult {
  classification: { before: Record<string, number>; after: Record<string, number>; adapterBytes: number; baseBytes: number; outputDir: string };
  causal: { before: number; after: number; baseText: string; adaptedText: string; outputDir: string };
}

const EXAMPLES = ['I love this new phone, the camera is amazing!', 'The train was late again and nobody told us why.', 'The meeting is at 3pm in room 204.'];
const PROMPT = 'SOCRATES: And is not justice';

function checkModels(): void {
  for (const [name, dir] of Object.entries(DEMO_MODELS)) {
    if (!fs.existsSync(path.join(dir, 'model.safetensors'))) {
      throw new Error(`the demo needs node-peft's pre-trained ${name} model in ${dir}: it ships in the repository (not the npm package); run the demo from a clone, or rebuild it with npm run pretrain:mini-${name}`);
    }
  }
}

async function classification(outputDir: string, quick: boolean, print: (l: string) => void): Promise<DemoResult['classification']> {
  const data = { dataDir: path.join(DATA, 'tweeteval-sentiment'), trainSplit: 'test', evalSplit: 'val', maxLength: 64, maxTrainSamples: quick ? 64 : 12284, maxEvalSamples: quick ? 32 : 600 };  // 12,284: the whole test split
  print(`1. LoRA on mini-bert-cased (${formatBytes(fs.statSync(path.join(DEMO_MODELS.bert, 'model.safetensors')).size)}), TweetEval sentiment: ${formatCount(data.maxTrainSamples)} tweets of the test split to train (one epoch), ${data.maxEvalSamples} of the validation split to evaluate`);
  const before = await untrained(data);
  print(`   before training: precision ${formatMetric(before.eval_precision)}, F1 ${formatMetric(before.eval_f1)} (macro) — the new classifier head knows nothing yet`);
  const run: FineTuneResult = await fineTune({
    model: DEMO_MODELS.bert, task: 'sequence-classification', method: 'lora', lora: { r: 8, alpha: 16, targetModules: ['query', 'value'] }, data,
    args: { outputDir, numTrainEpochs: 1, maxSteps: quick ? 3 : -1, perDeviceTrainBatchSize: 32, perDeviceEvalBatchSize: 64, learningRate: 2e-3, warmupRatio: 0.06, weightDecay: 0.01, evaluationStrategy: 'epoch', saveStrategy: 'no', loggingSteps: 10 },
    overwrite: true,
  }, { print: (l) => print(`   ${l}`), warn: false });
  const after = run.metrics;
  print(`   after training:  precision ${formatMetric(after.eval_precision)}, F1 ${formatMetric(after.eval_f1)} (macro)`);
  const baseBytes = fs.statSync(path.join(DEMO_MODELS.bert, 'model.safetensors')).size;
  print(`   adapter: ${formatBytes(run.savedBytes)} on disk, next to the ${formatBytes(baseBytes)} base model (${outputDir})`);
  await reloadAndClassify(outputDir, print);
  return { before, after, adapterBytes: run.savedBytes, baseBytes, outputDir };
}

/** The base model with a fresh classifier head, evaluated before any training. */
async function untrained(data: DataOptions): Promise<Record<string, number>> {
  const { tokenizer } = await loadTokenizerFor(undefined, [DEMO_MODELS.bert]);
  const rows = await loadTaskData('sequence-classification', { ...data, trainSplit: undefined, maxTrainSamples: undefined }, tokenizer, false);
  const model = await loadTaskModel(DEMO_MODELS.bert, 'sequence-classification', { labels: rows.labels!, warn: false });
  return inferenceTrainer(model, 'sequence-classification', tokenizer).evaluate({ evalDataset: rows.eval! });
}

/** A fresh base model, the saved adapter loaded into it and merged, then a few sentences classified. */
async function reloadAndClassify(adapterDir: string, print: (l: string) => void): Promise<void> {
  const { tokenizer } = await loadTokenizerFor(undefined, [adapterDir]);
  const labels = JSON.parse(fs.readFileSync(path.join(adapterDir, 'labels.json'), 'utf8')) as { id2label: Record<number, string> };
  const base = await loadTaskModel(DEMO_MODELS.bert, 'sequence-classification', { numLabels: Object.keys(labels.id2label).length, warn: false });
  const merged = (await PeftModel.fromPretrained(base, adapterDir)).mergeAndUnload();
  const predictions = await predictTexts(inferenceTrainer(merged, 'sequence-classification', tokenizer), tokenizer, EXAMPLES, labels.id2label, 64);
  print('   reloaded into a fresh mini-bert-cased and merged (a plain model again):');
  predictions.forEach((p, i) => print(`     ${p.label.padEnd(8)} ${(100 * Math.max(...Object.values(p.probabilities))).toFixed(0).padStart(3)}%  "${EXAMPLES[i]}"`));
}

async function continuation(model: Parameters<typeof generateText>[0], tokenizer: Parameters<typeof generateText>[1]): Promise<string> {
  let text = '';
  // Sampled with a fixed seed (the same draws for both models): greedy decoding of a model this
  // small loops on its most frequent phrase.
  for await (const piece of generateText(model, tokenizer, PROMPT, { maxNewTokens: 32, doSample: true, topP: 0.9, temperature: 0.8, repetitionPenalty: 1.3, seed: 7 })) text += piece;
  return text.replace(/\s+/g, ' ').trim();
}

async function causal(outputDir: string, quick: boolean, print: (l: string) => void): Promise<DemoResult['causal']> {
  const plato = (id: string) => path.join(DATA, 'plato', `${id}.txt`);
  const data = { trainFiles: ['1642', '1643', '1657', '1658', '1584', '1600'].map(plato), evalFiles: [plato('1656')], blockSize: 128, maxTrainSamples: quick ? 16 : 800, maxEvalSamples: quick ? 8 : 64 };
  print(`2. LoRA on mini-opt (${formatBytes(fs.statSync(path.join(DEMO_MODELS.opt, 'model.safetensors')).size)}), Plato: six dialogues mini-opt never saw, the Apology held out`);
  const run = await fineTune({
    model: DEMO_MODELS.opt, task: 'causal-lm', method: 'lora', lora: { r: 16, alpha: 32, targetModules: ['q_proj', 'v_proj', 'fc1', 'fc2'] }, data,
    args: { outputDir, numTrainEpochs: 1, maxSteps: quick ? 2 : -1, perDeviceTrainBatchSize: 16, perDeviceEvalBatchSize: 32, learningRate: 2e-3, warmupRatio: 0.06, evaluationStrategy: 'no', saveStrategy: 'no', loggingSteps: 10 },
    overwrite: true,
  }, { print: (l) => print(`   ${l}`), warn: false });
  const { tokenizer } = await loadTokenizerFor(undefined, [outputDir]);
  const peft = await PeftModel.fromPretrained(await loadTaskModel(DEMO_MODELS.opt, 'causal-lm', { warn: false }), outputDir);
  const trainer = inferenceTrainer(peft, 'causal-lm', tokenizer);
  const rows = (await loadTaskData('causal-lm', { ...data, maxTrainSamples: 1 }, tokenizer)).eval ?? [];
  const before = (await peft.disableAdapter(() => trainer.evaluate({ evalDataset: rows }))).eval_loss;
  const after = run.metrics.eval_loss ?? (await trainer.evaluate({ evalDataset: rows })).eval_loss;
  print(`   Apology loss: ${before.toFixed(3)} with the base model, ${after.toFixed(3)} with the adapter`);
  const baseText = await noGrad(() => peft.disableAdapter(() => continuation(peft.baseModel, tokenizer)));
  const adaptedText = await noGrad(() => continuation(peft.baseModel, tokenizer));
  print(`   base:    ${PROMPT}${baseText}`);
  print(`   adapted: ${PROMPT}${adaptedText}`);
  return { before, after, baseText, adaptedText, outputDir };
}

/** [async] Runs the demo; see DemoOptions. */
export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  checkModels();
  const print = o.print ?? ((l: string) => console.log(l));
  const root = o.outputDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-demo-'));
  const result = {
    classification: await classification(path.join(root, 'tweeteval-lora'), o.quick ?? false, print),
    causal: await causal(path.join(root, 'plato-lora'), o.quick ?? false, print),
  };
  print(`\nCharts of both runs: ${path.join(root, 'tweeteval-lora', 'report.html')} and ${path.join(root, 'plato-lora', 'report.html')}`);
  print('Your own checkpoints: npx node-peft train --model ./bert-base-cased --data-dir data/tweeteval-sentiment --train-split test --eval-split val --method lora --r 8');
  print('                      npx node-peft train --model ./opt-1.3b --data-dir data/plato --hold-out 1656.txt --method lora --r 8 --block-size 2048');
  return result;
}

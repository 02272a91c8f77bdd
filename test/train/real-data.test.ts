// Training on real data (data/): a tiny BERT with LoRA on real TweetEval tweets beats the
// majority-class baseline on F1; a tiny OPT with LoRA on Plato lowers its loss on the held-out
// Apology. Random initial weights: these show that the training stack learns, not what
// pre-training gives (the pre-trained mini models are the demo's job).
import path from 'path';
import { describe, expect, it } from 'vitest';
import {
  LoraConfig, TaskType, Trainer, TrainingArguments, classificationMetrics, getPeftModel, loadTextBlocks, loadTextClassification,
  precisionRecallFscoreSupport,
} from '../../lib';
import { tinyBert, tinyOpt, tmpDir } from './helpers';

const DATA = path.resolve(__dirname, '../../data');
const args = (extra: Record<string, unknown>) => new TrainingArguments({ outputDir: tmpDir(), disableTqdm: true, saveStrategy: 'no', reportTo: 'none', ...extra });

describe('real data', () => {
  it('TweetEval sentiment: LoRA on a tiny BERT, 600 tweets, macro F1 on 300 others above the majority-class baseline', async () => {
    const tokenizer = path.join(DATA, 'vocab/bert-base-cased');
    const dir = path.join(DATA, 'tweeteval-sentiment');
    const train = await loadTextClassification({ dir, split: 'test', tokenizer, maxLength: 64, maxSamples: 600, shuffle: true, seed: 1 });
    const evalSet = await loadTextClassification({ dir, split: 'val', tokenizer, maxLength: 64, maxSamples: 300, shuffle: true, seed: 2 });
    // Weights at std 0.2 (not 0.02): a random tiny model then has features worth adapting.
    const model = tinyBert(3, { vocab_size: 28996, hidden_size: 32, num_attention_heads: 4, intermediate_size: 64, max_position_embeddings: 64, initializer_range: 0.2 });
    const peft = getPeftModel(model, new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 8, loraAlpha: 16, targetModules: ['query', 'key', 'value', 'dense'], modulesToSave: ['word_embeddings', 'classifier'] }));
    const trainer = new Trainer({
      model: peft, trainDataset: train.examples, evalDataset: evalSet.examples, computeMetrics: classificationMetrics(),
      args: args({ numTrainEpochs: 8, perDeviceTrainBatchSize: 16, learningRate: 3e-3, warmupRatio: 0.1, evaluationStrategy: 'epoch' }),
    });
    const before = await trainer.evaluate();
    await trainer.train();
    const after = await trainer.evaluate();
    const labels = evalSet.examples.map((e) => e.labels as number);
    const counts = [0, 1, 2].map((c) => labels.filter((l) => l === c).length);
    const majority = counts.indexOf(Math.max(...counts));
    const baseline = precisionRecallFscoreSupport(labels, labels.map(() => majority), { average: 'macro', zeroDivision: 0 }).fbeta as number;
    expect(after.eval_f1).toBeGreaterThan(baseline + 0.05);
    expect(after.eval_f1).toBeGreaterThan(before.eval_f1);
  });

  it('Plato: LoRA on a tiny OPT, eval loss on the held-out Apology falls', async () => {
    const blocks = await loadTextBlocks({
      files: ['1642', '1657', '1584', '1656'].map((id) => path.join(DATA, 'plato', `${id}.txt`)), holdOut: path.join(DATA, 'plato', '1656.txt'),
      tokenizer: path.join(DATA, 'vocab/gpt2'), blockSize: 64, maxSamples: 160, maxEvalSamples: 40,
    });
    expect(blocks.evalFiles.map((f) => path.basename(f))).toEqual(['1656.txt']);
    const model = tinyOpt(5, { vocab_size: 50257, hidden_size: 32, word_embed_proj_dim: 32, ffn_dim: 64, init_std: 0.2, pad_token_id: 50256, bos_token_id: 50256, eos_token_id: 50256 });
    const peft = getPeftModel(model, new LoraConfig({ taskType: TaskType.CAUSAL_LM, r: 8, loraAlpha: 16, targetModules: ['q_proj', 'v_proj', 'fc1', 'fc2'] }));
    const trainer = new Trainer({
      model: peft, trainDataset: blocks.train as never, evalDataset: blocks.eval as never,
      args: args({ numTrainEpochs: 2, perDeviceTrainBatchSize: 8, learningRate: 1e-2, evaluationStrategy: 'epoch' }),
    });
    const before = (await trainer.evaluate()).eval_loss;
    await trainer.train();
    const evals = trainer.state.logHistory.filter((e) => 'eval_loss' in e).map((e) => e.eval_loss);
    expect(evals[evals.length - 1]).toBeLessThan(before - 0.2);
  });
});

// One rank of the data-parallel training test: a tiny BERT (seeded, no dropout) with LoRA r=4,
// trained by the Trainer on 40 rows; global batch 8 whatever the world size. Writes the adapter
// weights and the log history to OUT_DIR/rank-<rank>.json. RESUME=<checkpoint> resumes.
const fs = require('fs');
const path = require('path');
const torch = require('../../../dist');
const { distributed: dist } = torch;

function rows(n) {
  return Array.from({ length: n }, (_, i) => {
    const length = 3 + ((i * 7) % 10);
    const inputIds = Array.from({ length }, (_, j) => 3 + ((i * 31 + j * 17) % 117));
    return { inputIds, labels: inputIds.reduce((a, b) => a + b, 0) % 3 };
  });
}

async function main() {
  await dist.initProcessGroup({ backend: 'gloo', timeout: 60000 });
  const rank = dist.getRank();
  const world = dist.getWorldSize();
  torch.manualSeed(0);
  const config = new torch.BertConfig({ vocab_size: 120, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64, num_labels: 3, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
  // Each rank starts from other random weights: the Trainer broadcasts rank 0's.
  torch.manualSeed(rank === 0 ? 0 : 1000 + rank);
  const base = torch.BertForSequenceClassification.fromConfig(config);
  const model = torch.getPeftModel(base, new torch.LoraConfig({ taskType: torch.TaskType.SEQ_CLS, r: 4, loraAlpha: 8, loraDropout: 0 }));
  const out = process.env.OUT_DIR;
  const args = new torch.TrainingArguments({
    outputDir: path.join(out, 'run'), numTrainEpochs: 2, perDeviceTrainBatchSize: 8 / world / Number(process.env.GA || 1),
    gradientAccumulationSteps: Number(process.env.GA || 1), perDeviceEvalBatchSize: 3, learningRate: 5e-2, weightDecay: 0.01, maxGradNorm: 0.5,
    warmupSteps: 2, loggingSteps: 2, evaluationStrategy: 'epoch', saveStrategy: 'steps', saveSteps: 4, seed: 7, disableTqdm: true, reportTo: 'none',
  });
  const trainer = new torch.Trainer({ model, args, trainDataset: rows(40), evalDataset: rows(11), computeMetrics: torch.classificationMetrics() });
  const r = await trainer.train(process.env.RESUME ? { resumeFromCheckpoint: process.env.RESUME } : {});
  const bytesPerStep = trainer.allReduceBytesPerStep;
  const weights = {};
  for (const [name, t] of model.namedParameters()) if (t.requiresGrad) weights[name] = Array.from(t.toTypedArray());
  const evalMetrics = await trainer.evaluate();
  const record = { rank, world, evalMetrics, status: r.status, globalStep: r.globalStep, trainLoss: r.trainingLoss, logHistory: trainer.state.logHistory, weights, bytesPerStep, checkpoints: fs.existsSync(args.outputDir) ? fs.readdirSync(args.outputDir).filter((d) => d.startsWith('checkpoint-')).sort() : [] };
  const first = path.join(args.outputDir, 'checkpoint-4');
  record.checkpointFiles = fs.existsSync(first) ? fs.readdirSync(first).sort() : [];
  fs.writeFileSync(path.join(out, `rank-${rank}.json`), JSON.stringify(record));
  dist.destroyProcessGroup();
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});

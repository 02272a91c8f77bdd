// One rank of the stop tests (tiny BERT regression, LoRA): MODE=nonfinite gives rank 1 rows whose
// labels are infinite (its loss is not finite at the first step, rank 0's is); MODE=interrupt
// interrupts rank 1's Trainer after step 2 (as SIGINT does). Prints the outcome as one JSON line.
const torch = require('../../../dist');
const { distributed: dist } = torch;

async function main() {
  await dist.initProcessGroup({ backend: 'gloo', timeout: 60000 });
  const rank = dist.getRank();
  torch.manualSeed(0);
  const config = new torch.BertConfig({ vocab_size: 120, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64, num_labels: 1 });
  const model = torch.getPeftModel(torch.BertForSequenceClassification.fromConfig(config), new torch.LoraConfig({ taskType: torch.TaskType.SEQ_CLS, r: 2 }));
  const bad = process.env.MODE === 'nonfinite' && rank === 1;
  const rows = Array.from({ length: 32 }, (_, i) => ({ inputIds: [3 + (i % 50), 4, 5], labels: bad ? Infinity : (i % 5) / 5 }));
  const args = new torch.TrainingArguments({ outputDir: process.env.OUT_DIR, numTrainEpochs: 1, perDeviceTrainBatchSize: 2, learningRate: 1e-3, saveStrategy: 'no', disableTqdm: true, reportTo: 'none' });
  const trainer = new torch.Trainer({ model, args, trainDataset: rows, dataCollator: torch.dataCollatorWithPadding({ labelDtype: 'float32' }), callbacks: [{
    onStepEnd: ({ state }) => { if (process.env.MODE === 'interrupt' && rank === 1 && state.globalStep === 2) trainer.interrupt(); },
  }] });
  try {
    const r = await trainer.train();
    process.stdout.write(`${JSON.stringify({ rank, status: r.status, globalStep: r.globalStep, checkpoint: r.checkpoint })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ rank, error: err.message, name: err.name })}\n`);
  }
  dist.destroyProcessGroup();
}
main().catch((err) => { process.stderr.write(`${err.stack}\n`); process.exit(1); });

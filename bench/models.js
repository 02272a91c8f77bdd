#!/usr/bin/env node
'use strict';
// Forward throughput of a bert-base-cased-shaped encoder (batch 16 x 128) and an opt-125m-shaped
// causal LM (batch 8 x 128), random weights, as a fraction of the matmul rate measured in the
// same run. Run after `npm run build`: node bench/models.js
const { torch, timeit, matmulGflops, header } = require('./common');

// Multiply-adds of the dense layers and attention per token, times 2.
function encoderFlops({ hidden: H, ffn: I, layers: L, seq: T }) {
  return 2 * L * (4 * H * H + 2 * H * I + 2 * T * H);
}

async function measure(name, model, inputs, flopsPerToken, tokens, gemm) {
  model.eval();
  const s = await timeit(() => torch.inferenceMode(() => model.forward(inputs)).then((o) => torch.tidy(() => Object.values(o).flat().forEach((t) => t && t.dispose && t.dispose()))));
  const gflops = (flopsPerToken * tokens) / s / 1e9;
  console.log(`${name.padEnd(34)} ${(s * 1000).toFixed(0).padStart(7)} ms  ${gflops.toFixed(1).padStart(7)} GFLOP/s  ${(100 * gflops / gemm).toFixed(0).padStart(4)}% of matmul`);
}

async function main() {
  header('Model forward benchmark (random weights, float32, eval, inference mode)');
  const gemm = await matmulGflops();
  console.log(`matmul 2048² float32: ${gemm.toFixed(1)} GFLOP/s (baseline, same run)\n`);

  torch.manualSeed(0);
  const bert = torch.BertForSequenceClassification.fromConfig(torch.bertConfig({ vocab_size: 28996 }));
  const [B, T] = [16, 128];
  const ids = torch.randint(0, 28996, [B, T]);
  const bertFlops = encoderFlops({ hidden: 768, ffn: 3072, layers: 12, seq: T }) + 2 * 768 * 768 / T;
  await measure('bert-base-cased 16x128', bert, { inputIds: ids, attentionMask: torch.ones([B, T], { dtype: 'int64' }) }, bertFlops, B * T, gemm);

  const opt = torch.OPTForCausalLM.fromConfig(torch.optConfig({ hidden_size: 768, num_attention_heads: 12, num_hidden_layers: 12, ffn_dim: 3072, word_embed_proj_dim: 768, vocab_size: 50272 }));
  const [b, t] = [8, 128];
  const optIds = torch.randint(3, 50272, [b, t]);
  const optFlops = encoderFlops({ hidden: 768, ffn: 3072, layers: 12, seq: t }) + 2 * 768 * 50272;
  await measure('opt-125m causal LM 8x128 (+lm_head)', opt, { inputIds: optIds, attentionMask: torch.ones([b, t], { dtype: 'int64' }) }, optFlops, b * t, gemm);
}

main().catch((err) => { console.error(err); process.exit(1); });

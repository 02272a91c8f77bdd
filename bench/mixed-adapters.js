#!/usr/bin/env node
'use strict';
// Mixed-adapter batches (forward({ adapterNames })) against running each adapter's rows on its
// own (setAdapter, then a forward per adapter), on a small OPT (hidden 256, 4 layers, random
// weights) with LoRA r=8 on q_proj/v_proj: one forward of the whole batch, each row routed to its
// adapter, versus one forward per adapter; and the base model alone for reference. Medians of
// 15 rounds, the three variants timed in turn.
// Run after `npm run build`: node bench/mixed-adapters.js
const { torch, header } = require('./common');

const ROUNDS = 15;

/** Median seconds per call of each variant, timed in rotation (fair under a shared, noisy CPU). */
async function medians(variants) {
  const times = variants.map(() => []);
  for (const fn of variants) await fn();  // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (let v = 0; v < variants.length; v++) {
      const start = process.hrtime.bigint();
      await variants[v]();
      times[v].push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]);
}

async function main() {
  header('Mixed-adapter batches: small OPT (hidden 256, 4 layers), eval, inference mode');
  torch.manualSeed(0);
  const config = torch.optConfig({ vocab_size: 2000, hidden_size: 256, ffn_dim: 1024, num_hidden_layers: 4, num_attention_heads: 4, word_embed_proj_dim: 256, max_position_embeddings: 256 });
  const model = torch.OPTForCausalLM.fromConfig(config).eval();
  const T = 32;
  const lora = () => new torch.LoraConfig({ taskType: torch.TaskType.CAUSAL_LM, r: 8, loraAlpha: 16, initLoraWeights: false });
  const peft = torch.getPeftModel(model, lora(), 'a0');
  for (let i = 1; i < 8; i++) peft.addAdapter(`a${i}`, lora());
  peft.eval();

  for (const [batch, adapters] of [[8, 8], [16, 4], [32, 8]]) {
    const ids = torch.randint(4, 2000, [batch, T]);
    const names = Array.from({ length: batch }, (_, i) => `a${i % adapters}`);
    const run = (inputs) => torch.inferenceMode(() => peft.forward(inputs)).then((o) => o.logits.dispose());
    // One forward per adapter over its own rows (what a server does without mixed batches).
    const groups = Array.from({ length: adapters }, (_, a) => ({
      name: `a${a}`, ids: ids.indexSelect(0, torch.tensor(names.flatMap((n, i) => (n === `a${a}` ? [i] : [])), { dtype: 'int64' })),
    }));
    const [mixed, looped, base] = await medians([
      () => run({ inputIds: ids, adapterNames: names }),
      async () => { for (const g of groups) { peft.setAdapter(g.name); await run({ inputIds: g.ids }); } },
      () => peft.disableAdapter(() => run({ inputIds: ids })),
    ]);
    const ms = (s) => `${(s * 1000).toFixed(1).padStart(7)} ms`;
    console.log(`batch ${String(batch).padStart(2)} x ${T}, ${adapters} adapters: mixed ${ms(mixed)} | one forward per adapter ${ms(looped)} (${(looped / mixed).toFixed(2)}x mixed) | base alone ${ms(base)} (mixed = ${(mixed / base).toFixed(2)}x base)`);
  }
}

main().catch((err) => { console.error(err); process.exit(1); });

// OPT as transformers 4.x builds it; module and parameter names equal its state-dict keys.
#pragma once

#include <string>

#include "../nn/layers.h"
#include "outputs.h"

namespace peft {

struct OPTConfig {
  int64_t vocab_size = 50272, hidden_size = 768, num_hidden_layers = 12, num_attention_heads = 12;
  int64_t ffn_dim = 3072, max_position_embeddings = 2048, word_embed_proj_dim = 768, pad_token_id = 1;
  bool do_layer_norm_before = true, remove_final_layer_norm = false, enable_bias = true;
  bool layer_norm_elementwise_affine = true;
  double dropout = 0.1, attention_dropout = 0.0, init_std = 0.02;
  std::string activation_function = "relu";
};

// Per-layer key/value cache for generation: [B, heads, T, head_dim] each.
struct KVCache {
  std::vector<at::Tensor> keys, values;
  int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
};

// Builds "opt" (OPTModel) or "causal" (OPTForCausalLM).
ModulePtr MakeOPT(const std::string& head, const OPTConfig& config, const at::TensorOptions& options);
// With a cache, input_ids holds only the new tokens and attention_mask covers past + new.
ModelOutputs OPTForward(Module& model, const ModelInputs& in, KVCache* cache = nullptr);
// One generation step: logits [B, vocab] of the last position, extending the cache.
at::Tensor OPTNextTokenLogits(Module& model, const ModelInputs& in, KVCache& cache);

}  // namespace peft

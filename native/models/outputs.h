// What a model's forward returns, as transformers' ModelOutput classes.
#pragma once

#include <ATen/ATen.h>
#include <torch/csrc/api/include/torch/version.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace peft {

struct ModelInputs {
  at::Tensor input_ids;
  at::Tensor attention_mask;   // optional
  at::Tensor token_type_ids;   // optional (BERT)
  at::Tensor labels;           // optional
  // With labels: false computes the loss without materialising the logits where a model can
  // (OPT's lm_head + cross-entropy in chunks, nn/linear_cross_entropy.h); logits stay undefined.
  bool return_logits = true;
  bool output_hidden_states = false;
  c10::optional<at::ScalarType> autocast;  // mixed precision dtype, e.g. bfloat16
  // PEFT's adapter_names: the adapter of each row ("__base__": none); empty: the active adapters.
  std::vector<std::string> adapter_names;
};

struct ModelOutputs {
  at::Tensor logits;
  at::Tensor loss;               // undefined without labels
  at::Tensor last_hidden_state;
  at::Tensor pooler_output;      // BERT with a pooler
  std::vector<at::Tensor> hidden_states;  // embeddings output + each layer's, when asked
};

// transformers' finfo(dtype).min, the additive mask value for masked positions.
inline double MaskValue(at::ScalarType dtype) {
  switch (dtype) {
    case at::kHalf: return -65504.0;
    case at::kBFloat16: return -3.3895313892515355e38;
    case at::kDouble: return -1.7976931348623157e308;
    default: return -3.4028234663852886e38;
  }
}

// libtorch >= 2.0 has scaled_dot_product_attention (flash / memory-efficient kernels on CUDA).
// NODE_PEFT_NO_SDPA=1 forces the explicit softmax(QK^T)V path, e.g. to compare the two.
#if TORCH_VERSION_MAJOR >= 2
#define NODE_PEFT_HAS_SDPA 1
inline bool UseSdpa() {
  static const bool enabled = std::getenv("NODE_PEFT_NO_SDPA") == nullptr;
  return enabled;
}
#endif

}  // namespace peft

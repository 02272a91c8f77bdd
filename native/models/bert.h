// BERT as transformers 4.x builds it; module and parameter names equal its state-dict keys.
#pragma once

#include <string>

#include "../nn/layers.h"
#include "outputs.h"

namespace peft {

struct BertConfig {
  int64_t vocab_size = 30522, hidden_size = 768, num_hidden_layers = 12, num_attention_heads = 12;
  int64_t intermediate_size = 3072, max_position_embeddings = 512, type_vocab_size = 2, pad_token_id = 0;
  double hidden_dropout_prob = 0.1, attention_probs_dropout_prob = 0.1, layer_norm_eps = 1e-12;
  double initializer_range = 0.02;
  double classifier_dropout = -1;  // < 0: use hidden_dropout_prob
  std::string hidden_act = "gelu";
  int64_t num_labels = 2;
  std::string problem_type;  // "", "regression", "single_label_classification", "multi_label_classification"
};

// Builds "bert" (BertModel), "seqcls" (BertForSequenceClassification) or "mlm" (BertForMaskedLM).
ModulePtr MakeBert(const std::string& head, const BertConfig& config, const at::TensorOptions& options);
ModelOutputs BertForward(Module& model, const ModelInputs& in);

}  // namespace peft

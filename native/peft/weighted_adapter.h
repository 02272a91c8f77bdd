// PEFT's LoraModel.add_weighted_adapter, the tensor part: fills an adapter already injected on a
// LoRA layer (rank and targets set by lib/peft/weighted-adapter.ts) with a combination of other
// adapters of that layer: concatenated ("cat"), combined factor by factor ("linear", "ties",
// "dare_linear", "dare_ties", "magnitude_prune"), or combined as delta weights and factored
// back by SVD ("svd" and the "<method>_svd" variants).
#pragma once

#include <c10/util/Optional.h>

#include <string>
#include <vector>

#include "lora.h"

namespace peft {

struct WeightedAdapterOptions {
  std::string combination_type = "svd";
  double density = 1;                           // for the pruning methods
  std::string majority_sign_method = "total";   // for the ties methods
  c10::optional<double> svd_clamp;              // quantile of |U|, |Vh| values to clamp at
  bool svd_full_matrices = true;
};

// Writes `target`'s lora_A and lora_B from `adapters` (those this layer holds) and `weights`.
void AddWeightedAdapter(LoraLinear& layer, const std::string& target, const std::vector<std::string>& adapters,
                        const std::vector<double>& weights, const WeightedAdapterOptions& options);

}  // namespace peft

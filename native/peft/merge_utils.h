// PEFT's utils/merge_utils.py: ways of combining "task tensors" (one per adapter, same shape)
// with per-adapter weights into one tensor: task arithmetic, magnitude pruning, TIES and DARE.
// Random pruning (DARE) draws from libtorch's default generator with torch.bernoulli, as PEFT
// does, so that a seeded run draws the same masks as PEFT on the same libtorch.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace peft {

// PEFT's prune: keeps the `density` fraction of values, by magnitude (the largest |x|) or at
// random ("random", optionally rescaled by 1 / density). density >= 1 keeps everything.
at::Tensor Prune(const at::Tensor& tensor, double density, const std::string& method, bool rescale);

// PEFT's calculate_majority_sign_mask over tensors stacked on dim 0: where each one agrees with
// the elected sign ("total": sign of the sum; "frequency": sign of the sum of signs; ties -> +).
at::Tensor MajoritySignMask(const at::Tensor& stacked, const std::string& method);

// PEFT's disjoint_merge: the mean of the values that agree with the elected sign.
at::Tensor DisjointMerge(const at::Tensor& stacked, const at::Tensor& mask);

// PEFT's combination of `tensors` with `weights` (float32, one per tensor) by `method`: "linear"
// (task_arithmetic), "magnitude_prune", "ties", "dare_linear", "dare_ties". density is needed by
// all but "linear"; majority_sign_method ("total" | "frequency") by the ties variants.
at::Tensor CombineTaskTensors(const std::string& method, const std::vector<at::Tensor>& tensors, const at::Tensor& weights,
                              double density, const std::string& majority_sign_method);

}  // namespace peft

// PEFT's merge_utils (see merge_utils.h); each function mirrors the one PEFT names.
#include "merge_utils.h"

#include <c10/util/Exception.h>

namespace peft {
namespace {

// PEFT's reshape_weight_task_tensors: weights [n] -> [n, 1, ...] to scale stacked tensors.
at::Tensor ReshapeWeights(const at::Tensor& stacked, const at::Tensor& weights) {
  std::vector<int64_t> shape = weights.sizes().vec();
  shape.resize(stacked.dim(), 1);
  return weights.view(shape);
}

at::Tensor MagnitudeBasedPruning(const at::Tensor& tensor, double density) {
  at::Tensor mask = at::zeros_like(tensor).reshape(-1);
  // int(density * numel) in Python truncates toward zero, as the cast does.
  auto k = static_cast<int64_t>(density * static_cast<double>(tensor.numel()));
  at::Tensor top = std::get<1>(at::topk(tensor.abs().reshape(-1), k, -1, /*largest=*/true));
  mask.index_fill_(0, top, 1);
  return tensor * mask.reshape(tensor.sizes());
}

at::Tensor RandomPruning(const at::Tensor& tensor, double density, bool rescale) {
  at::Tensor mask = at::bernoulli(at::full_like(tensor, density));
  at::Tensor pruned = tensor * mask;
  return rescale ? pruned / density : pruned;
}

// Sparsify each tensor (in order: the random draws follow PEFT's), then stack them on dim 0.
at::Tensor PruneAndStack(const std::vector<at::Tensor>& tensors, double density, const std::string& method, bool rescale) {
  std::vector<at::Tensor> pruned;
  for (const auto& t : tensors) pruned.push_back(Prune(t, density, method, rescale));
  return at::stack(pruned, 0);
}

at::Tensor WeightedSum(const at::Tensor& stacked, const at::Tensor& weights) {
  return (stacked * ReshapeWeights(stacked, weights)).sum(0);
}

at::Tensor TiesMerge(const at::Tensor& stacked, const at::Tensor& weights, const std::string& majority_sign_method) {
  at::Tensor mask = MajoritySignMask(stacked, majority_sign_method);  // elected on the unweighted tensors, as PEFT
  return DisjointMerge(stacked * ReshapeWeights(stacked, weights), mask);
}

}  // namespace

at::Tensor Prune(const at::Tensor& tensor, double density, const std::string& method, bool rescale) {
  if (density >= 1) return tensor;  // PEFT warns and keeps everything
  TORCH_CHECK(density >= 0, "Density should be >= 0, got ", density);
  if (method == "magnitude") return MagnitudeBasedPruning(tensor, density);
  if (method == "random") return RandomPruning(tensor, density, rescale);
  TORCH_CHECK(false, "Unknown method ", method);
}

at::Tensor MajoritySignMask(const at::Tensor& stacked, const std::string& method) {
  at::Tensor sign = stacked.sign();
  at::Tensor magnitude;
  if (method == "total") magnitude = stacked.sum(0);
  else if (method == "frequency") magnitude = sign.sum(0);
  else TORCH_CHECK(false, "Unimplemented mask method \"", method, "\": use 'total' or 'frequency'");
  at::Tensor majority = at::where(magnitude >= 0, at::ones_like(magnitude), -at::ones_like(magnitude));
  return sign == majority;
}

at::Tensor DisjointMerge(const at::Tensor& stacked, const at::Tensor& mask) {
  at::Tensor mixed = (stacked * mask).sum(0);
  at::Tensor preserved = mask.sum(0).to(mixed.scalar_type());  // counts: exact in any float type
  return mixed / at::clamp_min(preserved, 1.0);
}

at::Tensor CombineTaskTensors(const std::string& method, const std::vector<at::Tensor>& tensors, const at::Tensor& weights,
                              double density, const std::string& majority_sign_method) {
  TORCH_CHECK(!tensors.empty(), "no task tensors to combine");
  if (method == "linear") return WeightedSum(at::stack(tensors, 0), weights);
  if (method == "magnitude_prune") return WeightedSum(PruneAndStack(tensors, density, "magnitude", false), weights);
  if (method == "ties") return TiesMerge(PruneAndStack(tensors, density, "magnitude", false), weights, majority_sign_method);
  if (method == "dare_linear") return WeightedSum(PruneAndStack(tensors, density, "random", true), weights);
  if (method == "dare_ties") return TiesMerge(PruneAndStack(tensors, density, "random", true), weights, majority_sign_method);
  TORCH_CHECK(false, "Invalid combination type ", method);
}

}  // namespace peft

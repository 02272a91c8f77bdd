// PEFT's add_weighted_adapter for one LoRA layer (see weighted_adapter.h); comments name the
// lines of PEFT's tuners/lora/model.py each step mirrors.
#include "weighted_adapter.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not reached through ATen.h in libtorch 2.x)
#include <c10/util/Exception.h>

#include <cmath>

#include "merge_utils.h"

namespace peft {
namespace {

at::Tensor& FactorA(LoraLinear& l, const std::string& name) { return l.Child("lora_A")->Child(name)->Param("weight"); }
at::Tensor& FactorB(LoraLinear& l, const std::string& name) { return l.Child("lora_B")->Child(name)->Param("weight"); }

// The adapters of `adapters` this layer holds, with their weights (PEFT skips the others).
std::vector<std::pair<std::string, double>> Present(LoraLinear& layer, const std::vector<std::string>& adapters, const std::vector<double>& weights) {
  std::vector<std::pair<std::string, double>> out;
  for (size_t i = 0; i < adapters.size(); ++i)
    if (layer.HasAdapter(adapters[i])) out.emplace_back(adapters[i], weights[i]);
  TORCH_CHECK(!out.empty(), "No matching LoRAs found on this layer for the adapters to combine");
  return out;
}

// Writes `value` into the parameter in place (its identity stays: optimizers and handles keep it).
void Write(at::Tensor& param, const at::Tensor& value, const char* what) {
  TORCH_CHECK(param.sizes() == value.sizes(), "the combined ", what, " has shape ", value.sizes(), " but the new adapter's is ", param.sizes());
  param.copy_(value);
}

// combination_type "cat": A stacks weight * scaling * A_i by rows, B stacks B_i by columns.
void Concatenate(LoraLinear& layer, const std::string& target, const std::vector<std::pair<std::string, double>>& present) {
  std::vector<at::Tensor> as, bs;
  for (const auto& [name, weight] : present) {
    as.push_back(FactorA(layer, name) * weight * layer.Scaling(name));
    bs.push_back(FactorB(layer, name));
  }
  at::Tensor a = at::cat(as, 0), b = at::cat(bs, 1);
  at::Tensor& target_a = FactorA(layer, target);
  at::Tensor& target_b = FactorB(layer, target);
  target_a.zero_();
  target_b.zero_();
  // Ranks per layer may sum to less than the new r (rank_pattern): the rest stays zero, as PEFT.
  TORCH_CHECK(a.size(0) <= target_a.size(0), "the concatenated rank ", a.size(0), " exceeds the new adapter's r ", target_a.size(0));
  target_a.narrow(0, 0, a.size(0)).copy_(a);
  target_b.narrow(1, 0, b.size(1)).copy_(b);
}

// PEFT's _generalized_task_arithmetic_weighted_adapter: A and B are combined separately, each with
// sqrt(|weight * scaling|), the sign on A's side only (so that B A carries it once).
void CombineFactors(LoraLinear& layer, const std::string& target, const std::vector<std::pair<std::string, double>>& present,
                    const WeightedAdapterOptions& o) {
  std::vector<float> weights_a, weights_b;
  std::vector<at::Tensor> as, bs;
  for (const auto& [name, weight] : present) {
    double scaled = weight * layer.Scaling(name);
    double root = std::sqrt(std::abs(scaled));
    weights_a.push_back(static_cast<float>(scaled >= 0 ? root : -root));
    weights_b.push_back(static_cast<float>(root));
    as.push_back(FactorA(layer, name));
    bs.push_back(FactorB(layer, name));
  }
  at::Tensor& target_a = FactorA(layer, target);
  at::Tensor& target_b = FactorB(layer, target);
  auto device = target_a.device();
  // torch.tensor(list of floats): float32, as PEFT's weights are. A first, then B: DARE's draws follow.
  at::Tensor a = CombineTaskTensors(o.combination_type, as, at::tensor(weights_a).to(device), o.density, o.majority_sign_method);
  at::Tensor b = CombineTaskTensors(o.combination_type, bs, at::tensor(weights_b).to(device), o.density, o.majority_sign_method);
  Write(target_a, a.to(target_a.scalar_type()), "lora_A");
  Write(target_b, b.to(target_b.scalar_type()), "lora_B");
}

// PEFT's _svd_generalized_task_arithmetic_weighted_adapter: the weighted delta weights combined,
// then factored as U diag(S) (B) and Vh (A), truncated to the new rank, optionally clamped.
void CombineBySvd(LoraLinear& layer, const std::string& target, const std::vector<std::pair<std::string, double>>& present,
                  const WeightedAdapterOptions& o, const std::string& method) {
  std::vector<float> weights;
  std::vector<at::Tensor> deltas;
  for (const auto& [name, weight] : present) {
    // PEFT weighs by weight * scaling although get_delta_weight already includes the scaling.
    weights.push_back(static_cast<float>(weight * layer.Scaling(name)));
    deltas.push_back(layer.DeltaWeight(name));
  }
  at::Tensor& target_a = FactorA(layer, target);
  at::Tensor& target_b = FactorB(layer, target);
  at::Tensor delta = CombineTaskTensors(method, deltas, at::tensor(weights).to(deltas[0].device()), o.density, o.majority_sign_method);
  if (layer.fan_in_fan_out()) delta = delta.t();
  int64_t rank = target_a.size(0);
  TORCH_CHECK(rank <= std::min(delta.size(0), delta.size(1)), "svdRank ", rank, " exceeds the rank a ", delta.size(0), " x ", delta.size(1),
              " delta weight can have (", std::min(delta.size(0), delta.size(1)), "): choose a smaller svdRank");
  auto [u_full, s_full, vh_full] = at::linalg_svd(delta, o.svd_full_matrices);
  at::Tensor u = at::matmul(u_full.narrow(1, 0, rank), at::diag(s_full.narrow(0, 0, rank)));
  at::Tensor vh = vh_full.narrow(0, 0, rank);
  if (o.svd_clamp) {
    at::Tensor dist = at::cat({u.flatten(), vh.flatten()});
    double hi = at::quantile(dist, *o.svd_clamp).item<double>();
    u = u.clamp(-hi, hi);
    vh = vh.clamp(-hi, hi);
  }
  Write(target_a, vh.to(target_a.scalar_type()), "lora_A");
  Write(target_b, u.to(target_b.scalar_type()), "lora_B");
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void AddWeightedAdapter(LoraLinear& layer, const std::string& target, const std::vector<std::string>& adapters,
                        const std::vector<double>& weights, const WeightedAdapterOptions& o) {
  TORCH_CHECK(adapters.size() == weights.size(), "adapters and weights must have the same length");
  TORCH_CHECK(layer.HasAdapter(target), "the new adapter '", target, "' is not on this layer");
  at::NoGradGuard no_grad;
  auto present = Present(layer, adapters, weights);
  const std::string& type = o.combination_type;
  if (type == "cat") return Concatenate(layer, target, present);
  if (type == "svd") return CombineBySvd(layer, target, present, o, "linear");
  if (EndsWith(type, "_svd")) return CombineBySvd(layer, target, present, o, type.substr(0, type.size() - 4));
  CombineFactors(layer, target, present, o);
}

}  // namespace peft

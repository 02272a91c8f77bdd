// The parts every optimizer shares: which parameters take part in a step, their state, zero_grad,
// and the chunked parallel loop the elementwise updates run in.
#include "optimizer.h"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

#include <set>

namespace peft {

Optimizer::Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {
  // State entries are created on a parameter's first update, as torch.optim does.
  std::set<std::string> seen;
  for (const auto& g : groups_) {
    TORCH_CHECK(g.names.size() == g.params.size(), "parameter group: ", g.names.size(), " names for ", g.params.size(), " parameters");
    for (const auto& name : g.names) TORCH_CHECK(seen.insert(name).second, "parameter '", name, "' appears in more than one parameter group");
  }
}

void Optimizer::Step() {
  at::NoGradGuard no_grad;
  for (const auto& group : groups_) {
    std::vector<at::Tensor> params, grads;
    std::vector<ParamState*> states;
    for (size_t i = 0; i < group.params.size(); ++i) {
      const at::Tensor& p = group.params[i];
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "parameter '", group.names[i], "': sparse gradients are not supported");
      // Detached aliases share storage and version counter but record no autograd history, so
      // in-place updates are allowed on leaves that require grad, on any thread.
      params.push_back(p.detach());
      grads.push_back(p.grad().detach());
      states.push_back(&state_[group.names[i]]);
    }
    if (!params.empty()) UpdateGroup(group, params, grads, states);
  }
}

void Optimizer::ZeroGrad(bool set_to_none) {
  for (auto& group : groups_)
    for (auto& p : group.params) {
      if (!p.grad().defined()) continue;
      if (set_to_none) {
        p.mutable_grad() = at::Tensor();
      } else {
        // PyTorch's zero_grad(set_to_none=False): a grad with history is detached first.
        at::NoGradGuard no_grad;
        at::Tensor& g = p.mutable_grad();
        if (g.grad_fn()) g = g.detach();
        g.zero_();
      }
    }
}

std::vector<at::Tensor> Optimizer::ParamsWithGrad() const {
  std::vector<at::Tensor> out;
  for (const auto& group : groups_)
    for (const auto& p : group.params)
      if (p.grad().defined()) out.push_back(p);
  return out;
}

void ForEachChunk(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  constexpr int64_t kChunk = 1 << 16;  // 64 Ki elements: a float32 chunk of 4 tensors fits in L2
  if (n <= kChunk) {
    fn(0, n);
    return;
  }
  int64_t chunks = (n + kChunk - 1) / kChunk;
  // Inside a parallel region ATen runs each op single-threaded, so the chunks are the parallelism.
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) fn(c * kChunk, std::min(n, (c + 1) * kChunk));
  });
}

OptimizerPtr MakeOptimizer(const std::string& kind, std::vector<ParamGroup> groups) {
  if (kind == "adamw") return std::make_shared<AdamW>(std::move(groups));
  if (kind == "sgd") return std::make_shared<SGD>(std::move(groups));
  TORCH_CHECK(false, "unknown optimizer '", kind, "' (expected adamw or sgd)");
}

}  // namespace peft

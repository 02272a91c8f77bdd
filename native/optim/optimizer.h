// Optimizers as torch.optim defines them: parameter groups with their own hyper-parameters,
// per-parameter state, step() over every parameter that has a gradient, zero_grad().
// Parameters are named (the model's state-dict names) so that the state dict is keyed by name,
// not by PyTorch's positional indices, and survives a change of parameter order.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace peft {

struct ParamGroup {
  std::vector<std::string> names;
  std::vector<at::Tensor> params;
  double lr = 1e-3;
  double weight_decay = 0;
  // AdamW
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  bool amsgrad = false;
  // SGD
  double momentum = 0, dampening = 0;
  bool nesterov = false;
  // both
  bool maximize = false;
};

// One parameter's state: named buffers (exp_avg, exp_avg_sq, momentum_buffer, ...) and the step
// count (a float tensor in PyTorch's state dict; a count here, written as a tensor when saved).
struct ParamState {
  int64_t step = 0;
  std::map<std::string, at::Tensor> buffers;
};

class Optimizer {
 public:
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;
  virtual const char* kind() const = 0;
  // Whether the state dict holds a `step` per parameter (AdamW does; SGD does not).
  virtual bool keeps_step() const { return true; }

  // Updates every parameter with a defined gradient; parameters without one are skipped and get
  // no state, as in torch.optim (frozen parameters cost nothing).
  void Step();
  // PyTorch 2.x's default zero_grad(set_to_none=True): gradients are freed, not zero-filled.
  void ZeroGrad(bool set_to_none = true);

  std::vector<ParamGroup>& groups() { return groups_; }
  std::map<std::string, ParamState>& state() { return state_; }
  // Every parameter of every group that currently has a gradient.
  std::vector<at::Tensor> ParamsWithGrad() const;

 protected:
  // Updates one group's parameters that have gradients (lists of equal length).
  virtual void UpdateGroup(const ParamGroup& group, const std::vector<at::Tensor>& params,
                           const std::vector<at::Tensor>& grads, const std::vector<ParamState*>& states) = 0;

 private:
  std::vector<ParamGroup> groups_;
  std::map<std::string, ParamState> state_;
};

using OptimizerPtr = std::shared_ptr<Optimizer>;

// torch.optim.AdamW (decoupled weight decay, bias correction, amsgrad, maximize).
class AdamW : public Optimizer {
 public:
  using Optimizer::Optimizer;
  const char* kind() const override { return "adamw"; }

 protected:
  void UpdateGroup(const ParamGroup& group, const std::vector<at::Tensor>& params,
                   const std::vector<at::Tensor>& grads, const std::vector<ParamState*>& states) override;
};

// torch.optim.SGD (momentum, dampening, nesterov, L2 weight decay, maximize).
class SGD : public Optimizer {
 public:
  using Optimizer::Optimizer;
  const char* kind() const override { return "sgd"; }
  bool keeps_step() const override { return false; }

 protected:
  void UpdateGroup(const ParamGroup& group, const std::vector<at::Tensor>& params,
                   const std::vector<at::Tensor>& grads, const std::vector<ParamState*>& states) override;
};

OptimizerPtr MakeOptimizer(const std::string& kind, std::vector<ParamGroup> groups);

// torch.nn.utils.clip_grad_norm_: the total norm of all gradients (as one vector) before
// clipping; gradients are scaled by min(1, max_norm / (total + 1e-6)). norm_type may be inf.
at::Tensor ClipGradNorm(const std::vector<at::Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite);

// Runs fn(begin, end) over [0, n) in cache-sized chunks, in parallel over chunks. Elementwise
// updates of large parameters then read and write each element once from memory instead of once
// per operation, while each chunk runs the very same ATen kernels (identical numbers).
void ForEachChunk(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace peft

// torch.optim.AdamW, with the arithmetic of PyTorch 1.13's single-tensor path
// (torch/optim/adamw.py, _single_tensor_adamw): the same ATen ops in the same order, so results
// match PyTorch's. On the CPU each large parameter is updated chunk by chunk (ForEachChunk): the
// seven elementwise passes then touch memory once instead of seven times.
#include <c10/util/Exception.h>

#include <cmath>

#include "optimizer.h"

namespace peft {
namespace {

struct AdamWScalars {
  double decay, beta1, beta2, eps, step_size, bias_correction2_sqrt;
  bool amsgrad;
};

// One parameter (or one chunk of it): every tensor here is a detached alias.
void Update(at::Tensor p, const at::Tensor& g, at::Tensor m, at::Tensor v, at::Tensor vmax, const AdamWScalars& s) {
  p.mul_(s.decay);
  m.mul_(s.beta1).add_(g, 1 - s.beta1);
  v.mul_(s.beta2).addcmul_(g, g, 1 - s.beta2);
  at::Tensor denom;
  if (s.amsgrad) {
    at::maximum_out(vmax, vmax, v);
    denom = (vmax.sqrt() / s.bias_correction2_sqrt).add_(s.eps);
  } else {
    denom = (v.sqrt() / s.bias_correction2_sqrt).add_(s.eps);
  }
  p.addcdiv_(m, denom, -s.step_size);
}

at::Tensor& Buffer(ParamState& state, const char* name, const at::Tensor& like) {
  at::Tensor& b = state.buffers[name];
  if (!b.defined()) b = at::zeros_like(like, at::MemoryFormat::Preserve);
  return b;
}

}  // namespace

void AdamW::UpdateGroup(const ParamGroup& group, const std::vector<at::Tensor>& params,
                        const std::vector<at::Tensor>& grads, const std::vector<ParamState*>& states) {
  for (size_t i = 0; i < params.size(); ++i) {
    ParamState& state = *states[i];
    const at::Tensor& p = params[i];
    at::Tensor g = group.maximize ? -grads[i] : grads[i];
    at::Tensor m = Buffer(state, "exp_avg", p), v = Buffer(state, "exp_avg_sq", p);
    at::Tensor vmax = group.amsgrad ? Buffer(state, "max_exp_avg_sq", p) : at::Tensor();
    int64_t step = ++state.step;
    AdamWScalars s{1 - group.lr * group.weight_decay, group.beta1, group.beta2, group.eps,
                   group.lr / (1 - std::pow(group.beta1, static_cast<double>(step))),
                   std::sqrt(1 - std::pow(group.beta2, static_cast<double>(step))), group.amsgrad};
    bool chunked = p.is_cpu() && p.is_contiguous() && g.is_contiguous() && m.is_contiguous() && v.is_contiguous();
    if (!chunked) {
      Update(p, g, m, v, vmax, s);
      continue;
    }
    at::Tensor pf = p.view(-1), gf = g.view(-1), mf = m.view(-1), vf = v.view(-1);
    at::Tensor xf = vmax.defined() ? vmax.view(-1) : vmax;
    ForEachChunk(pf.numel(), [&](int64_t begin, int64_t end) {
      int64_t len = end - begin;
      Update(pf.narrow(0, begin, len), gf.narrow(0, begin, len), mf.narrow(0, begin, len), vf.narrow(0, begin, len),
             xf.defined() ? xf.narrow(0, begin, len) : xf, s);
    });
  }
}

}  // namespace peft

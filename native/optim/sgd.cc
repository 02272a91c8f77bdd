// torch.optim.SGD with the arithmetic of PyTorch 1.13's single-tensor path
// (torch/optim/sgd.py, _single_tensor_sgd): L2 weight decay added to the gradient, a momentum
// buffer that starts as a copy of the first gradient, optional dampening and Nesterov momentum.
#include "optimizer.h"

namespace peft {

void SGD::UpdateGroup(const ParamGroup& group, const std::vector<at::Tensor>& params,
                      const std::vector<at::Tensor>& grads, const std::vector<ParamState*>& states) {
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor p = params[i];
    at::Tensor d_p = group.maximize ? -grads[i] : grads[i];
    if (group.weight_decay != 0) d_p = d_p.add(p, group.weight_decay);
    ParamState& state = *states[i];
    ++state.step;
    if (group.momentum != 0) {
      at::Tensor& buf = state.buffers["momentum_buffer"];
      if (!buf.defined()) buf = d_p.clone().detach();
      else buf.mul_(group.momentum).add_(d_p, 1 - group.dampening);
      d_p = group.nesterov ? d_p.add(buf, group.momentum) : buf;
    }
    p.add_(d_p, -group.lr);
  }
}

}  // namespace peft

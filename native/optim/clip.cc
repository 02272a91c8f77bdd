// torch.nn.utils.clip_grad_norm_ (PyTorch 1.13): the norm of the per-tensor norms, then every
// gradient scaled by clamp(max_norm / (total + 1e-6), max=1) — also when that factor is 1, as
// PyTorch does to avoid a host-device synchronisation.
#include <c10/util/Exception.h>

#include <cmath>
#include <limits>

#include "optimizer.h"

namespace peft {

at::Tensor ClipGradNorm(const std::vector<at::Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad().detach());
  if (grads.empty()) return at::zeros({}, at::kFloat);
  at::Device device = grads[0].device();
  std::vector<at::Tensor> norms;
  at::Tensor total;
  if (std::isinf(norm_type)) {
    for (const auto& g : grads) norms.push_back(g.abs().max().to(device));
    total = norms.size() == 1 ? norms[0] : at::stack(norms).max();
  } else {
    for (const auto& g : grads) norms.push_back(at::norm(g, norm_type).to(device));
    total = at::norm(at::stack(norms), norm_type);
  }
  if (error_if_nonfinite && !std::isfinite(total.item<double>()))
    TORCH_CHECK(false, "The total norm of order ", norm_type, " for gradients is non-finite (", total.item<double>(),
                "), so it cannot be clipped. To scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false");
  // Python's `max_norm / tensor` is tensor.reciprocal() * max_norm (Tensor.__rtruediv__).
  at::Tensor coef = at::clamp((total + 1e-6).reciprocal() * max_norm, c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(coef.to(g.device()));
  return total;
}

}  // namespace peft

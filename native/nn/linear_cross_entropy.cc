// See linear_cross_entropy.h. The one translation unit that needs libtorch's custom autograd
// Function (torch/csrc/autograd/custom_function.h).
#include "linear_cross_entropy.h"

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

namespace peft {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kIgnore = -100;
// Rows per chunk so that a chunk's float32 logits stay near 64 MiB (opt-125m: 333 rows). Liger
// sizes chunks for GPU kernels (a few rows); on CPUs larger chunks keep the GEMMs efficient and
// the [vocab x hidden] weight gradient is accumulated fewer times.
constexpr int64_t kChunkElements = int64_t{1} << 24;

struct Gradients {
  at::Tensor hidden, weight, bias;
};

// One chunk: adds its summed loss to `loss` and writes/accumulates its gradients (scaled by
// 1 / count, the mean over non-ignored rows). One log_softmax pass gives both the loss and, by an
// in-place exp, the softmax the gradient starts from; the matmuls write into the gradients.
void Chunk(const at::Tensor& h, const at::Tensor& weight, const at::Tensor& bias, const at::Tensor& y, double count,
           at::Tensor& loss, Gradients& grads, int64_t begin) {
  at::Tensor logits = bias.defined() ? at::addmm(bias, h, weight.t()) : at::mm(h, weight.t());
  at::Tensor valid = y.ne(kIgnore);
  at::Tensor target = at::where(valid, y, at::zeros({}, y.options())).unsqueeze(1);
  at::Tensor logp = at::log_softmax(logits.to(at::kFloat), 1);
  logits = at::Tensor();
  loss.sub_(at::where(valid, logp.gather(1, target).squeeze(1), at::zeros({}, logp.options())).sum());
  if (!grads.hidden.defined() && !grads.weight.defined() && !grads.bias.defined()) return;
  // d(mean nll)/d(logits) = (softmax - onehot) / count on valid rows, 0 on ignored ones.
  at::Tensor g = logp.exp_();
  g.scatter_add_(1, target, at::full({g.size(0), 1}, -1.0, g.options()));
  // A scalar multiply, and ignored rows zeroed apart: a broadcast [rows x 1] operand makes this
  // pass over rows x vocab elements several times slower.
  g.mul_(1.0 / count);
  if (!valid.all().item<bool>()) g.masked_fill_(valid.logical_not().unsqueeze(1), 0.0);
  at::Tensor gw = g.to(weight.scalar_type());
  if (grads.hidden.defined()) {
    at::Tensor out = grads.hidden.narrow(0, begin, h.size(0));
    if (out.scalar_type() == gw.scalar_type()) at::mm_out(out, gw, weight);
    else out.copy_(at::mm(gw, weight));
  }
  if (grads.weight.defined()) grads.weight.addmm_(g.t(), h.to(at::kFloat));
  if (grads.bias.defined()) grads.bias.add_(g.sum(0));
}

struct LinearCrossEntropyFunction : public torch::autograd::Function<LinearCrossEntropyFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& maybe_bias,
                            const at::Tensor& labels) {
    at::Tensor bias = maybe_bias.numel() > 0 ? maybe_bias : at::Tensor();
    int64_t n = hidden.size(0), vocab = weight.size(0);
    // PyTorch's mean over zero targets is 0/0 = nan; so is this.
    double count = static_cast<double>(labels.ne(kIgnore).sum().item<int64_t>());
    Gradients grads;
    if (hidden.requires_grad()) grads.hidden = at::empty_like(hidden);
    if (weight.requires_grad()) grads.weight = at::zeros(weight.sizes(), weight.options().dtype(at::kFloat));
    if (bias.defined() && bias.requires_grad()) grads.bias = at::zeros(bias.sizes(), bias.options().dtype(at::kFloat));
    at::Tensor loss = at::zeros({}, hidden.options().dtype(at::kFloat));
    // As few chunks as the budget allows, of equal size (no small last chunk: a GEMM of a few
    // rows runs far below the machine's rate).
    int64_t chunks = std::max<int64_t>(1, (n * vocab + kChunkElements - 1) / kChunkElements);
    int64_t rows = std::max<int64_t>(1, (n + chunks - 1) / chunks);
    for (int64_t begin = 0; begin < n; begin += rows) {
      int64_t len = std::min(rows, n - begin);
      Chunk(hidden.narrow(0, begin, len), weight, bias, labels.narrow(0, begin, len), count, loss, grads, begin);
    }
    // Only defined gradients are kept: an IValue cannot hold an undefined tensor.
    if (grads.hidden.defined()) ctx->saved_data["hidden"] = grads.hidden;
    if (grads.weight.defined()) ctx->saved_data["weight"] = grads.weight.to(weight.scalar_type());
    if (grads.bias.defined()) ctx->saved_data["bias"] = grads.bias.to(bias.scalar_type());
    return loss / count;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    at::Tensor scale = grad_output[0];
    auto scaled = [&](const char* name) {
      auto it = ctx->saved_data.find(name);
      if (it == ctx->saved_data.end()) return at::Tensor();
      at::Tensor g = it->second.toTensor();
      return g * scale.to(g.scalar_type());
    };
    return {scaled("hidden"), scaled("weight"), scaled("bias"), at::Tensor()};
  }
};

}  // namespace

at::Tensor LinearCrossEntropy(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& bias, const at::Tensor& labels) {
  TORCH_CHECK(hidden.dim() == 2 && weight.dim() == 2 && hidden.size(1) == weight.size(1), "LinearCrossEntropy: hidden ",
              hidden.sizes(), " does not fit weight ", weight.sizes());
  TORCH_CHECK(labels.dim() == 1 && labels.size(0) == hidden.size(0), "LinearCrossEntropy: labels ", labels.sizes(),
              " do not match hidden ", hidden.sizes());
  // libtorch 1.13's Function::apply cannot take an undefined tensor (VariableInfo reads its
  // device): no bias travels as an empty one.
  at::Tensor b = bias.defined() ? bias : at::empty({0}, weight.options().requires_grad(false));
  return LinearCrossEntropyFunction::apply(hidden, weight, b, labels.to(at::kLong));
}

}  // namespace peft

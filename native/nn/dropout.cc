#include "dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/DistributionsHelper.h>
#include <ATen/core/MT19937RNGEngine.h>

#include <mutex>

namespace peft {

namespace {

// The keep-mask of at::native_dropout on CPU, drawn ~3x faster with the very same numbers.
// native_dropout_cpu does mask.bernoulli_(1 - p) on a bool tensor: a serial TensorIterator loop
// that, per element, calls CPUGeneratorImpl::random64() (two mt19937 outputs, out of line) and
// keeps the element when ((hi << 32 | lo) & (2^53 - 1)) * 2^-53 < 1 - p
// (at::bernoulli_distribution<double> over uniform_real_distribution<double>). This loop runs a
// copy of the generator's mt19937 inline over the same stream and hands the state back, so the
// masks, and the generator's state afterwards, are bitwise those of PyTorch (test/nn/dropout).
// The draw stays serial: one mt19937 stream cannot be split without changing the numbers.
at::Tensor KeepMask(const at::Tensor& x, double keep) {
  at::Tensor mask = at::empty(x.sizes(), x.options().dtype(at::kBool).memory_format(at::MemoryFormat::Contiguous));
  auto* gen = at::get_generator_or_default<at::CPUGeneratorImpl>(c10::nullopt, at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  at::mt19937 engine = gen->engine();
  bool* out = mask.data_ptr<bool>();
  const int64_t n = mask.numel();
  constexpr uint64_t kMask = (uint64_t{1} << 53) - 1;
  constexpr double kDivisor = 1.0 / static_cast<double>(uint64_t{1} << 53);
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t hi = engine();
    const uint64_t lo = engine();
    const double u = static_cast<double>(((hi << 32) | lo) & kMask) * kDivisor;
    out[i] = u < keep;
  }
  gen->set_engine(engine);
  return mask;
}

}  // namespace

at::Tensor DropoutFn(const at::Tensor& x, double p, bool train) {
  if (!train || p <= 0) return x;
  if (p >= 1) return x * 0.0;  // all dropped, as F.dropout(p=1) (native_dropout's scale would be inf)
  if (!x.device().is_cpu() || x.numel() == 0) return std::get<0>(at::native_dropout(x, p, train));
  // native_dropout_cpu's output and its autograd: input.mul(mask).mul_(scale), saving the bool
  // mask (MulBackward0) — grad · scale · mask, bitwise native_dropout_backward's grad · mask · scale
  // since the mask is 0 or 1.
  const double scale = 1.0 / (1.0 - p);
  return x.mul(KeepMask(x, 1.0 - p)).mul_(scale);
}

}  // namespace peft

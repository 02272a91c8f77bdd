#include "dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/MT19937RNGEngine.h>

#include <algorithm>
#include <array>
#include <mutex>

namespace peft {

namespace {

// The keep-mask of at::native_dropout on CPU, drawn several times faster with the very same numbers.
// native_dropout_cpu does mask.bernoulli_(1 - p) on a bool tensor: a serial TensorIterator loop
// that, per element, calls CPUGeneratorImpl::random64() (two mt19937 outputs, out of line) and
// keeps the element when ((hi << 32 | lo) & (2^53 - 1)) * 2^-53 < 1 - p
// (at::bernoulli_distribution<double> over uniform_real_distribution<double>). Here the
// generator's mt19937 state is advanced a block at a time (MT19937Words: the same twist and
// tempering as at::mt19937's operator(), in loops the compiler vectorises) and handed back, so
// the masks, and the generator's state afterwards, are bitwise those of PyTorch
// (test/train/dropout.test.ts). One stream cannot be split over threads without changing the
// numbers, so the draw stays on one thread.
constexpr int kN = at::MERSENNE_STATE_N;
constexpr int kM = at::MERSENNE_STATE_M;

inline uint32_t Twist(uint32_t u, uint32_t v) {
  return ((((u & at::UMASK) | (v & at::LMASK)) >> 1) ^ ((v & 1) ? at::MATRIX_A : 0));
}

// at::mt19937's next_state().
void Regenerate(std::array<uint32_t, kN>& s) {
  for (int i = 0; i < kN - kM; ++i) s[i] = s[i + kM] ^ Twist(s[i], s[i + 1]);
  for (int i = kN - kM; i < kN - 1; ++i) s[i] = s[i + kM - kN] ^ Twist(s[i], s[i + 1]);
  s[kN - 1] = s[kM - 1] ^ Twist(s[kN - 1], s[0]);
}

// The next `count` outputs of the engine whose state is `d`, as `count` calls of operator() would
// give them (left_ counts down to the next regeneration, next_ indexes the state).
void MT19937Words(at::mt19937_data_pod& d, uint32_t* out, int64_t count) {
  while (count > 0) {
    if (d.left_ <= 1) {  // the next call of operator() regenerates the state first
      Regenerate(d.state_);
      d.left_ = kN + 1;
      d.next_ = 0;
    }
    const int64_t take = std::min<int64_t>(count, d.left_ - 1);
    const uint32_t* src = d.state_.data() + d.next_;
    for (int64_t i = 0; i < take; ++i) {
      uint32_t y = src[i];
      y ^= (y >> 11);
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= (y >> 18);
      out[i] = y;
    }
    d.next_ += static_cast<uint32_t>(take);
    d.left_ -= static_cast<int>(take);
    out += take;
    count -= take;
  }
}

at::Tensor KeepMask(const at::Tensor& x, double keep) {
  at::Tensor mask = at::empty(x.sizes(), x.options().dtype(at::kBool).memory_format(at::MemoryFormat::Contiguous));
  auto* gen = at::get_generator_or_default<at::CPUGeneratorImpl>(c10::nullopt, at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  at::mt19937 engine = gen->engine();
  at::mt19937_data_pod state = engine.data();
  bool* out = mask.data_ptr<bool>();
  const int64_t n = mask.numel();
  constexpr uint64_t kMask53 = (uint64_t{1} << 53) - 1;
  constexpr double kDivisor = 1.0 / static_cast<double>(uint64_t{1} << 53);
  constexpr int64_t kBlock = 4096;
  uint32_t words[2 * kBlock];
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t len = std::min(kBlock, n - begin);
    MT19937Words(state, words, 2 * len);
    for (int64_t i = 0; i < len; ++i) {
      const uint64_t bits = (static_cast<uint64_t>(words[2 * i]) << 32) | words[2 * i + 1];  // random64(): hi, lo
      out[begin + i] = static_cast<double>(bits & kMask53) * kDivisor < keep;
    }
  }
  engine.set_data(state);
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

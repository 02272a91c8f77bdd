// Process-wide settings (threads, seeds, devices, versions) and autograd entry points.
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/api/include/torch/version.h>

#include <dlfcn.h>

#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "async.h"
#include "common.h"

namespace peft {
namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = ToInt(info[0], "threads");
  if (n < 1) throw TorchError(info.Env(), "setNumThreads: expected a positive integer, got " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  // OpenBLAS (Debian's pthreads build) keeps its own pool for GEMM, sized to the cores and deaf to
  // OpenMP's setting: without this, "1 thread" still ran every matmul on all cores.
  using SetBlasThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetBlasThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  at::manual_seed(static_cast<uint64_t>(ToInt(info[0], "seed")));
  return info.Env().Undefined();
}

Napi::Value CudaIsAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::hasCUDA());
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::hasCUDA() ? static_cast<double>(at::getNumGPUs()) : 0);
}

// What OpenBLAS actually chose (it may be absent: MKL or reference BLAS builds).
void DescribeBlas(Napi::Object out) {
  using CoreName = char* (*)();
  using NumThreads = int (*)();
  auto core = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  auto threads = reinterpret_cast<NumThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  out.Set("openblasCore", core ? Napi::Value(Napi::String::New(out.Env(), core())) : out.Env().Null());
  out.Set("openblasThreads", threads ? Napi::Value(Napi::Number::New(out.Env(), threads())) : out.Env().Null());
}

Napi::Value Versions(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  DescribeBlas(out);
  out.Set("libtorch", TORCH_VERSION);
  out.Set("parallel", at::get_parallel_info());
  out.Set("mkldnn", at::hasMKLDNN());
  return out;
}

// ---- autograd ----
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  c10::GradMode::set_enabled(ToBool(info[0], true));
  return info.Env().Undefined();
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// InferenceMode is an RAII guard; JS scopes nest strictly (try/finally), so a stack holds them.
std::vector<std::unique_ptr<c10::InferenceMode>> inference_stack;

Napi::Value EnterInferenceMode(const Napi::CallbackInfo& info) {
  inference_stack.push_back(std::make_unique<c10::InferenceMode>(true));
  return info.Env().Undefined();
}

Napi::Value ExitInferenceMode(const Napi::CallbackInfo& info) {
  if (!inference_stack.empty()) inference_stack.pop_back();
  return info.Env().Undefined();
}

Napi::Value IsInferenceMode(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled());
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  at::Tensor t = ToTensor(info[0]);
  t.requires_grad_(ToBool(info[1], true));
  return info.Env().Undefined();
}

// .grad is written by backward passes on workers (busy.h): reading or replacing it meanwhile would
// race with them, so both wait for none to be in flight.
Napi::Value Grad(const Napi::CallbackInfo& info) {
  CheckGradientsIdle("reading .grad");
  return FromTensor(info.Env(), ToTensor(info[0]).grad());
}

// setGrad(t, grad | null): null clears it, as PyTorch's zero_grad(set_to_none=True).
Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  at::Tensor t = ToTensor(info[0]);
  c10::optional<at::Tensor> grad = ToOptionalTensor(info[1]);
  CheckGradientsIdle(grad ? "setting .grad" : "zeroGrad()");
  t.mutable_grad() = grad ? *grad : at::Tensor();
  return info.Env().Undefined();
}

// backward(t, gradient?, retainGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  c10::optional<at::Tensor> gradient = ToOptionalTensor(info[1]);
  CheckNoUpdate("backward()");
  ToTensor(info[0]).backward(gradient ? *gradient : at::Tensor(), ToBool(info[2], false));
  return info.Env().Undefined();
}

Napi::Value BackwardAsync(const Napi::CallbackInfo& info) {
  at::Tensor t = ToTensor(info[0]);
  at::Tensor gradient = ToOptionalTensor(info[1]).value_or(at::Tensor());
  bool retain = ToBool(info[2], false);
  CheckNoUpdate("backwardAsync()");
  return PromiseWorker<bool>::Start(
      info.Env(), "node-peft:backward",
      [t, gradient, retain]() { t.backward(gradient, retain); return true; },
      [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); }, HoldGradients(GradientWork::kBackward));
}

Napi::Value MatmulAsync(const Napi::CallbackInfo& info) {
  at::Tensor a = ToTensor(info[0]), b = ToTensor(info[1]);
  return QueueTensor(info.Env(), "node-peft:matmul", [a, b]() { return at::matmul(a, b); });
}

}  // namespace

void RegisterRuntime(Napi::Env env, Napi::Object e) {
  Export<SetNumThreads>(env, e, "setNumThreads");
  Export<GetNumThreads>(env, e, "getNumThreads");
  Export<ManualSeed>(env, e, "manualSeed");
  Export<CudaIsAvailable>(env, e, "cudaIsAvailable");
  Export<CudaDeviceCount>(env, e, "cudaDeviceCount");
  Export<Versions>(env, e, "versions");
  Export<SetGradEnabled>(env, e, "setGradEnabled");
  Export<IsGradEnabled>(env, e, "isGradEnabled");
  Export<EnterInferenceMode>(env, e, "enterInferenceMode");
  Export<ExitInferenceMode>(env, e, "exitInferenceMode");
  Export<IsInferenceMode>(env, e, "isInferenceMode");
  Export<SetRequiresGrad>(env, e, "setRequiresGrad");
  Export<Grad>(env, e, "grad");
  Export<SetGrad>(env, e, "setGrad");
  Export<Backward>(env, e, "backward");
  Export<BackwardAsync>(env, e, "backwardAsync");
  Export<MatmulAsync>(env, e, "matmulAsync");
}

}  // namespace peft

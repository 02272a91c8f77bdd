// Random-number generators as torch exposes them: torch.Generator objects (the data sampler's),
// the default CPU generator's state (saved in checkpoints so that a resumed run draws the same
// dropout masks), and the draws transformers' Trainer makes from it.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>

#include <string>

#include "common.h"

namespace peft {
namespace {

using GeneratorPtr = std::shared_ptr<at::Generator>;

GeneratorPtr ToGenerator(const Napi::Value& v) {
  if (!v.IsExternal()) throw TorchError(v.Env(), "expected a generator handle");
  return *v.As<Napi::External<GeneratorPtr>>().Data();
}

// One int64 as torch.empty((), dtype=torch.int64).random_() draws it from the default
// generator (how RandomSampler and transformers' Trainer seed a fresh torch.Generator).
int64_t DrawGlobalSeed() { return at::empty({}, at::kLong).random_().item<int64_t>(); }

// generatorCreate(seed | null) -> handle; null seeds it with a draw from the default generator.
Napi::Value Create(const Napi::CallbackInfo& info) {
  uint64_t seed = info[0].IsNumber() ? static_cast<uint64_t>(ToInt(info[0], "seed")) : static_cast<uint64_t>(DrawGlobalSeed());
  auto gen = std::make_shared<at::Generator>(at::detail::createCPUGenerator(seed));
  return Napi::External<GeneratorPtr>::New(info.Env(), new GeneratorPtr(gen), [](Napi::Env, GeneratorPtr* g) { delete g; });
}

// generatorRandperm(gen, n) -> int64 tensor, torch.randperm(n, generator=gen)
Napi::Value Randperm(const Napi::CallbackInfo& info) {
  GeneratorPtr gen = ToGenerator(info[0]);  // randperm takes the generator's lock itself
  return FromTensor(info.Env(), at::randperm(ToInt(info[1], "n"), *gen, at::TensorOptions().dtype(at::kLong)));
}

// A handle's generator, or (null) the default CPU generator. at::Generator is a shared handle.
at::Generator Target(const Napi::Value& v) {
  return v.IsExternal() ? *ToGenerator(v) : at::detail::getDefaultCPUGenerator();
}

// rngGetState(gen | null) -> uint8 tensor (null: the default CPU generator), as get_rng_state()
Napi::Value GetState(const Napi::CallbackInfo& info) {
  at::Generator gen = Target(info[0]);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return FromTensor(info.Env(), gen.get_state());
}

// rngSetState(gen | null, state)
Napi::Value SetState(const Napi::CallbackInfo& info) {
  at::Generator gen = Target(info[0]);
  at::Tensor state = ToTensor(info[1], "state");
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

// drawGlobalSeed() -> decimal string of one int64 drawn from the default generator
Napi::Value DrawSeed(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), std::to_string(DrawGlobalSeed()));
}

}  // namespace

void RegisterRandom(Napi::Env env, Napi::Object e) {
  Export<Create>(env, e, "generatorCreate");
  Export<Randperm>(env, e, "generatorRandperm");
  Export<GetState>(env, e, "rngGetState");
  Export<SetState>(env, e, "rngSetState");
  Export<DrawSeed>(env, e, "drawGlobalSeed");
}

}  // namespace peft

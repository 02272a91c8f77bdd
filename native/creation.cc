// Tensor creation. Data from JS is always copied: the JS buffer may move or die before the tensor.
#include <cstring>

#include "common.h"

namespace peft {
namespace {

// fromBuffer(view, shape, srcDtype, dtype?, device?)
Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw TorchError(env, "fromBuffer: expected a TypedArray");
  Napi::TypedArray view = info[0].As<Napi::TypedArray>();
  std::vector<int64_t> shape = ToIntList(info[1], "shape");
  at::ScalarType src = ToDtype(info[2]);
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(src));
  if (t.nbytes() != view.ByteLength())
    throw TorchError(env, "fromBuffer: shape " + c10::str(t.sizes()) + " needs " + std::to_string(t.nbytes()) +
                              " bytes of " + DtypeName(src) + " but the buffer holds " + std::to_string(view.ByteLength()));
  const auto* bytes = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
  if (t.nbytes() != 0) std::memcpy(t.data_ptr(), bytes, t.nbytes());
  at::TensorOptions options = ToOptions(info[3], info[4]);
  if (!options.has_dtype()) options = options.dtype(src);
  return FromTensor(env, t.to(options));
}

using Factory = at::Tensor (*)(at::IntArrayRef, at::TensorOptions);

// zeros/ones/empty/randn/rand(shape, dtype?, device?)
Napi::Value Filled(const Napi::CallbackInfo& info) {
  auto factory = reinterpret_cast<Factory>(info.Data());
  at::TensorOptions options = ToOptions(info[1], info[2]);
  if (!options.has_dtype()) options = options.dtype(at::kFloat);
  return FromTensor(info.Env(), factory(ToIntList(info[0], "shape"), options));
}

// full(shape, value, dtype?, device?)
Napi::Value Full(const Napi::CallbackInfo& info) {
  at::TensorOptions options = ToOptions(info[2], info[3]);
  return FromTensor(info.Env(), at::full(ToIntList(info[0], "shape"), ToScalar(info[1]), options));
}

// arange(start, end, step, dtype?, device?): integer arguments give int64 like torch.arange.
Napi::Value Arange(const Napi::CallbackInfo& info) {
  at::TensorOptions options = ToOptions(info[3], info[4]);
  return FromTensor(info.Env(), at::arange(ToScalar(info[0]), ToScalar(info[1]), ToScalar(info[2]), options));
}

// randint(low, high, shape, dtype?, device?)
Napi::Value Randint(const Napi::CallbackInfo& info) {
  at::TensorOptions options = ToOptions(info[3], info[4]);
  if (!options.has_dtype()) options = options.dtype(at::kLong);
  return FromTensor(info.Env(), at::randint(ToInt(info[0], "low"), ToInt(info[1], "high"), ToIntList(info[2], "shape"), options));
}

// eye(n, m?, dtype?, device?)
Napi::Value Eye(const Napi::CallbackInfo& info) {
  at::TensorOptions options = ToOptions(info[2], info[3]);
  if (!options.has_dtype()) options = options.dtype(at::kFloat);
  int64_t n = ToInt(info[0], "n");
  int64_t m = info[1].IsNumber() ? ToInt(info[1], "m") : n;
  return FromTensor(info.Env(), at::eye(n, m, options));
}

void ExportFactory(Napi::Env env, Napi::Object exports, const char* name, Factory factory) {
  exports.Set(name, Napi::Function::New(env, Safe<Filled>, name, reinterpret_cast<void*>(factory)));
}

}  // namespace

void RegisterCreation(Napi::Env env, Napi::Object exports) {
  Export<FromBuffer>(env, exports, "fromBuffer");
  ExportFactory(env, exports, "zeros", [](at::IntArrayRef s, at::TensorOptions o) { return at::zeros(s, o); });
  ExportFactory(env, exports, "ones", [](at::IntArrayRef s, at::TensorOptions o) { return at::ones(s, o); });
  ExportFactory(env, exports, "empty", [](at::IntArrayRef s, at::TensorOptions o) { return at::empty(s, o); });
  ExportFactory(env, exports, "randn", [](at::IntArrayRef s, at::TensorOptions o) { return at::randn(s, o); });
  ExportFactory(env, exports, "rand", [](at::IntArrayRef s, at::TensorOptions o) { return at::rand(s, o); });
  Export<Full>(env, exports, "full");
  Export<Arange>(env, exports, "arange");
  Export<Randint>(env, exports, "randint");
  Export<Eye>(env, exports, "eye");
}

}  // namespace peft

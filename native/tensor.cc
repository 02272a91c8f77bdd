// The Tensor handle: owns one at::Tensor, reports its storage's bytes to V8, frees on dispose or GC.
// Also the value conversions every other file uses, and the reading of tensor data.
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "common.h"

namespace peft {

namespace {
std::atomic<int64_t> live_tensors{0};

// V8 is told the bytes of each CPU storage once, while any handle views it. A view's logical
// size is no measure of memory: expand() gives zeros([1]).expand([2**58]) a 2^60-byte size over
// 4 real bytes (and napi_adjust_external_memory aborts the process past 2^60), and the handles of
// a model's parameters, returned again by every namedParameters(), share their storages. So
// handles are counted per (environment, storage); the first reports storage.nbytes(), the last
// takes back what was reported (storages may be resized meanwhile). A weak reference keeps the
// StorageImpl's address from being reused while it is a key, even when set_() has moved the
// handle's tensor to another storage; it does not keep the data alive.
class StorageAccounting {
 public:
  static StorageAccounting& Get() {
    static auto* accounting = new StorageAccounting();  // never destroyed: finalizers may run late
    return *accounting;
  }

  // The key to hand back to Remove, or nullptr when nothing was counted; *report: bytes to add.
  const void* Add(napi_env env, const at::Tensor& t, int64_t* report) {
    *report = 0;
    if (!t.defined() || !t.has_storage() || !t.is_cpu()) return nullptr;
    const c10::Storage& storage = t.storage();
    const void* impl = storage.unsafeGetStorageImpl();
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, fresh] = entries_.try_emplace(Key{env, impl});
    if (fresh) {
      it->second.keep_address = storage.getWeakStorageImpl();
      it->second.bytes = *report = static_cast<int64_t>(storage.nbytes());
    }
    ++it->second.handles;
    return impl;
  }

  // Bytes to take back from V8 (0 while other handles still view the storage).
  int64_t Remove(napi_env env, const void* impl) {
    if (impl == nullptr) return 0;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(Key{env, impl});
    if (it == entries_.end() || --it->second.handles > 0) return 0;
    int64_t bytes = it->second.bytes;
    entries_.erase(it);
    return bytes;
  }

 private:
  struct Key {
    napi_env env;
    const void* storage;
    bool operator==(const Key& o) const { return env == o.env && storage == o.storage; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return std::hash<const void*>()(k.storage) * 31 + std::hash<const void*>()(k.env); }
  };
  struct Entry {
    c10::weak_intrusive_ptr<c10::StorageImpl> keep_address{c10::weak_intrusive_ptr<c10::StorageImpl>::reclaim(nullptr)};
    int64_t handles = 0;
    int64_t bytes = 0;
  };
  std::mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
};

// The handle behind a JS object, or nullptr once dispose() has unwrapped it.
AddonTensor* Handle(napi_env env, napi_value object) {
  void* handle = nullptr;
  if (napi_unwrap(env, object, &handle) != napi_ok) return nullptr;
  return static_cast<AddonTensor*>(handle);
}
}  // namespace

void AddonTensor::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "AddonTensor", {});
  // Plain functions on the prototype rather than InstanceMethod: those unwrap `this` first, which
  // throws once dispose() has removed the wrap.
  Napi::Object prototype = ctor.Get("prototype").As<Napi::Object>();
  prototype.Set("dispose", Napi::Function::New<Dispose>(env, "dispose"));
  prototype.Set("isDisposed", Napi::Function::New<IsDisposed>(env, "isDisposed"));
  Data(env).tensorCtor = Napi::Persistent(ctor);
  exports.Set("AddonTensor", ctor);
}

AddonTensor::AddonTensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AddonTensor>(info) {
  ++live_tensors;
}

// Reached from dispose() or, for handles never disposed, from the GC finalizer.
AddonTensor::~AddonTensor() {
  --live_tensors;
  tensor_ = at::Tensor();
  int64_t bytes = StorageAccounting::Get().Remove(Env(), accounted_storage_);
  if (bytes != 0) Napi::MemoryManagement::AdjustExternalMemory(Env(), -bytes);
}

Napi::Object AddonTensor::Wrap(Napi::Env env, at::Tensor tensor) {
  Napi::Object obj = Data(env).tensorCtor.New({});
  Unwrap(obj)->Reset(env, std::move(tensor));
  return obj;
}

void AddonTensor::Reset(Napi::Env env, at::Tensor tensor) {
  tensor_ = std::move(tensor);
  int64_t bytes = 0;
  accounted_storage_ = StorageAccounting::Get().Add(env, tensor_, &bytes);
  if (bytes != 0) Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
}

bool AddonTensor::IsTensor(Napi::Env env, const Napi::Value& value) {
  return value.IsObject() && value.As<Napi::Object>().InstanceOf(Data(env).tensorCtor.Value());
}

int64_t AddonTensor::LiveCount() { return live_tensors.load(); }

// dispose() frees everything native now, the handle included: the wrap is removed (so no
// finalizer is left queued) and the AddonTensor deleted. Node runs N-API finalizers only when the
// event loop turns; a synchronous loop of ops used to pile up every disposed handle's wrapper,
// reference and finalizer record until then, and the glibc heap could not reuse the tensor
// blocks those small objects pinned between (see allocator.cc). The JS object remains, empty.
Napi::Value AddonTensor::Dispose(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  if (!IsTensor(info.Env(), info.This())) throw TorchError(info.Env(), "dispose: `this` is not a tensor handle");
  AddonTensor* handle = Handle(env, info.This());
  if (handle == nullptr) return info.Env().Undefined();  // disposed already
  void* unwrapped = nullptr;
  if (napi_remove_wrap(env, info.This(), &unwrapped) != napi_ok) throw TorchError(info.Env(), "dispose: could not unwrap the tensor handle");
  delete handle;  // ~ObjectWrap deletes the napi reference; no finalizer remains
  return info.Env().Undefined();
}

Napi::Value AddonTensor::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Handle(info.Env(), info.This()) == nullptr);
}

// ---- conversions ----

const at::Tensor& ToTensor(const Napi::Value& value, const char* what) {
  Napi::Env env = value.Env();
  if (!AddonTensor::IsTensor(env, value)) throw TorchError(env, std::string("expected a Tensor for ") + what);
  AddonTensor* handle = Handle(env, value);
  if (handle == nullptr) throw TorchError(env, "Tensor has been disposed");
  return handle->tensor();
}

c10::optional<at::Tensor> ToOptionalTensor(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return ToTensor(value);
}

std::vector<at::Tensor> ToTensorList(const Napi::Value& value) {
  if (!value.IsArray()) throw TorchError(value.Env(), "expected an array of Tensors");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(ToTensor(array.Get(i)));
  return out;
}

Napi::Value FromTensor(Napi::Env env, const at::Tensor& tensor) {
  if (!tensor.defined()) return env.Null();
  return AddonTensor::Wrap(env, tensor);
}

Napi::Value FromTensorList(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  Napi::Array out = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) out.Set(static_cast<uint32_t>(i), FromTensor(env, tensors[i]));
  return out;
}

namespace {
const std::pair<const char*, at::ScalarType> kDtypes[] = {
    {"float32", at::kFloat}, {"float16", at::kHalf}, {"bfloat16", at::kBFloat16},
    {"float64", at::kDouble}, {"int64", at::kLong}, {"int32", at::kInt},
    {"int16", at::kShort}, {"int8", at::kChar}, {"uint8", at::kByte}, {"bool", at::kBool},
};
}  // namespace

at::ScalarType ToDtype(const Napi::Value& value) {
  std::string name = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  for (const auto& [n, t] : kDtypes)
    if (name == n) return t;
  throw TorchError(value.Env(), "unknown dtype '" + name + "'");
}

std::string DtypeName(at::ScalarType dtype) {
  for (const auto& [n, t] : kDtypes)
    if (dtype == t) return n;
  return c10::toString(dtype);
}

c10::Device ToDevice(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::Device(c10::kCPU);
  return c10::Device(value.As<Napi::String>().Utf8Value());
}

at::TensorOptions ToOptions(const Napi::Value& dtype, const Napi::Value& device) {
  at::TensorOptions options = at::TensorOptions().device(ToDevice(device));
  if (!dtype.IsUndefined() && !dtype.IsNull()) options = options.dtype(ToDtype(dtype));
  return options;
}

int64_t ToInt(const Napi::Value& value, const char* what) {
  if (value.IsNumber()) return value.As<Napi::Number>().Int64Value();
  if (value.IsBigInt()) {
    bool lossless = true;
    return value.As<Napi::BigInt>().Int64Value(&lossless);
  }
  throw TorchError(value.Env(), std::string("expected an integer for ") + what);
}

std::vector<int64_t> ToIntList(const Napi::Value& value, const char* what) {
  if (value.IsNumber()) return {ToInt(value, what)};
  if (!value.IsArray()) throw TorchError(value.Env(), std::string("expected an array of integers for ") + what);
  Napi::Array array = value.As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out[i] = ToInt(array.Get(i), what);
  return out;
}

std::vector<std::string> ToStringList(const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throw TorchError(value.Env(), std::string("expected an array of strings for ") + what);
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(array.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

at::Scalar ToScalar(const Napi::Value& value) {
  if (value.IsBoolean()) return at::Scalar(value.As<Napi::Boolean>().Value());
  if (value.IsBigInt()) return at::Scalar(ToInt(value, "scalar"));
  if (value.IsNumber()) {
    // JS has one number type: integral values act as Python ints (long * 2 stays long),
    // others as floats (long * 0.5 is float), which is what the same Python code would do.
    double d = value.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9007199254740992.0) return at::Scalar(static_cast<int64_t>(d));
    return at::Scalar(d);
  }
  throw TorchError(value.Env(), "expected a number");
}

c10::optional<int64_t> ToOptionalInt(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return ToInt(value, "argument");
}

c10::optional<double> ToOptionalDouble(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return value.As<Napi::Number>().DoubleValue();
}

bool ToBool(const Napi::Value& value, bool fallback) {
  return value.IsBoolean() ? value.As<Napi::Boolean>().Value() : fallback;
}

// ---- reading ----
namespace {

Napi::Value Meta(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = ToTensor(info[0]);
  Napi::Object out = Napi::Object::New(env);
  Napi::Array shape = Napi::Array::New(env, t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, t.size(i)));
  out.Set("shape", shape);
  out.Set("dtype", DtypeName(t.scalar_type()));
  out.Set("device", t.device().str());
  out.Set("requiresGrad", t.requires_grad());
  out.Set("isLeaf", t.is_leaf());
  return out;
}

Napi::Value Numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ToTensor(info[0]).numel()));
}

// Contiguous CPU bytes; half types widen to float32 since JS has no 16-bit float array.
Napi::Value ReadData(const Napi::CallbackInfo& info) {
  at::Tensor t = ToTensor(info[0]).detach();
  if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
  t = t.to(c10::kCPU).contiguous();
  size_t bytes = t.nbytes();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes != 0) std::memcpy(buffer.Data(), t.data_ptr(), bytes);
  return buffer;
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  if (t.numel() != 1)
    throw TorchError(info.Env(), "item(): a Tensor with " + std::to_string(t.numel()) + " elements cannot be converted to a number");
  at::Scalar s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  return Napi::Number::New(info.Env(), s.toDouble());
}

Napi::Value LiveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(AddonTensor::LiveCount()));
}

// V8's count of external bytes, which handles adjust (tests check the accounting through it).
Napi::Value ExternalMemory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(info.Env(), 0)));
}

// setErrorClass(TorchError, BusyError?)
Napi::Value SetErrorClassFn(const Napi::CallbackInfo& info) {
  Data(info.Env()).errorCtor = Napi::Persistent(info[0].As<Napi::Function>());
  if (info[1].IsFunction()) Data(info.Env()).busyCtor = Napi::Persistent(info[1].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

void RegisterTensor(Napi::Env env, Napi::Object exports) {
  AddonTensor::Init(env, exports);
  Export<Meta>(env, exports, "meta");
  Export<Numel>(env, exports, "numel");
  Export<ReadData>(env, exports, "data");
  Export<Item>(env, exports, "item");
  Export<LiveTensors>(env, exports, "liveTensorCount");
  Export<ExternalMemory>(env, exports, "externalMemory");
  Export<SetErrorClassFn>(env, exports, "setErrorClass");
}

}  // namespace peft

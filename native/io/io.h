// What the two checkpoint readers share: load options, the loaded state dict and its conversion to
// JS, tensors over a file mapping, and the sync/async entry points.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../async.h"
#include "../common.h"
#include "mapping.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "checkpoint files are little-endian, and so must the host be");

namespace peft {
namespace io {

struct LoadOptions {
  c10::optional<at::ScalarType> dtype;  // floating tensors only, like transformers' torch_dtype
  c10::optional<c10::Device> device;
};

struct StateDict {
  std::vector<std::string> keys;
  std::vector<at::Tensor> tensors;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Prefixes a format error with the file it came from; system errors already name the path.
template <typename F>
auto InFile(const char* kind, const std::string& path, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const FormatError& e) {
    throw FormatError(std::string(kind) + " '" + path + "': " + e.what());
  }
}

inline std::string ShapeString(at::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A tensor over `mapping` at byte `offset`, keeping the mapping alive until its storage dies.
// A misaligned offset (legal in safetensors, rare) gets a copy instead: kernels assume alignment.
inline at::Tensor OverMapping(const std::shared_ptr<Mapping>& mapping, uint64_t offset, at::IntArrayRef sizes,
                              at::ScalarType dtype) {
  uint8_t* data = mapping->data() + offset;
  at::TensorOptions options = at::TensorOptions().dtype(dtype);
  if (reinterpret_cast<uintptr_t>(data) % c10::elementSize(dtype) != 0) {
    at::Tensor copy = at::empty(sizes, options);
    if (copy.nbytes() != 0) std::memcpy(copy.data_ptr(), data, copy.nbytes());
    return copy;
  }
  return at::from_blob(data, sizes, [mapping](void*) {}, options);
}

// The caller's dtype and device; integer and bool tensors (ids, masks) keep their dtype.
inline at::Tensor Convert(const at::Tensor& t, const LoadOptions& options) {
  bool cast = options.dtype && c10::isFloatingType(t.scalar_type()) && t.scalar_type() != *options.dtype;
  bool move = options.device && *options.device != t.device();
  if (!cast && !move) return t;
  return t.to(move ? *options.device : t.device(), cast ? *options.dtype : t.scalar_type());
}

inline LoadOptions ToLoadOptions(const Napi::Value& dtype, const Napi::Value& device) {
  LoadOptions options;
  if (!dtype.IsUndefined() && !dtype.IsNull()) options.dtype = ToDtype(dtype);
  if (!device.IsUndefined() && !device.IsNull()) options.device = ToDevice(device);
  return options;
}

inline Napi::Object MetadataToJs(Napi::Env env, const std::vector<std::pair<std::string, std::string>>& metadata) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& [key, value] : metadata) out.Set(key, value);
  return out;
}

// {keys, tensors, metadata}: arrays keep the file's order (object keys would reorder "0", "1").
inline Napi::Value StateDictToJs(Napi::Env env, const StateDict& dict) {
  Napi::Array keys = Napi::Array::New(env, dict.keys.size());
  for (size_t i = 0; i < dict.keys.size(); ++i) keys.Set(static_cast<uint32_t>(i), dict.keys[i]);
  Napi::Object out = Napi::Object::New(env);
  out.Set("keys", keys);
  out.Set("tensors", FromTensorList(env, dict.tensors));
  out.Set("metadata", MetadataToJs(env, dict.metadata));
  return out;
}

using Loader = StateDict (*)(const std::string& path, const LoadOptions& options);

// load*Sync(path, dtype?, device?)
template <Loader Load>
Napi::Value LoadSync(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return StateDictToJs(info.Env(), Load(path, ToLoadOptions(info[1], info[2])));
}

// load*(path, dtype?, device?) -> Promise: mapping, parsing and conversions run on the pool.
template <Loader Load>
Napi::Value LoadAsync(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  LoadOptions options = ToLoadOptions(info[1], info[2]);
  return PromiseWorker<StateDict>::Start(
      info.Env(), "nodePeftLoadCheckpoint", [path, options] { return Load(path, options); },
      [](Napi::Env env, StateDict& dict) { return StateDictToJs(env, dict); });
}

void RegisterTorchBin(Napi::Env env, Napi::Object exports);

}  // namespace io
}  // namespace peft

// What the two checkpoint readers share: load options, the loaded state dict and its conversion to
// JS, tensors over a file mapping, and the sync/async entry points.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../async.h"
#include "../common.h"
#include "crc32.h"
#include "mapping.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "checkpoint files are little-endian, and so must the host be");

namespace peft {
namespace io {

struct LoadOptions {
  c10::optional<at::ScalarType> dtype;  // floating tensors only, like transformers' torch_dtype
  c10::optional<c10::Device> device;
  bool mmap = false;  // tensors view the mapped file instead of owning a copy of their bytes
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

// Keeps a mapping alive while a storage over it lives. Its deleter also marks such storages, so
// that MappingOf() can tell a tensor that views a file from one that owns its bytes.
struct MappingRef {
  std::shared_ptr<Mapping> mapping;
};
inline void ReleaseMappingRef(void* ref) { delete static_cast<MappingRef*>(ref); }

// The mapping a tensor's storage lies in, or nullptr when the tensor owns its memory.
inline const Mapping* MappingOf(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return nullptr;
  const c10::DataPtr& data = t.storage().data_ptr();
  if (data.get_deleter() != &ReleaseMappingRef) return nullptr;
  return static_cast<const MappingRef*>(data.get_context())->mapping.get();
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
  return at::for_blob(data, sizes).context(new MappingRef{mapping}, &ReleaseMappingRef).options(options).make_tensor();
}

// Copies `bytes` of the mapping from `offset` into `out`, updating *crc (when given) on the way,
// and gives the mapped pages back as it goes: the file is read in one pass, and the process never
// holds more than a few MiB of it next to the copy (whole pages only: the page a neighbouring
// entry shares stays mapped until the mapping goes).
inline void CopyOut(const Mapping& mapping, uint64_t offset, uint8_t* out, uint64_t bytes, uint32_t* crc = nullptr) {
  constexpr uint64_t kPiece = 256 << 10;  // CRC then copy while the piece is in L2
  constexpr uint64_t kDropEvery = 8 << 20;
  const uint8_t* src = mapping.data() + offset;
  uint64_t dropped = 0;
  for (uint64_t done = 0; done < bytes;) {
    uint64_t n = std::min(kPiece, bytes - done);
    if (crc != nullptr) *crc = Crc32Update(*crc, src + done, n);
    std::memcpy(out + done, src + done, n);
    done += n;
    if (done - dropped >= kDropEvery || done == bytes) {
      mapping.DropPages(offset + dropped, done - dropped);
      dropped = done;
    }
  }
}

// The caller's dtype and device; integer and bool tensors (ids, masks) keep their dtype.
inline at::Tensor Convert(const at::Tensor& t, const LoadOptions& options) {
  bool cast = options.dtype && c10::isFloatingType(t.scalar_type()) && t.scalar_type() != *options.dtype;
  bool move = options.device && *options.device != t.device();
  if (!cast && !move) return t;
  return t.to(move ? *options.device : t.device(), cast ? *options.dtype : t.scalar_type());
}

// The tensor a checkpoint entry of `sizes` and `dtype` at `offset` becomes: a view of the file
// (options.mmap), or by default memory of its own, as transformers' loading copies weights out of
// the file. Either way in the caller's dtype and on its device.
inline at::Tensor ReadTensor(const std::shared_ptr<Mapping>& mapping, uint64_t offset, at::IntArrayRef sizes,
                             at::ScalarType dtype, const LoadOptions& options) {
  at::Tensor view = OverMapping(mapping, offset, sizes, dtype);
  if (options.mmap || MappingOf(view) == nullptr) return Convert(view, options);  // (a misaligned copy owns its bytes)
  at::Tensor converted = Convert(view, options);
  if (!converted.is_same(view)) {  // a cast or a move made the copy
    mapping->DropPages(offset, view.nbytes());
    return converted;
  }
  at::Tensor own = at::empty(sizes, at::TensorOptions().dtype(dtype));
  CopyOut(*mapping, offset, static_cast<uint8_t*>(own.data_ptr()), own.nbytes());
  return own;
}

inline LoadOptions ToLoadOptions(const Napi::Value& dtype, const Napi::Value& device, const Napi::Value& mmap) {
  LoadOptions options;
  if (!dtype.IsUndefined() && !dtype.IsNull()) options.dtype = ToDtype(dtype);
  if (!device.IsUndefined() && !device.IsNull()) options.device = ToDevice(device);
  options.mmap = ToBool(mmap, false);
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

// load*Sync(path, dtype?, device?, mmap?)
template <Loader Load>
Napi::Value LoadSync(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return StateDictToJs(info.Env(), Load(path, ToLoadOptions(info[1], info[2], info[3])));
}

// load*(path, dtype?, device?, mmap?) -> Promise: mapping, parsing, copies and conversions run on the pool.
template <Loader Load>
Napi::Value LoadAsync(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  LoadOptions options = ToLoadOptions(info[1], info[2], info[3]);
  return PromiseWorker<StateDict>::Start(
      info.Env(), "nodePeftLoadCheckpoint", [path, options] { return Load(path, options); },
      [](Napi::Env env, StateDict& dict) { return StateDictToJs(env, dict); });
}

void RegisterTorchBin(Napi::Env env, Napi::Object exports);
void RegisterFs(Napi::Env env, Napi::Object exports);

}  // namespace io
}  // namespace peft

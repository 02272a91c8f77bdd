// pytorch_model.bin: the zip archive torch.save writes, <archive>/data.pkl (the pickled state
// dict) beside <archive>/data/<key> (one storage per key, stored uncompressed). The file is mapped
// once; each storage is copied out of it (or, with the mmap option, is a tensor over the mapping)
// as its CRC-32 is checked, in the same pass, and state-dict entries are views of the storages, so
// tied weights keep sharing memory as they do in PyTorch.
#include "io.h"
#include "pickle.h"
#include "zip.h"

namespace peft {
namespace io {
namespace {

struct Archive {
  std::shared_ptr<Mapping> mapping;
  std::unordered_map<std::string, ZipEntry> entries;
  std::string prefix;  // "<archive>/": torch names the folder after the file it saved to
};

const ZipEntry& Find(const Archive& archive, const std::string& name) {
  auto it = archive.entries.find(archive.prefix + name);
  if (it == archive.entries.end()) throw FormatError("zip entry " + Quote(archive.prefix + name) + " is missing");
  return it->second;
}

// The one folder holding data.pkl; torch.save writes exactly one.
std::string FindPrefix(const std::unordered_map<std::string, ZipEntry>& entries) {
  std::string prefix;
  for (const auto& [name, entry] : entries) {
    size_t slash = name.find('/');
    if (slash == std::string::npos || name.compare(slash, std::string::npos, "/data.pkl") != 0) continue;
    if (!prefix.empty()) throw FormatError("two data.pkl entries (" + Quote(prefix + "data.pkl") + " and " + Quote(name) + ")");
    prefix = name.substr(0, slash + 1);
  }
  if (prefix.empty()) throw FormatError("no <archive>/data.pkl entry: not a torch.save checkpoint");
  return prefix;
}

Archive OpenArchive(std::shared_ptr<Mapping> mapping) {
  const uint8_t* data = mapping->data();
  uint64_t size = mapping->size();
  if (size >= 2 && data[0] == 0x80 && data[1] <= 5)
    throw FormatError("this is the legacy (pre-1.6) torch.save format; re-save it with a current torch.save");
  if (size < 4 || ReadLE(data, 4) != 0x04034b50) throw FormatError("not a zip archive, so not a torch.save checkpoint");
  Archive archive{std::move(mapping)};
  archive.entries = ZipReader(data, size).Entries();
  archive.prefix = FindPrefix(archive.entries);
  auto order = archive.entries.find(archive.prefix + "byteorder");  // written by torch >= 2.1
  if (order != archive.entries.end()) {
    const ZipEntry& entry = order->second;
    CheckCrc(entry, Crc32(data + entry.offset, entry.size));
    if (std::string(reinterpret_cast<const char*>(data + entry.offset), entry.size) != "little")
      throw FormatError("the checkpoint was saved big-endian, which is not supported");
  }
  return archive;
}

// data.pkl is read before anything else: corruption there reads as corruption, not as a bad pickle.
const ZipEntry& PickleEntry(const Archive& archive) {
  const ZipEntry& pkl = Find(archive, "data.pkl");
  CheckCrc(pkl, Crc32(archive.mapping->data() + pkl.offset, pkl.size));
  return pkl;
}

// <archive>/data/<key> as a 1-D tensor of its own (or over the mapping, with the mmap option); it
// must hold exactly numel elements, and its bytes must match the entry's CRC-32.
at::Tensor StorageTensor(const Archive& archive, const StorageRef& storage, const std::string& key, bool mmap) {
  const ZipEntry& entry = Find(archive, "data/" + storage.key);
  uint64_t need = 0;
  if (storage.numel < 0 || !MulWithin(static_cast<uint64_t>(storage.numel), c10::elementSize(storage.dtype), entry.size, &need) || need != entry.size)
    throw FormatError("tensor " + Quote(key) + ": zip entry " + Quote(entry.name) + " holds " + std::to_string(entry.size) + " bytes, not " +
                      std::to_string(storage.numel) + " elements of " + DtypeName(storage.dtype));
  const Mapping& mapping = *archive.mapping;
  if (mmap) {
    CheckCrc(entry, Crc32(mapping.data() + entry.offset, entry.size), " (tensor " + Quote(key) + ")");
    return OverMapping(archive.mapping, entry.offset, {storage.numel}, storage.dtype);
  }
  at::Tensor own = at::empty({storage.numel}, at::TensorOptions().dtype(storage.dtype));
  uint32_t crc = 0;
  CopyOut(mapping, entry.offset, static_cast<uint8_t*>(own.data_ptr()), entry.size, &crc);
  CheckCrc(entry, crc, " (tensor " + Quote(key) + ")");
  return own;
}

// The view a state-dict entry describes, checked to lie inside its storage.
at::Tensor View(const at::Tensor& storage, const TensorSpec& spec, const std::string& key) {
  std::string where = "tensor " + Quote(key) + ": size " + ShapeString(spec.size) + ", stride " + ShapeString(spec.stride) +
                      " at offset " + std::to_string(spec.offset);
  if (spec.size.size() > 64) throw FormatError("tensor " + Quote(key) + " has more than 64 dimensions");
  if (spec.offset < 0) throw FormatError(where + ": negative offset");
  uint64_t last = static_cast<uint64_t>(spec.offset);  // index of the last element, if any
  bool empty = false;
  for (size_t d = 0; d < spec.size.size(); ++d) {
    if (spec.size[d] < 0 || spec.stride[d] < 0) throw FormatError(where + ": negative size or stride");
    empty = empty || spec.size[d] == 0;
    uint64_t reach = 0;
    if (spec.size[d] > 0 && !MulWithin(static_cast<uint64_t>(spec.size[d] - 1), static_cast<uint64_t>(spec.stride[d]), uint64_t{1} << 62, &reach))
      throw FormatError(where + ": too large");
    last += reach;
    if (last > uint64_t{1} << 62) throw FormatError(where + ": too large");
  }
  if (!empty && last >= static_cast<uint64_t>(storage.numel()))
    throw FormatError(where + " reaches past its storage of " + std::to_string(storage.numel()) + " elements");
  // Zero strides repeat elements (expand), legitimately for size-1 dimensions; a view of more
  // elements than any file could hold is a hostile file, not a state dict. Bounded as safetensors
  // bounds shapes (2^53 elements), so no size computed from it can overflow.
  uint64_t numel = 1;
  for (int64_t size : spec.size)
    if (!empty && !MulWithin(numel, static_cast<uint64_t>(size), uint64_t{1} << 53, &numel))
      throw FormatError(where + " describes more than 2^53 elements over its storage of " + std::to_string(storage.numel()) + " elements");
  return storage.as_strided(spec.size, spec.stride, spec.offset);
}

StateDict LoadFile(const std::string& path, const LoadOptions& options) {
  std::shared_ptr<Mapping> mapping = Mapping::Open(path);
  return InFile("PyTorch checkpoint", path, [&] {
    Archive archive = OpenArchive(mapping);
    const ZipEntry& pkl = PickleEntry(archive);
    Unpickled state = Unpickler(archive.mapping->data() + pkl.offset, pkl.size, path).Run();
    std::vector<at::Tensor> storages(state.storages.size());  // built on first use, shared by views
    StateDict out;
    for (const auto& [key, index] : state.entries) {
      const TensorSpec& spec = state.tensors[index];
      at::Tensor& storage = storages[spec.storage];
      if (!storage.defined()) storage = StorageTensor(archive, state.storages[spec.storage], key, options.mmap);
      out.keys.push_back(key);
      out.tensors.push_back(Convert(View(storage, spec, key), options));
    }
    return out;
  });
}

}  // namespace

void RegisterTorchBin(Napi::Env env, Napi::Object exports) {
  Export<LoadAsync<LoadFile>>(env, exports, "loadTorchBin");
  Export<LoadSync<LoadFile>>(env, exports, "loadTorchBinSync");
}

}  // namespace io
}  // namespace peft

// safetensors: an 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data.
// Loading maps the file and copies each tensor out of it, giving the mapped pages back as it goes
// (or, with the mmap option, builds tensors over the mapping), so a checkpoint is never held
// twice; every claim of the header is checked against the file size before anything is allocated.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>

#include "io.h"
#include "json.h"

namespace peft {
namespace io {
namespace {

constexpr uint64_t kMaxHeader = 100000000;  // the safetensors library's own limit
constexpr size_t kMaxDims = 64;             // bounds memory for a header of "[1,1,1,..."
constexpr uint64_t kMaxElements = uint64_t{1} << 53;

const std::pair<const char*, at::ScalarType> kCodes[] = {
    {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"F64", at::kDouble},
    {"I64", at::kLong}, {"I32", at::kInt}, {"I16", at::kShort}, {"I8", at::kChar},
    {"U8", at::kByte}, {"BOOL", at::kBool},
};

const char* CodeOf(at::ScalarType dtype) {
  for (const auto& [code, type] : kCodes)
    if (type == dtype) return code;
  return nullptr;
}

struct Entry {
  std::string name;
  at::ScalarType dtype = at::kFloat;
  std::vector<int64_t> shape;
  uint64_t numel = 1;
  uint64_t begin = 0, end = 0;
};

struct Header {
  std::vector<Entry> entries;
  std::vector<std::pair<std::string, std::string>> metadata;
  uint64_t data_start = 0;  // absolute file offset of the byte buffer
};

at::ScalarType ParseDtype(JsonReader& json, const std::string& name) {
  std::string code = json.String();
  for (const auto& [c, type] : kCodes)
    if (code == c) return type;
  throw FormatError("tensor " + Quote(name) + ": unsupported dtype " + Quote(code));
}

// The shape, and its element count; refuses counts no file could hold (products of the
// non-zero dimensions past 2^53), so a zero dimension cannot smuggle in an overflowing stride.
void ParseShape(JsonReader& json, Entry& e) {
  json.Expect('[');
  uint64_t nonzero = 1;
  bool empty = false;
  if (!json.Consume(']')) {
    do {
      if (e.shape.size() == kMaxDims) throw FormatError("tensor " + Quote(e.name) + ": more than 64 dimensions");
      uint64_t dim = json.Unsigned();
      e.shape.push_back(static_cast<int64_t>(dim));
      empty = empty || dim == 0;
      if (dim != 0 && !MulWithin(nonzero, dim, kMaxElements, &nonzero))
        throw FormatError("tensor " + Quote(e.name) + ": shape " + ShapeString(e.shape) + "... is too large");
    } while (json.Consume(','));
    json.Expect(']');
  }
  e.numel = empty ? 0 : nonzero;
}

Entry ParseEntry(JsonReader& json, std::string name) {
  Entry e;
  e.name = std::move(name);
  bool dtype = false, shape = false, offsets = false;
  json.Expect('{');
  do {
    std::string field = json.String();
    json.Expect(':');
    if (field == "dtype" && !dtype) {
      e.dtype = ParseDtype(json, e.name), dtype = true;
    } else if (field == "shape" && !shape) {
      ParseShape(json, e), shape = true;
    } else if (field == "data_offsets" && !offsets) {
      json.Expect('[');
      e.begin = json.Unsigned();
      json.Expect(',');
      e.end = json.Unsigned();
      json.Expect(']');
      offsets = true;
    } else {
      throw FormatError("tensor " + Quote(e.name) + ": unexpected or repeated field " + Quote(field));
    }
  } while (json.Consume(','));
  json.Expect('}');
  if (!dtype || !shape || !offsets) throw FormatError("tensor " + Quote(e.name) + ": needs dtype, shape and data_offsets");
  return e;
}

void ParseMetadata(JsonReader& json, Header& h) {
  if (json.ConsumeNull()) return;
  json.Expect('{');
  if (json.Consume('}')) return;
  do {
    std::string key = json.String();
    json.Expect(':');
    h.metadata.emplace_back(std::move(key), json.String());
  } while (json.Consume(','));
  json.Expect('}');
}

// The grammar only; the offsets are checked by Validate.
Header ParseHeader(const char* text, size_t size) {
  JsonReader json(text, size);
  Header h;
  std::map<std::string, bool> seen;
  json.Expect('{');
  if (!json.Consume('}')) {
    do {
      std::string name = json.String();
      json.Expect(':');
      if (!seen.emplace(name, true).second) throw FormatError("key " + Quote(name) + " appears twice");
      if (name == "__metadata__") ParseMetadata(json, h);
      else h.entries.push_back(ParseEntry(json, std::move(name)));
    } while (json.Consume(','));
    json.Expect('}');
  }
  if (!json.AtEnd()) json.Fail("trailing characters after the header object");
  return h;
}

// As the safetensors library: in offset order, each tensor starts where the previous ended, holds
// exactly numel * itemsize bytes, and the last one ends at the end of the file.
void Validate(const Header& h, uint64_t buffer) {
  std::vector<const Entry*> order;
  for (const Entry& e : h.entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t cursor = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : order) {
    std::string where = "tensor " + Quote(e->name) + ": data_offsets [" + std::to_string(e->begin) + ", " + std::to_string(e->end) + "]";
    if (e->end < e->begin || e->end > buffer)
      throw FormatError(where + " fall outside the " + std::to_string(buffer) + "-byte data buffer");
    if (e->begin < cursor) throw FormatError(where + " overlap tensor " + Quote(previous->name));
    if (e->begin > cursor) throw FormatError(where + " leave a gap after byte " + std::to_string(cursor) + " of the data buffer");
    uint64_t need = e->numel * c10::elementSize(e->dtype);  // numel <= 2^53 (ParseShape): no overflow
    if (need != e->end - e->begin)
      throw FormatError(where + " hold " + std::to_string(e->end - e->begin) + " bytes but " + CodeOf(e->dtype) + " " +
                        ShapeString(e->shape) + " needs " + std::to_string(need));
    cursor = e->end;
    previous = e;
  }
  if (cursor != buffer)
    throw FormatError("the data buffer has " + std::to_string(buffer) + " bytes but the tensors cover " + std::to_string(cursor));
}

// N from the first 8 bytes, checked against the file before anyone reads or allocates N bytes.
uint64_t HeaderLength(const uint8_t* first8, uint64_t file_size) {
  uint64_t n = ReadLE(first8, 8);
  if (n > kMaxHeader) throw FormatError("header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > file_size - 8)
    throw FormatError("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(file_size) + " bytes)");
  if (n < 2) throw FormatError("header length " + std::to_string(n) + " is too short for a JSON object");
  return n;
}

void CheckSize(uint64_t file_size) {
  if (file_size < 8) throw FormatError("file is " + std::to_string(file_size) + " bytes, too short for the 8-byte header length");
}

Header ReadHeader(const uint8_t* file, uint64_t file_size) {
  CheckSize(file_size);
  uint64_t n = HeaderLength(file, file_size);
  Header h = ParseHeader(reinterpret_cast<const char*>(file + 8), n);
  h.data_start = 8 + n;
  Validate(h, file_size - h.data_start);
  return h;
}

StateDict LoadFile(const std::string& path, const LoadOptions& options) {
  std::shared_ptr<Mapping> mapping = Mapping::Open(path);
  Header h = InFile("safetensors file", path, [&] { return ReadHeader(mapping->data(), mapping->size()); });
  StateDict out;
  for (const Entry& e : h.entries) {
    out.keys.push_back(e.name);
    out.tensors.push_back(ReadTensor(mapping, h.data_start + e.begin, e.shape, e.dtype, options));
  }
  out.metadata = std::move(h.metadata);
  return out;
}

// pread until `size` bytes arrived: the cheap path for listing keys without mapping the file.
void ReadAt(int fd, uint8_t* out, uint64_t size, uint64_t offset, const std::string& path) {
  while (size > 0) {
    ssize_t got = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw SystemError("read", path);
    if (got == 0) throw FormatError("file ended while reading the header");
    out += got, size -= static_cast<uint64_t>(got), offset += static_cast<uint64_t>(got);
  }
}

Header ReadHeaderOnly(const std::string& path) {
  uint64_t file_size = 0;
  FileDescriptor fd = OpenForReading(path, &file_size);
  return InFile("safetensors file", path, [&] {
    CheckSize(file_size);
    uint8_t first8[8];
    ReadAt(fd.get(), first8, 8, 0, path);
    uint64_t n = HeaderLength(first8, file_size);
    std::string text(n, '\0');
    ReadAt(fd.get(), reinterpret_cast<uint8_t*>(&text[0]), n, 8, path);
    Header h = ParseHeader(text.data(), n);
    h.data_start = 8 + n;
    Validate(h, file_size - h.data_start);
    return h;
  });
}

// ---- writing ----

struct SaveJob {
  std::string path;
  std::vector<std::string> keys;
  std::vector<at::Tensor> tensors;
  std::map<std::string, std::string> metadata;  // sorted, as in the header
};

// Largest items first, then by name, as the safetensors library orders data: every tensor then
// starts aligned for its dtype (the header is padded to 8 bytes).
std::vector<size_t> DataOrder(const SaveJob& job) {
  std::vector<size_t> order(job.keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    size_t sa = job.tensors[a].element_size(), sb = job.tensors[b].element_size();
    return sa != sb ? sa > sb : job.keys[a] < job.keys[b];
  });
  return order;
}

// Keys sorted, "__metadata__" last, no spaces, padded with spaces to a multiple of 8.
std::string BuildHeader(const SaveJob& job, const std::vector<size_t>& order) {
  std::vector<uint64_t> begin(job.keys.size());
  uint64_t cursor = 0;
  for (size_t i : order) begin[i] = cursor, cursor += job.tensors[i].nbytes();
  std::vector<size_t> by_name = order;
  std::sort(by_name.begin(), by_name.end(), [&](size_t a, size_t b) { return job.keys[a] < job.keys[b]; });
  std::string json = "{";
  for (size_t i : by_name) {
    const at::Tensor& t = job.tensors[i];
    const char* code = CodeOf(t.scalar_type());
    if (code == nullptr) throw FormatError("tensor " + Quote(job.keys[i]) + " has dtype " + DtypeName(t.scalar_type()) + ", which safetensors cannot store");
    std::string shape = ShapeString(t.sizes());
    shape.erase(std::remove(shape.begin(), shape.end(), ' '), shape.end());
    json += (json.size() > 1 ? "," : "") + JsonQuote(job.keys[i]) + ":{\"dtype\":\"" + code + "\",\"shape\":" + shape +
            ",\"data_offsets\":[" + std::to_string(begin[i]) + "," + std::to_string(begin[i] + t.nbytes()) + "]}";
  }
  if (!job.metadata.empty()) {
    json += (json.size() > 1 ? "," : "") + std::string("\"__metadata__\":{");
    bool first = true;
    for (const auto& [k, v] : job.metadata) json += (first ? "" : ",") + JsonQuote(k) + ":" + JsonQuote(v), first = false;
    json += "}";
  }
  json += "}";
  json.append((8 - json.size() % 8) % 8, ' ');
  return json;
}

void WriteAll(int fd, const void* data, uint64_t size, const std::string& path) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t put = ::write(fd, p, std::min<uint64_t>(size, uint64_t{1} << 30));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) throw SystemError("write", path);
    p += put, size -= static_cast<uint64_t>(put);
  }
}

std::string TempName(const std::string& path) {
  std::random_device random;
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", random(), random());
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + suffix;
}

// Durability of the rename itself; a failure here leaves a complete file, so it is not an error.
void SyncDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) ::fsync(fd), ::close(fd);
}

void WriteData(int fd, const SaveJob& job, const std::string& tmp) {
  std::vector<size_t> order = DataOrder(job);
  std::string header = BuildHeader(job, order);
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  WriteAll(fd, length, 8, tmp);
  WriteAll(fd, header.data(), header.size(), tmp);
  for (size_t i : order) {
    // One tensor at a time on the CPU: a non-contiguous or CUDA tensor costs one extra copy of itself.
    at::Tensor t = job.tensors[i].detach().to(c10::kCPU).contiguous();
    WriteAll(fd, t.data_ptr(), t.nbytes(), tmp);
  }
}

// Readers see the old file or the complete new one, never a partial write: write a temporary file
// beside the target, fsync, rename over. On any failure the temporary file is removed.
void SaveFile(const SaveJob& job) {
  std::string tmp = TempName(job.path);
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (fd.get() < 0) throw SystemError("create", tmp);
  try {
    WriteData(fd.get(), job, tmp);
    if (::fsync(fd.get()) != 0) throw SystemError("sync", tmp);
    if (::close(fd.release()) != 0) throw SystemError("close", tmp);
    if (::rename(tmp.c_str(), job.path.c_str()) != 0) throw SystemError("rename to", job.path);
  } catch (...) {
    if (fd.get() >= 0) ::close(fd.release());
    ::unlink(tmp.c_str());
    throw;
  }
  SyncDirectory(job.path);
}

SaveJob ToSaveJob(const Napi::CallbackInfo& info) {
  SaveJob job;
  job.path = info[0].As<Napi::String>().Utf8Value();
  job.keys = ToStringList(info[1], "keys");
  job.tensors = ToTensorList(info[2]);
  if (job.tensors.size() != job.keys.size()) throw FormatError("saveSafetensors: keys and tensors differ in length");
  Napi::Object metadata = info[3].As<Napi::Object>();
  Napi::Array names = metadata.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    std::string key = names.Get(i).As<Napi::String>().Utf8Value();
    job.metadata[key] = metadata.Get(key).As<Napi::String>().Utf8Value();
  }
  return job;
}

// ---- entry points ----

// saveSafetensors(path, keys, tensors, metadata) -> Promise<void>; the worker holds the tensors.
Napi::Value SaveAsync(const Napi::CallbackInfo& info) {
  auto job = std::make_shared<SaveJob>(ToSaveJob(info));
  return PromiseWorker<bool>::Start(
      info.Env(), "nodePeftSaveSafetensors", [job] { return SaveFile(*job), true; },
      [](Napi::Env env, bool&) { return env.Undefined(); });
}

Napi::Value SaveSync(const Napi::CallbackInfo& info) {
  SaveFile(ToSaveJob(info));
  return info.Env().Undefined();
}

// readSafetensorsHeader(path) -> {entries: [{name, dtype, shape, dataOffsets}], metadata, dataStart}
Napi::Value HeaderToJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Header h = ReadHeaderOnly(info[0].As<Napi::String>().Utf8Value());
  Napi::Array entries = Napi::Array::New(env, h.entries.size());
  for (size_t i = 0; i < h.entries.size(); ++i) {
    const Entry& e = h.entries[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", e.name);
    o.Set("dtype", DtypeName(e.dtype));
    Napi::Array shape = Napi::Array::New(env, e.shape.size());
    for (size_t d = 0; d < e.shape.size(); ++d) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(env, static_cast<double>(e.shape[d])));
    o.Set("shape", shape);
    Napi::Array offsets = Napi::Array::New(env, 2);
    offsets.Set(0u, Napi::Number::New(env, static_cast<double>(e.begin)));
    offsets.Set(1u, Napi::Number::New(env, static_cast<double>(e.end)));
    o.Set("dataOffsets", offsets);
    entries.Set(static_cast<uint32_t>(i), o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("entries", entries);
  out.Set("metadata", MetadataToJs(env, h.metadata));
  out.Set("dataStart", Napi::Number::New(env, static_cast<double>(h.data_start)));
  return out;
}

}  // namespace
}  // namespace io

void RegisterIo(Napi::Env env, Napi::Object exports) {
  Export<io::LoadAsync<io::LoadFile>>(env, exports, "loadSafetensors");
  Export<io::LoadSync<io::LoadFile>>(env, exports, "loadSafetensorsSync");
  Export<io::HeaderToJs>(env, exports, "readSafetensorsHeader");
  Export<io::SaveAsync>(env, exports, "saveSafetensors");
  Export<io::SaveSync>(env, exports, "saveSafetensorsSync");
  io::RegisterTorchBin(env, exports);
  io::RegisterFs(env, exports);
}

}  // namespace peft

// A restricted unpickler for the data.pkl of torch.save(state_dict): it runs the pickle stack
// machine over plain values (None, bools, ints, floats, strings, tuples, lists, dicts) and knows
// exactly the globals a state dict needs. Nothing is ever imported or called: any other global
// is refused by name, before it could be used. Values live in one arena addressed by index, so
// however deeply a hostile pickle nests containers, nothing here (nor a destructor) recurses.
#pragma once

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mapping.h"

namespace peft {
namespace io {

// A storage named by a persistent id ('storage', torch.FloatStorage, key, location, numel).
struct StorageRef {
  std::string key;  // the zip entry is <archive>/data/<key>
  at::ScalarType dtype;
  int64_t numel;
};

// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...): a view of a storage.
struct TensorSpec {
  uint32_t storage;
  int64_t offset;
  std::vector<int64_t> size, stride;
};

struct Unpickled {
  std::vector<StorageRef> storages;
  std::vector<TensorSpec> tensors;
  std::vector<std::pair<std::string, uint32_t>> entries;  // state-dict key -> tensor, in order
};

class Unpickler {
 public:
  Unpickler(const uint8_t* data, uint64_t size, std::string file) : p_(data), op_start_(data), begin_(data), end_(data + size), file_(std::move(file)) {}

  Unpickled Run() {
    while (true) {
      op_start_ = p_;
      uint8_t op = Byte();
      if (op == '.') break;  // STOP
      Step(op);
    }
    return Finish(Pop());
  }

 private:
  enum class Kind : uint8_t { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, Tensor };
  // What a GLOBAL may name; anything else is refused.
  enum class Callable : int64_t { OrderedDict, RebuildTensorV2, RebuildTensor, RebuildParameter, StorageType };
  struct Value {
    Kind kind;
    int64_t i = 0;                // Bool, Int; Global: Callable; Storage and Tensor: index
    double f = 0;                 // Float
    std::string s;                // Str, Bytes; Global: its name
    at::ScalarType dtype = at::kFloat;  // Global of a storage type
    std::vector<uint32_t> items;  // Tuple, List; Dict: key, value, key, value, ...
  };
  // Bounds memory for a hostile pickle (~100 MB); a state dict needs ~15 objects per tensor.
  static constexpr size_t kMaxValues = size_t{1} << 20;

  [[noreturn]] void Fail(const std::string& what) const {
    throw FormatError("data.pkl at byte " + std::to_string(op_start_ - begin_) + ": " + what);
  }

  // ---- reading the byte stream ----
  const uint8_t* Take(uint64_t n) {
    if (static_cast<uint64_t>(end_ - p_) < n) Fail("truncated pickle (needs " + std::to_string(n) + " more bytes)");
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }
  uint8_t Byte() { return *Take(1); }
  uint64_t Le(int n) { return ReadLE(Take(n), n); }
  std::string Line() {
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(p_, '\n', std::min<size_t>(static_cast<size_t>(end_ - p_), 256)));
    if (nl == nullptr) Fail("unterminated GLOBAL name");
    std::string line(reinterpret_cast<const char*>(p_), nl - p_);
    p_ = nl + 1;
    return line;
  }

  // ---- the stack ----
  uint32_t New(Kind kind) {
    if (values_.size() >= kMaxValues) Fail("too many objects for a state dict");
    values_.push_back(Value{kind});
    return static_cast<uint32_t>(values_.size() - 1);
  }
  void Push(uint32_t v) { stack_.push_back(v); }
  uint32_t PushNew(Kind kind) { uint32_t v = New(kind); Push(v); return v; }
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  uint32_t Pop() {
    if (stack_.size() <= Floor()) Fail("pickle stack underflow");
    uint32_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  uint32_t Top() {
    if (stack_.size() <= Floor()) Fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<uint32_t> PopToMark() {
    if (marks_.empty()) Fail("no MARK on the stack");
    std::vector<uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Value& Expect(uint32_t v, Kind kind, const char* what) {
    if (values_[v].kind != kind) Fail(std::string("expected ") + what);
    return values_[v];
  }

  void Step(uint8_t op) {
    if (Constant(op) || Container(op) || Memo(op) || Call(op)) return;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", op);
    Fail(std::string("unsupported pickle opcode ") + hex);
  }

  bool Constant(uint8_t op) {
    switch (op) {
      case 0x80: if (Byte() > 5) Fail("unsupported pickle protocol"); return true;  // PROTO
      case 0x95: Le(8); return true;                                                // FRAME
      case 'N': PushNew(Kind::None); return true;
      case 0x88: case 0x89: values_[PushNew(Kind::Bool)].i = op == 0x88; return true;  // NEWTRUE, NEWFALSE
      case 'J': values_[PushNew(Kind::Int)].i = static_cast<int32_t>(Le(4)); return true;  // BININT
      case 'K': values_[PushNew(Kind::Int)].i = static_cast<int64_t>(Le(1)); return true;  // BININT1
      case 'M': values_[PushNew(Kind::Int)].i = static_cast<int64_t>(Le(2)); return true;  // BININT2
      case 0x8a: values_[PushNew(Kind::Int)].i = Long1(); return true;
      case 'G': values_[PushNew(Kind::Float)].f = BinFloat(); return true;
      case 'X': PushString(Kind::Str, Le(4)); return true;   // BINUNICODE
      case 0x8c: PushString(Kind::Str, Le(1)); return true;  // SHORT_BINUNICODE
      case 0x8d: PushString(Kind::Str, Le(8)); return true;  // BINUNICODE8
      case 'B': PushString(Kind::Bytes, Le(4)); return true;  // BINBYTES
      case 'C': PushString(Kind::Bytes, Le(1)); return true;  // SHORT_BINBYTES
      default: return false;
    }
  }
  int64_t Long1() {
    uint64_t n = Byte();
    if (n > 8) Fail("integer wider than 64 bits");
    if (n == 0) return 0;
    uint64_t raw = Le(static_cast<int>(n));
    if (n < 8 && (raw >> (8 * n - 1)) & 1) raw |= ~uint64_t{0} << (8 * n);  // sign-extend
    return static_cast<int64_t>(raw);
  }
  double BinFloat() {
    uint64_t bits = 0;
    for (const uint8_t* b = Take(8), *e = b + 8; b < e; ++b) bits = (bits << 8) | *b;  // big-endian
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  void PushString(Kind kind, uint64_t length) {
    const uint8_t* s = Take(length);  // checked against the bytes left before any allocation
    values_[PushNew(kind)].s.assign(reinterpret_cast<const char*>(s), length);
  }

  bool Container(uint8_t op) {
    switch (op) {
      case '(': marks_.push_back(stack_.size()); return true;  // MARK
      case '0': Pop(); return true;                             // POP
      case '1': PopToMark(); return true;                       // POP_MARK
      case '2': Push(Top()); return true;                       // DUP
      case ')': PushNew(Kind::Tuple); return true;              // EMPTY_TUPLE
      case ']': PushNew(Kind::List); return true;               // EMPTY_LIST
      case '}': PushNew(Kind::Dict); return true;               // EMPTY_DICT
      case 't': MakeSequence(Kind::Tuple, PopToMark()); return true;
      case 'l': MakeSequence(Kind::List, PopToMark()); return true;
      case 0x85: case 0x86: case 0x87: MakeSequence(Kind::Tuple, PopN(op - 0x84)); return true;  // TUPLE1-3
      case 'a': { uint32_t item = Pop(); Expect(Top(), Kind::List, "a list for APPEND").items.push_back(item); return true; }
      case 'e': { auto items = PopToMark(); Append(Expect(Top(), Kind::List, "a list for APPENDS"), items); return true; }
      case 's': { uint32_t v = Pop(), k = Pop(); Append(Expect(Top(), Kind::Dict, "a dict for SETITEM"), {k, v}); return true; }
      case 'u': SetItems(); return true;
      default: return false;
    }
  }
  std::vector<uint32_t> PopN(int n) {
    std::vector<uint32_t> items(static_cast<size_t>(n));
    for (int i = n - 1; i >= 0; --i) items[static_cast<size_t>(i)] = Pop();
    return items;
  }
  void MakeSequence(Kind kind, std::vector<uint32_t> items) { values_[PushNew(kind)].items = std::move(items); }
  static void Append(Value& container, const std::vector<uint32_t>& items) {
    container.items.insert(container.items.end(), items.begin(), items.end());
  }
  void SetItems() {
    auto items = PopToMark();
    if (items.size() % 2 != 0) Fail("SETITEMS with an odd number of items");
    Append(Expect(Top(), Kind::Dict, "a dict for SETITEMS"), items);
  }

  bool Memo(uint8_t op) {
    switch (op) {
      case 'q': memo_[static_cast<uint32_t>(Le(1))] = Top(); return true;  // BINPUT
      case 'r': memo_[static_cast<uint32_t>(Le(4))] = Top(); return true;  // LONG_BINPUT
      case 0x94: memo_[static_cast<uint32_t>(memo_.size())] = Top(); return true;  // MEMOIZE
      case 'h': Push(Recall(static_cast<uint32_t>(Le(1)))); return true;  // BINGET
      case 'j': Push(Recall(static_cast<uint32_t>(Le(4)))); return true;  // LONG_BINGET
      default: return false;
    }
  }
  uint32_t Recall(uint32_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) Fail("memo key " + std::to_string(key) + " was never stored");
    return it->second;
  }

  bool Call(uint8_t op) {
    switch (op) {
      case 'c': { std::string module = Line(); Global(module, Line()); return true; }
      case 0x93: {  // STACK_GLOBAL
        uint32_t name = Pop(), module = Pop();
        // Copies: Global() grows the arena, which would move the strings.
        std::string m = Expect(module, Kind::Str, "a module name").s, n = Expect(name, Kind::Str, "a global name").s;
        Global(m, n);
        return true;
      }
      case 'R': { uint32_t args = Pop(); Reduce(Pop(), args); return true; }
      case 'Q': Push(PersistentLoad(Pop())); return true;  // BINPERSID
      case 'b': Build(); return true;
      default: return false;
    }
  }

  void Global(const std::string& module, const std::string& name) {
    static const std::pair<const char*, at::ScalarType> kStorages[] = {
        {"FloatStorage", at::kFloat}, {"HalfStorage", at::kHalf}, {"BFloat16Storage", at::kBFloat16},
        {"DoubleStorage", at::kDouble}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
        {"ShortStorage", at::kShort}, {"CharStorage", at::kChar}, {"ByteStorage", at::kByte}, {"BoolStorage", at::kBool},
    };
    std::string full = module + "." + name;
    uint32_t v = New(Kind::Global);
    values_[v].s = full;
    Callable c = Callable::StorageType;
    if (full == "collections.OrderedDict") c = Callable::OrderedDict;
    else if (full == "torch._utils._rebuild_tensor_v2") c = Callable::RebuildTensorV2;
    else if (full == "torch._utils._rebuild_tensor") c = Callable::RebuildTensor;
    else if (full == "torch._utils._rebuild_parameter" || full == "torch._utils._rebuild_parameter_with_state") c = Callable::RebuildParameter;
    else if (!StorageDtype(module, name, kStorages, &values_[v].dtype))
      // Not a FormatError: this message names the file itself and must not be prefixed again.
      throw std::runtime_error("refusing to unpickle global " + Quote(full) + " in " + file_ + ": only state dicts are supported");
    values_[v].i = static_cast<int64_t>(c);
    Push(v);
  }
  template <size_t N>
  static bool StorageDtype(const std::string& module, const std::string& name,
                           const std::pair<const char*, at::ScalarType> (&table)[N], at::ScalarType* out) {
    if (module != "torch") return false;
    for (const auto& [n, t] : table)
      if (name == n) return *out = t, true;
    return false;
  }

  void Reduce(uint32_t callable, uint32_t args_ref) {
    // Copies, not references: pushing a result grows the arena.
    Value f = Expect(callable, Kind::Global, "a callable for REDUCE");
    std::vector<uint32_t> args = Expect(args_ref, Kind::Tuple, "an argument tuple for REDUCE").items;
    switch (static_cast<Callable>(f.i)) {
      case Callable::OrderedDict:
        if (!args.empty()) Fail("OrderedDict with arguments");
        PushNew(Kind::Dict);
        return;
      case Callable::RebuildTensorV2:
      case Callable::RebuildTensor:
        Push(RebuildTensor(args));
        return;
      case Callable::RebuildParameter:  // (data, requires_grad, hooks[, state]): the data is the tensor
        if (args.empty()) Fail("_rebuild_parameter without arguments");
        Expect(args[0], Kind::Tensor, "a tensor for _rebuild_parameter");
        Push(args[0]);
        return;
      case Callable::StorageType:
        Fail("storage type " + Quote(f.s) + " called as a function");
    }
  }

  std::vector<int64_t> Ints(uint32_t tuple, const char* what) {
    std::vector<int64_t> out;
    for (uint32_t item : Expect(tuple, Kind::Tuple, what).items) out.push_back(Expect(item, Kind::Int, what).i);
    return out;
  }

  // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
  uint32_t RebuildTensor(const std::vector<uint32_t>& args) {
    if (args.size() < 4) Fail("_rebuild_tensor with " + std::to_string(args.size()) + " arguments");
    TensorSpec spec;
    spec.storage = static_cast<uint32_t>(Expect(args[0], Kind::Storage, "a storage for _rebuild_tensor").i);
    spec.offset = Expect(args[1], Kind::Int, "an integer storage offset").i;
    spec.size = Ints(args[2], "a tuple of integer sizes");
    spec.stride = Ints(args[3], "a tuple of integer strides");
    if (spec.size.size() != spec.stride.size()) Fail("size and stride differ in length");
    uint32_t v = New(Kind::Tensor);
    values_[v].i = static_cast<int64_t>(result_.tensors.size());
    result_.tensors.push_back(std::move(spec));
    return v;
  }

  // pid = ('storage', StorageType, key, location, numel); one storage per key, however many views.
  uint32_t PersistentLoad(uint32_t pid) {
    const std::vector<uint32_t> f = Expect(pid, Kind::Tuple, "a persistent id tuple").items;
    if (f.size() != 5 || values_[f[0]].kind != Kind::Str || values_[f[0]].s != "storage") Fail("unsupported persistent id");
    const Value& type = Expect(f[1], Kind::Global, "a storage type in the persistent id");
    if (static_cast<Callable>(type.i) != Callable::StorageType) Fail(Quote(type.s) + " is not a storage type");
    StorageRef ref{Expect(f[2], Kind::Str, "a storage key").s, type.dtype, Expect(f[4], Kind::Int, "a storage size").i};
    auto [it, fresh] = storage_index_.emplace(ref.key, static_cast<uint32_t>(result_.storages.size()));
    if (fresh) {
      result_.storages.push_back(ref);
    } else {
      const StorageRef& old = result_.storages[it->second];
      if (old.dtype != ref.dtype || old.numel != ref.numel) Fail("storage " + Quote(ref.key) + " is referenced with two different types or sizes");
    }
    uint32_t v = New(Kind::Storage);
    values_[v].i = it->second;
    return v;
  }

  // BUILD sets attributes: an OrderedDict's _metadata, a parameter's state. Neither matters here.
  void Build() {
    Pop();
    Kind kind = values_[Top()].kind;
    if (kind != Kind::Dict && kind != Kind::Tensor) Fail("BUILD on something that is not a dict or tensor");
  }

  Unpickled Finish(uint32_t top) {
    const Value& dict = Expect(top, Kind::Dict, "a dict of tensors at the top level (not a state dict)");
    std::unordered_map<std::string, size_t> position;
    for (size_t i = 0; i + 1 < dict.items.size(); i += 2) {
      const std::string& key = Expect(dict.items[i], Kind::Str, "string keys in the state dict").s;
      const Value& value = values_[dict.items[i + 1]];
      if (value.kind != Kind::Tensor) throw FormatError("data.pkl: entry " + Quote(key) + " is not a tensor");
      auto [it, fresh] = position.emplace(key, result_.entries.size());
      if (fresh) result_.entries.emplace_back(key, static_cast<uint32_t>(value.i));
      else result_.entries[it->second].second = static_cast<uint32_t>(value.i);  // a later SETITEM wins, as in Python
    }
    return std::move(result_);
  }

  const uint8_t* p_;
  const uint8_t* op_start_;  // where the current opcode began: errors point at it
  const uint8_t* begin_;
  const uint8_t* end_;
  std::string file_;
  std::vector<Value> values_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, uint32_t> memo_;
  std::unordered_map<std::string, uint32_t> storage_index_;
  Unpickled result_;
};

}  // namespace io
}  // namespace peft

// Generation caches owned by JS, and their row operations (see cache.h).
#include "cache.h"

namespace peft {
namespace {

void CheckIdle(const CachePtr& cache, const char* operation) {
  if (cache->steps_in_flight > 0)
    throw BusyError(std::string("generation cache is busy: a step is in flight on it; await it before ") + operation);
}

// generationCache() -> an empty cache, freed with its handle.
Napi::Value CreateCache(const Napi::CallbackInfo& info) {
  return Napi::External<CachePtr>::New(info.Env(), new CachePtr(std::make_shared<CacheHandle>()),
                                       [](Napi::Env, CachePtr* cache) { delete cache; });
}

// generationCacheShape(cache) -> [rows, length]
Napi::Value CacheShape(const Napi::CallbackInfo& info) {
  const KVCache& c = ToCache(info[0])->cache;
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  int64_t rows = c.keys.empty() || !c.keys[0].defined() ? 0 : c.keys[0].size(0);
  out.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(rows)));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(c.length())));
  return out;
}

// generationCacheSelect(cache, rows, dropLeft): keeps the given rows, in that order, and drops
// the first dropLeft time steps (columns that are padding in every kept row). In place.
Napi::Value CacheSelect(const Napi::CallbackInfo& info) {
  CachePtr handle = ToCache(info[0]);
  CheckIdle(handle, "selecting cache rows");
  std::vector<int64_t> rows = ToIntList(info[1], "rows");
  int64_t drop = ToInt(info[2], "dropLeft");
  KVCache& c = handle->cache;
  int64_t length = c.length();
  TORCH_CHECK(drop >= 0 && drop <= length, "dropLeft must be in [0, ", length, "], got ", drop);
  if (length == 0) return info.Env().Undefined();
  at::Tensor index = at::tensor(rows, at::kLong).to(c.keys[0].device());
  for (auto* list : {&c.keys, &c.values})
    for (auto& t : *list) t = t.index_select(0, index).narrow(2, drop, length - drop).contiguous();
  return info.Env().Undefined();
}

// [B, H, T, D] -> [B, H, length, D], zeros on the left (masked out by the caller).
at::Tensor PadLeft(const at::Tensor& t, int64_t length) {
  int64_t missing = length - t.size(2);
  if (missing == 0) return t;
  return at::cat({at::zeros({t.size(0), t.size(1), missing, t.size(3)}, t.options()), t}, 2);
}

// generationCacheAppend(cache, other): appends other's rows below cache's, left-padding the
// shorter one in time. In place on cache; other is unchanged.
Napi::Value CacheAppend(const Napi::CallbackInfo& info) {
  CachePtr into = ToCache(info[0]);
  CachePtr from = ToCache(info[1]);
  CheckIdle(into, "appending cache rows");
  CheckIdle(from, "appending cache rows");
  KVCache& a = into->cache;
  const KVCache& b = from->cache;
  if (b.length() == 0) return info.Env().Undefined();
  if (a.length() == 0) {
    a.keys = b.keys, a.values = b.values;
    return info.Env().Undefined();
  }
  TORCH_CHECK(a.keys.size() == b.keys.size(), "caches from different models: ", a.keys.size(), " and ", b.keys.size(), " layers");
  int64_t length = std::max(a.length(), b.length());
  for (size_t i = 0; i < a.keys.size(); ++i) {
    a.keys[i] = at::cat({PadLeft(a.keys[i], length), PadLeft(b.keys[i], length)}, 0);
    a.values[i] = at::cat({PadLeft(a.values[i], length), PadLeft(b.values[i], length)}, 0);
  }
  return info.Env().Undefined();
}

}  // namespace

CachePtr ToCache(const Napi::Value& value) {
  if (!value.IsExternal()) throw TorchError(value.Env(), "expected a generation cache");
  return *value.As<Napi::External<CachePtr>>().Data();
}

Lease HoldCache(const CachePtr& cache) {
  cache->steps_in_flight++;
  // The lease is dropped on the JS thread (PromiseWorker), as the count is read there.
  return Lease(cache.get(), [cache](void*) { cache->steps_in_flight--; });
}

void RegisterCache(Napi::Env env, Napi::Object e) {
  Export<CreateCache>(env, e, "generationCache");
  Export<CacheShape>(env, e, "generationCacheShape");
  Export<CacheSelect>(env, e, "generationCacheSelect");
  Export<CacheAppend>(env, e, "generationCacheAppend");
}

}  // namespace peft

// A generation's key/value cache as JS holds it, and the row operations a continuous-batching
// scheduler needs (lib/serve/batch.ts): rows leave when they finish, new rows join at another
// length. Rows are left-padded in the time dimension; the attention mask (kept in JS) hides the
// padding, and OPT's positions count only attended tokens, so padding changes no row's result.
#pragma once

#include <memory>

#include "../busy.h"
#include "../common.h"
#include "opt.h"

namespace peft {

// The cache and the count of generation steps queued on it (touched on the JS thread only).
struct CacheHandle {
  KVCache cache;
  int steps_in_flight = 0;
};
using CachePtr = std::shared_ptr<CacheHandle>;

CachePtr ToCache(const Napi::Value& value);
// Held by a queued generation step: row operations fail with BusyError until it has settled.
Lease HoldCache(const CachePtr& cache);
void RegisterCache(Napi::Env env, Napi::Object exports);

}  // namespace peft

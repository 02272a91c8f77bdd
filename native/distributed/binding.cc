// JS entry points of the process group (init, destroy, rank and size) and of data-parallel
// training (the gradient handle, the parameter broadcast). Options arrive validated by
// lib/distributed; the collectives are in collectives.cc.
#include "binding.h"

#include "../async.h"

namespace peft {
namespace {

GroupSpec ToSpec(const Napi::Object& o) {
  GroupSpec s;
  s.backend = o.Get("backend").As<Napi::String>().Utf8Value();
  s.method = o.Get("method").As<Napi::String>().Utf8Value();
  if (o.Get("host").IsString()) s.host = o.Get("host").As<Napi::String>().Utf8Value();
  if (o.Get("port").IsNumber()) s.port = static_cast<int>(ToInt(o.Get("port"), "port"));
  if (o.Get("path").IsString()) s.path = o.Get("path").As<Napi::String>().Utf8Value();
  s.rank = static_cast<int>(ToInt(o.Get("rank"), "rank"));
  s.size = static_cast<int>(ToInt(o.Get("worldSize"), "worldSize"));
  s.timeout = std::chrono::milliseconds(ToInt(o.Get("timeoutMs"), "timeoutMs"));
  s.gloo_interfaces = ToStringList(o.Get("glooInterfaces"), "glooInterfaces");
  if (o.Get("glooHostname").IsString()) s.gloo_hostname = o.Get("glooHostname").As<Napi::String>().Utf8Value();
  return s;
}

// distInitAsync(spec) -> resolves once every rank has joined (the rendezvous blocks a worker)
Napi::Value Init(const Napi::CallbackInfo& info) {
  TORCH_CHECK(!CurrentGroupOrNull(), "the process group is already initialised: call destroyProcessGroup() first");
  GroupSpec spec = ToSpec(info[0].As<Napi::Object>());
  return PromiseWorker<bool>::Start(
      info.Env(), "node-peft:init-process-group",
      [spec]() {
        TORCH_CHECK(!CurrentGroupOrNull(), "the process group is already initialised: call destroyProcessGroup() first");
        SetCurrentGroup(CreateGroup(spec));
        return true;
      },
      [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
}

// distDestroy(): stops the beacon, closes the backend and the store
Napi::Value Destroy(const Napi::CallbackInfo& info) {
  SetCurrentGroup(nullptr);
  return info.Env().Undefined();
}

// distInfo() -> {rank, worldSize, backend} or null
Napi::Value Info(const Napi::CallbackInfo& info) {
  GroupPtr g = CurrentGroupOrNull();
  if (!g) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("rank", g->rank());
  o.Set("worldSize", g->size());
  o.Set("backend", g->spec.backend);
  return o;
}

// distBackends() -> the backends this build has
Napi::Value Backends(const Napi::CallbackInfo& info) {
  Napi::Array a = Napi::Array::New(info.Env());
#ifdef USE_C10D_GLOO
  a.Set(a.Length(), "gloo");
#endif
#ifdef NODE_PEFT_NCCL
  a.Set(a.Length(), "nccl");
#endif
  return a;
}

// gradSyncCreate(params, bucketCapBytes, firstBucketCapBytes) -> handle
Napi::Value GradSyncCreate(const Napi::CallbackInfo& info) {
  GradSyncPtr sync = GradSync::Create(CurrentGroup(), ToTensorList(info[0]), ToInt(info[1], "bucketCapBytes"), ToInt(info[2], "firstBucketCapBytes"));
  return Napi::External<GradSyncPtr>::New(info.Env(), new GradSyncPtr(std::move(sync)), [](Napi::Env, GradSyncPtr* h) { delete h; });
}

// gradSyncDispose(handle): removes the hooks now (a step in flight keeps its own reference)
Napi::Value GradSyncDispose(const Napi::CallbackInfo& info) {
  if (info[0].IsExternal()) info[0].As<Napi::External<GradSyncPtr>>().Data()->reset();
  return info.Env().Undefined();
}

// gradSyncInfo(handle) -> {bytesPerSync, buckets}
Napi::Value GradSyncInfo(const Napi::CallbackInfo& info) {
  GradSyncPtr s = GradSyncFromJs(info[0]);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("bytesPerSync", static_cast<double>(s->BytesPerSync()));
  o.Set("buckets", static_cast<double>(s->NumBuckets()));
  return o;
}

// distBroadcastTensorsAsync(tensors, src): rank src's values everywhere, coalesced
Napi::Value BroadcastTensors(const Napi::CallbackInfo& info) {
  GroupPtr g = CurrentGroup();
  std::vector<at::Tensor> tensors = ToTensorList(info[0]);
  int src = static_cast<int>(ToInt(info[1], "src"));
  return PromiseWorker<bool>::Start(
      info.Env(), "node-peft:broadcast-tensors", [g, tensors, src]() { BroadcastCoalesced(*g, tensors, src); return true; },
      [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
}

}  // namespace

GradSyncPtr GradSyncFromJs(const Napi::Value& v) {
  if (!v.IsExternal()) throw TorchError(v.Env(), "expected a gradient-sync handle");
  GradSyncPtr s = *v.As<Napi::External<GradSyncPtr>>().Data();
  if (!s) throw TorchError(v.Env(), "the data-parallel gradient sync was disposed");
  return s;
}

void RegisterDistributed(Napi::Env env, Napi::Object e) {
  Export<Init>(env, e, "distInitAsync");
  Export<Destroy>(env, e, "distDestroy");
  Export<Info>(env, e, "distInfo");
  Export<Backends>(env, e, "distBackends");
  Export<GradSyncCreate>(env, e, "gradSyncCreate");
  Export<GradSyncDispose>(env, e, "gradSyncDispose");
  Export<GradSyncInfo>(env, e, "gradSyncInfo");
  Export<BroadcastTensors>(env, e, "distBroadcastTensorsAsync");
  RegisterCollectives(env, e);
}

}  // namespace peft

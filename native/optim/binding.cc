// JS entry points for optimizers, learning-rate schedulers and gradient clipping. Options arrive
// validated and defaulted by lib/optim/*.ts; optimizer and scheduler handles are Externals that
// JS owns (freed with their handle).
#include <cmath>

#include "binding.h"

#include "../async.h"

namespace peft {
namespace {

template <typename T>
Napi::Value Own(Napi::Env env, std::shared_ptr<T> p) {
  return Napi::External<std::shared_ptr<T>>::New(env, new std::shared_ptr<T>(std::move(p)),
                                                 [](Napi::Env, std::shared_ptr<T>* h) { delete h; });
}

template <typename T>
std::shared_ptr<T> Handle(const Napi::Value& v, const char* what) {
  if (!v.IsExternal()) throw TorchError(v.Env(), std::string("expected ") + what + " handle");
  return *v.As<Napi::External<std::shared_ptr<T>>>().Data();
}

double Num(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

ParamGroup ToGroup(const Napi::Object& o) {
  ParamGroup g;
  g.names = ToStringList(o.Get("names"), "names");
  g.params = ToTensorList(o.Get("params"));
  g.lr = Num(o, "lr", g.lr);
  g.weight_decay = Num(o, "weightDecay", g.weight_decay);
  g.beta1 = Num(o, "beta1", g.beta1);
  g.beta2 = Num(o, "beta2", g.beta2);
  g.eps = Num(o, "eps", g.eps);
  g.amsgrad = ToBool(o.Get("amsgrad"), false);
  g.momentum = Num(o, "momentum", g.momentum);
  g.dampening = Num(o, "dampening", g.dampening);
  g.nesterov = ToBool(o.Get("nesterov"), false);
  g.maximize = ToBool(o.Get("maximize"), false);
  return g;
}

OptimizerPtr ToOptimizer(const Napi::Value& v) { return Handle<Optimizer>(v, "an optimizer"); }

// optimizerCreate(kind, groups[]) -> handle
Napi::Value Create(const Napi::CallbackInfo& info) {
  std::string kind = info[0].As<Napi::String>().Utf8Value();
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<ParamGroup> groups;
  for (uint32_t i = 0; i < list.Length(); ++i) groups.push_back(ToGroup(list.Get(i).As<Napi::Object>()));
  return Own(info.Env(), MakeOptimizer(kind, std::move(groups)));
}

// The gradient work in flight (busy.h) writes what a step reads, or reads what it writes.
Napi::Value Step(const Napi::CallbackInfo& info) {
  CheckGradientsIdle("optimizer.step()");
  ToOptimizer(info[0])->Step();
  return info.Env().Undefined();
}

Napi::Value StepAsync(const Napi::CallbackInfo& info) {
  OptimizerPtr opt = ToOptimizer(info[0]);
  CheckGradientsIdle("optimizer.stepAsync()");
  return PromiseWorker<bool>::Start(
      info.Env(), "node-peft:optimizer-step", [opt]() { opt->Step(); return true; },
      [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); }, HoldGradients(GradientWork::kUpdate));
}

// optimizerDispose(opt): frees the state and lets go of the parameters now, not at GC.
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  OptimizerPtr opt = ToOptimizer(info[0]);
  CheckNoUpdate("optimizer.dispose()");  // an update in flight iterates the state
  opt->state().clear();
  opt->groups().clear();
  return info.Env().Undefined();
}

Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
  CheckGradientsIdle("optimizer.zeroGrad()");
  ToOptimizer(info[0])->ZeroGrad(ToBool(info[1], true));
  return info.Env().Undefined();
}

// optimizerGetLr(opt) -> lr of each group
Napi::Value GetLr(const Napi::CallbackInfo& info) {
  auto& groups = ToOptimizer(info[0])->groups();
  Napi::Array out = Napi::Array::New(info.Env(), groups.size());
  for (size_t i = 0; i < groups.size(); ++i) out.Set(static_cast<uint32_t>(i), groups[i].lr);
  return out;
}

// optimizerSetLr(opt, group, lr)
Napi::Value SetLr(const Napi::CallbackInfo& info) {
  CheckNoUpdate("setting a learning rate");
  auto& groups = ToOptimizer(info[0])->groups();
  int64_t i = ToInt(info[1], "group");
  if (i < 0 || i >= static_cast<int64_t>(groups.size())) throw TorchError(info.Env(), "no parameter group " + std::to_string(i));
  groups[i].lr = info[2].As<Napi::Number>().DoubleValue();
  return info.Env().Undefined();
}

// optimizerState(opt) -> {keys, tensors}: "<param name>.<buffer>" and "<param name>.step"
Napi::Value State(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OptimizerPtr opt = ToOptimizer(info[0]);
  CheckNoUpdate("optimizer.stateDict()");
  Napi::Array keys = Napi::Array::New(env), tensors = Napi::Array::New(env);
  auto add = [&](const std::string& key, const at::Tensor& t) {
    uint32_t i = keys.Length();
    keys.Set(i, key);
    tensors.Set(i, FromTensor(env, t));
  };
  for (auto& [name, state] : opt->state()) {
    // PyTorch keeps `step` as a float32 scalar tensor; so does the saved state.
    if (opt->keeps_step()) add(name + ".step", at::full({}, static_cast<double>(state.step), at::kFloat));
    for (auto& [buffer, t] : state.buffers) add(name + "." + buffer, t);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("keys", keys);
  out.Set("tensors", tensors);
  return out;
}

const at::Tensor* FindParam(Optimizer& opt, const std::string& name) {
  for (auto& g : opt.groups())
    for (size_t i = 0; i < g.names.size(); ++i)
      if (g.names[i] == name) return &g.params[i];
  return nullptr;
}

// optimizerLoadState(opt, keys, tensors): replaces the state; buffers are copied to each
// parameter's device and dtype, and their shapes must match the parameter's.
Napi::Value LoadState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OptimizerPtr opt = ToOptimizer(info[0]);
  CheckNoUpdate("optimizer.loadStateDict()");
  std::vector<std::string> keys = ToStringList(info[1], "keys");
  std::vector<at::Tensor> tensors = ToTensorList(info[2]);
  std::map<std::string, ParamState> loaded;
  for (size_t i = 0; i < keys.size(); ++i) {
    size_t dot = keys[i].rfind('.');
    std::string name = keys[i].substr(0, dot == std::string::npos ? 0 : dot), field = keys[i].substr(dot + 1);
    const at::Tensor* p = dot == std::string::npos ? nullptr : FindParam(*opt, name);
    if (!p) throw TorchError(env, "optimizer state key '" + keys[i] + "' names no parameter of this optimizer");
    if (field == "step") {
      loaded[name].step = static_cast<int64_t>(tensors[i].item<double>());
      continue;
    }
    if (tensors[i].sizes() != p->sizes())
      throw TorchError(env, "optimizer state '" + keys[i] + "' has shape " + c10::str(tensors[i].sizes()) + " but the parameter has " + c10::str(p->sizes()));
    loaded[name].buffers[field] = tensors[i].to(p->options().requires_grad(false), /*non_blocking=*/false, /*copy=*/true);
  }
  opt->state() = std::move(loaded);
  return env.Undefined();
}

ScheduleSpec ToSpec(const Napi::Object& o) {
  ScheduleSpec s;
  s.type = o.Get("type").As<Napi::String>().Utf8Value();
  s.warmup_steps = static_cast<int64_t>(Num(o, "warmupSteps", 0));
  s.training_steps = static_cast<int64_t>(Num(o, "trainingSteps", 0));
  s.num_cycles = Num(o, "numCycles", -1);
  s.power = Num(o, "power", 1.0);
  s.lr_end = Num(o, "lrEnd", 1e-7);
  s.lr_init = Num(o, "lrInit", 0);
  s.timescale = static_cast<int64_t>(Num(o, "timescale", 0));
  return s;
}

SchedulerPtr ToScheduler(const Napi::Value& v) { return Handle<LRScheduler>(v, "a scheduler"); }

Napi::Value SchedulerCreate(const Napi::CallbackInfo& info) {
  return Own(info.Env(), std::make_shared<LRScheduler>(ToOptimizer(info[0]), ToSpec(info[1].As<Napi::Object>())));
}

Napi::Value SchedulerStep(const Napi::CallbackInfo& info) {
  CheckNoUpdate("scheduler.step()");
  ToScheduler(info[0])->Step();
  return info.Env().Undefined();
}

// schedulerState(s) -> {lastEpoch, baseLrs, lastLr}
Napi::Value SchedulerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SchedulerPtr s = ToScheduler(info[0]);
  auto numbers = [&](const std::vector<double>& v) {
    Napi::Array a = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), v[i]);
    return a;
  };
  Napi::Object out = Napi::Object::New(env);
  out.Set("lastEpoch", static_cast<double>(s->last_epoch()));
  out.Set("baseLrs", numbers(s->base_lrs()));
  out.Set("lastLr", numbers(s->LastLr()));
  return out;
}

// schedulerLoad(s, baseLrs, lastEpoch)
Napi::Value SchedulerLoad(const Napi::CallbackInfo& info) {
  Napi::Array a = info[1].As<Napi::Array>();
  std::vector<double> base;
  for (uint32_t i = 0; i < a.Length(); ++i) base.push_back(a.Get(i).As<Napi::Number>().DoubleValue());
  CheckNoUpdate("scheduler.loadStateDict()");
  ToScheduler(info[0])->Load(std::move(base), ToInt(info[2], "lastEpoch"));
  return info.Env().Undefined();
}

// scheduleFactor(spec, step) -> the lr multiplier (pure; for plots and tests)
Napi::Value Factor(const Napi::CallbackInfo& info) {
  ScheduleSpec spec = ToSpec(info[0].As<Napi::Object>());
  CheckSchedule(spec);
  return Napi::Number::New(info.Env(), ScheduleFactor(spec, ToInt(info[1], "step")));
}

// clipGradNorm(params, maxNorm, normType, errorIfNonfinite) -> total norm (a tensor)
Napi::Value Clip(const Napi::CallbackInfo& info) {
  double norm_type = info[2].As<Napi::Number>().DoubleValue();
  CheckGradientsIdle("clipGradNorm()");
  return FromTensor(info.Env(), ClipGradNorm(ToTensorList(info[0]), info[1].As<Napi::Number>().DoubleValue(), norm_type, ToBool(info[3], false)));
}

}  // namespace

OptimizerPtr OptimizerFromJs(const Napi::Value& v) { return ToOptimizer(v); }
SchedulerPtr SchedulerFromJs(const Napi::Value& v) { return ToScheduler(v); }

void RegisterOptim(Napi::Env env, Napi::Object e) {
  Export<Create>(env, e, "optimizerCreate");
  Export<Step>(env, e, "optimizerStep");
  Export<StepAsync>(env, e, "optimizerStepAsync");
  Export<ZeroGrad>(env, e, "optimizerZeroGrad");
  Export<Dispose>(env, e, "optimizerDispose");
  Export<GetLr>(env, e, "optimizerGetLr");
  Export<SetLr>(env, e, "optimizerSetLr");
  Export<State>(env, e, "optimizerState");
  Export<LoadState>(env, e, "optimizerLoadState");
  Export<SchedulerCreate>(env, e, "schedulerCreate");
  Export<SchedulerStep>(env, e, "schedulerStep");
  Export<SchedulerState>(env, e, "schedulerState");
  Export<SchedulerLoad>(env, e, "schedulerLoad");
  Export<Factor>(env, e, "scheduleFactor");
  Export<Clip>(env, e, "clipGradNorm");
}

}  // namespace peft

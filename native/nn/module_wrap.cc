// Module tree access from JS: names, parameters, repr, train/eval, freezing, and filling
// parameters from a checkpoint with shape checks.
#include "module_wrap.h"

#include <set>

#include "layers.h"

namespace peft {

void AddonModule::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "AddonModule", {});
  Data(env).moduleCtor = Napi::Persistent(ctor);
  exports.Set("AddonModule", ctor);
}

Napi::Object AddonModule::Wrap(Napi::Env env, ModulePtr module) {
  Napi::Object obj = Data(env).moduleCtor.New({});
  Unwrap(obj)->module = std::move(module);
  return obj;
}

ModulePtr ToModule(const Napi::Value& value) {
  Napi::Env env = value.Env();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(Data(env).moduleCtor.Value()))
    throw TorchError(env, "expected a module handle");
  ModulePtr m = AddonModule::Unwrap(value.As<Napi::Object>())->module;
  if (!m) throw TorchError(env, "module has been disposed");
  return m;
}

namespace {

Napi::Array NamedTensorsToJs(Napi::Env env, const NamedTensors& list) {
  Napi::Array out = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, list[i].first);
    pair.Set(1u, FromTensor(env, list[i].second));
    out.Set(static_cast<uint32_t>(i), pair);
  }
  return out;
}

// moduleNamedParameters(m, removeDuplicate = true): tied weights once, or under every name.
Napi::Value NamedParameters(const Napi::CallbackInfo& info) {
  return NamedTensorsToJs(info.Env(), ToModule(info[0])->NamedParameters(ToBool(info[1], true)));
}

Napi::Value ChildNames(const Napi::CallbackInfo& info) {
  const auto& children = ToModule(info[0])->children();
  Napi::Array out = Napi::Array::New(info.Env(), children.size());
  for (size_t i = 0; i < children.size(); ++i) out.Set(static_cast<uint32_t>(i), children[i].first);
  return out;
}

Napi::Value NamedBuffers(const Napi::CallbackInfo& info) {
  return NamedTensorsToJs(info.Env(), ToModule(info[0])->NamedBuffers());
}

// [[name, type], ...] for the module and every descendant, in registration order.
Napi::Value NamedModules(const Napi::CallbackInfo& info) {
  ModulePtr root = ToModule(info[0]);
  auto list = root->NamedModules(root);
  Napi::Array out = Napi::Array::New(info.Env(), list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    Napi::Array pair = Napi::Array::New(info.Env(), 2);
    pair.Set(0u, list[i].first);
    pair.Set(1u, list[i].second->type());
    out.Set(static_cast<uint32_t>(i), pair);
  }
  return out;
}

Napi::Value GetSubmodule(const Napi::CallbackInfo& info) {
  std::string path = info[1].As<Napi::String>().Utf8Value();
  ModulePtr root = ToModule(info[0]);
  return AddonModule::Wrap(info.Env(), path.empty() ? root : Module::GetSubmodule(root, path));
}

Napi::Value Repr(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ToModule(info[0])->Repr());
}

Napi::Value TypeName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ToModule(info[0])->type());
}

// train()/eval() flips dropout, which a forward in flight reads layer by layer.
Napi::Value SetTraining(const Napi::CallbackInfo& info) {
  ModulePtr m = ToModule(info[0]);
  m->guard().CheckIdle("train() / eval()");
  m->Train(ToBool(info[1], true));
  return info.Env().Undefined();
}

Napi::Value IsTraining(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ToModule(info[0])->training());
}

// requiresGrad_(module, flag): every parameter of the subtree (freezing for partial fine-tuning).
Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  bool flag = ToBool(info[1], true);
  ModulePtr m = ToModule(info[0]);
  m->guard().CheckIdle("requiresGrad_()");
  for (auto& [name, t] : m->NamedParameters()) t.requires_grad_(flag);
  return info.Env().Undefined();
}

// Which leaf owns each parameter name, so that missing ones get that leaf's init rule.
void Leaves(const ModulePtr& m, const std::string& prefix, std::vector<std::pair<std::string, ModulePtr>>& out) {
  out.emplace_back(prefix, m);
  for (const auto& [name, child] : m->children()) Leaves(child, prefix + name + ".", out);
}

void FillParameter(Napi::Env env, at::Tensor& param, const std::string& key, const at::Tensor& source) {
  if (source.sizes() != param.sizes())
    throw TorchError(env, "size mismatch for " + key + ": copying a param with shape " + c10::str(source.sizes()) +
                              " from checkpoint, the shape in current model is " + c10::str(param.sizes()));
  at::NoGradGuard guard;
  // set_ shares the checkpoint's (possibly memory-mapped) storage without a copy, and keeps
  // tied parameters tied because they are one TensorImpl.
  param.set_(source.to(param.options()).contiguous());
}

// loadParameters(module, {key: tensor}, initStd) -> missing keys (initialised HuggingFace's way)
Napi::Value LoadParameters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("loading weights");
  Napi::Object weights = info[1].As<Napi::Object>();
  double std = info[2].As<Napi::Number>().DoubleValue();
  std::vector<std::pair<std::string, ModulePtr>> leaves;
  Leaves(root, "", leaves);
  std::set<const void*> done;
  Napi::Array missing = Napi::Array::New(env);
  for (auto& [prefix, m] : leaves) {
    for (auto& [name, param] : const_cast<NamedTensors&>(m->params())) {
      const void* impl = param.unsafeGetTensorImpl();
      if (!done.insert(impl).second) continue;  // a tied parameter, filled under its first name
      std::string key = prefix + name;
      if (weights.Has(key)) {
        FillParameter(env, param, key, ToTensor(weights.Get(key), key.c_str()));
      } else if (auto* leaf = dynamic_cast<InitModule*>(m.get())) {
        leaf->Init(name, std);
        missing.Set(missing.Length(), key);
      } else {
        at::NoGradGuard guard;  // parameters of containers (e.g. cls.predictions.bias) start at zero
        param.zero_();
        missing.Set(missing.Length(), key);
      }
    }
  }
  for (auto& [prefix, m] : leaves)
    for (auto& [name, buffer] : m->buffers())
      if (weights.Has(prefix + name)) FillParameter(env, buffer, prefix + name, ToTensor(weights.Get(prefix + name)));
  return missing;
}

Napi::Value IsIdle(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ToModule(info[0])->guard().IsIdle());
}

// moduleCheckIdle(m, operation): for changes made from JS (copying weights into parameters).
Napi::Value CheckIdle(const Napi::CallbackInfo& info) {
  ToModule(info[0])->guard().CheckIdle(info[1].As<Napi::String>().Utf8Value());
  return info.Env().Undefined();
}

// moduleHold(m, operation) -> lease: a shared hold across several async calls (a whole
// generate()), dropped by moduleRelease or, failing that, when the lease is collected.
Napi::Value Hold(const Napi::CallbackInfo& info) {
  Lease lease = ToModule(info[0])->guard().Hold(ModelWork::kGenerate, info[1].As<Napi::String>().Utf8Value());
  return Napi::External<Lease>::New(info.Env(), new Lease(std::move(lease)), [](Napi::Env, Lease* l) { delete l; });
}

Napi::Value Release(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw TorchError(info.Env(), "expected a module lease");
  info[0].As<Napi::External<Lease>>().Data()->reset();
  return info.Env().Undefined();
}

}  // namespace

void RegisterModules(Napi::Env env, Napi::Object e) {
  AddonModule::Init(env, e);
  Export<NamedParameters>(env, e, "moduleNamedParameters");
  Export<NamedBuffers>(env, e, "moduleNamedBuffers");
  Export<ChildNames>(env, e, "moduleChildNames");
  Export<NamedModules>(env, e, "moduleNamedModules");
  Export<GetSubmodule>(env, e, "moduleGetSubmodule");
  Export<Repr>(env, e, "moduleRepr");
  Export<TypeName>(env, e, "moduleType");
  Export<SetTraining>(env, e, "moduleTrain");
  Export<IsTraining>(env, e, "moduleIsTraining");
  Export<SetRequiresGrad>(env, e, "moduleRequiresGrad");
  Export<LoadParameters>(env, e, "moduleLoadParameters");
  Export<CheckIdle>(env, e, "moduleCheckIdle");
  Export<IsIdle>(env, e, "moduleIsIdle");
  Export<Hold>(env, e, "moduleHold");
  Export<Release>(env, e, "moduleRelease");
}

}  // namespace peft

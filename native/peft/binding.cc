// JS entry points for PEFT: inject LoRA layers and modules_to_save wrappers by module path,
// switch, merge, unmerge, unload and delete adapters across a model.
#include <set>

#include "../nn/module_wrap.h"
#include "lora.h"
#include "weighted_adapter.h"

namespace peft {
namespace {

// (parent module, child name) of a dotted path.
std::pair<ModulePtr, std::string> ParentOf(const ModulePtr& root, const std::string& path) {
  size_t dot = path.rfind('.');
  if (dot == std::string::npos) return {root, path};
  return {Module::GetSubmodule(root, path.substr(0, dot)), path.substr(dot + 1)};
}

LoraSettings ToSettings(const Napi::Object& o) {
  LoraSettings s;
  s.r = ToInt(o.Get("r"), "r");
  s.alpha = o.Get("alpha").As<Napi::Number>().DoubleValue();
  s.dropout = o.Get("dropout").As<Napi::Number>().DoubleValue();
  s.use_rslora = ToBool(o.Get("useRslora"), false);
  s.init = o.Get("init").As<Napi::String>().Utf8Value();
  s.fan_in_fan_out = ToBool(o.Get("fanInFanOut"), false);
  return s;
}

// loraInject(model, path, adapter, settings): wraps the Linear at path, or adds an adapter to it.
Napi::Value Inject(const Napi::CallbackInfo& info) {
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("addAdapter()");
  std::string path = info[1].As<Napi::String>().Utf8Value();
  std::string adapter = info[2].As<Napi::String>().Utf8Value();
  LoraSettings settings = ToSettings(info[3].As<Napi::Object>());
  auto [parent, name] = ParentOf(root, path);
  ModulePtr target = Module::GetSubmodule(root, path);
  if (auto lora = std::dynamic_pointer_cast<LoraLinear>(target)) {
    lora->AddAdapter(adapter, settings);
  } else if (auto linear = std::dynamic_pointer_cast<Linear>(target)) {
    auto wrapped = std::make_shared<LoraLinear>(linear);
    wrapped->Train(linear->training());
    wrapped->AddAdapter(adapter, settings);
    parent->ReplaceChild(name, wrapped);
  } else {
    throw TorchError(info.Env(), "Target module " + path + " (" + target->type() + ") is not supported: LoRA applies to Linear layers");
  }
  return info.Env().Undefined();
}

// modulesToSave(model, path, adapter): a trainable copy of the module at path for the adapter.
Napi::Value WrapToSave(const Napi::CallbackInfo& info) {
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("addAdapter() (modules_to_save)");
  std::string path = info[1].As<Napi::String>().Utf8Value();
  auto [parent, name] = ParentOf(root, path);
  ModulePtr target = Module::GetSubmodule(root, path);
  auto wrapper = std::dynamic_pointer_cast<ModulesToSaveWrapper>(target);
  if (!wrapper) {
    wrapper = std::make_shared<ModulesToSaveWrapper>(target);
    parent->ReplaceChild(name, wrapper);
  }
  wrapper->AddAdapter(info[2].As<Napi::String>().Utf8Value());
  return info.Env().Undefined();
}

template <typename Fn>
void ForEachPeftModule(const ModulePtr& root, Fn fn) {
  for (auto& [path, m] : root->NamedModules(root)) {
    if (auto lora = std::dynamic_pointer_cast<LoraLinear>(m)) fn(path, lora.get(), nullptr);
    else if (auto wrapper = std::dynamic_pointer_cast<ModulesToSaveWrapper>(m)) fn(path, nullptr, wrapper.get());
  }
}

Napi::Value SetActive(const Napi::CallbackInfo& info) {
  std::vector<std::string> names = ToStringList(info[1], "adapters");
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("setAdapter()");
  ForEachPeftModule(root, [&](const std::string&, LoraLinear* l, ModulesToSaveWrapper* w) {
    if (l) l->SetActive(names);
    if (w) w->SetActive(names);
  });
  return info.Env().Undefined();
}

Napi::Value SetDisabled(const Napi::CallbackInfo& info) {
  bool disabled = ToBool(info[1], true);
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("disableAdapter()");
  ForEachPeftModule(root, [&](const std::string&, LoraLinear* l, ModulesToSaveWrapper* w) {
    if (l) l->SetDisabled(disabled);
    if (w) w->SetDisabled(disabled);
  });
  return info.Env().Undefined();
}

// loraMerge(model, adapters, safe) -> number of layers merged
Napi::Value Merge(const Napi::CallbackInfo& info) {
  std::vector<std::string> names = ToStringList(info[1], "adapters");
  bool safe = ToBool(info[2], false);
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("merge()");
  int count = 0;
  ForEachPeftModule(root, [&](const std::string&, LoraLinear* l, ModulesToSaveWrapper*) {
    if (l) l->Merge(names, safe), ++count;
  });
  return Napi::Number::New(info.Env(), count);
}

Napi::Value Unmerge(const Napi::CallbackInfo& info) {
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("unmerge()");
  ForEachPeftModule(root, [](const std::string&, LoraLinear* l, ModulesToSaveWrapper*) {
    if (l) l->Unmerge();
  });
  return info.Env().Undefined();
}

// loraUnload(model, merge, adapters): puts plain modules back, merging the adapters first if asked.
Napi::Value Unload(const Napi::CallbackInfo& info) {
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("unload()");
  bool merge = ToBool(info[1], false);
  std::vector<std::string> names = ToStringList(info[2], "adapters");
  std::vector<std::pair<std::string, ModulePtr>> replacements;
  ForEachPeftModule(root, [&](const std::string& path, LoraLinear* l, ModulesToSaveWrapper* w) {
    if (l && merge) l->Merge(names, false);
    replacements.emplace_back(path, l ? ModulePtr(l->base_ptr()) : w->Unwrapped());
  });
  // Innermost first: a LoRA layer inside a wrapped module is still reachable by its path while
  // the wrapper around it is in place.
  for (auto it = replacements.rbegin(); it != replacements.rend(); ++it) {
    auto [parent, name] = ParentOf(root, it->first);
    parent->ReplaceChild(name, it->second);
  }
  return info.Env().Undefined();
}

Napi::Value DeleteAdapter(const Napi::CallbackInfo& info) {
  std::string name = info[1].As<Napi::String>().Utf8Value();
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("deleteAdapter()");
  ForEachPeftModule(root, [&](const std::string&, LoraLinear* l, ModulesToSaveWrapper* w) {
    if (l && l->HasAdapter(name)) l->DeleteAdapter(name);
    if (w && w->HasAdapter(name)) w->Child("modules_to_save")->RemoveChild(name);
  });
  return info.Env().Undefined();
}

// loraAddWeighted(model, target, adapters, weights, {combinationType, density, majoritySignMethod,
// svdClamp, svdFullMatrices}): fills the injected adapter `target` on every layer holding it.
Napi::Value AddWeighted(const Napi::CallbackInfo& info) {
  ModulePtr root = ToModule(info[0]);
  root->guard().CheckIdle("addWeightedAdapter()");
  std::string target = info[1].As<Napi::String>().Utf8Value();
  std::vector<std::string> adapters = ToStringList(info[2], "adapters");
  Napi::Array list = info[3].As<Napi::Array>();
  std::vector<double> weights;
  for (uint32_t i = 0; i < list.Length(); ++i) weights.push_back(list.Get(i).As<Napi::Number>().DoubleValue());
  Napi::Object o = info[4].As<Napi::Object>();
  WeightedAdapterOptions options;
  options.combination_type = o.Get("combinationType").As<Napi::String>().Utf8Value();
  if (o.Get("density").IsNumber()) options.density = o.Get("density").As<Napi::Number>().DoubleValue();
  options.majority_sign_method = o.Get("majoritySignMethod").As<Napi::String>().Utf8Value();
  if (o.Get("svdClamp").IsNumber()) options.svd_clamp = o.Get("svdClamp").As<Napi::Number>().DoubleValue();
  options.svd_full_matrices = ToBool(o.Get("svdFullMatrices"), true);
  // Module order, as PEFT walks named_modules(): DARE's random draws follow it.
  ForEachPeftModule(root, [&](const std::string& path, LoraLinear* l, ModulesToSaveWrapper*) {
    if (!l || !l->HasAdapter(target)) return;
    try {
      AddWeightedAdapter(*l, target, adapters, weights, options);
    } catch (const c10::Error& e) {
      throw TorchError(info.Env(), path + ": " + e.msg());
    }
  });
  return info.Env().Undefined();
}

// peftAdapterNames(model) -> the adapters any LoRA layer or modules_to_save wrapper holds, sorted
// (what PEFT checks adapter_names against).
Napi::Value AdapterNames(const Napi::CallbackInfo& info) {
  std::set<std::string> names;
  ForEachPeftModule(ToModule(info[0]), [&](const std::string&, LoraLinear* l, ModulesToSaveWrapper* w) {
    if (l) for (const auto& n : l->AdapterNames()) names.insert(n);
    if (w) for (const auto& [n, copy] : w->Child("modules_to_save")->children()) names.insert(n);
  });
  Napi::Array out = Napi::Array::New(info.Env(), names.size());
  uint32_t i = 0;
  for (const auto& n : names) out.Set(i++, n);
  return out;
}

// peftAdapterMemory(model, adapter) -> bytes held by the adapter's own tensors: its LoRA A and B
// of every layer and its modules_to_save copies (parameters and buffers), each storage once.
Napi::Value AdapterMemory(const Napi::CallbackInfo& info) {
  std::string name = info[1].As<Napi::String>().Utf8Value();
  std::set<const void*> seen;
  double bytes = 0;
  auto count = [&](const Module& m) {
    NamedTensors tensors = m.NamedParameters(false), buffers = m.NamedBuffers();
    tensors.insert(tensors.end(), buffers.begin(), buffers.end());
    for (const auto& [n, t] : tensors)
      if (t.defined() && t.has_storage() && seen.insert(t.storage().unsafeGetStorageImpl()).second) bytes += static_cast<double>(t.storage().nbytes());
  };
  ForEachPeftModule(ToModule(info[0]), [&](const std::string&, LoraLinear* l, ModulesToSaveWrapper* w) {
    if (l && l->HasAdapter(name))
      for (const char* dict : {"lora_A", "lora_B", "lora_dropout"}) count(*l->Child(dict)->Child(name));
    if (w && w->HasAdapter(name)) count(*w->Child("modules_to_save")->Child(name));
  });
  return Napi::Number::New(info.Env(), bytes);
}

Napi::Value MergedLayers(const Napi::CallbackInfo& info) {
  int count = 0;
  ForEachPeftModule(ToModule(info[0]), [&](const std::string&, LoraLinear* l, ModulesToSaveWrapper*) {
    if (l && l->merged()) ++count;
  });
  return Napi::Number::New(info.Env(), count);
}

}  // namespace

void RegisterPeft(Napi::Env env, Napi::Object e) {
  Export<Inject>(env, e, "loraInject");
  Export<WrapToSave>(env, e, "modulesToSave");
  Export<SetActive>(env, e, "loraSetActive");
  Export<SetDisabled>(env, e, "loraSetDisabled");
  Export<Merge>(env, e, "loraMerge");
  Export<Unmerge>(env, e, "loraUnmerge");
  Export<Unload>(env, e, "loraUnload");
  Export<DeleteAdapter>(env, e, "loraDeleteAdapter");
  Export<MergedLayers>(env, e, "loraMergedLayers");
  Export<AddWeighted>(env, e, "loraAddWeighted");
  Export<AdapterNames>(env, e, "peftAdapterNames");
  Export<AdapterMemory>(env, e, "peftAdapterMemory");
}

}  // namespace peft

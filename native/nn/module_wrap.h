// The JS handle on a module (sub)tree. A handle keeps its module alive; a parent owns children.
#pragma once

#include "../common.h"
#include "module.h"

namespace peft {

class AddonModule : public Napi::ObjectWrap<AddonModule> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object Wrap(Napi::Env env, ModulePtr module);
  explicit AddonModule(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AddonModule>(info) {}
  ModulePtr module;
};

ModulePtr ToModule(const Napi::Value& value);

}  // namespace peft

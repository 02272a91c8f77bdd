// The data-parallel gradient handle as JS holds it (an External), for the training step.
#pragma once

#include "../common.h"
#include "grad_sync.h"

namespace peft {

GradSyncPtr GradSyncFromJs(const Napi::Value& value);
void RegisterCollectives(Napi::Env env, Napi::Object exports);

}  // namespace peft

// Optimizer and scheduler handles as JS holds them (Externals), for other entry points that take
// them (the training step).
#pragma once

#include "../common.h"
#include "schedule.h"

namespace peft {

OptimizerPtr OptimizerFromJs(const Napi::Value& value);
SchedulerPtr SchedulerFromJs(const Napi::Value& value);

}  // namespace peft

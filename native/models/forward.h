// Running any model: the forward pass with autocast applied on the running thread, and the
// conversions of its inputs and outputs from and to JS. Used by the forward entry points and by
// the training step (native/train).
#pragma once

#include "../common.h"
#include "../nn/module.h"
#include "bert.h"
#include "outputs.h"

namespace peft {

// BERT or OPT, chosen by the model's type; autocast (thread-local) is entered around it.
ModelOutputs RunForward(Module& model, const ModelInputs& in);

// {inputIds, attentionMask?, tokenTypeIds?, labels?, outputHiddenStates?, autocast?}
ModelInputs ToInputs(const Napi::Object& o);
Napi::Value FromOutputs(Napi::Env env, const ModelOutputs& out);

}  // namespace peft

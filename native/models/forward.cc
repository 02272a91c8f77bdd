// Running any model (see forward.h).
#include "forward.h"

#include <ATen/autocast_mode.h>
#include <torch/csrc/api/include/torch/version.h>

#include "../peft/routing.h"
#include "opt.h"

namespace peft {
namespace {

// Mixed precision for one forward, on the thread that runs it (autocast state is thread-local).
class AutocastScope {
 public:
  AutocastScope(c10::optional<at::ScalarType> dtype, bool cuda) : dtype_(dtype), type_(cuda ? at::kCUDA : at::kCPU) {
    if (!dtype_) return;
    previous_ = Enabled();
    previous_dtype_ = Dtype();
    Set(true, *dtype_);
  }
  ~AutocastScope() {
    if (!dtype_) return;
    Set(previous_, previous_dtype_);
    at::autocast::clear_cache();
  }

 private:
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  bool Enabled() const { return at::autocast::is_autocast_enabled(type_); }
  at::ScalarType Dtype() const { return at::autocast::get_autocast_dtype(type_); }
  void Set(bool on, at::ScalarType dtype) const {
    at::autocast::set_autocast_enabled(type_, on);
    at::autocast::set_autocast_dtype(type_, dtype);
  }
#else
  bool Enabled() const { return type_ == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
  at::ScalarType Dtype() const { return type_ == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype(); }
  void Set(bool on, at::ScalarType dtype) const {
    if (type_ == at::kCUDA) {
      at::autocast::set_enabled(on);
      at::autocast::set_autocast_gpu_dtype(dtype);
    } else {
      at::autocast::set_cpu_enabled(on);
      at::autocast::set_autocast_cpu_dtype(dtype);
    }
  }
#endif
  c10::optional<at::ScalarType> dtype_;
  at::DeviceType type_;
  bool previous_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

}  // namespace

ModelInputs ToInputs(const Napi::Object& o) {
  ModelInputs in;
  in.input_ids = ToTensor(o.Get("inputIds"), "inputIds");
  if (auto t = ToOptionalTensor(o.Get("attentionMask"))) in.attention_mask = *t;
  if (auto t = ToOptionalTensor(o.Get("tokenTypeIds"))) in.token_type_ids = *t;
  if (auto t = ToOptionalTensor(o.Get("labels"))) in.labels = *t;
  in.output_hidden_states = ToBool(o.Get("outputHiddenStates"), false);
  in.return_logits = ToBool(o.Get("returnLogits"), true);
  if (o.Get("autocast").IsString()) in.autocast = ToDtype(o.Get("autocast"));
  if (o.Get("adapterNames").IsArray()) in.adapter_names = ToStringList(o.Get("adapterNames"), "adapterNames");
  return in;
}

ModelOutputs RunForward(Module& model, const ModelInputs& in) {
  AutocastScope autocast(in.autocast, in.input_ids.is_cuda());
  RoutingScope routing(in.adapter_names, in.input_ids.dim() > 0 ? in.input_ids.size(0) : 0);
  if (model.type().rfind("Bert", 0) == 0) return BertForward(model, in);
  return OPTForward(model, in);
}

Napi::Value FromOutputs(Napi::Env env, const ModelOutputs& out) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("logits", FromTensor(env, out.logits));  // null when the loss was computed without logits
  o.Set("loss", FromTensor(env, out.loss));
  o.Set("lastHiddenState", FromTensor(env, out.last_hidden_state));
  o.Set("poolerOutput", FromTensor(env, out.pooler_output));
  o.Set("hiddenStates", out.hidden_states.empty() ? env.Null() : FromTensorList(env, out.hidden_states));
  return o;
}

}  // namespace peft

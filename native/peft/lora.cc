#include "lora.h"

#include <algorithm>
#include "routing.h"
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not reached through ATen.h in libtorch 2.x)
#include <c10/util/Exception.h>

#include <cmath>

namespace peft {

namespace {
at::TensorOptions OptionsOf(const Linear& l) { return const_cast<Linear&>(l).Param("weight").options(); }

// kaiming_uniform_(a=sqrt(5)) as nn.Linear and PEFT use: bound = 1 / sqrt(fan_in).
void KaimingUniform(at::Tensor& w) {
  at::NoGradGuard guard;
  double bound = 1.0 / std::sqrt(static_cast<double>(w.size(1)));
  w.uniform_(-bound, bound);
}
}  // namespace

LoraLinear::LoraLinear(std::shared_ptr<Linear> base) : UnaryModule("lora.Linear"), base_(base) {
  JoinTreeOf(*base);
  RegisterModule("base_layer", base);
  RegisterModule("lora_dropout", std::make_shared<ModuleDict>());
  RegisterModule("lora_A", std::make_shared<ModuleDict>());
  RegisterModule("lora_B", std::make_shared<ModuleDict>());
  RegisterModule("lora_embedding_A", std::make_shared<ParameterDict>());
  RegisterModule("lora_embedding_B", std::make_shared<ParameterDict>());
  RegisterModule("lora_magnitude_vector", std::make_shared<ModuleDict>());
}

ModulePtr LoraLinear::CloneWith(CloneMemo& memo) const {
  auto copy = std::static_pointer_cast<LoraLinear>(Module::CloneWith(memo));
  copy->base_ = std::static_pointer_cast<Linear>(copy->Child("base_layer"));
  return copy;
}

void LoraLinear::AddAdapter(const std::string& name, const LoraSettings& s) {
  TORCH_CHECK(s.r > 0, "LoRA rank r must be a positive integer, got ", s.r);
  TORCH_CHECK(!HasAdapter(name), "adapter '", name, "' already exists on this layer");
  fan_in_fan_out_ = s.fan_in_fan_out;
  at::TensorOptions options = OptionsOf(*base_);
  int64_t in = base_->in_features, out = base_->out_features;
  if (fan_in_fan_out_) std::swap(in, out);  // Conv1D-style weights are stored [in, out]
  Child("lora_dropout")->RegisterModule(name, s.dropout > 0 ? ModulePtr(std::make_shared<Dropout>(s.dropout))
                                                            : ModulePtr(std::make_shared<Activation>("identity")));
  auto a = Child("lora_A")->RegisterModule(name, std::make_shared<Linear>(in, s.r, false, options));
  auto b = Child("lora_B")->RegisterModule(name, std::make_shared<Linear>(s.r, out, false, options));
  if (s.init == "gaussian") {
    at::NoGradGuard guard;
    a->Param("weight").normal_(0.0, 1.0 / static_cast<double>(s.r));
  } else {
    KaimingUniform(a->Param("weight"));
  }
  if (s.init == "false") KaimingUniform(b->Param("weight"));
  else b->Param("weight").detach().zero_();
  a->Param("weight").requires_grad_(true);
  b->Param("weight").requires_grad_(true);
  scaling_[name] = s.use_rslora ? s.alpha / std::sqrt(static_cast<double>(s.r)) : s.alpha / static_cast<double>(s.r);
  Train(training_);
}

void LoraLinear::DeleteAdapter(const std::string& name) {
  TORCH_CHECK(HasAdapter(name), "adapter '", name, "' does not exist on this layer");
  TORCH_CHECK(std::find(merged_.begin(), merged_.end(), name) == merged_.end(), "adapter '", name, "' is merged: unmerge it first");
  for (const char* dict : {"lora_dropout", "lora_A", "lora_B"}) Child(dict)->RemoveChild(name);
  scaling_.erase(name);
}

at::Tensor LoraLinear::DeltaWeight(const std::string& name) const {
  at::Tensor a = Child("lora_A")->Child(name)->Param("weight");
  at::Tensor b = Child("lora_B")->Child(name)->Param("weight");
  at::Tensor delta = at::matmul(b, a) * scaling_.at(name);
  return fan_in_fan_out_ ? delta.t() : delta;
}

void LoraLinear::SetDisabled(bool disabled) {
  if (disabled) Unmerge();
  disabled_ = disabled;
}

at::Tensor LoraLinear::Forward(const at::Tensor& x) {
  // Forward never writes the layer: concurrent forwards read it on several worker threads.
  if (disabled_ && merged()) {
    // Merged while disabled (SetDisabled unmerged what was merged before): PEFT's forward would
    // unmerge now; the base output is computed from the unmerged weight without writing it.
    at::Tensor weight = base_->Param("weight");
    for (auto it = merged_.rbegin(); it != merged_.rend(); ++it) {
      at::Tensor delta;
      {
        at::NoGradGuard guard;  // as Unmerge: the delta is a constant, gradients go to the base weight
        delta = DeltaWeight(*it).to(weight.scalar_type());
      }
      weight = weight - delta;
    }
    c10::optional<at::Tensor> bias;
    if (base_->HasParam("bias")) bias = base_->Param("bias");
    return at::linear(x, weight, bias);
  }
  if (disabled_) return base_->Forward(x);
  if (AdapterRouting* routing = CurrentRouting()) return MixedBatchForward(x, *routing);
  if (merged()) return base_->Forward(x);
  at::Tensor result = base_->Forward(x);
  for (const auto& name : active_) {
    if (!HasAdapter(name)) continue;
    result = result + LoraBranch(name, x);
  }
  return result;
}

at::Tensor LoraLinear::LoraBranch(const std::string& name, const at::Tensor& x) {
  at::Tensor h = RunChild(*Child("lora_dropout"), name, x);
  return RunChild(*Child("lora_B"), name, RunChild(*Child("lora_A"), name, h)) * scaling_.at(name);
}

at::Tensor LoraLinear::MixedBatchForward(const at::Tensor& x, AdapterRouting& routing) {
  routing.CheckRows(x, "a LoRA layer");
  // As PEFT's _check_forward_args: which rows a merged adapter should apply to is undefined.
  TORCH_CHECK(!merged(), "Cannot pass adapterNames when there are merged adapters: call unmerge() first");
  at::Tensor result = base_->Forward(x);
  for (AdapterGroup& group : routing.Groups(x.device())) {
    // "__base__" rows, and adapters that do not target this layer, get no LoRA delta (as PEFT).
    if (group.name == kBaseAdapter || !HasAdapter(group.name)) continue;
    if (static_cast<int64_t>(group.rows.size()) == x.size(0)) {
      result = result + LoraBranch(group.name, x);  // one adapter for the whole batch: no gather
      continue;
    }
    // Gather the group's rows, one matmul pair for all of them, scatter-add the delta back.
    at::Tensor delta = LoraBranch(group.name, x.index_select(0, group.index));
    result.index_add_(0, group.index, delta.to(result.scalar_type()));
  }
  return result;
}

std::vector<std::string> LoraLinear::AdapterNames() const {
  std::vector<std::string> names;
  for (const auto& [name, scaling] : scaling_) names.push_back(name);
  return names;
}

void LoraLinear::Merge(const std::vector<std::string>& names, bool safe) {
  at::NoGradGuard guard;
  at::Tensor& weight = base_->Param("weight");
  for (const auto& name : names) {
    // As PEFT's check_adapters_to_merge: an adapter already merged is not added a second time.
    if (!HasAdapter(name) || std::find(merged_.begin(), merged_.end(), name) != merged_.end()) continue;
    at::Tensor delta = DeltaWeight(name).to(weight.scalar_type());
    if (safe) {
      at::Tensor merged = weight + delta;
      TORCH_CHECK(at::isfinite(merged).all().item<bool>(), "NaNs detected in the merged weights. The adapter ", name, " seems to be broken");
      weight.copy_(merged);
    } else {
      weight.add_(delta);
    }
    merged_.push_back(name);
  }
}

void LoraLinear::Unmerge() {
  at::NoGradGuard guard;
  at::Tensor& weight = base_->Param("weight");
  while (!merged_.empty()) {
    weight.sub_(DeltaWeight(merged_.back()).to(weight.scalar_type()));
    merged_.pop_back();
  }
}

ModulesToSaveWrapper::ModulesToSaveWrapper(ModulePtr original) : Module("ModulesToSaveWrapper") {
  // As PEFT: a LoRA layer holds adapters of its own and cannot also be a module to save.
  TORCH_CHECK(dynamic_cast<LoraLinear*>(original.get()) == nullptr && dynamic_cast<ModulesToSaveWrapper*>(original.get()) == nullptr,
              "modules_to_save cannot be applied to modules of type ", original->type());
  JoinTreeOf(*original);
  RegisterModule("original_module", original);
  RegisterModule("modules_to_save", std::make_shared<ModuleDict>());
  for (auto& [name, t] : original->NamedParameters()) t.requires_grad_(false);
}

void ModulesToSaveWrapper::AddAdapter(const std::string& name) {
  if (HasAdapter(name)) return;
  ModulePtr copy = Child("original_module")->Clone();  // copy.deepcopy(original_module)
  for (auto& [n, t] : copy->NamedParameters()) t.requires_grad_(true);
  Child("modules_to_save")->RegisterModule(name, copy);
}

Module& ModulesToSaveWrapper::Active() {
  if (!CurrentRouting() || disabled_) return Select(disabled_)->Active();
  Module& original = Child("original_module")->Active();
  // As PEFT, which allows mixed batches only through Linear, Embedding and Conv modules to save.
  TORCH_CHECK(dynamic_cast<UnaryModule*>(&original) != nullptr, "Mixed-adapter batches (adapterNames) are only supported for modules_to_save that map ",
              "one tensor to one tensor (Linear, Embedding, LayerNorm, ...), not ", original.type(), ": drop adapterNames or this module from modules_to_save");
  return original;
}

c10::optional<at::Tensor> ModulesToSaveWrapper::RoutedForward(const at::Tensor& x) {
  AdapterRouting* routing = CurrentRouting();
  if (!routing || disabled_) return c10::nullopt;  // disabled: the original for every row, as PEFT
  routing->CheckRows(x, "a modules_to_save wrapper");
  at::Tensor result;
  for (AdapterGroup& group : routing->Groups(x.device())) {
    // A row runs what setAdapter(its adapter) would run here: the adapter's copy, else the original.
    bool own = group.name != kBaseAdapter && HasAdapter(group.name);
    ModulePtr module = own ? Child("modules_to_save")->Child(group.name) : Child("original_module");
    auto* unary = dynamic_cast<UnaryModule*>(&module->Active());
    TORCH_CHECK(unary != nullptr, "Mixed-adapter batches (adapterNames) are only supported for modules_to_save that map one tensor to one tensor, not ", module->type());
    bool whole = static_cast<int64_t>(group.rows.size()) == x.size(0);
    at::Tensor out = unary->Forward(whole ? x : x.index_select(0, group.index));
    if (whole) return out;
    if (!result.defined()) {
      std::vector<int64_t> shape = out.sizes().vec();
      shape[0] = x.size(0);
      result = at::empty(shape, out.options());  // every row is written below: the groups cover the batch
    }
    result.index_copy_(0, group.index, out);
  }
  return result;
}

ModulePtr ModulesToSaveWrapper::Select(bool disabled) const {
  if (disabled || active_.empty()) return Child("original_module");
  for (const auto& name : active_)
    if (!HasAdapter(name)) return Child("original_module");
  return Child("modules_to_save")->Child(active_.front());
}

}  // namespace peft

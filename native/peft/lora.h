// LoRA as PEFT's tuners/lora/layer.py builds it: a layer that keeps the original Linear as
// `base_layer` and, per named adapter, A (r x in), B (out x r), a dropout on the LoRA branch and
// a scaling. Merged adapters form a stack that unmerge pops. Names match PEFT's state-dict keys
// (query.base_layer.weight, query.lora_A.default.weight, ...).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "../nn/layers.h"

namespace peft {

class AdapterRouting;  // routing.h

struct LoraSettings {
  int64_t r = 8;
  double alpha = 8;
  double dropout = 0;
  bool use_rslora = false;
  std::string init = "true";  // "true" (kaiming A, zero B), "gaussian", "false" (both random)
  bool fan_in_fan_out = false;
};

class LoraLinear : public UnaryModule {
 public:
  explicit LoraLinear(std::shared_ptr<Linear> base);
  at::Tensor Forward(const at::Tensor& x) override;

  void AddAdapter(const std::string& name, const LoraSettings& settings);
  void DeleteAdapter(const std::string& name);
  bool HasAdapter(const std::string& name) const { return scaling_.count(name) > 0; }
  void SetActive(const std::vector<std::string>& names) { active_ = names; }
  // Disabling undoes merges at once, as PEFT's next forward would: forwards only read the layer.
  void SetDisabled(bool disabled);

  // W += scaling * B A for each adapter; with safe, checks the result is finite before writing.
  void Merge(const std::vector<std::string>& names, bool safe);
  void Unmerge();  // undoes every merge, last first
  bool merged() const { return !merged_.empty(); }
  at::Tensor DeltaWeight(const std::string& name) const;
  double Scaling(const std::string& name) const { return scaling_.at(name); }
  bool fan_in_fan_out() const { return fan_in_fan_out_; }
  // The adapters this layer holds (PEFT's lora_A.keys()).
  std::vector<std::string> AdapterNames() const;
  Linear& base() { return *base_; }
  std::shared_ptr<Linear> base_ptr() { return base_; }
  // A copy keeps base_ pointing at its own base_layer, not at the original's.
  ModulePtr CloneWith(CloneMemo& memo) const override;

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<LoraLinear>(*this); }

 private:
  // PEFT's _mixed_batch_forward: each adapter's rows in one gathered matmul, added back in place.
  at::Tensor MixedBatchForward(const at::Tensor& x, AdapterRouting& routing);
  at::Tensor LoraBranch(const std::string& name, const at::Tensor& x);
  std::shared_ptr<Linear> base_;
  std::map<std::string, double> scaling_;
  std::vector<std::string> active_{"default"};
  std::vector<std::string> merged_;
  bool fan_in_fan_out_ = false;
  bool disabled_ = false;
};

// PEFT's ModulesToSaveWrapper (utils/other.py): the original module, frozen, under
// `original_module`, and a trainable deep copy of it per adapter under `modules_to_save.<name>`.
// Any module can be wrapped (a Linear head, a pooler, a LayerNorm, an embedding, a whole layer):
// model code reaches the module in use through Active(), as PEFT's wrapper forwards its calls
// and attribute lookups to it.
class ModulesToSaveWrapper : public Module {
 public:
  explicit ModulesToSaveWrapper(ModulePtr original);
  void AddAdapter(const std::string& name);
  bool HasAdapter(const std::string& name) const { return Child("modules_to_save")->Child(name) != nullptr; }
  void SetActive(const std::vector<std::string>& names) { active_ = names; }
  void SetDisabled(bool disabled) { disabled_ = disabled; }
  // As PEFT's forward: the original while adapters are disabled or any active adapter has no
  // copy here, else the first active adapter's copy.
  // In a mixed-adapter batch the wrapper runs through RoutedForward; model code that reaches the
  // module itself then gets the original (for its sizes), and only a tensor-to-tensor one.
  Module& Active() override;
  // PEFT's _mixed_batch_forward: each adapter's rows through its own copy ("__base__" rows, and
  // rows of adapters without a copy here, through the original), stacked back in row order.
  c10::optional<at::Tensor> RoutedForward(const at::Tensor& x) override;
  // What merge_and_unload / unload leave in place: the module in use with adapters enabled.
  ModulePtr Unwrapped() const { return Select(false); }

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<ModulesToSaveWrapper>(*this); }

 private:
  ModulePtr Select(bool disabled) const;
  std::vector<std::string> active_{"default"};
  bool disabled_ = false;
};

}  // namespace peft

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
  void SetDisabled(bool disabled) { disabled_ = disabled; }

  // W += scaling * B A for each adapter; with safe, checks the result is finite before writing.
  void Merge(const std::vector<std::string>& names, bool safe);
  void Unmerge();  // undoes every merge, last first
  bool merged() const { return !merged_.empty(); }
  at::Tensor DeltaWeight(const std::string& name);
  Linear& base() { return *base_; }
  std::shared_ptr<Linear> base_ptr() { return base_; }

 private:
  std::shared_ptr<Linear> base_;
  std::map<std::string, double> scaling_;
  std::vector<std::string> active_{"default"};
  std::vector<std::string> merged_;
  bool fan_in_fan_out_ = false;
  bool disabled_ = false;
};

// PEFT's ModulesToSaveWrapper: the original (frozen) module plus a trainable copy per adapter,
// used while that adapter is active.
class ModulesToSaveWrapper : public UnaryModule {
 public:
  explicit ModulesToSaveWrapper(ModulePtr original);
  at::Tensor Forward(const at::Tensor& x) override;
  void AddAdapter(const std::string& name);
  void SetActive(const std::vector<std::string>& names) { active_ = names; }
  void SetDisabled(bool disabled) { disabled_ = disabled; }
  // The module merge_and_unload / unload leave in place: the active copy, or the original.
  ModulePtr Unwrapped(bool use_copy) const;

 private:
  std::vector<std::string> active_{"default"};
  bool disabled_ = false;
};

// Deep copy of a Linear (the only module kind modules_to_save copies here).
std::shared_ptr<Linear> CloneLinear(const Linear& source);

}  // namespace peft

// A small module system in the spirit of torch.nn.Module: ordered parameters, buffers and
// children whose names are the checkpoint's state-dict keys, a train/eval flag, and PyTorch's
// repr. Written here rather than taken from libtorch's C++ frontend so that LoRA can swap a
// child in place and repr() can match PyTorch's Python output exactly.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace peft {

class Module;
using ModulePtr = std::shared_ptr<Module>;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

class Module {
 public:
  explicit Module(std::string type) : type_(std::move(type)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& type() const { return type_; }
  // The text inside the parentheses of repr(), as PyTorch's extra_repr().
  virtual std::string ExtraRepr() const { return ""; }
  std::string Repr() const;

  // ---- registries ----
  at::Tensor& RegisterParameter(const std::string& name, at::Tensor value);
  void RegisterBuffer(const std::string& name, at::Tensor value);
  template <typename M>
  std::shared_ptr<M> RegisterModule(const std::string& name, std::shared_ptr<M> child) {
    children_.emplace_back(name, child);
    return child;
  }
  ModulePtr Child(const std::string& name) const;
  void ReplaceChild(const std::string& name, ModulePtr child);
  void RemoveChild(const std::string& name);
  at::Tensor& Param(const std::string& name);
  at::Tensor& Buffer(const std::string& name);
  NamedTensors& buffers() { return buffers_; }
  bool HasParam(const std::string& name) const;
  const NamedTensors& params() const { return params_; }
  const std::vector<std::pair<std::string, ModulePtr>>& children() const { return children_; }

  // ---- traversal (names joined with '.', as state-dict keys) ----
  // Shared tensors (tied weights) are listed once, under their first name, as PyTorch does.
  NamedTensors NamedParameters(bool remove_duplicate = true) const;
  NamedTensors NamedBuffers() const;
  std::vector<std::pair<std::string, ModulePtr>> NamedModules(const ModulePtr& self) const;
  // "bert.encoder.layer.0.attention.self"; throws naming the missing part.
  static ModulePtr GetSubmodule(const ModulePtr& root, const std::string& path);

  void Train(bool on);
  bool training() const { return training_; }

 protected:
  bool training_ = true;

 private:
  void CollectParameters(const std::string& prefix, NamedTensors& out, std::vector<const void*>* seen) const;

  std::string type_;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, ModulePtr>> children_;
};

// A module that maps one tensor to one tensor (Linear, LayerNorm, Dropout, LoRA Linear, ...).
class UnaryModule : public Module {
 public:
  using Module::Module;
  virtual at::Tensor Forward(const at::Tensor& x) = 0;
};

// Runs the child `name` of `parent`, which must be a UnaryModule.
at::Tensor RunChild(const Module& parent, const std::string& name, const at::Tensor& x);

}  // namespace peft

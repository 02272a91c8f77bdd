// A small module system in the spirit of torch.nn.Module: ordered parameters, buffers and
// children whose names are the checkpoint's state-dict keys, a train/eval flag, and PyTorch's
// repr. Written here rather than taken from libtorch's C++ frontend so that LoRA can swap a
// child in place and repr() can match PyTorch's Python output exactly.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "guard.h"

namespace peft {

class Module;
using ModulePtr = std::shared_ptr<Module>;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Tensors and modules already copied by one Clone(), so that what is shared inside the subtree
// (tied weights) stays shared in the copy, as copy.deepcopy's memo does.
struct CloneMemo {
  std::unordered_map<const void*, at::Tensor> tensors;
  std::unordered_map<const Module*, ModulePtr> modules;
};

class Module {
 public:
  explicit Module(std::string type) : type_(std::move(type)) {}
  virtual ~Module() = default;
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
    // The static type registered here is the concrete one (std::make_shared<BertLayer>(...)), so
    // this is where a module learns how to copy itself without every model struct saying so.
    if constexpr (std::is_same_v<M, Module> || std::is_copy_constructible_v<M>)
      if (!child->copier_ && typeid(*child) == typeid(M)) child->copier_ = &ShallowCopyOf<M>;
    child->ShareGuard(guard_);
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

  // ---- concurrency (guard.h) ----
  // The guard of the tree this module is in: a module adopts its parent's when it is registered
  // or swapped in, so every module of a model (and every JS handle on one) finds the same guard.
  ModelGuard& guard() const { return *guard_; }

  // ---- copies and wrappers ----
  // A deep copy, as copy.deepcopy(module) (what PEFT's modules_to_save makes): the same concrete
  // type and settings, its own parameters, buffers and children; requires_grad and train/eval
  // carry over. Throws for a module that cannot say how to copy itself.
  ModulePtr Clone() const;
  virtual ModulePtr CloneWith(CloneMemo& memo) const;
  // The module that runs in this one's place: itself, or for a wrapper (ModulesToSaveWrapper)
  // the module it forwards to now. Model code reaches children through it (ChildAs).
  virtual Module& Active() { return *this; }
  // What RunChild runs for a wrapper that must split the batch by rows itself (a modules_to_save
  // wrapper in a mixed-adapter batch, peft/routing.h); nullopt runs Active() as usual.
  virtual c10::optional<at::Tensor> RoutedForward(const at::Tensor& x) { return c10::nullopt; }
  // Child `name` as its concrete type M, through any wrapper; throws naming both when it is not one.
  template <typename M>
  M& ChildAs(const std::string& name) const {
    ModulePtr child = Child(name);
    TORCH_CHECK(child != nullptr, type_, " has no submodule '", name, "'");
    Module& active = child->Active();
    auto* typed = dynamic_cast<M*>(&active);
    TORCH_CHECK(typed != nullptr, type_, ".", name, " is a ", active.type(), ", not the module type this model runs there");
    return *typed;
  }

 protected:
  // Copies settings and, shallowly, the registries; CloneWith then deep-copies the registries.
  Module(const Module&) = default;
  // A copy of this module's concrete type with shared registries; null when it does not know how.
  virtual ModulePtr ShallowCopy() const { return copier_ ? copier_(*this) : nullptr; }
  template <typename M>
  static ModulePtr ShallowCopyOf(const Module& m) {
    if constexpr (std::is_same_v<M, Module>) return ModulePtr(new Module(m));
    else return std::make_shared<M>(static_cast<const M&>(m));
  }

  // For a wrapper built around a module that is already in a tree (LoRA, modules_to_save): the
  // wrapper joins that tree before it registers the module, so the module never leaves it.
  void JoinTreeOf(const Module& member) { guard_ = member.guard_; }

  bool training_ = true;

 private:
  void CollectParameters(const std::string& prefix, NamedTensors& out, std::vector<const void*>* seen) const;
  void ShareGuard(const std::shared_ptr<ModelGuard>& guard);

  std::string type_;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, ModulePtr>> children_;
  ModulePtr (*copier_)(const Module&) = nullptr;
  std::shared_ptr<ModelGuard> guard_ = std::make_shared<ModelGuard>();
};

// A module that maps one tensor to one tensor (Linear, LayerNorm, Dropout, LoRA Linear, ...).
class UnaryModule : public Module {
 public:
  using Module::Module;
  virtual at::Tensor Forward(const at::Tensor& x) = 0;
};

// Runs the child `name` of `parent`, which must be (or wrap) a UnaryModule.
at::Tensor RunChild(const Module& parent, const std::string& name, const at::Tensor& x);

// `m` as its concrete type M, through any wrapper (for the children of containers).
template <typename M>
M& As(Module& m) {
  Module& active = m.Active();
  auto* typed = dynamic_cast<M*>(&active);
  TORCH_CHECK(typed != nullptr, active.type(), " is not the module type this model runs there");
  return *typed;
}

}  // namespace peft

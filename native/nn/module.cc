#include "module.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not reached through ATen.h in libtorch 2.x)
#include <c10/util/Exception.h>

#include <algorithm>
#include <sstream>
#include <typeinfo>

namespace peft {

namespace {
// PyTorch's _addindent: every line after the first is indented by two spaces.
std::string Indent(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}
}  // namespace

std::string Module::Repr() const {
  std::vector<std::string> lines;
  std::string extra = ExtraRepr();
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  for (const auto& [name, child] : children_) lines.push_back("(" + name + "): " + Indent(child->Repr()));
  std::string out = type_ + "(";
  if (lines.size() == 1 && children_.empty()) return out + lines[0] + ")";
  if (!lines.empty()) {
    out += "\n";
    for (const auto& line : lines) out += "  " + line + "\n";
  }
  return out + ")";
}

at::Tensor& Module::RegisterParameter(const std::string& name, at::Tensor value) {
  params_.emplace_back(name, std::move(value));
  return params_.back().second;
}

void Module::RegisterBuffer(const std::string& name, at::Tensor value) { buffers_.emplace_back(name, std::move(value)); }

ModulePtr Module::Child(const std::string& name) const {
  for (const auto& [n, child] : children_)
    if (n == name) return child;
  return nullptr;
}

void Module::ReplaceChild(const std::string& name, ModulePtr child) {
  for (auto& [n, c] : children_)
    if (n == name) {
      child->ShareGuard(guard_);
      c = std::move(child);
      return;
    }
  TORCH_CHECK(false, type_, " has no submodule '", name, "'");
}

void Module::RemoveChild(const std::string& name) {
  for (auto it = children_.begin(); it != children_.end(); ++it)
    if (it->first == name) {
      children_.erase(it);
      return;
    }
  TORCH_CHECK(false, type_, " has no submodule '", name, "'");
}

at::Tensor& Module::Param(const std::string& name) {
  for (auto& [n, t] : params_)
    if (n == name) return t;
  TORCH_CHECK(false, type_, " has no parameter '", name, "'");
}

at::Tensor& Module::Buffer(const std::string& name) {
  for (auto& [n, t] : buffers_)
    if (n == name) return t;
  TORCH_CHECK(false, type_, " has no buffer '", name, "'");
}

bool Module::HasParam(const std::string& name) const {
  return std::any_of(params_.begin(), params_.end(), [&](const auto& p) { return p.first == name; });
}

void Module::CollectParameters(const std::string& prefix, NamedTensors& out, std::vector<const void*>* seen) const {
  for (const auto& [name, t] : params_) {
    if (!t.defined()) continue;
    const void* impl = t.unsafeGetTensorImpl();
    if (seen) {
      if (std::find(seen->begin(), seen->end(), impl) != seen->end()) continue;
      seen->push_back(impl);
    }
    out.emplace_back(prefix + name, t);
  }
  for (const auto& [name, child] : children_) child->CollectParameters(prefix + name + ".", out, seen);
}

NamedTensors Module::NamedParameters(bool remove_duplicate) const {
  NamedTensors out;
  std::vector<const void*> seen;
  CollectParameters("", out, remove_duplicate ? &seen : nullptr);
  return out;
}

NamedTensors Module::NamedBuffers() const {
  NamedTensors out = buffers_;
  for (const auto& [name, child] : children_)
    for (auto& [n, t] : child->NamedBuffers()) out.emplace_back(name + "." + n, t);
  return out;
}

std::vector<std::pair<std::string, ModulePtr>> Module::NamedModules(const ModulePtr& self) const {
  std::vector<std::pair<std::string, ModulePtr>> out{{"", self}};
  for (const auto& [name, child] : children_)
    for (auto& [n, m] : child->NamedModules(child)) out.emplace_back(n.empty() ? name : name + "." + n, m);
  return out;
}

ModulePtr Module::GetSubmodule(const ModulePtr& root, const std::string& path) {
  ModulePtr current = root;
  std::string walked;
  std::istringstream in(path);
  for (std::string part; std::getline(in, part, '.');) {
    ModulePtr next = current->Child(part);
    TORCH_CHECK(next != nullptr, (walked.empty() ? current->type() : walked), " has no attribute `", part, "`");
    walked += (walked.empty() ? "" : ".") + part;
    current = next;
  }
  return current;
}

void Module::Train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->Train(on);
}

void Module::ShareGuard(const std::shared_ptr<ModelGuard>& guard) {
  guard_ = guard;
  for (auto& [name, child] : children_) child->ShareGuard(guard);
}

ModulePtr Module::Clone() const {
  CloneMemo memo;
  ModulePtr copy = CloneWith(memo);
  // A copy is a tree of its own until it is registered somewhere (then it adopts that guard).
  copy->ShareGuard(std::make_shared<ModelGuard>());
  return copy;
}

namespace {
// copy.deepcopy of a tensor: new storage, same values and requires_grad, shared ones once.
at::Tensor CopyTensor(const at::Tensor& t, CloneMemo& memo) {
  if (!t.defined()) return t;
  const void* impl = t.unsafeGetTensorImpl();
  auto found = memo.tensors.find(impl);
  if (found != memo.tensors.end()) return found->second;
  at::Tensor copy;
  {
    at::NoGradGuard guard;
    copy = t.detach().clone(at::MemoryFormat::Preserve);
  }
  if (t.requires_grad()) copy.requires_grad_(true);
  memo.tensors.emplace(impl, copy);
  return copy;
}
}  // namespace

ModulePtr Module::CloneWith(CloneMemo& memo) const {
  auto found = memo.modules.find(this);
  if (found != memo.modules.end()) return found->second;
  ModulePtr copy = ShallowCopy();
  // A copy of another dynamic type would be a sliced module that runs other code.
  TORCH_CHECK(copy != nullptr && typeid(*copy) == typeid(*this), type_, " cannot be copied: node-peft does not know how to copy this module type");
  memo.modules.emplace(this, copy);
  for (auto& [name, t] : copy->params_) t = CopyTensor(t, memo);
  for (auto& [name, t] : copy->buffers_) t = CopyTensor(t, memo);
  for (auto& [name, child] : copy->children_) child = child->CloneWith(memo);
  return copy;
}

at::Tensor RunChild(const Module& parent, const std::string& name, const at::Tensor& x) {
  ModulePtr child = parent.Child(name);
  TORCH_CHECK(child != nullptr, parent.type(), " has no submodule '", name, "'");
  if (c10::optional<at::Tensor> routed = child->RoutedForward(x)) return *routed;
  Module& active = child->Active();  // through a modules_to_save wrapper to the module in use
  auto* unary = dynamic_cast<UnaryModule*>(&active);
  TORCH_CHECK(unary != nullptr, parent.type(), ".", name, " (", active.type(), ") is not a tensor-to-tensor module");
  return unary->Forward(x);
}

}  // namespace peft

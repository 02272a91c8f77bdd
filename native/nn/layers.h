// The leaf modules HuggingFace's BERT and OPT are built from, with PyTorch's names and reprs.
#pragma once

#include "dropout.h"
#include "module.h"

namespace peft {

// Formats a float the way Python's repr() does (0.1, 1e-12, 0.0).
std::string PyFloat(double value);

// Leaves create their parameters uninitialised; a loader fills them from a checkpoint and
// calls Init() for whatever the checkpoint lacks (HuggingFace's _init_weights rules).
class InitModule : public UnaryModule {
 public:
  using UnaryModule::UnaryModule;
  virtual void Init(const std::string& param, double std) = 0;
};

class Linear : public InitModule {
 public:
  Linear(int64_t in, int64_t out, bool bias, const at::TensorOptions& options);
  at::Tensor Forward(const at::Tensor& x) override;
  void Init(const std::string& param, double std) override;
  std::string ExtraRepr() const override;
  int64_t in_features, out_features;

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<Linear>(*this); }
};

class Embedding : public InitModule {
 public:
  Embedding(int64_t num, int64_t dim, int64_t padding_idx, const at::TensorOptions& options, std::string type = "Embedding");
  at::Tensor Forward(const at::Tensor& ids) override;
  void Init(const std::string& param, double std) override;
  std::string ExtraRepr() const override;
  int64_t num_embeddings, embedding_dim, padding_idx;  // padding_idx < 0: none

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<Embedding>(*this); }
};

class LayerNorm : public InitModule {
 public:
  LayerNorm(int64_t dim, double eps, bool affine, const at::TensorOptions& options);
  at::Tensor Forward(const at::Tensor& x) override;
  void Init(const std::string& param, double std) override;
  std::string ExtraRepr() const override;
  int64_t dim;
  double eps;

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<LayerNorm>(*this); }
};


class Dropout : public UnaryModule {
 public:
  explicit Dropout(double p) : UnaryModule("Dropout"), p(p) {}
  at::Tensor Forward(const at::Tensor& x) override;
  std::string ExtraRepr() const override { return "p=" + PyFloat(p) + ", inplace=False"; }
  double p;

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<Dropout>(*this); }
};

// Parameter-free activations, named as transformers' ACT2FN modules print.
class Activation : public UnaryModule {
 public:
  explicit Activation(const std::string& name);  // "gelu", "relu", "tanh", "gelu_new", "identity", ...
  at::Tensor Forward(const at::Tensor& x) override;
  std::string name;

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<Activation>(*this); }
};

// Containers: children named "0", "1", ... or by key.
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<ModuleList>(*this); }
};
class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<ModuleDict>(*this); }
};
class ParameterDict : public Module {
 public:
  ParameterDict() : Module("ParameterDict") {}

 protected:
  ModulePtr ShallowCopy() const override { return std::make_shared<ParameterDict>(*this); }
};

}  // namespace peft

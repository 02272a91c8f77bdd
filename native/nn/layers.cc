#include "layers.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <cstdio>

namespace peft {

std::string PyFloat(double value) {
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string out = buffer;
  if (out.find_first_of(".en") == std::string::npos) out += ".0";  // Python keeps floats visibly float
  return out;
}

Linear::Linear(int64_t in, int64_t out, bool bias, const at::TensorOptions& options)
    : InitModule("Linear"), in_features(in), out_features(out) {
  RegisterParameter("weight", at::empty({out, in}, options));
  if (bias) RegisterParameter("bias", at::empty({out}, options));
}

at::Tensor Linear::Forward(const at::Tensor& x) {
  c10::optional<at::Tensor> bias;
  if (HasParam("bias")) bias = Param("bias");
  return at::linear(x, Param("weight"), bias);
}

void Linear::Init(const std::string& param, double std) {
  at::NoGradGuard guard;
  if (param == "weight") Param(param).normal_(0.0, std);
  else Param(param).zero_();
}

std::string Linear::ExtraRepr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (HasParam("bias") ? "True" : "False");
}

Embedding::Embedding(int64_t num, int64_t dim, int64_t padding_idx, const at::TensorOptions& options, std::string type)
    : InitModule(std::move(type)), num_embeddings(num), embedding_dim(dim), padding_idx(padding_idx) {
  RegisterParameter("weight", at::empty({num, dim}, options));
}

at::Tensor Embedding::Forward(const at::Tensor& ids) {
  return at::embedding(Param("weight"), ids, padding_idx);
}

void Embedding::Init(const std::string& param, double std) {
  at::NoGradGuard guard;
  Param(param).normal_(0.0, std);
  if (padding_idx >= 0) Param(param)[padding_idx].zero_();
}

std::string Embedding::ExtraRepr() const {
  std::string out = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx >= 0) out += ", padding_idx=" + std::to_string(padding_idx);
  return out;
}

LayerNorm::LayerNorm(int64_t dim, double eps, bool affine, const at::TensorOptions& options)
    : InitModule("LayerNorm"), dim(dim), eps(eps) {
  if (affine) {
    RegisterParameter("weight", at::empty({dim}, options));
    RegisterParameter("bias", at::empty({dim}, options));
  }
}

at::Tensor LayerNorm::Forward(const at::Tensor& x) {
  c10::optional<at::Tensor> weight, bias;
  if (HasParam("weight")) {
    weight = Param("weight");
    bias = Param("bias");
  }
  return at::layer_norm(x, {dim}, weight, bias, eps);
}

void LayerNorm::Init(const std::string& param, double) {
  at::NoGradGuard guard;
  if (param == "weight") Param(param).fill_(1.0);
  else Param(param).zero_();
}

std::string LayerNorm::ExtraRepr() const {
  return "(" + std::to_string(dim) + ",), eps=" + PyFloat(eps) + ", elementwise_affine=" + (HasParam("weight") ? "True" : "False");
}

at::Tensor Dropout::Forward(const at::Tensor& x) {
  return DropoutFn(x, p, training_);
}

namespace {
std::string ActivationType(const std::string& name) {
  if (name == "gelu") return "GELUActivation";
  if (name == "relu") return "ReLU";
  if (name == "tanh") return "Tanh";
  if (name == "gelu_new" || name == "gelu_pytorch_tanh") return "NewGELUActivation";
  if (name == "silu" || name == "swish") return "SiLU";
  if (name == "identity") return "Identity";
  TORCH_CHECK(false, "unsupported activation function '", name, "' (supported: gelu, gelu_new, relu, tanh, silu)");
}
}  // namespace

Activation::Activation(const std::string& name) : UnaryModule(ActivationType(name)), name(name) {}

at::Tensor Activation::Forward(const at::Tensor& x) {
  if (name == "gelu") return at::gelu(x);
  if (name == "relu") return at::relu(x);
  if (name == "tanh") return at::tanh(x);
  if (name == "gelu_new" || name == "gelu_pytorch_tanh") return at::gelu(x, "tanh");
  if (name == "silu" || name == "swish") return at::silu(x);
  return x;
}

}  // namespace peft

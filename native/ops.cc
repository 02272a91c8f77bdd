// Tensor operations. Each takes handles and plain values already normalised by lib/tensor.ts;
// libtorch itself checks shapes and dtypes, and Safe<> turns its errors into TorchError.
#include <ATen/core/Reduction.h>

#include "common.h"
#include "nn/dropout.h"

namespace peft {
namespace {

using Unary = at::Tensor (*)(const at::Tensor&);
struct BinaryFns {
  at::Tensor (*tt)(const at::Tensor&, const at::Tensor&);
  at::Tensor (*ts)(const at::Tensor&, const at::Scalar&);
};

Napi::Value UnaryOp(const Napi::CallbackInfo& info) {
  auto fn = reinterpret_cast<Unary>(info.Data());
  return FromTensor(info.Env(), fn(ToTensor(info[0])));
}

// op(a, b): b is a Tensor or a number, broadcasting as libtorch does.
Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  const auto* fns = static_cast<const BinaryFns*>(info.Data());
  const at::Tensor& a = ToTensor(info[0]);
  if (AddonTensor::IsTensor(info.Env(), info[1])) return FromTensor(info.Env(), fns->tt(a, ToTensor(info[1])));
  if (fns->ts == nullptr) throw TorchError(info.Env(), "expected a Tensor as second operand");
  return FromTensor(info.Env(), fns->ts(a, ToScalar(info[1])));
}

const BinaryFns kAdd{[](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); },
                     [](const at::Tensor& a, const at::Scalar& b) { return at::add(a, b); }};
const BinaryFns kSub{[](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); },
                     [](const at::Tensor& a, const at::Scalar& b) { return at::sub(a, b); }};
const BinaryFns kMul{[](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); },
                     [](const at::Tensor& a, const at::Scalar& b) { return at::mul(a, b); }};
const BinaryFns kDiv{[](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); },
                     [](const at::Tensor& a, const at::Scalar& b) { return at::div(a, b); }};
const BinaryFns kPow{[](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); },
                     [](const at::Tensor& a, const at::Scalar& b) { return at::pow(a, b); }};
const BinaryFns kEq{[](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); },
                    [](const at::Tensor& a, const at::Scalar& b) { return at::eq(a, b); }};
const BinaryFns kNe{[](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); },
                    [](const at::Tensor& a, const at::Scalar& b) { return at::ne(a, b); }};
const BinaryFns kLt{[](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); },
                    [](const at::Tensor& a, const at::Scalar& b) { return at::lt(a, b); }};
const BinaryFns kLe{[](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); },
                    [](const at::Tensor& a, const at::Scalar& b) { return at::le(a, b); }};
const BinaryFns kGt{[](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); },
                    [](const at::Tensor& a, const at::Scalar& b) { return at::gt(a, b); }};
const BinaryFns kGe{[](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); },
                    [](const at::Tensor& a, const at::Scalar& b) { return at::ge(a, b); }};
const BinaryFns kMaximum{[](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }, nullptr};
const BinaryFns kMinimum{[](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }, nullptr};
const BinaryFns kMatmul{[](const at::Tensor& a, const at::Tensor& b) { return at::matmul(a, b); }, nullptr};
const BinaryFns kBmm{[](const at::Tensor& a, const at::Tensor& b) { return at::bmm(a, b); }, nullptr};

// In-place ops return nothing: the JS Tensor keeps its handle, whose storage changed.
struct InplaceFns {
  void (*tt)(at::Tensor&, const at::Tensor&);
  void (*ts)(at::Tensor&, const at::Scalar&);
};

Napi::Value InplaceOp(const Napi::CallbackInfo& info) {
  const auto* fns = static_cast<const InplaceFns*>(info.Data());
  at::Tensor a = ToTensor(info[0]);
  if (AddonTensor::IsTensor(info.Env(), info[1])) fns->tt(a, ToTensor(info[1]));
  else if (fns->ts != nullptr) fns->ts(a, ToScalar(info[1]));
  else throw TorchError(info.Env(), "expected a Tensor as second operand");
  return info.Env().Undefined();
}

const InplaceFns kAddInplace{[](at::Tensor& a, const at::Tensor& b) { a.add_(b); }, [](at::Tensor& a, const at::Scalar& b) { a.add_(b); }};
const InplaceFns kSubInplace{[](at::Tensor& a, const at::Tensor& b) { a.sub_(b); }, [](at::Tensor& a, const at::Scalar& b) { a.sub_(b); }};
const InplaceFns kMulInplace{[](at::Tensor& a, const at::Tensor& b) { a.mul_(b); }, [](at::Tensor& a, const at::Scalar& b) { a.mul_(b); }};
const InplaceFns kDivInplace{[](at::Tensor& a, const at::Tensor& b) { a.div_(b); }, [](at::Tensor& a, const at::Scalar& b) { a.div_(b); }};
const InplaceFns kCopyInplace{[](at::Tensor& a, const at::Tensor& b) { a.copy_(b); }, [](at::Tensor& a, const at::Scalar& b) { a.fill_(b); }};

int64_t ToReduction(const Napi::Value& value) {
  std::string r = value.IsString() ? value.As<Napi::String>().Utf8Value() : "mean";
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw TorchError(value.Env(), "unknown reduction '" + r + "' (expected 'mean', 'sum' or 'none')");
}

// ---- reductions: (t, dims | null, keepdim) ----
Napi::Value Sum(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  if (info[1].IsUndefined() || info[1].IsNull()) return FromTensor(info.Env(), t.sum());
  return FromTensor(info.Env(), t.sum(ToIntList(info[1], "dim"), ToBool(info[2], false)));
}

Napi::Value Mean(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  if (info[1].IsUndefined() || info[1].IsNull()) return FromTensor(info.Env(), t.mean());
  return FromTensor(info.Env(), t.mean(ToIntList(info[1], "dim"), ToBool(info[2], false)));
}

// max/min(t, dim?, keepdim): with a dim, [values, indices] like torch.max(t, dim).
template <bool IsMax>
Napi::Value Extreme(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  if (info[1].IsUndefined() || info[1].IsNull()) return FromTensor(info.Env(), IsMax ? t.max() : t.min());
  auto [values, indices] = IsMax ? t.max(ToInt(info[1], "dim"), ToBool(info[2], false))
                                 : t.min(ToInt(info[1], "dim"), ToBool(info[2], false));
  return FromTensorList(info.Env(), {values, indices});
}

template <bool IsMax>
Napi::Value ArgExtreme(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  c10::optional<int64_t> dim = ToOptionalInt(info[1]);
  bool keepdim = ToBool(info[2], false);
  return FromTensor(info.Env(), IsMax ? t.argmax(dim, keepdim) : t.argmin(dim, keepdim));
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), at::softmax(ToTensor(info[0]), ToInt(info[1], "dim")));
}

Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), at::log_softmax(ToTensor(info[0]), ToInt(info[1], "dim")));
}

// ---- shape ----
Napi::Value Reshape(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).reshape(ToIntList(info[1], "shape")));
}
Napi::Value View(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).view(ToIntList(info[1], "shape")));
}
Napi::Value Permute(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).permute(ToIntList(info[1], "dims")));
}
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).transpose(ToInt(info[1], "dim0"), ToInt(info[2], "dim1")));
}
Napi::Value Squeeze(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  if (info[1].IsUndefined() || info[1].IsNull()) return FromTensor(info.Env(), t.squeeze());
  return FromTensor(info.Env(), t.squeeze(ToInt(info[1], "dim")));
}
Napi::Value Unsqueeze(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).unsqueeze(ToInt(info[1], "dim")));
}
Napi::Value Expand(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).expand(ToIntList(info[1], "shape")));
}
Napi::Value Flatten(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).flatten(ToInt(info[1], "startDim"), ToInt(info[2], "endDim")));
}
Napi::Value Cat(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), at::cat(ToTensorList(info[0]), ToInt(info[1], "dim")));
}
Napi::Value Stack(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), at::stack(ToTensorList(info[0]), ToInt(info[1], "dim")));
}
// split(t, size | sizes, dim)
Napi::Value Split(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  int64_t dim = ToInt(info[2], "dim");
  if (info[1].IsArray()) return FromTensorList(info.Env(), t.split_with_sizes(ToIntList(info[1], "sizes"), dim));
  return FromTensorList(info.Env(), t.split(ToInt(info[1], "splitSize"), dim));
}
Napi::Value Chunk(const Napi::CallbackInfo& info) {
  return FromTensorList(info.Env(), ToTensor(info[0]).chunk(ToInt(info[1], "chunks"), ToInt(info[2], "dim")));
}
Napi::Value Narrow(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).narrow(ToInt(info[1], "dim"), ToInt(info[2], "start"), ToInt(info[3], "length")));
}
Napi::Value Select(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).select(ToInt(info[1], "dim"), ToInt(info[2], "index")));
}
Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).index_select(ToInt(info[1], "dim"), ToTensor(info[2], "index")));
}
Napi::Value Gather(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).gather(ToInt(info[1], "dim"), ToTensor(info[2], "index")));
}
Napi::Value MaskedFill(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), ToTensor(info[0]).masked_fill(ToTensor(info[1], "mask"), ToScalar(info[2])));
}
// where(condition, a, b): a and b may be numbers.
Napi::Value Where(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& cond = ToTensor(info[0], "condition");
  bool ta = AddonTensor::IsTensor(env, info[1]), tb = AddonTensor::IsTensor(env, info[2]);
  if (ta && tb) return FromTensor(env, at::where(cond, ToTensor(info[1]), ToTensor(info[2])));
  if (ta) return FromTensor(env, at::where(cond, ToTensor(info[1]), ToScalar(info[2])));
  if (tb) return FromTensor(env, at::where(cond, ToScalar(info[1]), ToTensor(info[2])));
  return FromTensor(env, at::where(cond, ToScalar(info[1]), ToScalar(info[2])));
}

// ---- selection and sampling ----
// topk(t, k, dim, largest) -> [values, indices]
Napi::Value Topk(const Napi::CallbackInfo& info) {
  auto [values, indices] = at::topk(ToTensor(info[0]), ToInt(info[1], "k"), ToInt(info[2], "dim"), ToBool(info[3], true));
  return FromTensorList(info.Env(), {values, indices});
}
// sort(t, dim, descending) -> [values, indices]
Napi::Value Sort(const Napi::CallbackInfo& info) {
  auto [values, indices] = at::sort(ToTensor(info[0]), ToInt(info[1], "dim"), ToBool(info[2], false));
  return FromTensorList(info.Env(), {values, indices});
}
Napi::Value Cumsum(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), at::cumsum(ToTensor(info[0]), ToInt(info[1], "dim")));
}
// multinomial(probs, numSamples, replacement): draws from libtorch's seeded generator.
Napi::Value Multinomial(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), at::multinomial(ToTensor(info[0]), ToInt(info[1], "numSamples"), ToBool(info[2], false)));
}
// scatter(t, dim, index, src | value)
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  int64_t dim = ToInt(info[1], "dim");
  const at::Tensor& index = ToTensor(info[2], "index");
  if (AddonTensor::IsTensor(info.Env(), info[3])) return FromTensor(info.Env(), t.scatter(dim, index, ToTensor(info[3], "src")));
  return FromTensor(info.Env(), t.scatter(dim, index, ToScalar(info[3])));
}

// ---- nn ----
Napi::Value Linear(const Napi::CallbackInfo& info) {
  c10::optional<at::Tensor> bias = ToOptionalTensor(info[2]);
  return FromTensor(info.Env(), at::linear(ToTensor(info[0], "input"), ToTensor(info[1], "weight"), bias));
}
// embedding(weight, indices, paddingIdx?)
Napi::Value Embedding(const Napi::CallbackInfo& info) {
  int64_t padding = ToOptionalInt(info[2]).value_or(-1);
  return FromTensor(info.Env(), at::embedding(ToTensor(info[0], "weight"), ToTensor(info[1], "indices"), padding));
}
// layerNorm(x, normalizedShape, weight?, bias?, eps)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  c10::optional<at::Tensor> weight = ToOptionalTensor(info[2]), bias = ToOptionalTensor(info[3]);
  double eps = ToOptionalDouble(info[4]).value_or(1e-5);
  return FromTensor(info.Env(), at::layer_norm(ToTensor(info[0]), ToIntList(info[1], "normalizedShape"), weight, bias, eps));
}
Napi::Value Gelu(const Napi::CallbackInfo& info) {
  std::string approximate = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "none";
  return FromTensor(info.Env(), at::gelu(ToTensor(info[0]), approximate));
}
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), DropoutFn(ToTensor(info[0]), info[1].As<Napi::Number>().DoubleValue(), ToBool(info[2], false)));
}
Napi::Value Clamp(const Napi::CallbackInfo& info) {
  c10::optional<at::Scalar> lo, hi;
  if (info[1].IsNumber()) lo = ToScalar(info[1]);
  if (info[2].IsNumber()) hi = ToScalar(info[2]);
  return FromTensor(info.Env(), at::clamp(ToTensor(info[0]), lo, hi));
}
// crossEntropy(input, target, weight?, reduction, ignoreIndex, labelSmoothing)
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  c10::optional<at::Tensor> weight = ToOptionalTensor(info[2]);
  int64_t ignore = ToOptionalInt(info[4]).value_or(-100);
  double smoothing = ToOptionalDouble(info[5]).value_or(0.0);
  return FromTensor(info.Env(), at::cross_entropy_loss(ToTensor(info[0], "input"), ToTensor(info[1], "target"), weight,
                                                       ToReduction(info[3]), ignore, smoothing));
}
Napi::Value MseLoss(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), at::mse_loss(ToTensor(info[0], "input"), ToTensor(info[1], "target"), ToReduction(info[2])));
}
Napi::Value BceWithLogits(const Napi::CallbackInfo& info) {
  return FromTensor(info.Env(), at::binary_cross_entropy_with_logits(ToTensor(info[0], "input"), ToTensor(info[1], "target"),
                                                                     c10::nullopt, c10::nullopt, ToReduction(info[2])));
}
// to(t, dtype?, device?)
Napi::Value To(const Napi::CallbackInfo& info) {
  const at::Tensor& t = ToTensor(info[0]);
  at::ScalarType dtype = info[1].IsString() ? ToDtype(info[1]) : t.scalar_type();
  c10::Device device = info[2].IsString() ? ToDevice(info[2]) : t.device();
  return FromTensor(info.Env(), t.to(device, dtype));
}

void ExportUnary(Napi::Env env, Napi::Object exports, const char* name, Unary fn) {
  exports.Set(name, Napi::Function::New(env, Safe<UnaryOp>, name, reinterpret_cast<void*>(fn)));
}
void ExportInplace(Napi::Env env, Napi::Object exports, const char* name, const InplaceFns& fns) {
  exports.Set(name, Napi::Function::New(env, Safe<InplaceOp>, name, const_cast<InplaceFns*>(&fns)));
}
void ExportBinary(Napi::Env env, Napi::Object exports, const char* name, const BinaryFns& fns) {
  exports.Set(name, Napi::Function::New(env, Safe<BinaryOp>, name, const_cast<BinaryFns*>(&fns)));
}

void RegisterElementwise(Napi::Env env, Napi::Object e) {
  ExportUnary(env, e, "neg", [](const at::Tensor& t) { return t.neg(); });
  ExportUnary(env, e, "sqrt", [](const at::Tensor& t) { return t.sqrt(); });
  ExportUnary(env, e, "rsqrt", [](const at::Tensor& t) { return t.rsqrt(); });
  ExportUnary(env, e, "exp", [](const at::Tensor& t) { return t.exp(); });
  ExportUnary(env, e, "log", [](const at::Tensor& t) { return t.log(); });
  ExportUnary(env, e, "abs", [](const at::Tensor& t) { return t.abs(); });
  ExportUnary(env, e, "relu", [](const at::Tensor& t) { return t.relu(); });
  ExportUnary(env, e, "tanh", [](const at::Tensor& t) { return t.tanh(); });
  ExportUnary(env, e, "sigmoid", [](const at::Tensor& t) { return t.sigmoid(); });
  ExportUnary(env, e, "contiguous", [](const at::Tensor& t) { return t.contiguous(); });
  ExportUnary(env, e, "clone", [](const at::Tensor& t) { return t.clone(); });
  ExportUnary(env, e, "detach", [](const at::Tensor& t) { return t.detach(); });
  ExportBinary(env, e, "add", kAdd);
  ExportBinary(env, e, "sub", kSub);
  ExportBinary(env, e, "mul", kMul);
  ExportBinary(env, e, "div", kDiv);
  ExportBinary(env, e, "pow", kPow);
  ExportBinary(env, e, "eq", kEq);
  ExportBinary(env, e, "ne", kNe);
  ExportBinary(env, e, "lt", kLt);
  ExportBinary(env, e, "le", kLe);
  ExportBinary(env, e, "gt", kGt);
  ExportBinary(env, e, "ge", kGe);
  ExportBinary(env, e, "maximum", kMaximum);
  ExportBinary(env, e, "minimum", kMinimum);
  ExportBinary(env, e, "matmul", kMatmul);
  ExportBinary(env, e, "bmm", kBmm);
  ExportInplace(env, e, "add_", kAddInplace);
  ExportInplace(env, e, "sub_", kSubInplace);
  ExportInplace(env, e, "mul_", kMulInplace);
  ExportInplace(env, e, "div_", kDivInplace);
  ExportInplace(env, e, "copy_", kCopyInplace);
}

}  // namespace

void RegisterOps(Napi::Env env, Napi::Object e) {
  RegisterElementwise(env, e);
  Export<Sum>(env, e, "sum");
  Export<Mean>(env, e, "mean");
  Export<Extreme<true>>(env, e, "max");
  Export<Extreme<false>>(env, e, "min");
  Export<ArgExtreme<true>>(env, e, "argmax");
  Export<ArgExtreme<false>>(env, e, "argmin");
  Export<Softmax>(env, e, "softmax");
  Export<LogSoftmax>(env, e, "logSoftmax");
  Export<Reshape>(env, e, "reshape");
  Export<View>(env, e, "view");
  Export<Permute>(env, e, "permute");
  Export<Transpose>(env, e, "transpose");
  Export<Squeeze>(env, e, "squeeze");
  Export<Unsqueeze>(env, e, "unsqueeze");
  Export<Expand>(env, e, "expand");
  Export<Flatten>(env, e, "flatten");
  Export<Cat>(env, e, "cat");
  Export<Stack>(env, e, "stack");
  Export<Split>(env, e, "split");
  Export<Chunk>(env, e, "chunk");
  Export<Narrow>(env, e, "narrow");
  Export<Select>(env, e, "select");
  Export<IndexSelect>(env, e, "indexSelect");
  Export<Gather>(env, e, "gather");
  Export<MaskedFill>(env, e, "maskedFill");
  Export<Where>(env, e, "where");
  Export<Topk>(env, e, "topk");
  Export<Sort>(env, e, "sort");
  Export<Cumsum>(env, e, "cumsum");
  Export<Multinomial>(env, e, "multinomial");
  Export<Scatter>(env, e, "scatter");
  Export<Linear>(env, e, "linear");
  Export<Embedding>(env, e, "embedding");
  Export<LayerNorm>(env, e, "layerNorm");
  Export<Gelu>(env, e, "gelu");
  Export<Dropout>(env, e, "dropout");
  Export<Clamp>(env, e, "clamp");
  Export<CrossEntropy>(env, e, "crossEntropy");
  Export<MseLoss>(env, e, "mseLoss");
  Export<BceWithLogits>(env, e, "bceWithLogits");
  Export<To>(env, e, "to");
}

}  // namespace peft

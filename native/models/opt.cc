#include "opt.h"

#include <c10/util/Exception.h>

#include "../nn/linear_cross_entropy.h"
#include "checks.h"

#include <cmath>

namespace peft {
namespace {

using O = at::TensorOptions;

struct OPTAttention : Module {
  int64_t heads, head_dim;
  double dropout;
  OPTAttention(const OPTConfig& c, const O& o) : Module("OPTAttention"), dropout(c.attention_dropout) {
    TORCH_CHECK(c.num_attention_heads > 0 && c.hidden_size % c.num_attention_heads == 0, "hidden_size (", c.hidden_size,
                ") is not a multiple of num_attention_heads (", c.num_attention_heads, ")");
    heads = c.num_attention_heads;
    head_dim = c.hidden_size / heads;
    for (const char* name : {"k_proj", "v_proj", "q_proj", "out_proj"})
      RegisterModule(name, std::make_shared<Linear>(c.hidden_size, c.hidden_size, c.enable_bias, o));
  }
  at::Tensor Split(const at::Tensor& x) const {
    return x.view({x.size(0), x.size(1), heads, head_dim}).transpose(1, 2);
  }
  // mask: [B, 1, T, S] additive; k_cache/v_cache extended in place when given.
  at::Tensor Forward(const at::Tensor& h, const at::Tensor& mask, at::Tensor* k_cache, at::Tensor* v_cache) {
    at::Tensor k = Split(RunChild(*this, "k_proj", h));
    at::Tensor v = Split(RunChild(*this, "v_proj", h));
    if (k_cache) {
      if (k_cache->defined()) {
        k = at::cat({*k_cache, k}, 2);
        v = at::cat({*v_cache, v}, 2);
      }
      *k_cache = k;
      *v_cache = v;
    }
#ifdef NODE_PEFT_HAS_SDPA
    if (UseSdpa()) {
      // Finite mask values keep fully masked (left-padded) rows uniform, as transformers' clamp does.
      at::Tensor m = at::clamp_min(mask, MaskValue(mask.scalar_type())).to(k.scalar_type());
      at::Tensor q = Split(RunChild(*this, "q_proj", h));
      at::Tensor context = at::scaled_dot_product_attention(q, k, v, m, training_ ? dropout : 0.0, false);
      return RunChild(*this, "out_proj", context.transpose(1, 2).reshape({h.size(0), h.size(1), heads * head_dim}));
    }
#endif
    at::Tensor q = Split(RunChild(*this, "q_proj", h) * std::pow(static_cast<double>(head_dim), -0.5));
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) + mask;
    // transformers clamps at finfo.min: fully masked rows (left padding) become uniform, not NaN.
    scores = at::clamp_min(scores, MaskValue(scores.scalar_type()));
    at::Tensor probs = scores.scalar_type() == at::kHalf ? at::softmax(scores, -1, at::kFloat).to(at::kHalf) : at::softmax(scores, -1);
    probs = DropoutFn(probs, dropout, training_);
    at::Tensor context = at::matmul(probs, v).transpose(1, 2).reshape({h.size(0), h.size(1), heads * head_dim});
    return RunChild(*this, "out_proj", context);
  }
};

struct OPTDecoderLayer : Module {
  bool pre_norm;
  double dropout;
  OPTDecoderLayer(const OPTConfig& c, const O& o) : Module("OPTDecoderLayer"), pre_norm(c.do_layer_norm_before), dropout(c.dropout) {
    RegisterModule("self_attn", std::make_shared<OPTAttention>(c, o));
    RegisterModule("activation_fn", std::make_shared<Activation>(c.activation_function));
    RegisterModule("self_attn_layer_norm", std::make_shared<LayerNorm>(c.hidden_size, 1e-5, c.layer_norm_elementwise_affine, o));
    RegisterModule("fc1", std::make_shared<Linear>(c.hidden_size, c.ffn_dim, c.enable_bias, o));
    RegisterModule("fc2", std::make_shared<Linear>(c.ffn_dim, c.hidden_size, c.enable_bias, o));
    RegisterModule("final_layer_norm", std::make_shared<LayerNorm>(c.hidden_size, 1e-5, c.layer_norm_elementwise_affine, o));
  }
  at::Tensor Drop(const at::Tensor& x) { return DropoutFn(x, dropout, training_); }
  at::Tensor Forward(at::Tensor h, const at::Tensor& mask, at::Tensor* k_cache, at::Tensor* v_cache) {
    at::Tensor residual = h;
    if (pre_norm) h = RunChild(*this, "self_attn_layer_norm", h);
    h = residual + Drop(ChildAs<OPTAttention>("self_attn").Forward(h, mask, k_cache, v_cache));
    if (!pre_norm) h = RunChild(*this, "self_attn_layer_norm", h);
    residual = h;
    if (pre_norm) h = RunChild(*this, "final_layer_norm", h);
    h = RunChild(*this, "fc2", RunChild(*this, "activation_fn", RunChild(*this, "fc1", h)));
    h = residual + Drop(h);
    if (!pre_norm) h = RunChild(*this, "final_layer_norm", h);
    return h;
  }
};

// Causal mask over past + new positions combined with the padding mask, as transformers 4.29
// builds it (two finfo.min terms may add to -inf; attention clamps them back).
at::Tensor DecoderMask(const at::Tensor& attention_mask, int64_t new_len, int64_t past_len, at::ScalarType dtype) {
  double minimum = MaskValue(dtype);
  int64_t total = past_len + new_len;
  O options = attention_mask.options().dtype(dtype);
  at::Tensor causal = at::full({new_len, new_len}, minimum, options).triu(1);
  if (past_len > 0) causal = at::cat({at::zeros({new_len, past_len}, options), causal}, 1);
  at::Tensor padding = (1.0 - attention_mask.to(dtype)).view({attention_mask.size(0), 1, 1, total}) * minimum;
  return padding + causal.view({1, 1, new_len, total});
}

// Positions count the attended tokens of each row (offset 2); more than max_position_embeddings
// of them run past the learned position table.
void CheckPositions(const at::Tensor& positions, int64_t past, int64_t new_len, int64_t max_positions) {
  int64_t longest = positions.max().item<int64_t>() - 1;
  TORCH_CHECK(longest <= max_positions, "a row has ", longest, " attended tokens (", past, " earlier + ", new_len,
              " new) but this model's max_position_embeddings is ", max_positions, ": shorten the input, or generate fewer tokens (maxNewTokens)");
}

struct OPTDecoder : Module {
  OPTConfig config;
  OPTDecoder(const OPTConfig& c, const O& o) : Module("OPTDecoder"), config(c) {
    RegisterModule("embed_tokens", std::make_shared<Embedding>(c.vocab_size, c.word_embed_proj_dim, c.pad_token_id, o));
    RegisterModule("embed_positions", std::make_shared<Embedding>(c.max_position_embeddings + 2, c.hidden_size, -1, o, "OPTLearnedPositionalEmbedding"));
    if (c.word_embed_proj_dim != c.hidden_size) {
      RegisterModule("project_out", std::make_shared<Linear>(c.hidden_size, c.word_embed_proj_dim, false, o));
      RegisterModule("project_in", std::make_shared<Linear>(c.word_embed_proj_dim, c.hidden_size, false, o));
    }
    if (c.do_layer_norm_before && !c.remove_final_layer_norm)
      RegisterModule("final_layer_norm", std::make_shared<LayerNorm>(c.hidden_size, 1e-5, c.layer_norm_elementwise_affine, o));
    auto layers = RegisterModule("layers", std::make_shared<ModuleList>());
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->RegisterModule(std::to_string(i), std::make_shared<OPTDecoderLayer>(c, o));
  }
  ModelOutputs Forward(const ModelInputs& in, KVCache* cache);
};

ModelOutputs OPTDecoder::Forward(const ModelInputs& in, KVCache* cache) {
  TORCH_CHECK(in.input_ids.dim() == 2, "input_ids must be [batch, seq_len], got ", in.input_ids.sizes());
  CheckIdsInRange(in.input_ids, "input_ids", config.vocab_size, "vocab_size", "were the ids made by this model's tokenizer?");
  int64_t batch = in.input_ids.size(0), new_len = in.input_ids.size(1);
  int64_t past = cache ? cache->length() : 0;
  at::Tensor mask = in.attention_mask.defined() ? in.attention_mask : at::ones({batch, past + new_len}, in.input_ids.options());
  TORCH_CHECK(mask.dim() == 2 && mask.size(1) == past + new_len, "attention_mask must be [batch, ", past + new_len, "], got ", mask.sizes());
  // Learned positions count only attended tokens, so left padding does not shift them (offset 2).
  at::Tensor positions = (at::cumsum(mask, 1) * mask).to(at::kLong) - 1;
  positions = positions.narrow(1, past, new_len) + 2;
  if (past + new_len > config.max_position_embeddings) CheckPositions(positions, past, new_len, config.max_position_embeddings);
  at::Tensor h = RunChild(*this, "embed_tokens", in.input_ids);
  if (Child("project_in")) h = RunChild(*this, "project_in", h);
  h = h + RunChild(*this, "embed_positions", positions);
  h = DropoutFn(h, config.dropout, training_);
  at::Tensor additive = DecoderMask(mask, new_len, past, h.scalar_type());
  ModelOutputs out;
  const auto& layers = ChildAs<Module>("layers").children();
  if (cache && cache->keys.empty()) cache->keys.resize(layers.size()), cache->values.resize(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    if (in.output_hidden_states) out.hidden_states.push_back(h);
    h = As<OPTDecoderLayer>(*layers[i].second).Forward(h, additive, cache ? &cache->keys[i] : nullptr, cache ? &cache->values[i] : nullptr);
  }
  if (Child("final_layer_norm")) h = RunChild(*this, "final_layer_norm", h);
  if (Child("project_out")) h = RunChild(*this, "project_out", h);
  if (in.output_hidden_states) out.hidden_states.push_back(h);
  out.last_hidden_state = h;
  return out;
}

struct OPTModel : Module {
  OPTModel(const OPTConfig& c, const O& o) : Module("OPTModel") { RegisterModule("decoder", std::make_shared<OPTDecoder>(c, o)); }
  ModelOutputs Forward(const ModelInputs& in, KVCache* cache) { return ChildAs<OPTDecoder>("decoder").Forward(in, cache); }
};

struct OPTForCausalLM : Module {
  OPTConfig config;
  OPTForCausalLM(const OPTConfig& c, const O& o) : Module("OPTForCausalLM"), config(c) {
    auto model = RegisterModule("model", std::make_shared<OPTModel>(c, o));
    auto head = RegisterModule("lm_head", std::make_shared<Linear>(c.word_embed_proj_dim, c.vocab_size, false, o));
    head->Param("weight") = Module::GetSubmodule(model, "decoder.embed_tokens")->Param("weight");  // tied
  }
  at::Tensor NextTokenLogits(const ModelInputs& in, KVCache& cache) {
    ModelOutputs out = ChildAs<OPTModel>("model").Forward(in, &cache);
    return RunChild(*this, "lm_head", out.last_hidden_state.select(1, -1));
  }
  ModelOutputs Forward(const ModelInputs& in, KVCache* cache) {
    ModelOutputs out = ChildAs<OPTModel>("model").Forward(in, cache);
    if (in.labels.defined()) {
      TORCH_CHECK(in.labels.sizes() == in.input_ids.sizes(), "labels must have the shape of input_ids ", in.input_ids.sizes(), ", got ", in.labels.sizes());
    }
    auto* head = dynamic_cast<Linear*>(Child("lm_head").get());
    if (in.labels.defined() && !in.return_logits && head) {
      out.loss = ChunkedLoss(out.last_hidden_state, *head, in.labels);
      return out;
    }
    out.logits = RunChild(*this, "lm_head", out.last_hidden_state);
    if (in.labels.defined()) {
      int64_t len = out.logits.size(1);
      at::Tensor shifted = out.logits.narrow(1, 0, len - 1).reshape({-1, config.vocab_size});
      out.loss = at::cross_entropy_loss(shifted, in.labels.narrow(1, 1, len - 1).reshape({-1}).to(at::kLong));
    }
    return out;
  }
  // The shifted causal-LM loss of transformers' OPTForCausalLM, computed without the full logits.
  // (A LoRA-wrapped lm_head is not a plain Linear and takes the ordinary path above.)
  static at::Tensor ChunkedLoss(const at::Tensor& h, Linear& head, const at::Tensor& labels) {
    int64_t len = h.size(1);
    at::Tensor rows = h.narrow(1, 0, len - 1).reshape({-1, h.size(2)});
    at::Tensor bias = head.HasParam("bias") ? head.Param("bias") : at::Tensor();
    return LinearCrossEntropy(rows, head.Param("weight"), bias, labels.narrow(1, 1, len - 1).reshape({-1}));
  }
};

}  // namespace

at::Tensor OPTNextTokenLogits(Module& model, const ModelInputs& in, KVCache& cache) {
  auto* causal = dynamic_cast<OPTForCausalLM*>(&model);
  TORCH_CHECK(causal != nullptr, model.type(), " cannot generate: it has no language-model head");
  return causal->NextTokenLogits(in, cache);
}

ModulePtr MakeOPT(const std::string& head, const OPTConfig& config, const at::TensorOptions& options) {
  if (head == "opt") return std::make_shared<OPTModel>(config, options);
  if (head == "causal") return std::make_shared<OPTForCausalLM>(config, options);
  TORCH_CHECK(false, "unknown OPT head '", head, "'");
}

ModelOutputs OPTForward(Module& model, const ModelInputs& in, KVCache* cache) {
  if (auto* m = dynamic_cast<OPTForCausalLM*>(&model)) return m->Forward(in, cache);
  if (auto* m = dynamic_cast<OPTModel*>(&model)) return m->Forward(in, cache);
  TORCH_CHECK(false, model.type(), " is not an OPT model");
}

}  // namespace peft

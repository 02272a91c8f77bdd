#include "bert.h"

#include <c10/util/Exception.h>

#include "../nn/linear_cross_entropy.h"
#include "checks.h"

#include <cmath>

namespace peft {
namespace {

using O = at::TensorOptions;

struct BertEmbeddings : Module {
  BertEmbeddings(const BertConfig& c, const O& o) : Module("BertEmbeddings") {
    RegisterModule("word_embeddings", std::make_shared<Embedding>(c.vocab_size, c.hidden_size, c.pad_token_id, o));
    RegisterModule("position_embeddings", std::make_shared<Embedding>(c.max_position_embeddings, c.hidden_size, -1, o));
    RegisterModule("token_type_embeddings", std::make_shared<Embedding>(c.type_vocab_size, c.hidden_size, -1, o));
    RegisterModule("LayerNorm", std::make_shared<LayerNorm>(c.hidden_size, c.layer_norm_eps, true, o));
    RegisterModule("dropout", std::make_shared<Dropout>(c.hidden_dropout_prob));
    // Saved in transformers 4.x checkpoints (bert.embeddings.position_ids), so kept as a buffer.
    RegisterBuffer("position_ids", at::arange(c.max_position_embeddings, o.dtype(at::kLong)).unsqueeze(0));
  }
  at::Tensor Forward(const at::Tensor& ids, at::Tensor token_types) {
    int64_t length = ids.size(1);
    CheckIdsInRange(ids, "input_ids", ChildAs<Embedding>("word_embeddings").num_embeddings, "vocab_size",
                    "were the ids made by this model's tokenizer?");
    int64_t max_length = ChildAs<Embedding>("position_embeddings").num_embeddings;
    TORCH_CHECK(length <= max_length, "input_ids has ", length, " tokens per row but this model's max_position_embeddings is ",
                max_length, ": truncate the input to at most ", max_length, " tokens (tokenizer.batch(texts, {truncation: true, maxLength: ",
                max_length, "}))");
    if (token_types.defined()) {
      TORCH_CHECK(token_types.sizes() == ids.sizes(), "token_type_ids must have the shape of input_ids ", ids.sizes(), ", got ", token_types.sizes());
      CheckIdsInRange(token_types, "token_type_ids", ChildAs<Embedding>("token_type_embeddings").num_embeddings, "type_vocab_size",
                      "BERT's token types are 0 for the first text and 1 for the second");
    }
    at::Tensor positions = Buffer("position_ids").narrow(1, 0, length).to(ids.device());
    if (!token_types.defined()) token_types = at::zeros_like(ids);
    at::Tensor h = RunChild(*this, "word_embeddings", ids) + RunChild(*this, "token_type_embeddings", token_types) +
                   RunChild(*this, "position_embeddings", positions);
    return RunChild(*this, "dropout", RunChild(*this, "LayerNorm", h));
  }
};

struct BertSelfAttention : Module {
  int64_t heads, head_dim;
  BertSelfAttention(const BertConfig& c, const O& o) : Module("BertSelfAttention") {
    TORCH_CHECK(c.num_attention_heads > 0 && c.hidden_size % c.num_attention_heads == 0, "hidden_size (", c.hidden_size,
                ") is not a multiple of num_attention_heads (", c.num_attention_heads, ")");
    heads = c.num_attention_heads;
    head_dim = c.hidden_size / heads;
    for (const char* name : {"query", "key", "value"})
      RegisterModule(name, std::make_shared<Linear>(c.hidden_size, c.hidden_size, true, o));
    RegisterModule("dropout", std::make_shared<Dropout>(c.attention_probs_dropout_prob));
  }
  at::Tensor Split(const at::Tensor& x) const {  // [B, T, H] -> [B, heads, T, head_dim]
    return x.view({x.size(0), x.size(1), heads, head_dim}).permute({0, 2, 1, 3});
  }
  at::Tensor Forward(const at::Tensor& h, const at::Tensor& mask) {
    at::Tensor q = Split(RunChild(*this, "query", h));
    at::Tensor k = Split(RunChild(*this, "key", h));
    at::Tensor v = Split(RunChild(*this, "value", h));
#ifdef NODE_PEFT_HAS_SDPA
    if (UseSdpa()) {
      double p = training_ ? ChildAs<Dropout>("dropout").p : 0.0;
      c10::optional<at::Tensor> m;
      if (mask.defined()) m = mask.to(q.scalar_type());
      at::Tensor context = at::scaled_dot_product_attention(q, k, v, m, p, false).permute({0, 2, 1, 3}).contiguous();
      return context.view({context.size(0), context.size(1), heads * head_dim});
    }
#endif
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
    if (mask.defined()) scores = scores + mask;
    at::Tensor probs = RunChild(*this, "dropout", at::softmax(scores, -1));
    at::Tensor context = at::matmul(probs, v).permute({0, 2, 1, 3}).contiguous();
    return context.view({context.size(0), context.size(1), heads * head_dim});
  }
};

// BertSelfOutput and BertOutput: dense, dropout, then LayerNorm over the residual sum.
struct BertResidual : Module {
  BertResidual(const char* type, int64_t in, const BertConfig& c, const O& o) : Module(type) {
    RegisterModule("dense", std::make_shared<Linear>(in, c.hidden_size, true, o));
    RegisterModule("LayerNorm", std::make_shared<LayerNorm>(c.hidden_size, c.layer_norm_eps, true, o));
    RegisterModule("dropout", std::make_shared<Dropout>(c.hidden_dropout_prob));
  }
  at::Tensor Forward(const at::Tensor& h, const at::Tensor& residual) {
    at::Tensor x = RunChild(*this, "dropout", RunChild(*this, "dense", h));
    return RunChild(*this, "LayerNorm", x + residual);
  }
};

struct BertAttention : Module {
  BertAttention(const BertConfig& c, const O& o) : Module("BertAttention") {
    RegisterModule("self", std::make_shared<BertSelfAttention>(c, o));
    RegisterModule("output", std::make_shared<BertResidual>("BertSelfOutput", c.hidden_size, c, o));
  }
  at::Tensor Forward(const at::Tensor& h, const at::Tensor& mask) {
    at::Tensor a = ChildAs<BertSelfAttention>("self").Forward(h, mask);
    return ChildAs<BertResidual>("output").Forward(a, h);
  }
};

struct BertIntermediate : Module {
  BertIntermediate(const BertConfig& c, const O& o) : Module("BertIntermediate") {
    RegisterModule("dense", std::make_shared<Linear>(c.hidden_size, c.intermediate_size, true, o));
    RegisterModule("intermediate_act_fn", std::make_shared<Activation>(c.hidden_act));
  }
};

struct BertLayer : Module {
  BertLayer(const BertConfig& c, const O& o) : Module("BertLayer") {
    RegisterModule("attention", std::make_shared<BertAttention>(c, o));
    RegisterModule("intermediate", std::make_shared<BertIntermediate>(c, o));
    RegisterModule("output", std::make_shared<BertResidual>("BertOutput", c.intermediate_size, c, o));
  }
  at::Tensor Forward(const at::Tensor& h, const at::Tensor& mask) {
    at::Tensor a = ChildAs<BertAttention>("attention").Forward(h, mask);
    const Module& inter = ChildAs<Module>("intermediate");
    at::Tensor i = RunChild(inter, "intermediate_act_fn", RunChild(inter, "dense", a));
    return ChildAs<BertResidual>("output").Forward(i, a);
  }
};

struct BertEncoder : Module {
  BertEncoder(const BertConfig& c, const O& o) : Module("BertEncoder") {
    auto layers = RegisterModule("layer", std::make_shared<ModuleList>());
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->RegisterModule(std::to_string(i), std::make_shared<BertLayer>(c, o));
  }
  at::Tensor Forward(at::Tensor h, const at::Tensor& mask, std::vector<at::Tensor>* states) {
    for (const auto& [name, layer] : ChildAs<Module>("layer").children()) {
      h = As<BertLayer>(*layer).Forward(h, mask);
      if (states) states->push_back(h);
    }
    return h;
  }
};

struct BertPooler : Module {
  BertPooler(const BertConfig& c, const O& o) : Module("BertPooler") {
    RegisterModule("dense", std::make_shared<Linear>(c.hidden_size, c.hidden_size, true, o));
    RegisterModule("activation", std::make_shared<Activation>("tanh"));
  }
  at::Tensor Forward(const at::Tensor& h) {
    return RunChild(*this, "activation", RunChild(*this, "dense", h.select(1, 0)));
  }
};

struct BertModel : Module {
  BertModel(const BertConfig& c, const O& o, bool pooler) : Module("BertModel") {
    RegisterModule("embeddings", std::make_shared<BertEmbeddings>(c, o));
    RegisterModule("encoder", std::make_shared<BertEncoder>(c, o));
    if (pooler) RegisterModule("pooler", std::make_shared<BertPooler>(c, o));
  }
  ModelOutputs Forward(const ModelInputs& in);
};

// [B, T] 1/0 mask -> [B, 1, 1, T] additive mask, as get_extended_attention_mask.
at::Tensor ExtendedMask(const at::Tensor& mask, at::ScalarType dtype) {
  if (!mask.defined()) return mask;
  TORCH_CHECK(mask.dim() == 2, "attention_mask must be [batch, seq_len], got ", mask.sizes());
  at::Tensor m = mask.unsqueeze(1).unsqueeze(2).to(dtype);
  return (1.0 - m) * MaskValue(dtype);
}

ModelOutputs BertModel::Forward(const ModelInputs& in) {
  TORCH_CHECK(in.input_ids.dim() == 2, "input_ids must be [batch, seq_len], got ", in.input_ids.sizes());
  ModelOutputs out;
  at::Tensor h = ChildAs<BertEmbeddings>("embeddings").Forward(in.input_ids, in.token_type_ids);
  if (in.output_hidden_states) out.hidden_states.push_back(h);
  at::Tensor mask = ExtendedMask(in.attention_mask, h.scalar_type());
  h = ChildAs<BertEncoder>("encoder").Forward(h, mask, in.output_hidden_states ? &out.hidden_states : nullptr);
  out.last_hidden_state = h;
  if (Child("pooler")) out.pooler_output = ChildAs<BertPooler>("pooler").Forward(h);
  return out;
}

at::Tensor SequenceLoss(const BertConfig& c, const at::Tensor& logits, const at::Tensor& labels) {
  std::string problem = c.problem_type;
  if (problem.empty()) {
    if (c.num_labels == 1) problem = "regression";
    else if (labels.scalar_type() == at::kLong || labels.scalar_type() == at::kInt) problem = "single_label_classification";
    else problem = "multi_label_classification";
  }
  if (problem == "regression")
    return c.num_labels == 1 ? at::mse_loss(logits.squeeze(), labels.squeeze().to(logits.scalar_type()))
                             : at::mse_loss(logits, labels.to(logits.scalar_type()));
  if (problem == "single_label_classification")
    return at::cross_entropy_loss(logits.view({-1, c.num_labels}), labels.view({-1}).to(at::kLong));
  return at::binary_cross_entropy_with_logits(logits, labels.to(logits.scalar_type()));
}

struct BertForSequenceClassification : Module {
  BertConfig config;
  BertForSequenceClassification(const BertConfig& c, const O& o) : Module("BertForSequenceClassification"), config(c) {
    RegisterModule("bert", std::make_shared<BertModel>(c, o, true));
    RegisterModule("dropout", std::make_shared<Dropout>(c.classifier_dropout >= 0 ? c.classifier_dropout : c.hidden_dropout_prob));
    RegisterModule("classifier", std::make_shared<Linear>(c.hidden_size, c.num_labels, true, o));
  }
  ModelOutputs Forward(const ModelInputs& in) {
    ModelOutputs out = ChildAs<BertModel>("bert").Forward(in);
    out.logits = RunChild(*this, "classifier", RunChild(*this, "dropout", out.pooler_output));
    if (in.labels.defined()) out.loss = SequenceLoss(config, out.logits, in.labels);
    return out;
  }
};

struct BertForMaskedLM : Module {
  BertConfig config;
  BertForMaskedLM(const BertConfig& c, const O& o) : Module("BertForMaskedLM"), config(c) {
    auto bert = RegisterModule("bert", std::make_shared<BertModel>(c, o, false));
    auto cls = RegisterModule("cls", std::make_shared<Module>("BertOnlyMLMHead"));
    auto predictions = cls->RegisterModule("predictions", std::make_shared<Module>("BertLMPredictionHead"));
    auto transform = predictions->RegisterModule("transform", std::make_shared<Module>("BertPredictionHeadTransform"));
    transform->RegisterModule("dense", std::make_shared<Linear>(c.hidden_size, c.hidden_size, true, o));
    transform->RegisterModule("transform_act_fn", std::make_shared<Activation>(c.hidden_act));
    transform->RegisterModule("LayerNorm", std::make_shared<LayerNorm>(c.hidden_size, c.layer_norm_eps, true, o));
    auto decoder = predictions->RegisterModule("decoder", std::make_shared<Linear>(c.hidden_size, c.vocab_size, true, o));
    // Tied as transformers ties them: the decoder's weight is the word embeddings, its bias is predictions.bias.
    ModulePtr words = Module::GetSubmodule(bert, "embeddings.word_embeddings");
    decoder->Param("weight") = words->Param("weight");
    predictions->RegisterParameter("bias", decoder->Param("bias"));
  }
  static at::Tensor Transform(const Module& transform, const at::Tensor& h) {
    return RunChild(transform, "LayerNorm", RunChild(transform, "transform_act_fn", RunChild(transform, "dense", h)));
  }
  // Training's loss without logits: only the positions with a label (the ~15% masked tokens) go
  // through the head, and their vocabulary projection + cross-entropy run in chunks
  // (nn/linear_cross_entropy). The mean over labelled positions is transformers' loss.
  at::Tensor MaskedLoss(const Module& predictions, const at::Tensor& hidden, const at::Tensor& labels) {
    at::Tensor flat = labels.reshape({-1});
    at::Tensor rows = flat.ne(-100).nonzero().squeeze(1);
    at::Tensor h = Transform(predictions.ChildAs<Module>("transform"), hidden.reshape({-1, hidden.size(-1)}).index_select(0, rows));
    auto* decoder = dynamic_cast<Linear*>(predictions.Child("decoder").get());
    at::Tensor bias = decoder->HasParam("bias") ? decoder->Param("bias") : at::Tensor();
    return LinearCrossEntropy(h, decoder->Param("weight"), bias, flat.index_select(0, rows));
  }
  ModelOutputs Forward(const ModelInputs& in) {
    ModelOutputs out = ChildAs<BertModel>("bert").Forward(in);
    const Module& predictions = ChildAs<Module>("cls").ChildAs<Module>("predictions");
    if (in.labels.defined() && !in.return_logits && dynamic_cast<Linear*>(predictions.Child("decoder").get())) {
      out.loss = MaskedLoss(predictions, out.last_hidden_state, in.labels);
      return out;
    }
    at::Tensor h = Transform(predictions.ChildAs<Module>("transform"), out.last_hidden_state);
    out.logits = RunChild(predictions, "decoder", h);
    if (in.labels.defined()) out.loss = at::cross_entropy_loss(out.logits.view({-1, config.vocab_size}), in.labels.view({-1}));
    return out;
  }
};

}  // namespace

ModulePtr MakeBert(const std::string& head, const BertConfig& config, const at::TensorOptions& options) {
  if (head == "bert") return std::make_shared<BertModel>(config, options, true);
  if (head == "seqcls") return std::make_shared<BertForSequenceClassification>(config, options);
  if (head == "mlm") return std::make_shared<BertForMaskedLM>(config, options);
  TORCH_CHECK(false, "unknown BERT head '", head, "'");
}

ModelOutputs BertForward(Module& model, const ModelInputs& in) {
  if (auto* m = dynamic_cast<BertForSequenceClassification*>(&model)) return m->Forward(in);
  if (auto* m = dynamic_cast<BertForMaskedLM*>(&model)) return m->Forward(in);
  if (auto* m = dynamic_cast<BertModel*>(&model)) return m->Forward(in);
  TORCH_CHECK(false, model.type(), " is not a BERT model");
}

}  // namespace peft

// JS entry points for models: build one from a normalised config, run forward (sync or on a
// worker thread). Configs arrive already validated and defaulted by lib/models/*.ts.
#include "../async.h"
#include "../nn/module_wrap.h"
#include "../peft/routing.h"
#include "forward.h"
#include "cache.h"
#include "opt.h"

namespace peft {
namespace {

int64_t Int(const Napi::Object& o, const char* key) { return ToInt(o.Get(key), key); }
double Num(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Number>().DoubleValue(); }
bool Bool(const Napi::Object& o, const char* key) { return ToBool(o.Get(key), false); }
std::string Str(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}

BertConfig ToBertConfig(const Napi::Object& o) {
  BertConfig c;
  c.vocab_size = Int(o, "vocab_size");
  c.hidden_size = Int(o, "hidden_size");
  c.num_hidden_layers = Int(o, "num_hidden_layers");
  c.num_attention_heads = Int(o, "num_attention_heads");
  c.intermediate_size = Int(o, "intermediate_size");
  c.max_position_embeddings = Int(o, "max_position_embeddings");
  c.type_vocab_size = Int(o, "type_vocab_size");
  c.pad_token_id = Int(o, "pad_token_id");
  c.hidden_dropout_prob = Num(o, "hidden_dropout_prob");
  c.attention_probs_dropout_prob = Num(o, "attention_probs_dropout_prob");
  c.layer_norm_eps = Num(o, "layer_norm_eps");
  c.initializer_range = Num(o, "initializer_range");
  c.classifier_dropout = o.Get("classifier_dropout").IsNumber() ? Num(o, "classifier_dropout") : -1;
  c.hidden_act = Str(o, "hidden_act");
  c.num_labels = Int(o, "num_labels");
  c.problem_type = Str(o, "problem_type");
  return c;
}

OPTConfig ToOPTConfig(const Napi::Object& o) {
  OPTConfig c;
  c.vocab_size = Int(o, "vocab_size");
  c.hidden_size = Int(o, "hidden_size");
  c.num_hidden_layers = Int(o, "num_hidden_layers");
  c.num_attention_heads = Int(o, "num_attention_heads");
  c.ffn_dim = Int(o, "ffn_dim");
  c.max_position_embeddings = Int(o, "max_position_embeddings");
  c.word_embed_proj_dim = Int(o, "word_embed_proj_dim");
  c.pad_token_id = Int(o, "pad_token_id");
  c.do_layer_norm_before = Bool(o, "do_layer_norm_before");
  c.remove_final_layer_norm = Bool(o, "_remove_final_layer_norm");
  c.enable_bias = Bool(o, "enable_bias");
  c.layer_norm_elementwise_affine = Bool(o, "layer_norm_elementwise_affine");
  c.dropout = Num(o, "dropout");
  c.attention_dropout = Num(o, "attention_dropout");
  c.init_std = Num(o, "init_std");
  c.activation_function = Str(o, "activation_function");
  return c;
}

// createModel(family, head, config, dtype?, device?) -> module with uninitialised parameters
Napi::Value CreateModel(const Napi::CallbackInfo& info) {
  std::string family = info[0].As<Napi::String>().Utf8Value();
  std::string head = info[1].As<Napi::String>().Utf8Value();
  Napi::Object config = info[2].As<Napi::Object>();
  at::TensorOptions options = ToOptions(info[3], info[4]);
  if (!options.has_dtype()) options = options.dtype(at::kFloat);
  if (family == "bert") return AddonModule::Wrap(info.Env(), MakeBert(head, ToBertConfig(config), options));
  if (family == "opt") return AddonModule::Wrap(info.Env(), MakeOPT(head, ToOPTConfig(config), options));
  throw TorchError(info.Env(), "unknown model family '" + family + "'");
}

Napi::Value Forward(const Napi::CallbackInfo& info) {
  ModulePtr model = ToModule(info[0]);
  model->guard().CheckReadable("forwardSync()");  // runs on this thread: no hold needed
  return FromOutputs(info.Env(), RunForward(*model, ToInputs(info[1].As<Napi::Object>())));
}

Napi::Value ForwardAsync(const Napi::CallbackInfo& info) {
  ModulePtr model = ToModule(info[0]);  // the shared_ptr keeps the model alive while the worker runs
  ModelInputs in = ToInputs(info[1].As<Napi::Object>());
  // Held until the result is delivered: no structural change can free or rewrite what it reads.
  Lease hold = model->guard().Hold(ModelWork::kForward, "forward()");
  return PromiseWorker<ModelOutputs>::Start(
      info.Env(), "node-peft:forward", [model, in]() { return RunForward(*model, in); },
      [](Napi::Env env, ModelOutputs& out) { return FromOutputs(env, out); }, std::move(hold));
}

// moduleTo(model, dtype?, device?): converts parameters (floating ones only for dtype) and
// buffers in place, keeping every tensor's identity so tied weights stay tied.
Napi::Value ModuleTo(const Napi::CallbackInfo& info) {
  ModulePtr model = ToModule(info[0]);
  model->guard().CheckIdle("to()");
  c10::optional<at::ScalarType> dtype;
  if (info[1].IsString()) dtype = ToDtype(info[1]);
  c10::optional<c10::Device> device;
  if (info[2].IsString()) device = ToDevice(info[2]);
  at::NoGradGuard guard;
  auto convert = [&](at::Tensor& t) {
    at::ScalarType target = dtype && t.is_floating_point() ? *dtype : t.scalar_type();
    at::Tensor moved = t.to(device.value_or(t.device()), target);
    if (!moved.is_same(t)) t.set_data(moved);  // as param.data = ...: may change dtype, keeps identity
  };
  for (auto& [name, t] : model->NamedParameters(false)) convert(t);
  for (auto& [name, t] : model->NamedBuffers()) convert(t);
  return info.Env().Undefined();
}

// generationStepAsync(model, cache, inputIds, attentionMask, adapterNames?) -> logits [B, vocab]
Napi::Value GenerationStepAsync(const Napi::CallbackInfo& info) {
  ModulePtr model = ToModule(info[0]);
  CachePtr cache = ToCache(info[1]);
  ModelInputs in;
  in.input_ids = ToTensor(info[2], "inputIds");
  in.attention_mask = ToTensor(info[3], "attentionMask");
  if (info[4].IsArray()) in.adapter_names = ToStringList(info[4], "adapterNames");
  Lease hold = Both(model->guard().Hold(ModelWork::kGenerationStep, "generate()"), HoldCache(cache));
  return QueueTensor(
      info.Env(), "node-peft:generate",
      [model, cache, in]() {
        at::NoGradGuard guard;  // generation never needs a graph
        RoutingScope routing(in.adapter_names, in.input_ids.size(0));  // this step's rows, on this worker
        return OPTNextTokenLogits(*model, in, cache->cache);
      },
      std::move(hold));
}

}  // namespace

void RegisterModels(Napi::Env env, Napi::Object e) {
  Export<ModuleTo>(env, e, "moduleTo");
  RegisterCache(env, e);
  Export<GenerationStepAsync>(env, e, "generationStepAsync");
  Export<CreateModel>(env, e, "createModel");
  Export<Forward>(env, e, "modelForward");
  Export<ForwardAsync>(env, e, "modelForwardAsync");
}

}  // namespace peft

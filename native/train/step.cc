// The training step as one native call on a worker thread: forward with labels, loss, backward,
// and at an accumulation boundary gradient clipping, the optimizer step, the scheduler step and
// freeing the gradients — transformers 4.29 Trainer's training_step plus the update in
// _inner_training_loop, with nothing crossing into JS in between.
#include <cmath>
#include <limits>

#include "../async.h"
#include "../distributed/binding.h"
#include "../models/forward.h"
#include "../nn/module_wrap.h"
#include "../optim/binding.h"

namespace peft {
namespace {

struct StepRequest {
  ModulePtr model;
  ModelInputs inputs;
  int64_t loss_divisor = 1;  // gradient_accumulation_steps: the loss is divided before backward
  OptimizerPtr optimizer;    // set at an accumulation boundary: clip, step, schedule, free grads
  SchedulerPtr scheduler;
  double max_grad_norm = 0;  // <= 0: no clipping
  GradSyncPtr grad_sync;     // data parallel: gradients averaged over the ranks before clipping
  bool stop_requested = false;  // data parallel: this rank was asked to stop (told to every rank)
};

struct StepResult {
  double loss = 0;          // the model's loss (mean over the micro-batch)
  double scaled_loss = 0;   // loss / loss_divisor in float32: what the Trainer accumulates for its log
  double grad_norm = std::numeric_limits<double>::quiet_NaN();  // before clipping, when clipped
  bool finite = true;       // false: no backward ran (the caller stops training)
  bool updated = false;
  bool stop_requested = false;  // data parallel: some rank was asked to stop after this step
  std::vector<double> lr;   // each group's lr after the scheduler step
};

std::vector<at::Tensor> ParametersWithGrad(Module& model) {
  std::vector<at::Tensor> out;
  for (auto& [name, p] : model.NamedParameters())
    if (p.grad().defined()) out.push_back(p);
  return out;
}

StepResult RunStep(const StepRequest& r) {
  StepResult result;
  ModelOutputs out = RunForward(*r.model, r.inputs);
  TORCH_CHECK(out.loss.defined(), "the model returned no loss: the batch needs labels");
  result.loss = out.loss.item<double>();
  // Under data parallelism every rank joins the all-reduce of an update, also one whose loss is
  // not finite (it skips its backward and sends a flag that makes every rank report it).
  const bool sync = r.grad_sync && r.optimizer;
  if (!std::isfinite(result.loss)) {
    result.finite = false;
    if (!sync) return result;
  }
  if (r.grad_sync) r.grad_sync->Begin(sync, result.finite, r.stop_requested);
  if (result.finite) {
    at::Tensor loss = r.loss_divisor > 1 ? out.loss / r.loss_divisor : out.loss;
    result.scaled_loss = loss.item<double>();
    loss.backward();
  }
  out = ModelOutputs();  // the graph is gone after backward; drop the activations' last holders
  if (sync) {
    GradSync::Outcome all = r.grad_sync->Finish();
    result.finite = result.finite && all.all_finite;
    result.stop_requested = all.any_stop;
  }
  if (!result.finite && r.optimizer) r.optimizer->ZeroGrad(true);
  if (!r.optimizer || !result.finite) return result;
  // transformers clips over model.parameters(): every parameter that received a gradient.
  if (r.max_grad_norm > 0) result.grad_norm = ClipGradNorm(ParametersWithGrad(*r.model), r.max_grad_norm, 2.0, false).item<double>();
  r.optimizer->Step();
  if (r.scheduler) r.scheduler->Step();
  r.optimizer->ZeroGrad(true);
  result.updated = true;
  for (const auto& g : r.optimizer->groups()) result.lr.push_back(g.lr);
  return result;
}

Napi::Value FromResult(Napi::Env env, const StepResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", r.loss);
  o.Set("scaledLoss", r.scaled_loss);
  o.Set("gradNorm", std::isnan(r.grad_norm) ? env.Null() : Napi::Value(Napi::Number::New(env, r.grad_norm)));
  o.Set("finite", r.finite);
  o.Set("updated", r.updated);
  o.Set("stopRequested", r.stop_requested);
  Napi::Array lr = Napi::Array::New(env, r.lr.size());
  for (size_t i = 0; i < r.lr.size(); ++i) lr.Set(static_cast<uint32_t>(i), r.lr[i]);
  o.Set("lr", lr);
  return o;
}

// trainStepAsync(model, inputs, {lossDivisor, optimizer?, scheduler?, maxGradNorm, gradSync?, stopRequested?}) -> result
Napi::Value TrainStepAsync(const Napi::CallbackInfo& info) {
  StepRequest r;
  r.model = ToModule(info[0]);
  r.inputs = ToInputs(info[1].As<Napi::Object>());
  r.inputs.return_logits = false;  // the step needs the loss only (OPT: chunked lm_head + loss)
  Napi::Object o = info[2].As<Napi::Object>();
  r.loss_divisor = o.Get("lossDivisor").IsNumber() ? ToInt(o.Get("lossDivisor"), "lossDivisor") : 1;
  if (o.Get("optimizer").IsExternal()) r.optimizer = OptimizerFromJs(o.Get("optimizer"));
  if (o.Get("scheduler").IsExternal()) r.scheduler = SchedulerFromJs(o.Get("scheduler"));
  if (o.Get("maxGradNorm").IsNumber()) r.max_grad_norm = o.Get("maxGradNorm").As<Napi::Number>().DoubleValue();
  if (o.Get("gradSync").IsExternal()) r.grad_sync = GradSyncFromJs(o.Get("gradSync"));
  r.stop_requested = ToBool(o.Get("stopRequested"), false);
  Lease hold = HoldForTrainingStep(r.model->guard(), r.optimizer != nullptr);  // nn/guard.h
  return PromiseWorker<StepResult>::Start(
      info.Env(), "node-peft:train-step", [r]() { return RunStep(r); },
      [](Napi::Env env, StepResult& result) { return FromResult(env, result); }, std::move(hold));
}

}  // namespace

void RegisterTrain(Napi::Env env, Napi::Object e) {
  Export<TrainStepAsync>(env, e, "trainStepAsync");
}

}  // namespace peft

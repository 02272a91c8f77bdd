// A model's concurrency contract, enforced. Every module of one tree shares one ModelGuard (set on
// registration, replacement and clone: see Module), so a handle on any submodule finds it.
//
// - Forwards, generation steps and training steps without an update are readers: they hold the
//   guard shared from the moment they are queued until their result is delivered, and any number
//   run at once (they only read the weights and the adapter maps).
// - A training step that updates the weights holds it exclusively: nothing else may run on the
//   model meanwhile, and it starts only on an idle model.
// - Structural changes (merge, unmerge, unload, add/delete/set/disable adapters, modules_to_save,
//   to(), requiresGrad_(), train()/eval(), loading weights) need an idle model and otherwise fail
//   at once with BusyError "model is busy: ...; await them before <operation>". They run on the JS
//   thread, which cannot block on a worker, so they do not wait.
//
// Used on JS threads only (holds are taken when work is queued and dropped when it settles).
#pragma once

#include <memory>
#include <string>

#include "../busy.h"

namespace peft {

// kGenerate: a whole generate() (taken from JS, across its steps); kGenerationStep: one step.
enum class ModelWork { kForward, kGenerate, kGenerationStep, kTrainStep, kUpdate, kCount };

class ModelGuard : public std::enable_shared_from_this<ModelGuard> {
 public:
  // A hold for work about to be queued; `operation` names it in the error when it may not start.
  Lease Hold(ModelWork kind, const std::string& operation);
  // Nothing in flight on the model, nor any backward pass or update (CheckIdle would pass).
  bool IsIdle() const;
  // Throws BusyError unless nothing is in flight on the model (nor any backward pass or update,
  // which read the weights the forward used).
  void CheckIdle(const std::string& operation) const;
  // Throws BusyError while a training step updates the weights (a synchronous forward would read
  // them half-updated).
  void CheckReadable(const std::string& operation) const;

 private:
  std::string InFlight() const;
  int Count(ModelWork kind) const { return counts_[static_cast<int>(kind)]; }
  int counts_[static_cast<int>(ModelWork::kCount)] = {};
};

// A training step holds its model as a reader, or as its exclusive writer when it updates the
// weights (an optimizer is given), and counts as a backward pass (and an update) for busy.h.
Lease HoldForTrainingStep(ModelGuard& guard, bool updates);

}  // namespace peft
